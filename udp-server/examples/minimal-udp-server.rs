//! The notebook's "Servidor UDP" cell in Rust: receive datagrams, answer each one's sender.
//!     cargo run --example minimal-udp-server      # prints "listening on 127.0.0.1:15000"
//!     cargo run --example minimal-udp-client      # prints "Aquí va mi respuesta para 127.0.0.1."
//! The notebook's mistakes it avoids, shown live by: scripts/pitfalls.sh recvfrom ascii
use std::io::{self, Write};
use std::net::UdpSocket;
use std::process::ExitCode;

fn main() -> ExitCode {
    // HOST and PORT, or ours by default. The notebook's bind(("", 15000)) is HOST 0.0.0.0 here.
    let mut args = std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned());
    let host = args.next().unwrap_or(String::from("127.0.0.1"));
    let port = args.next().unwrap_or(String::from("15000"));
    if let Err(error) = serve(&host, &port) {
        eprintln!("minimal-udp-server: cannot listen on {host} port {port}: {error}");
    }
    ExitCode::FAILURE // serve() answers datagrams forever: it returns only if it cannot listen
}

fn serve(host: &str, port: &str) -> io::Result<()> {
    let port: u16 = port.parse().map_err(io::Error::other)?;
    let socket = UdpSocket::bind((host, port))?; // Python: sock.bind(...); no listen, no accept
    // The log is written with `let _ =` (its error ignored): println! panics on a closed stdout.
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
    // Python: print(data.decode('ascii')), which kills the server at the first "¡" or "é".
    let _ = writeln!(io::stdout(), "{}", String::from_utf8_lossy(&buffer[..size]));
    let reply = format!("Aquí va mi respuesta para {}.", sender.ip());
    socket.send_to(reply.as_bytes(), sender).map(drop) // Python: sock.sendto(respuesta, ...)
}
