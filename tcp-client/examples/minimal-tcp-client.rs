//! The notebook's last cell of "Servidor TCP", a client, in Rust ("Cliente TCP": minimal-http-get).
//!     cargo run --example minimal-tcp-server      # prints "listening on 127.0.0.1:9000"
//!     cargo run --example minimal-tcp-client      # prints "Gracias por conectarte"
//! The notebook's mistakes it avoids, shown live by: scripts/pitfalls.sh recv recv-4096
use std::io::{self, ErrorKind};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // HOST and PORT, or ours by default. (args_os: args() would panic on a non-UTF-8 argument.)
    let mut args = std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned());
    let host = args.next().unwrap_or(String::from("127.0.0.1"));
    let port = args.next().unwrap_or(String::from("9000"));
    if let Err(error) = run(&host, &port) {
        eprintln!("minimal-tcp-client: {host} port {port}: {error}"); // Python: except ...
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run(host: &str, port: &str) -> io::Result<()> {
    let port: u16 = port.parse().map_err(io::Error::other)?;
    let address = (host, port).to_socket_addrs()?.next().ok_or(io::Error::other("no address"))?;
    // Python: sock.connect((host, port)), but a server that never answers fails us after 5 s.
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))?;
    // We send nothing, and say so. (Had we sent to a server that never reads, it would reset us.)
    stream.shutdown(Shutdown::Write).map_err(|e| io::Error::other(format!("shutdown: {e}")))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?; // a silent server fails us too
    // One recv(4096) returns what has arrived so far: io::copy reads until the server closes.
    match io::copy(&mut stream, &mut io::stdout()) {
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(()), // `| head` closed stdout
        // A read timeout is WouldBlock on Unix and TimedOut on Windows: we say it in words.
        Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            Err(io::Error::other("read: no data within 5 s"))
        }
        result => result.map(drop).map_err(|error| io::Error::other(format!("read: {error}"))),
    }
} // Python: sock.close(). `stream` is dropped here, which closes it.
