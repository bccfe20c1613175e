//! The notebook's "Cliente UDP" cells in Rust: send one datagram, wait (a while) for the reply.
//!     cargo run --example minimal-udp-server      # prints "listening on 127.0.0.1:15000"
//!     cargo run --example minimal-udp-client      # prints "reply from 127.0.0.1:15000: Here..."
//! Both take [HOST] [PORT] after `--`. The full program, with stdin lines and flags: udp-client.
use std::io::{self, ErrorKind};
use std::net::{ToSocketAddrs, UdpSocket};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os().map(|arg| arg.to_string_lossy().into()).collect();
    let host = args.get(1).map_or("127.0.0.1", String::as_str);
    let port = args.get(2).map_or("15000", String::as_str);
    if let Err(error) = run(host, port) {
        eprintln!("minimal-udp-client: {host} port {port}: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run(host: &str, port: &str) -> io::Result<()> {
    let port: u16 = port.parse().map_err(io::Error::other)?;
    let server = (host, port).to_socket_addrs()?.next().ok_or(ErrorKind::NotFound)?;
    // Python: socket(AF_INET, SOCK_DGRAM), of the server's family; port 0: the OS picks ours.
    let socket = UdpSocket::bind(if server.is_ipv6() { "[::]:0" } else { "0.0.0.0:0" })?;
    socket.send_to(b"Hi, I'm just sending you a message.", server)?; // Python: sock.sendto(...)
    // UDP may lose the datagram or its reply: wait 2 s at most, where the notebook waits forever.
    socket.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut reply = vec![0; 65_535]; // any datagram fits: recvfrom(4096) cuts longer ones short
    let (size, sender) = socket.recv_from(&mut reply).map_err(|error| match error.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => io::Error::other("no reply within 2 s"),
        _ => error,
    })?;
    println!("reply from {sender}: {}", String::from_utf8_lossy(&reply[..size]));
    Ok(())
}
