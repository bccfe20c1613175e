//! The notebook's last cell under "Servidor TCP", the server's client, in Rust: connect, read.
//!     cargo run --example minimal-tcp-server      # prints "listening on 127.0.0.1:9000"
//!     cargo run --example minimal-tcp-client      # prints "Gracias por conectarte"
//! The notebook's mistake it avoids, shown live by: scripts/pitfalls.sh recv
use std::io::{self, ErrorKind};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // HOST and PORT, or ours by default. (args_os: args() would panic on a non-UTF-8 argument.)
    let mut args = std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned());
    let host = args.next().unwrap_or(String::from("127.0.0.1"));
    let port = args.next().unwrap_or(String::from("9000"));
    match run(&host, &port) {
        Err(error) if error.kind() != ErrorKind::BrokenPipe => {
            eprintln!("minimal-tcp-client: {host} port {port}: {error}");
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS, // done, or stdout closed early (`| head`): nothing to say
    }
}

fn run(host: &str, port: &str) -> io::Result<u64> {
    let port: u16 = port.parse().map_err(io::Error::other)?;
    // connect_timeout needs an address: look the name up, take the first (none: NotFound).
    let address = (host, port).to_socket_addrs()?.next().ok_or(ErrorKind::NotFound)?;
    // Python: sock.connect((host, port)), but a server that never answers fails us after 5 s.
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))?;
    stream.shutdown(Shutdown::Write)?; // we send nothing, and say so: an echo server can finish
    stream.set_read_timeout(Some(Duration::from_secs(5)))?; // a silent server fails us too
    // One recv(4096) returns what has arrived so far: we read until the server closes.
    io::copy(&mut stream, &mut io::stdout()).map_err(|error| match error.kind() {
        // A read timeout is WouldBlock on Unix, TimedOut on Windows: we say it in words.
        ErrorKind::WouldBlock | ErrorKind::TimedOut => io::Error::other("no data within 5 s"),
        _ => error,
    })
} // Python: sock.close(). `stream` is dropped here, which closes it.
