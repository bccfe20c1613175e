//! The notebook's "Servidor TCP" cell in Rust: bind, listen, greet five clients, one at a time.
//!     cargo run --example minimal-tcp-server      # prints "listening on 127.0.0.1:9000"
//!     cargo run --example minimal-tcp-client      # prints "Thanks for connecting"
//! Both take [HOST] [PORT] after `--`. The full program, with a thread per client: tcp-server.
use std::io::{self, Write};
use std::net::TcpListener;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os().map(|arg| arg.to_string_lossy().into()).collect();
    let host = args.get(1).map_or("127.0.0.1", String::as_str);
    let port = args.get(2).map_or("9000", String::as_str);
    if let Err(error) = serve(host, port) {
        eprintln!("minimal-tcp-server: cannot listen on {host} port {port}: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn serve(host: &str, port: &str) -> io::Result<()> {
    let listener = TcpListener::bind((host, port.parse().map_err(io::Error::other)?))?;
    let mut log = io::stdout(); // written with `let _ =`: println! would panic if nobody reads it
    let _ = writeln!(log, "listening on {}", listener.local_addr()?); // Python: bind(), listen()
    // One client at a time, like the notebook: fine while serving one is a single write. A
    // server that reads from its clients needs a thread each (tcp-server), or one slow client
    // holds up all the others.
    for _ in 0..5 {
        let greeted = listener.accept().and_then(|(mut stream, peer)| {
            let _ = writeln!(log, "connection accepted from {peer}");
            // We read nothing, so a client must not send: unread data makes the kernel reset
            // the connection as we close it, and the greeting can be lost.
            stream.write_all(b"Thanks for connecting\n")
        }); // Python: socket_cliente.close(): dropping the stream closed it
        if let Err(error) = greeted {
            eprintln!("minimal-tcp-server: a client failed: {error}"); // the server goes on
        }
    }
    Ok(())
}
