//! The notebook's `GET /` to a web server, done right: Host, CRLF, and the whole response read.
//!     python3 -m http.server 8000                 # prints "Serving HTTP on 0.0.0.0 port 8000 ..."
//!     cargo run --example minimal-http-get        # prints "HTTP/1.0 200 OK..."
//! It takes [HOST] [PORT] [PATH] after `--`. The full program, which frames the body: http-get.
use std::io::{self, ErrorKind, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os().map(|arg| arg.to_string_lossy().into()).collect();
    let host = args.get(1).map_or("127.0.0.1", String::as_str);
    let port = args.get(2).map_or("8000", String::as_str);
    let path = args.get(3).map_or("/", String::as_str);
    match run(host, port, path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS, // `| head`
        Err(error) => {
            eprintln!("minimal-http-get: {host} port {port}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(host: &str, port: &str, path: &str) -> io::Result<()> {
    let port: u16 = port.parse().map_err(io::Error::other)?;
    let address = (host, port).to_socket_addrs()?.next().ok_or(ErrorKind::NotFound)?;
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(10))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?; // a silent server fails us
    // HTTP/1.1 requires Host (an IPv6 address in brackets) and lines ending in CRLF. With
    // `Connection: close` the server closes when the response is complete.
    let host = if host.contains(':') { format!("[{host}]") } else { host.to_string() };
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes())?; // Python: sock.sendall(...)
    // One recv(4096) gets what has arrived so far: we read until the server closes, and print
    // the whole response, head and body, as the notebook prints `data`.
    io::copy(&mut stream, &mut io::stdout())?;
    Ok(())
}
