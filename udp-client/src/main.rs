//! udp-client: send a datagram, then wait a bounded time for the reply, not forever.
//! The notebook's cell itself, in under 40 lines, is examples/minimal-udp-client.rs: start there.
//!
//! Notebook, "Cliente UDP": `sock = socket.socket(AF_INET, SOCK_DGRAM)`, `sock.sendto(mensaje,
//! (host, 15000))`, `data, addr = sock.recvfrom(4096)`, `sock.close()`. We send one datagram (or
//! one per line of stdin) and print each reply, waiting at most `--timeout` for it: UDP promises
//! no delivery, so a lost datagram or a missing server would leave that recvfrom waiting forever.
//!
//! Try it in two terminals (what each prints follows `#`), then with netcat as the client:
//!     cargo run -p udp-server                     # prints "listening on 127.0.0.1:15000"
//!     cargo run -p udp-client -- --send hello     # prints "Here is my reply for 127.0.0.1."
//!     echo hello | nc -u -w 1 127.0.0.1 15000     # prints "Here is my reply for 127.0.0.1."

use std::ffi::OsString;
use std::io::ErrorKind::{ConnectionRefused, ConnectionReset, TimedOut, WouldBlock};
use std::io::{self, BufRead, IsTerminal, Write};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::process::ExitCode;
use std::time::Duration;

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: u16 = 15000;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
const DEFAULT_MESSAGE: &str = "Hi, I'm just sending you a message.";
/// Big enough for any UDP datagram, so no reply is cut short (the notebook reads 4096 bytes).
const MAX_DATAGRAM: usize = 65_535;

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(exit_code) => return exit_code,
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS, // `| head`
        Err(error) => {
            say(format!("udp-client: {error}"));
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> io::Result<()> {
    let server = resolve(args)?;
    let mut socket = open_socket(server, args.timeout)?;
    let message = args.send.as_deref().unwrap_or(DEFAULT_MESSAGE);
    if args.send.is_some() || io::stdin().is_terminal() {
        return exchange(&socket, message.as_bytes(), args);
    }
    // Like `nc -u`: each line of stdin is one datagram. A lost reply is reported, and we go on.
    let mut sent = 0;
    let mut unanswered = 0;
    for line in io::stdin().lock().split(b'\n') {
        let line = line?;
        sent += 1;
        match exchange(&socket, line.strip_suffix(b"\r").unwrap_or(&line), args) {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => return Err(error),
            Err(error) => {
                say(format!("udp-client: {error}"));
                unanswered += 1;
                // Its reply may still come, late, and would then be read as the next one's. A
                // new socket has a new port: a late reply goes to the old one, which is closed.
                socket = open_socket(server, args.timeout)?;
            }
            Ok(()) => {}
        }
    }
    match (sent, unanswered) {
        (0, _) => Err(io::Error::other("stdin had no lines, so nothing was sent (try --send)")),
        (_, 0) => Ok(()),
        _ => Err(io::Error::other(format!("{unanswered} of {sent} datagrams got no reply"))),
    }
}

/// Python: socket(AF_INET or AF_INET6, SOCK_DGRAM). Port 0: the OS picks ours, as sendto does.
fn open_socket(server: SocketAddr, timeout: Duration) -> io::Result<UdpSocket> {
    let socket = UdpSocket::bind(if server.is_ipv6() { "[::]:0" } else { "0.0.0.0:0" })?;
    // connect() on UDP sends nothing: it fixes the peer, so we only accept replies from it, and
    // lets the OS tell us "port unreachable" (nothing listens there) instead of silence.
    socket.connect(server)?;
    socket.set_read_timeout(Some(timeout))?;
    Ok(socket)
}

/// Python: sock.sendto(mensaje, address), then sock.recvfrom(...). One datagram, one reply.
fn exchange(socket: &UdpSocket, message: &[u8], args: &Args) -> io::Result<()> {
    let server = socket.peer_addr()?;
    let mut reply = vec![0; MAX_DATAGRAM];
    if !args.no_reply {
        take_late_replies(socket, &mut reply)?;
    }
    // One datagram carries at most 65,507 bytes over IPv4: beyond that the OS refuses to send.
    let what = format!("cannot send {} bytes to {server} in one datagram", message.len());
    socket.send(message).map_err(|error| failed(&what, error))?;
    if args.no_reply {
        return Ok(());
    }
    let size = socket.recv(&mut reply).map_err(|error| match error.kind() {
        // UDP promises no delivery: the datagram or its reply may be lost, or no one is there.
        // (A read timeout shows up as WouldBlock on Unix and TimedOut on Windows.)
        WouldBlock | TimedOut => {
            let waited = args.timeout.as_secs_f64();
            io::Error::new(TimedOut, format!("no reply from {server} within {waited} s"))
        }
        // "Port unreachable": ConnectionRefused on Linux and macOS, ConnectionReset on Windows.
        ConnectionRefused | ConnectionReset => {
            let why = "the OS got an ICMP 'port unreachable' back";
            io::Error::new(ConnectionRefused, format!("nothing listens on {server}: {why}"))
        }
        _ => failed("receiving", error),
    })?;
    say(format!("reply from {server} ({size} bytes):"));
    let mut stdout = io::stdout().lock();
    stdout.write_all(&reply[..size])?;
    stdout.write_all(b"\n") // stdout is line-buffered: the newline sends the line
}

/// UDP has no request ids (DNS puts one in every query for this reason): nothing in a reply
/// says which datagram it answers. A reply already waiting before we send answers an earlier
/// datagram (a duplicate, or a second reply), so we take it out and say so on stderr: the next
/// reply read is then the one to the datagram we are about to send.
fn take_late_replies(socket: &UdpSocket, reply: &mut [u8]) -> io::Result<()> {
    socket.set_nonblocking(true)?; // take only what is already there: do not wait
    // Until an error: WouldBlock (nothing more is waiting), or an earlier datagram's "port
    // unreachable", which is taken out with it.
    while let Ok(size) = socket.recv(reply) {
        let late = String::from_utf8_lossy(&reply[..size]);
        say(format!("udp-client: a late reply to an earlier datagram ({size} bytes): {late:?}"));
    }
    socket.set_nonblocking(false)
}

/// The server's address: a name may give several; take the first of the family asked for.
fn resolve(args: &Args) -> io::Result<SocketAddr> {
    let (host, port) = (args.host.as_str(), args.port);
    let addresses = (host, port).to_socket_addrs();
    let addresses = addresses.map_err(|error| failed(&format!("cannot resolve {host}"), error))?;
    for address in addresses {
        if args.ipv6.is_none_or(|v6| address.is_ipv6() == v6) {
            return Ok(address); // of the family -4 or -6 asked for, or of any
        }
    }
    let why = format!("{host}: no address of that family");
    Err(io::Error::new(io::ErrorKind::NotFound, why))
}

/// Name what failed, keep the OS's reason and error kind: `what failed: why`.
fn failed(what: &str, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{what}: {error}"))
}

/// One line on stderr, written at once: `eprintln!` makes a system call per piece of the line.
fn say(line: String) {
    let _ = io::stderr().write_all(format!("{line}\n").as_bytes());
}

// ---- Command line: plumbing, kept out of the socket story above ----

const USAGE: &str = "\
usage: udp-client [--send TEXT] [--timeout SECS] [--no-reply] [-4|-6] [HOST] [PORT]
  Sends one datagram (TEXT, or each line of stdin when it is not a terminal), prints each reply.
  HOST            name or address of the server (default 127.0.0.1)
  PORT            its port (default 15000)
  --send TEXT     send TEXT (default: \"Hi, I'm just sending you a message.\")
  --timeout SECS  wait this long for each reply (default 2)
  --no-reply      send and exit, without waiting for a reply
  -4, -6          use only IPv4 or only IPv6 addresses
  --help          show this help
";

struct Args {
    host: String,
    port: u16,
    send: Option<String>,
    timeout: Duration,
    no_reply: bool,
    ipv6: Option<bool>, // -6: Some(true), -4: Some(false), neither: None
}

/// Err carries the exit code: 0 after `--help`, 2 after a usage error (already explained).
fn parse_args() -> Result<Args, ExitCode> {
    let raw: Result<Vec<String>, _> =
        std::env::args_os().skip(1).map(OsString::into_string).collect();
    let mut raw = raw.map_err(|_| usage("arguments must be UTF-8"))?.into_iter();
    let mut send = None;
    let mut timeout = DEFAULT_TIMEOUT;
    let mut no_reply = false;
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
            "--no-reply" => no_reply = true,
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
    Ok(Args { host: host.to_string(), port, send, timeout, no_reply, ipv6 })
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
    eprint!("udp-client: {problem}\n{USAGE}");
    ExitCode::from(2)
}
