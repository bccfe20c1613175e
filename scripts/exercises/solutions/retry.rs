//! Exercise `retry`, a solution: minimal-udp-client, sending MESSAGE again when no reply comes
//! within 1 s, three sends in all.
//!     scripts/exercise.sh retry solution-retry    # prints "... ✓" for each check
use std::io::{self, ErrorKind, Write};
use std::net::{ToSocketAddrs, UdpSocket};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // HOST, PORT and MESSAGE. (args_os: args() would panic on a non-UTF-8 argument.)
    let mut args = std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned());
    let host = args.next().unwrap_or(String::from("127.0.0.1"));
    let port = args.next().unwrap_or(String::from("15000"));
    let message = args.next().unwrap_or(String::from("hola"));
    if let Err(error) = run(&host, &port, &message) {
        eprintln!("retry: {host} port {port}: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run(host: &str, port: &str, message: &str) -> io::Result<()> {
    let port: u16 = port.parse().map_err(io::Error::other)?;
    let server = (host, port).to_socket_addrs()?.next().ok_or(io::Error::other("no address"))?;
    let socket = UdpSocket::bind(if server.is_ipv6() { "[::]:0" } else { "0.0.0.0:0" })?;
    socket.connect(server)?;
    socket.set_read_timeout(Some(Duration::from_secs(1)))?; // each wait: 1 s at most
    let mut reply = vec![0; 65_535];
    for _ in 0..3 {
        socket.send(message.as_bytes())?;
        match socket.recv(&mut reply) {
            Ok(size) => {
                // A reply: to this send or to an earlier one, it answers the same message.
                writeln!(io::stdout(), "{}", String::from_utf8_lossy(&reply[..size]))?;
                return Ok(()); // one reply printed, however many more may come
            }
            // No reply within 1 s (WouldBlock on Unix, TimedOut on Windows): lost, send again.
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::other("no reply to 3 datagrams, sent 1 s apart"))
}
