//! The notebook's "Cliente TCP" cell with `GET /` for python.org, done right: Host, CRLF, all read.
//!     python3 -m http.server 8000                 # prints "Serving HTTP on 0.0.0.0 port 8000 ..."
//!     cargo run --example minimal-http-get        # prints "HTTP/1.0 200 OK..."
//! The notebook's mistakes it avoids, shown live by: scripts/pitfalls.sh no-host recv
use std::io::{self, ErrorKind, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // HOST and PORT, or ours by default. (args_os: args() would panic on a non-UTF-8 argument.)
    let mut args = std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned());
    let host = args.next().unwrap_or(String::from("127.0.0.1"));
    let port = args.next().unwrap_or(String::from("8000"));
    if let Err(error) = run(&host, &port) {
        eprintln!("minimal-http-get: {host} port {port}: {error}"); // Python: except ...
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run(host: &str, port: &str) -> io::Result<()> {
    let host = if host.contains(':') { format!("[{host}]") } else { host.to_string() }; // IPv6
    let server = format!("{host}:{port}"); // where we connect, and the Host header HTTP/1.1 needs
    let address = server.to_socket_addrs()?.next().ok_or(io::Error::other("no address"))?;
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(10))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?; // a silent server fails us
    // Lines end in CRLF; with `Connection: close` the server closes once the response is whole.
    let request = format!("GET / HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|e| io::Error::other(format!("send: {e}")))?;
    // One recv(4096) gets what has arrived so far: we read all, head and body, until the close.
    match io::copy(&mut stream, &mut io::stdout()) {
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(()), // `| head` closed stdout
        Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            Err(io::Error::other("read: no data within 10 s")) // WouldBlock: Unix; TimedOut: Windows
        }
        result => result.map(drop).map_err(|error| io::Error::other(format!("read: {error}"))),
    }
}
