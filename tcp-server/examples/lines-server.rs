//! lines-server: many messages on one connection, each a line, read through a buffer. Where the
//! notebook's server sends one message and closes, a client here sends lines until it closes, and
//! each comes back in upper case. A line ends at its `\n`, however TCP cut it into reads.
//!     cargo run -p tcp-server --example lines-server  # prints "listening on 127.0.0.1:9000"
//!     printf 'hola\nmundo\n' | nc -N 127.0.0.1 9000   # prints "HOLA\nMUNDO"
//!     printf 'hola\n' | cargo run -p tcp-client       # prints "HOLA"
//! The mistake it avoids, shown live by: scripts/pitfalls.sh framing (one read taken for a line)
use std::io::ErrorKind::{InvalidData, TimedOut, WouldBlock};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::{thread, time::Duration};

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: &str = "9000";
const LINE_LIMIT: usize = 64 * 1024; // bytes in a line, not counting its `\n`
const TIMEOUT: Duration = Duration::from_secs(60); // a client that makes no progress is dropped

fn main() -> ExitCode {
    let (host, port) = match parse_args() {
        Ok(address) => address,
        Err(exit_code) => return exit_code,
    };
    let Err(error) = serve(&host, port) else { return ExitCode::SUCCESS };
    let _ = writeln!(io::stderr(), "lines-server: cannot listen on {host} port {port}: {error}");
    ExitCode::FAILURE
}

fn serve(host: &str, port: u16) -> io::Result<()> {
    let listener = TcpListener::bind((host, port))?; // Python: sock.bind(...), sock.listen()
    let _ = writeln!(io::stdout(), "listening on {}", listener.local_addr()?);
    loop {
        match listener.accept() {
            // A thread per client: each waits on its own client, and none holds up another.
            Ok((stream, peer)) => {
                let spawned = thread::Builder::new().spawn(move || handle_client(stream, peer));
                if let Err(error) = spawned {
                    let _ = writeln!(io::stderr(), "lines-server: {peer}: no thread: {error}");
                }
            }
            Err(error) => {
                // E.g. out of file descriptors: say so, pause so we do not spin, go on.
                let _ = writeln!(io::stderr(), "lines-server: accept failed: {error}");
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn handle_client(stream: TcpStream, peer: SocketAddr) {
    let _ = writeln!(io::stdout(), "{peer} connected");
    let _ = match answer_lines(&stream) {
        Ok(()) => writeln!(io::stdout(), "{peer} closed"),
        // A timeout is WouldBlock on Unix, TimedOut on Windows.
        Err(error) if matches!(error.kind(), WouldBlock | TimedOut) => {
            let seconds = TIMEOUT.as_secs();
            writeln!(io::stderr(), "lines-server: {peer}: no progress in {seconds} s, closing it")
        }
        Err(error) => writeln!(io::stderr(), "lines-server: {peer}: {error}, closing it"),
    };
} // dropping `stream` closes the connection

fn answer_lines(stream: &TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(TIMEOUT))?; // a client that sends nothing
    stream.set_write_timeout(Some(TIMEOUT))?; // a client that reads nothing
    let mut reader = BufReader::new(stream);
    let mut writer = BufWriter::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        // Python: sock.makefile().readline(). Up to the `\n`, in as many reads as it takes, and
        // never more bytes than a line may hold.
        let count = reader.by_ref().take(LINE_LIMIT as u64 + 1).read_until(b'\n', &mut line)?;
        if count == 0 {
            return Ok(()); // the client closed, and each of its lines was answered
        }
        if count > LINE_LIMIT && !line.ends_with(b"\n") {
            return Err(io::Error::new(InvalidData, format!("a line over {LINE_LIMIT} bytes")));
        }
        line.make_ascii_uppercase();
        if !line.ends_with(b"\n") {
            line.push(b'\n'); // its last line, cut short by the client's close
        }
        writer.write_all(&line)?;
        // No whole line left to answer: send the replies now, before waiting. Lines that came
        // together are answered in one write.
        if !reader.buffer().contains(&b'\n') {
            writer.flush()?;
        }
    }
}

// ---- Command line: plumbing, kept out of the socket story above ----

const USAGE: &str = "usage: lines-server [HOST] [PORT]  (default 127.0.0.1 9000; PORT 0: any free)";

/// HOST and PORT, or the exit code: 0 after --help, 2 after a usage error (said on stderr).
fn parse_args() -> Result<(String, u16), ExitCode> {
    let args: Vec<String> =
        std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned()).collect();
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        let _ = writeln!(io::stdout(), "{USAGE}");
        return Err(ExitCode::SUCCESS);
    }
    let (host, port) = match args.as_slice() {
        [] => (DEFAULT_HOST, DEFAULT_PORT),
        [host] => (host.as_str(), DEFAULT_PORT),
        [host, port] => (host.as_str(), port.as_str()),
        _ => return Err(usage("too many arguments")),
    };
    if host.starts_with('-') {
        return Err(usage(&format!("unknown option {host}")));
    }
    match port.parse() {
        Ok(port) => Ok((host.to_string(), port)),
        Err(_) => Err(usage(&format!("bad port {port:?}: give 0 to 65535"))),
    }
}

fn usage(problem: &str) -> ExitCode {
    let _ = writeln!(io::stderr(), "lines-server: {problem}\n{USAGE}");
    ExitCode::from(2)
}
