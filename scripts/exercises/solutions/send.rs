//! Exercise `send`, a solution: minimal-tcp-client, sending MESSAGE before it reads.
//!     scripts/exercise.sh send solution-send       # prints "... ✓" for each check
use std::io::{self, ErrorKind, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // HOST, PORT and MESSAGE. (args_os: args() would panic on a non-UTF-8 argument.)
    let mut args = std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned());
    let host = args.next().unwrap_or(String::from("127.0.0.1"));
    let port = args.next().unwrap_or(String::from("9000"));
    let message = args.next().unwrap_or(String::from("hola"));
    if let Err(error) = run(&host, &port, &message) {
        eprintln!("send: {host} port {port}: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run(host: &str, port: &str, message: &str) -> io::Result<()> {
    let port: u16 = port.parse().map_err(io::Error::other)?;
    let address = (host, port).to_socket_addrs()?.next().ok_or(io::Error::other("no address"))?;
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    // Python: sock.sendall(message). Then say we are done sending: the server reads until our
    // FIN (its read returns 0), and only then answers.
    stream.write_all(message.as_bytes())?;
    stream.shutdown(Shutdown::Write)?;
    // The answer comes in pieces: read until the server closes.
    match io::copy(&mut stream, &mut io::stdout()) {
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(()), // `| head` closed stdout
        result => result.map(drop),
    }
}
