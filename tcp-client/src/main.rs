//! tcp-client: connect, send, then read the whole reply, where the notebook reads one `recv`.
//! The notebook's cell itself, in under 40 lines, is examples/minimal-tcp-client.rs: start there.
//!
//! Notebook, "Cliente TCP": `sock.connect(('python.org', 80))`, `sock.sendall(...)`, `data =
//! sock.recv(4096)`, `sock.close()`, in `try/except ConnectionError/finally`; and the last cell of
//! "Servidor TCP", a client of port 9000 (our default). We connect (by name or IP, IPv4 or IPv6),
//! send `--send TEXT` or stdin, and copy all the server sends to stdout (our notes: stderr).
//!
//! Try it in two terminals (what each prints follows `#`), then with netcat as the client:
//!     cargo run -p tcp-server                     # prints "listening on 127.0.0.1:9000"
//!     cargo run -p tcp-client -- --send hello     # prints "Thanks for connecting\nhello"
//!     echo hi | cargo run -p tcp-client           # prints "Thanks for connecting\nhi"
//!     printf 'hello\n' | nc -N 127.0.0.1 9000     # prints "Thanks for connecting\nhello"

use std::ffi::OsString;
use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, Interrupted};
use std::io::ErrorKind::{NotConnected, TimedOut, WouldBlock};
use std::io::{self, IsTerminal, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: u16 = 9000;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
const BUFFER_SIZE: usize = 64 * 1024;

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(exit_code) => return exit_code,
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            say(format!("tcp-client: {error}"));
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> io::Result<()> {
    let stream = connect(args)?;
    say(format!("connected to {}", stream.peer_addr()?));
    stream.set_write_timeout(Some(args.timeout))?; // a server that stops reading fails us

    // Send and receive at the same time. Sending everything first would deadlock on a large
    // payload: an echo server stops reading once its replies fill our unread receive buffer.
    // The sender is a thread of its own; when it is done, it says when on `input_ended`.
    let writer = stream.try_clone()?; // a second handle on the same socket, for the thread
    let text = args.send.clone();
    let (done, input_ended) = mpsc::channel();
    let sender = thread::Builder::new().spawn(move || {
        let sent = send(&writer, text.as_deref());
        if sent.is_err() {
            let _ = writer.shutdown(Shutdown::Both); // which ends the receiver's wait too
        }
        let _ = done.send(Instant::now());
        sent
    })?;
    match receive(&stream, args.timeout, &input_ended) {
        // The server closed. It may have closed only its writing half and still read, so we
        // wait for the sender, and report how it ended (send() never panics).
        Ok(()) => sender.join().unwrap_or(Ok(())),
        // `| head -c 5` closed our stdout: the reader has what it wanted, so end quietly.
        Err(error) if error.kind() == BrokenPipe => Ok(()),
        // Any other failure ends the program now, without the sender: it may be blocked
        // reading a stdin that stays open, which nothing can interrupt.
        Err(error) => Err(error),
    }
}

/// Python: sock.connect((host, port)). A name can resolve to several addresses (IPv6 and IPv4):
/// try each in turn, each with a timeout, and keep the first that answers.
fn connect(args: &Args) -> io::Result<TcpStream> {
    let (host, port) = (args.host.as_str(), args.port);
    let addresses = (host, port).to_socket_addrs();
    let addresses = addresses.map_err(|error| failed(&format!("cannot resolve {host}"), error))?;
    let mut last_error = io::Error::new(io::ErrorKind::NotFound, "no address of that family");
    for address in addresses {
        if args.ipv6.is_some_and(|v6| address.is_ipv6() != v6) {
            continue; // -4 or -6 said which family, and this address is of the other
        }
        match TcpStream::connect_timeout(&address, args.timeout) {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = error,
        }
    }
    let what = format!("cannot connect to {host} port {port}: {last_error}");
    Err(io::Error::new(last_error.kind(), what))
}

/// Python: sock.sendall(...). Then shut down our writing half: that is how the server learns we
/// are done (its read returns 0), while we can still read its reply. `close` would end both ways.
fn send(mut stream: &TcpStream, text: Option<&str>) -> io::Result<()> {
    let sent = match text {
        Some(text) => stream.write_all(text.as_bytes()),
        None if !io::stdin().is_terminal() => {
            io::copy(&mut io::stdin().lock(), &mut stream).map(drop)
        }
        None => Ok(()), // an interactive terminal and no --send: just read what the server says
    };
    sent.map_err(|error| failed("sending", error))?;
    stream.shutdown(Shutdown::Write).map_err(|error| failed("sending", error))
}

/// Copy the server's bytes to stdout until it closes. One `recv(4096)`, as in the notebook,
/// returns whatever has arrived so far: a longer reply needs reading until read returns 0.
///
/// The timeout measures the server's silence while we wait on it. While we still have input to
/// send, it may well say nothing (an echo server waits for us; nc waits too). Once our input
/// has ended, `timeout` without a byte from the server is an error.
fn receive(
    mut stream: &TcpStream,
    timeout: Duration,
    input_ended: &Receiver<Instant>,
) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    let mut buffer = vec![0; BUFFER_SIZE];
    let mut ended = None; // when our input ended, once the sender says so
    let mut heard = Instant::now(); // when the server last sent us a byte
    stream.set_read_timeout(Some(timeout))?;
    loop {
        let count = match stream.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(count) => count,
            Err(error) if error.kind() == Interrupted => continue,
            // A read timeout shows up as WouldBlock on Unix and TimedOut on Windows.
            Err(error) if matches!(error.kind(), WouldBlock | TimedOut) => {
                ended = ended.or(input_ended.try_recv().ok());
                let Some(ended) = ended else { continue }; // still sending: wait on
                let silence = ended.max(heard).elapsed();
                if silence >= timeout {
                    let waited = timeout.as_secs_f64();
                    let why = format!("no data from the server for {waited} s after we were done");
                    return Err(io::Error::new(TimedOut, format!("timed out: {why}")));
                }
                stream.set_read_timeout(Some(timeout - silence))?; // the rest of it
                continue;
            }
            Err(error) => return Err(failed("receiving", error)),
        };
        heard = Instant::now();
        // Flush each chunk, so an interactive server's partial line shows up at once.
        stdout.write_all(&buffer[..count])?;
        stdout.flush()?;
    }
}

