//! length-prefix-server: many binary messages on one connection, each framed by its length. A
//! message is a 4-byte big-endian length, then that many bytes, any bytes at all; the answer is
//! a message framed the same way, the same bytes in ASCII upper case. (Python would frame one
//! with `struct.pack(">I", len(data)) + data`.) Lines cannot carry a `\n`; these carry anything.
//!     cargo run -p tcp-server --example length-prefix-server      # prints "listening on 127.0.0.1:9000"
//!     printf '\0\0\0\4hola' | nc -N 127.0.0.1 9000 | tail -c 4    # prints "HOLA"
//!     printf '\0\0\0\4hola' | nc -N 127.0.0.1 9000 | od -An -tx1  # prints " 00 00 00 04 48 4f 4c 41"
use std::io::ErrorKind::{InvalidData, TimedOut, UnexpectedEof, WouldBlock};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::{thread, time::Duration};

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: &str = "9000";
const MESSAGE_LIMIT: u32 = 1024 * 1024; // bytes in a message, not counting its length
const TIMEOUT: Duration = Duration::from_secs(60); // a client that makes no progress is dropped

fn main() -> ExitCode {
    let (host, port) = match parse_args() {
        Ok(address) => address,
        Err(exit_code) => return exit_code,
    };
    let Err(error) = serve(&host, port) else { return ExitCode::SUCCESS };
    let program = "length-prefix-server";
    let _ = writeln!(io::stderr(), "{program}: cannot listen on {host} port {port}: {error}");
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
                    let _ = writeln!(io::stderr(), "length-prefix-server: {peer}: {error}");
                }
            }
            Err(error) => {
                // E.g. out of file descriptors: say so, pause so we do not spin, go on.
                let _ = writeln!(io::stderr(), "length-prefix-server: accept failed: {error}");
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn handle_client(stream: TcpStream, peer: SocketAddr) {
    let _ = writeln!(io::stdout(), "{peer} connected");
    let why = match answer_messages(&stream) {
        Ok(()) => {
            let _ = writeln!(io::stdout(), "{peer} closed");
            return;
        }
        // A timeout is WouldBlock on Unix, TimedOut on Windows.
        Err(error) if matches!(error.kind(), WouldBlock | TimedOut) => {
            format!("no progress in {} s", TIMEOUT.as_secs())
        }
        Err(error) if error.kind() == UnexpectedEof => "closed in the middle of a message".into(),
        Err(error) => error.to_string(),
    };
    let _ = writeln!(io::stderr(), "length-prefix-server: {peer}: {why}, closing it");
} // dropping `stream` closes the connection

fn answer_messages(stream: &TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(TIMEOUT))?; // a client that sends nothing
    stream.set_write_timeout(Some(TIMEOUT))?; // a client that reads nothing
    let mut reader = BufReader::new(stream);
    let mut writer = BufWriter::new(stream);
    let mut message = Vec::new();
    loop {
        // No whole message left to answer: send the replies now, before waiting. Messages that
        // came together are answered in one write.
        if !holds_a_message(reader.buffer()) {
            writer.flush()?;
        }
        if reader.fill_buf()?.is_empty() {
            return Ok(()); // the client closed, between two messages
        }
        // read_exact reads as many times as it takes (TCP may cut even these 4 bytes in two):
        // Python's recv(4) may return fewer, and would need a loop.
        let mut length = [0; 4];
        reader.read_exact(&mut length)?;
        let size = u32::from_be_bytes(length);
        if size > MESSAGE_LIMIT {
            return Err(io::Error::new(
                InvalidData,
                format!("a message of {size} bytes, over {MESSAGE_LIMIT}"),
            ));
        }
        message.resize(size as usize, 0);
        reader.read_exact(&mut message)?;
        message.make_ascii_uppercase();
        writer.write_all(&length)?; // the same length: upper case changes no byte count
        writer.write_all(&message)?;
    }
}

/// Whether `buffered` holds a whole message: its length, and that many bytes.
fn holds_a_message(buffered: &[u8]) -> bool {
    match buffered.first_chunk() {
        Some(&length) => buffered.len() - 4 >= u32::from_be_bytes(length) as usize,
        None => false,
    }
}

// ---- Command line: plumbing, kept out of the socket story above ----

const USAGE: &str =
    "usage: length-prefix-server [HOST] [PORT]  (default 127.0.0.1 9000; PORT 0: any free)";

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
    let _ = writeln!(io::stderr(), "length-prefix-server: {problem}\n{USAGE}");
    ExitCode::from(2)
}
