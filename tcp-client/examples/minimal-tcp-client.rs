//! The notebook's last "Cliente TCP" cell in Rust: connect, read all the server says, close.
//!     cargo run --example minimal-tcp-server      # prints "listening on 127.0.0.1:9000"
//!     cargo run --example minimal-tcp-client      # prints "Thanks for connecting"
//! Both take [HOST] [PORT] after `--`. The full program, which sends too: tcp-client.
use std::io::{self, ErrorKind};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os().map(|arg| arg.to_string_lossy().into()).collect();
    let host = args.get(1).map_or("127.0.0.1", String::as_str);
    let port = args.get(2).map_or("9000", String::as_str);
    match run(host, port) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS, // `| head`
        Err(error) => {
            eprintln!("minimal-tcp-client: {host} port {port}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(host: &str, port: &str) -> io::Result<()> {
    let port: u16 = port.parse().map_err(io::Error::other)?;
    let address = (host, port).to_socket_addrs()?.next().ok_or(ErrorKind::NotFound)?;
    // Python: sock.connect((host, port)), but a server that never answers fails us after 5 s.
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))?;
    // We have nothing to send, and say so: an echo server learns we are done, and can finish.
    stream.shutdown(Shutdown::Write)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?; // a silent server fails us too
    // One recv(4096) returns what has arrived so far: we read until the server closes.
    io::copy(&mut stream, &mut io::stdout())?;
    Ok(())
} // Python: sock.close(). `stream` is dropped here, which closes it.