/// Name what failed, keep the OS's reason and error kind: `what failed: why`.
fn failed(what: &str, error: io::Error) -> io::Error {
    let why = match error.kind() {
        // A server that closes without reading all we sent (the notebook's does) makes its
        // kernel reset the connection: our next read or send then fails, in one of these ways.
        ConnectionReset | ConnectionAborted | NotConnected | BrokenPipe => {
            "the server closed without reading what we sent, so its side reset the connection"
        }
        // A write timeout (WouldBlock on Unix, TimedOut on Windows): its buffer stayed full.
        WouldBlock | TimedOut => "timed out: the server stopped reading what we sent",
        _ => return io::Error::new(error.kind(), format!("{what}: {error}")),
    };
    io::Error::new(error.kind(), format!("{what}: {why} ({error})"))
}

/// One line on stderr, written at once: `eprintln!` makes a system call per piece of the line.
fn say(line: String) {
    let _ = io::stderr().write_all(format!("{line}\n").as_bytes());
}

// ---- Command line: plumbing, kept out of the socket story above ----

const USAGE: &str = "\
usage: tcp-client [--send TEXT] [--timeout SECS] [-4|-6] [HOST] [PORT]
  Connects, sends TEXT (or stdin when it is not a terminal), prints all the server sends.
  HOST            name or address to connect to (default 127.0.0.1)
  PORT            port to connect to (default 9000)
  --send TEXT     send TEXT instead of stdin
  --timeout SECS  give up connecting or waiting for data after this long (default 5)
  -4, -6          use only IPv4 or only IPv6 addresses
  --help          show this help
";

struct Args {
    host: String,
    port: u16,
    send: Option<String>,
    timeout: Duration,
    ipv6: Option<bool>, // -6: Some(true), -4: Some(false), neither: None
}

/// Err carries the exit code: 0 after `--help`, 2 after a usage error (already explained).
fn parse_args() -> Result<Args, ExitCode> {
    let raw: Result<Vec<String>, _> =
        std::env::args_os().skip(1).map(OsString::into_string).collect();
    let mut raw = raw.map_err(|_| usage("arguments must be UTF-8"))?.into_iter();
    let mut send = None;
    let mut timeout = DEFAULT_TIMEOUT;
    let mut ipv6 = None;
    let mut positional = vec![];
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Err(ExitCode::SUCCESS);
            }
            "--send" => send = Some(value_of(&arg, raw.next())?),
            "--timeout" => timeout = parse_seconds(&value_of(&arg, raw.next())?)?,
            "-4" => ipv6 = Some(false),
            "-6" => ipv6 = Some(true),
            _ if arg.starts_with('-') => return Err(usage(&format!("unknown option {arg}"))),
            _ => positional.push(arg),
        }
    }
    let (host, port) = match positional.as_slice() {
        [] => (DEFAULT_HOST, DEFAULT_PORT),
        [host] => (host.as_str(), DEFAULT_PORT),
        [host, port] => (host.as_str(), parse_port(port)?),
        _ => return Err(usage("too many arguments")),
    };
    Ok(Args { host: host.to_string(), port, send, timeout, ipv6 })
}

fn value_of(flag: &str, value: Option<String>) -> Result<String, ExitCode> {
    value.ok_or_else(|| usage(&format!("{flag} needs a value")))
}

fn parse_port(text: &str) -> Result<u16, ExitCode> {
    let port = text.parse().ok().filter(|&port| port > 0);
    port.ok_or_else(|| usage(&format!("bad port {text:?}: give 1 to 65535")))
}

fn parse_seconds(text: &str) -> Result<Duration, ExitCode> {
    let seconds = text.parse().ok().and_then(|secs| Duration::try_from_secs_f64(secs).ok());
    let seconds = seconds.filter(|duration| !duration.is_zero());
    seconds.ok_or_else(|| usage(&format!("bad timeout {text:?}: give seconds above 0")))
}

fn usage(problem: &str) -> ExitCode {
    eprint!("tcp-client: {problem}\n{USAGE}");
    ExitCode::from(2)
}
