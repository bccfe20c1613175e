//! Exercise `datagrams`, a solution: minimal-udp-client, sending each MESSAGE in turn, and
//! printing the reply to each, in order.
//!     scripts/exercise.sh datagrams solution-datagrams    # prints "... ✓" for each check
use std::io::{self, ErrorKind, Write};
use std::net::{ToSocketAddrs, UdpSocket};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // HOST, PORT, then the messages. (args_os: args() would panic on a non-UTF-8 argument.)
    let args: Vec<String> =
        std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned()).collect();
    let [host, port, messages @ ..] = args.as_slice() else {
        eprintln!("usage: datagrams HOST PORT MESSAGE...");
        return ExitCode::from(2);
    };
    if let Err(error) = run(host, port, messages) {
        eprintln!("datagrams: {host} port {port}: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run(host: &str, port: &str, messages: &[String]) -> io::Result<()> {
    let port: u16 = port.parse().map_err(io::Error::other)?;
    let server = (host, port).to_socket_addrs()?.next().ok_or(io::Error::other("no address"))?;
    let socket = UdpSocket::bind(if server.is_ipv6() { "[::]:0" } else { "0.0.0.0:0" })?;
    socket.connect(server)?; // the OS passes us only the server's datagrams: no impostor's
    socket.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut reply = vec![0; 65_535];
    for message in messages {
        socket.send(message.as_bytes())?;
        // UDP keeps no order and may repeat: a reply says what it answers ("respuesta a: uno").
        // Until the one to this message comes, any other (late, or a copy) is passed over.
        let expected = format!("respuesta a: {message}");
        loop {
            let size = socket.recv(&mut reply).map_err(|error| match error.kind() {
                ErrorKind::WouldBlock | ErrorKind::TimedOut => io::Error::other("no reply in 2 s"),
                _ => error,
            })?;
            if reply[..size] == *expected.as_bytes() {
                break;
            }
        }
        writeln!(io::stdout(), "{expected}")?;
    }
    Ok(())
}
