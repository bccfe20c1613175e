//! tcp-server: bind, listen, accept, and a thread per client, so no client holds up another.
//! The notebook's cell itself, in under 40 lines, is examples/minimal-tcp-server.rs: start there.
//!
//! Notebook, "Servidor TCP": `sock.bind((host, 9000))`, `sock.listen()`, then a loop of
//! `sock.accept()` that prints "Conexión aceptada desde", greets the client with `sendall` and
//! `close`s, five times. Here each client gets the greeting `Thanks for connecting`, then every
//! byte it sends comes back (an echo server) until it closes its writing half; then we close ours.
//!
//! Try it in two terminals (what each prints follows `#`), then with netcat as the client:
//!     cargo run -p tcp-server                     # prints "listening on 127.0.0.1:9000"
//!     cargo run -p tcp-client -- --send hello     # prints "Thanks for connecting\nhello"
//!     printf 'hello\n' | nc -N 127.0.0.1 9000     # prints "Thanks for connecting\nhello"
//!
//! `--clients 5` stops after five clients, as the notebook does. The notebook's
//! `socket.gethostname()` has no std equivalent: name the address to listen on (see --help).

use std::ffi::OsString;
use std::io::ErrorKind::{TimedOut, WouldBlock};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: u16 = 9000;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const GREETING: &[u8] = b"Thanks for connecting\n";

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(exit_code) => return exit_code,
    };
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            say(format!("tcp-server: {error}"));
            ExitCode::FAILURE
        }
    }
}

