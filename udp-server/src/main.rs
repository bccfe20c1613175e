//! udp-server: receive datagrams and answer each one's sender; no connections, no accept.
//! The notebook's cell itself, in under 40 lines, is examples/minimal-udp-server.rs: start there.
//!
//! Notebook, "Servidor UDP": `sock = socket.socket(AF_INET, SOCK_DGRAM)`, `sock.bind(("",
//! 15000))`, then a loop of `data, (host, port) = sock.recvfrom(4096)` and `sock.sendto(reply,
//! (host, port))`.
//! Each datagram arrives on its own, with its sender's address, and the reply goes back there.
//!
//! Try it in two terminals (what each prints follows `#`), then with netcat as the client:
//!     cargo run -p udp-server                     # prints "listening on 127.0.0.1:15000"
//!     cargo run -p udp-client -- --send hello     # prints "Here is my reply for 127.0.0.1."
//!     echo hello | nc -u -w 1 127.0.0.1 15000     # prints "Here is my reply for 127.0.0.1."
//!
//! The notebook's `bind(("", 15000))` means every IPv4 interface: in Rust that is
//! `UdpSocket::bind(("0.0.0.0", 15000))`, here `udp-server 0.0.0.0` (anyone who can reach the
//! machine can send to it). `::` listens on IPv6 (and, on Linux by default, IPv4 too).

use std::ffi::OsString;
use std::io::{self, BufWriter, Write};
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: u16 = 15000;
/// Big enough for any UDP datagram (65,507 bytes of payload over IPv4, 65,527 over IPv6).
/// The notebook's `recvfrom(4096)` silently drops the end of anything longer than 4096 bytes.
const MAX_DATAGRAM: usize = 65_535;
/// How much of a datagram the log shows as text.
const PREVIEW_CHARS: usize = 60;

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(exit_code) => return exit_code,
    };
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            say(format!("udp-server: {error}"));
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &Args) -> io::Result<()> {
    // Python: sock.bind((host, port)). A datagram socket needs no listen() and no accept().
    let socket = UdpSocket::bind((args.host.as_str(), args.port)).map_err(|error| {
        let what = format!("cannot listen on {} port {}", args.host, args.port);
        io::Error::new(error.kind(), format!("{what}: {error}"))
    })?;
    // One line, flushed, with the real address: scripts wait for it instead of sleeping.
    log(format!("listening on {}", socket.local_addr()?));

    // The log of datagrams is written in batches, whenever no datagram is waiting (see
    // next_datagram): a write per datagram would cost a busy server as much as its reply.
    let mut datagram_log = BufWriter::new(io::stdout());
    socket.set_nonblocking(true)?;
    let mut buffer = vec![0; MAX_DATAGRAM];
    let mut answered = 0;
    let mut reply = Vec::new();
    while args.count.is_none_or(|limit| answered < limit) {
        let (size, sender) = match next_datagram(&socket, &mut buffer, &mut datagram_log) {
            Ok(received) => received,
            Err(error) => {
                // Reported, never fatal: one bad datagram must not stop the server.
                say(format!("udp-server: receiving failed: {error}"));
                continue;
            }
        };
        answered += 1;

        // Python: sock.sendto(respuesta, (host_cliente, puerto_cliente)). UDP promises no
        // delivery: if the sender has gone away, the reply is simply lost. We reply before we
        // log, so the sender waits for the network, not for our log.
        reply.clear();
        let _ = write!(reply, "Here is my reply for {}.", sender.ip());
        if let Err(error) = socket.send_to(&reply, sender) {
            say(format!("udp-server: cannot reply to {sender}: {error}"));
        }
        let _ = log_datagram(&mut datagram_log, sender, &buffer[..size]);
    }
    let _ = datagram_log.flush(); // ignored: a server must not die for its log
    Ok(())
}

/// Python: data, (host_cliente, puerto_cliente) = sock.recvfrom(4096). One call, one whole
/// datagram: UDP keeps message boundaries, so there is no reading "the rest". The socket does
/// not wait while datagrams keep coming; when none is waiting, we write out the log, and only
/// then wait for the next one. So a busy server's log goes out in batches, an idle one's is whole.
fn next_datagram(
    socket: &UdpSocket,
    buffer: &mut [u8],
    datagram_log: &mut impl Write,
) -> io::Result<(usize, SocketAddr)> {
    match socket.recv_from(buffer) {
        Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
            let _ = datagram_log.flush();
            socket.set_nonblocking(false)?;
            let received = socket.recv_from(buffer); // waits for the next datagram
            socket.set_nonblocking(true)?;
            received
        }
        received => received,
    }
}

/// The datagram as a line of the log: short UTF-8 text as it is (control characters escaped);
/// anything else lossily decoded and cut short, with its real size so nothing is hidden.
/// Written straight into the log, a piece at a time: a busy server builds no String per datagram.
fn log_datagram(log: &mut impl Write, sender: SocketAddr, data: &[u8]) -> io::Result<()> {
    write!(log, "from {sender}: ")?;
    if data.is_empty() {
        return writeln!(log, "(an empty datagram, 0 bytes)");
    }
    let text = String::from_utf8_lossy(data); // copies nothing when the bytes are valid UTF-8
    let preview_end = text.char_indices().nth(PREVIEW_CHARS).map_or(text.len(), |(at, _)| at);
    for c in text[..preview_end].chars() {
        if c.is_control() {
            write!(log, "{}", c.escape_debug())?; // a newline shows as \n, not as a new line
        } else {
            write!(log, "{c}")?;
        }
    }
    if std::str::from_utf8(data).is_err() {
        writeln!(log, " ({} bytes, not valid UTF-8)", data.len())
    } else if preview_end < text.len() {
        writeln!(log, "... ({} bytes)", data.len())
    } else {
        writeln!(log)
    }
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
usage: udp-server [--count N] [HOST] [PORT]
  Answers each datagram with 'Here is my reply for ADDR.' to the address it came from.
  HOST        address to listen on (default 127.0.0.1; 0.0.0.0 or :: for every interface)
  PORT        port to listen on (default 15000; 0 lets the OS pick a free one)
  --count N   exit after answering N datagrams (default: serve forever)
  --help      show this help
";

const EMPTY_HOST: &str = "HOST \"\" is Python's way to say every interface: give 0.0.0.0 \
                          (IPv4) or :: (IPv6 too); any machine that reaches yours can send to it";

struct Args {
    host: String,
    port: u16,
    count: Option<usize>,
}

/// Err carries the exit code: 0 after `--help`, 2 after a usage error (already explained).
fn parse_args() -> Result<Args, ExitCode> {
    let raw: Result<Vec<String>, _> =
        std::env::args_os().skip(1).map(OsString::into_string).collect();
    let mut raw = raw.map_err(|_| usage("arguments must be UTF-8"))?.into_iter();
    let mut count = None;
    let mut positional = vec![];
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Err(ExitCode::SUCCESS);
            }
            "--count" => count = Some(parse_count(&value_of(&arg, raw.next())?)?),
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
    Ok(Args { host: host.to_string(), port, count })
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

fn usage(problem: &str) -> ExitCode {
    eprint!("udp-server: {problem}\n{USAGE}");
    ExitCode::from(2)
}
