//! The notebook's "Servidor TCP" cell in Rust: bind, listen, greet five clients, one at a time.
//!     cargo run --example minimal-tcp-server      # prints "listening on 127.0.0.1:9000"
//!     cargo run --example minimal-tcp-client      # prints "Gracias por conectarte"
//! The notebook's mistakes it avoids, shown live by: scripts/pitfalls.sh gethostname reuse
use std::io::{self, Write};
use std::net::TcpListener;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned());
    let host = args.next().unwrap_or(String::from("127.0.0.1")); // not gethostname(): 127.0.1.1
    let port = args.next().unwrap_or(String::from("9000"));
    if let Err(error) = serve(&host, &port) {
        eprintln!("minimal-tcp-server: cannot listen on {host} port {port}: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS // after five clients, as the notebook's cell
}

fn serve(host: &str, port: &str) -> io::Result<()> {
    let port: u16 = port.parse().map_err(io::Error::other)?;
    let listener = TcpListener::bind((host, port))?; // Python: sock.bind(...); sock.listen()
    // The log is written with `let _ =` (its error ignored): println! panics on a closed stdout.
    let _ = writeln!(io::stdout(), "listening on {}", listener.local_addr()?);
    let mut counter = 0;
    while counter < 5 {
        match listener.accept() {
            Ok((mut stream, address)) => {
                let _ = writeln!(io::stdout(), "Conexión aceptada desde {address}");
                match stream.write_all("Gracias por conectarte\n".as_bytes()) {
                    Ok(()) => counter += 1, // counted once greeted, as the notebook counts
                    Err(error) => eprintln!("minimal-tcp-server: greeting {address}: {error}"),
                }
            } // Python: socket_cliente.close(). `stream` is dropped here, which closes it.
            Err(error) => eprintln!("minimal-tcp-server: accept: {error}"), // and we go on
        }
    }
    Ok(())
}
