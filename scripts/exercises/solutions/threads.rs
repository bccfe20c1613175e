//! Exercise `threads`, a solution: minimal-tcp-server, with a thread per client that reads the
//! client's name and answers it; it exits once it has answered five.
//!     scripts/exercise.sh threads solution-threads    # prints "... ✓" for each check
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned());
    let host = args.next().unwrap_or(String::from("127.0.0.1"));
    let port = args.next().unwrap_or(String::from("9000"));
    if let Err(error) = serve(&host, &port) {
        eprintln!("threads: cannot listen on {host} port {port}: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS // five answered: returning from main ends every thread
}

fn serve(host: &str, port: &str) -> io::Result<()> {
    let port: u16 = port.parse().map_err(io::Error::other)?;
    let listener = TcpListener::bind((host, port))?;
    let _ = writeln!(io::stdout(), "listening on {}", listener.local_addr()?);
    // A thread accepts, and starts a thread per client; each says on `answered` once it has
    // answered. We count answers, not connections: one that closes before its name is no client.
    let (answered, answers) = mpsc::channel();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let answered = answered.clone();
            thread::spawn(move || {
                if answer(stream).is_ok() {
                    let _ = answered.send(()); // (ignored: after five, nobody counts any more)
                }
            });
        }
    });
    for _ in 0..5 {
        answers.recv().map_err(io::Error::other)?; // waits for the next answer
    }
    Ok(())
}

/// Read the client's name, a line, and answer it. A client silent for 10 s is dropped.
fn answer(stream: TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut name = String::new();
    BufReader::new(&stream).read_line(&mut name)?; // the whole line, however it was split
    if name.is_empty() {
        return Err(io::Error::other("closed before saying its name")); // not counted
    }
    (&stream).write_all(format!("Gracias por conectarte, {}\n", name.trim_end()).as_bytes())
}