/// Bind, listen, and hand each accepted client to a thread of its own.
fn serve(args: &Args) -> io::Result<()> {
    // Python: sock.bind((host, port)); sock.listen(). std does both, and resolves names too.
    let listener = TcpListener::bind((args.host.as_str(), args.port)).map_err(|error| {
        let what = format!("cannot listen on {} port {}", args.host, args.port);
        io::Error::new(error.kind(), format!("{what}: {error}"))
    })?;
    // One line, flushed, with the real address: with PORT 0 the OS picked it, and scripts wait
    // for this line instead of sleeping and hoping the server is up.
    log(format!("listening on {}", listener.local_addr()?));

    // A scope lets the client threads borrow `args`, and waits for all of them before it ends,
    // so with `--clients N` we exit only once the last client has been served to the end.
    thread::scope(|scope| {
        let mut served = 0; // clients greeted: the notebook counts a client after its sendall
        while args.clients.is_none_or(|limit| served < limit) {
            // Python: socket_cliente, address = sock.accept(). It waits for the next client.
            let (stream, peer) = match listener.accept() {
                Ok(client) => client,
                Err(error) => {
                    // E.g. out of file descriptors: say so, pause so we do not spin, go on.
                    say(format!("tcp-server: accept failed: {error}"));
                    thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            log(format!("connection accepted from {peer}"));
            // Python: socket_cliente.sendall(...). We greet before starting the thread, so the
            // client hears from us soonest: a new connection's send buffer has room for a line.
            // `(&stream).write_all`: writing needs no `mut`. A TcpStream is the OS's socket, and
            // std implements Write (and Read) for `&TcpStream` too: the OS does the work, so a
            // shared reference is enough, and one socket can be read and written at once.
            if let Err(error) = (&stream).write_all(GREETING) {
                say(format!("tcp-server: {peer}: cannot greet: {error}"));
                continue;
            }
            served += 1;
            // A thread per client: we read what each one sends, so in a loop that serves one at
            // a time (the notebook's), a client that never speaks would freeze all behind it.
            let spawned = thread::Builder::new()
                .spawn_scoped(scope, move || handle_client(stream, peer, args.timeout));
            if let Err(error) = spawned {
                say(format!("tcp-server: {peer}: cannot start a thread: {error}"));
            }
        }
    });
    Ok(())
}

/// Serve one client; any failure is reported here and never stops the server.
fn handle_client(stream: TcpStream, peer: SocketAddr, timeout: Duration) {
    match echo(&stream, timeout) {
        Ok(echoed) => log(format!("closed {peer} after echoing {echoed} bytes")),
        // A socket timeout shows up as WouldBlock on Unix and TimedOut on Windows.
        Err(error) if matches!(error.kind(), WouldBlock | TimedOut) => {
            say(format!("tcp-server: {peer}: silent for {} s, dropping it", timeout.as_secs_f64()));
        }
        Err(error) => say(format!("tcp-server: {peer}: {error}")),
    }
    // Python: socket_cliente.close(). Dropping `stream` here closes the connection.
}

fn echo(mut stream: &TcpStream, timeout: Duration) -> io::Result<u64> {
    // Every wait is bounded: a client that stops reading or writing is dropped after `timeout`.
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    // Echo until the client shuts down its writing half (read returns 0); io::copy loops on read,
    // as one read returns only what has arrived. The socket is both ends of the copy: we read
    // from it and write back to it, through two copies of the shared reference `&TcpStream`
    // (Read and Write are implemented for it, see greeting above).
    let mut reader = stream;
    io::copy(&mut reader, &mut stream)
}

/// The server's log goes to stdout, one flushed line at a time (`println!` would panic if
/// stdout were closed, and a server must not die because nobody reads its log).
fn log(line: String) {
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
}

/// One line on stderr, written at once: `eprintln!` makes a system call per piece of the line.
fn say(line: String) {
    let _ = io::stderr().write_all(format!("{line}\n").as_bytes());
}

// ---- Command line: plumbing, kept out of the socket story above ----

const USAGE: &str = "\
usage: tcp-server [--clients N] [--timeout SECS] [HOST] [PORT]
  Greets each client with 'Thanks for connecting', then echoes what it sends.
  HOST      address to listen on (default 127.0.0.1; 0.0.0.0 or :: for every interface)
  PORT      port to listen on (default 9000; 0 lets the OS pick a free one)
  --clients N     exit after greeting N clients (default: serve forever)
  --timeout SECS  drop a client silent for this long (default 30)
  --help          show this help
";

const EMPTY_HOST: &str = "HOST \"\" is Python's way to say every interface: give 0.0.0.0 \
                          (IPv4) or :: (IPv6 too); any machine that reaches yours can connect";

struct Args {
    host: String,
    port: u16,
    clients: Option<usize>,
    timeout: Duration,
}

/// Err carries the exit code: 0 after `--help`, 2 after a usage error (already explained).
fn parse_args() -> Result<Args, ExitCode> {
    let raw: Result<Vec<String>, _> =
        std::env::args_os().skip(1).map(OsString::into_string).collect();
    let mut raw = raw.map_err(|_| usage("arguments must be UTF-8"))?.into_iter();
    let mut clients = None;
    let mut timeout = DEFAULT_TIMEOUT;
    let mut positional = vec![];
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Err(ExitCode::SUCCESS);
            }
            "--clients" => clients = Some(parse_count(&value_of(&arg, raw.next())?)?),
            "--timeout" => timeout = parse_seconds(&value_of(&arg, raw.next())?)?,
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
    if host.is_empty() {
        return Err(usage(EMPTY_HOST)); // Python's bind(("", port))
    }
    Ok(Args { host: host.to_string(), port, clients, timeout })
}

fn value_of(flag: &str, value: Option<String>) -> Result<String, ExitCode> {
    value.ok_or_else(|| usage(&format!("{flag} needs a value")))
}

fn parse_port(text: &str) -> Result<u16, ExitCode> {
    text.parse().map_err(|_| usage(&format!("bad port {text:?}: give 0 to 65535")))
}

fn parse_count(text: &str) -> Result<usize, ExitCode> {
    let count = text.parse().ok().filter(|&count| count > 0);
    count.ok_or_else(|| usage(&format!("bad count {text:?}: give a whole number above 0")))
}

fn parse_seconds(text: &str) -> Result<Duration, ExitCode> {
    let seconds = text.parse().ok().and_then(|secs| Duration::try_from_secs_f64(secs).ok());
    let seconds = seconds.filter(|duration| !duration.is_zero());
    seconds.ok_or_else(|| usage(&format!("bad timeout {text:?}: give seconds above 0")))
}

fn usage(problem: &str) -> ExitCode {
    eprint!("tcp-server: {problem}\n{USAGE}");
    ExitCode::from(2)
}
