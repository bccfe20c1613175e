//! A wrong answer to the exercise `threads`, for tests/exercises.rs: a thread per client, as it
//! should be, but it counts connections, not answers. Five accepted, it stops accepting and waits
//! for their threads; the tester's first connection, which says nothing, was one of the five,
//! and so the fifth client to say its name is never answered.
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
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
    ExitCode::SUCCESS
}

fn serve(host: &str, port: &str) -> io::Result<()> {
    let port: u16 = port.parse().map_err(io::Error::other)?;
    let listener = TcpListener::bind((host, port))?;
    let _ = writeln!(io::stdout(), "listening on {}", listener.local_addr()?);
    let mut clients = Vec::new();
    for stream in listener.incoming().take(5) {
        let stream = stream?;
        clients.push(thread::spawn(move || answer(stream)));
    }
    for client in clients {
        let _ = client.join(); // each one answered before we exit
    }
    Ok(())
}

fn answer(stream: TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut name = String::new();
    BufReader::new(&stream).read_line(&mut name)?;
    (&stream).write_all(format!("Gracias por conectarte, {}\n", name.trim_end()).as_bytes())
}
