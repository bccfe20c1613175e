//! The notebook's "Servidor UDP" cell in Rust: receive datagrams, answer each one's sender.
//!     cargo run --example minimal-udp-server      # prints "listening on 127.0.0.1:15000"
//!     cargo run --example minimal-udp-client      # prints "reply from 127.0.0.1:15000: Here..."
//! Both take [HOST] [PORT] after `--`. The full program, with a count: udp-server.
use std::io::{self, Write};
use std::net::UdpSocket;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os().map(|arg| arg.to_string_lossy().into()).collect();
    let host = args.get(1).map_or("127.0.0.1", String::as_str); // the notebook's "" is 0.0.0.0
    let port = args.get(2).map_or("15000", String::as_str);
    // serve() answers datagrams forever: it returns only if it cannot listen.
    if let Err(error) = serve(host, port) {
        eprintln!("minimal-udp-server: cannot listen on {host} port {port}: {error}");
    }
    ExitCode::FAILURE
}

fn serve(host: &str, port: &str) -> io::Result<()> {
    // Python: sock.bind((host, port)). A datagram socket needs no listen() and no accept().
    let socket = UdpSocket::bind((host, port.parse().map_err(io::Error::other)?))?;
    let _ = writeln!(io::stdout(), "listening on {}", socket.local_addr()?);
    let mut buffer = vec![0; 65_535]; // any datagram fits: recvfrom(4096) cuts longer ones short
    loop {
        if let Err(error) = answer(&socket, &mut buffer) {
            eprintln!("minimal-udp-server: {error}"); // one bad datagram does not stop us
        }
    }
}

fn answer(socket: &UdpSocket, buffer: &mut [u8]) -> io::Result<()> {
    let (size, sender) = socket.recv_from(buffer)?; // Python: sock.recvfrom(4096)
    let reply = format!("Here is my reply for {}.", sender.ip());
    socket.send_to(reply.as_bytes(), sender)?; // Python: sock.sendto(respuesta, (host, port))
    // Lossy: the notebook's data.decode('ascii') crashes the server on any other byte.
    let _ = writeln!(io::stdout(), "{sender}: {}", String::from_utf8_lossy(&buffer[..size]));
    Ok(())
}
