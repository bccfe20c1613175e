//! The notebook's "Cliente UDP" cells in Rust: send one datagram, wait (a while) for the reply.
//!     cargo run --example minimal-udp-server      # prints "listening on 127.0.0.1:15000"
//!     cargo run --example minimal-udp-client      # prints "Aquí va mi respuesta para 127.0.0.1."
//! The notebook's mistakes it avoids, shown live by: scripts/pitfalls.sh no-timeout impostor
use std::io::{self, ErrorKind, Write};
use std::net::{ToSocketAddrs, UdpSocket};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // HOST and PORT, or ours by default. (args_os: args() would panic on a non-UTF-8 argument.)
    let mut args = std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned());
    let host = args.next().unwrap_or(String::from("127.0.0.1"));
    let port = args.next().unwrap_or(String::from("15000"));
    match run(&host, &port) {
        Err(error) if error.kind() != ErrorKind::BrokenPipe => {
            eprintln!("minimal-udp-client: {host} port {port}: {error}"); // Python: except ...
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS, // done, or stdout closed early (`| head`): nothing to say
    }
}

fn run(host: &str, port: &str) -> io::Result<()> {
    let port: u16 = port.parse().map_err(io::Error::other)?;
    // The server's address first (its family is our socket's): the first the name gives.
    let server = (host, port).to_socket_addrs()?.next().ok_or(io::Error::other("no address"))?;
    // Python: socket(AF_INET, SOCK_DGRAM), of the server's family; port 0: the OS picks ours.
    let socket = UdpSocket::bind(if server.is_ipv6() { "[::]:0" } else { "0.0.0.0:0" })?;
    socket.connect(server)?; // sends nothing: the OS then passes us only the server's datagrams
    socket.send("Hola, simplemente te estoy enviando un mensaje.".as_bytes())?; // Python: sendto
    socket.set_read_timeout(Some(Duration::from_secs(2)))?; // UDP may lose it: not forever
    let mut reply = vec![0; 65_535]; // any datagram fits: recvfrom(4096) cuts longer ones short
    let size = socket.recv(&mut reply).map_err(|error| match error.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => io::Error::other("no reply within 2 s"),
        _ => io::Error::new(error.kind(), format!("recv: {error}")), // e.g. ICMP "port unreachable"
    })?; // (a read timeout is WouldBlock on Unix, TimedOut on Windows)
    writeln!(io::stdout(), "{}", String::from_utf8_lossy(&reply[..size])) // Python: print(...)
}
