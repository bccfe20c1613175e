//! Exercise `redirect`, a solution: minimal-http-get, GETting PATH and following redirects on the
//! same server (Location http://HOST:PORT/PATH, or /PATH), five at most; then the body alone.
//!     scripts/exercise.sh redirect solution-redirect    # prints "... ✓" for each check
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned());
    let host = args.next().unwrap_or(String::from("127.0.0.1"));
    let port = args.next().unwrap_or(String::from("8000"));
    let mut path = args.next().unwrap_or(String::from("/"));
    let server =
        if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    for _ in 0..=5 {
        let (status, location) = get(&server, &path).unwrap_or_else(|error| {
            eprintln!("redirect: {server}{path}: {error}");
            std::process::exit(1) // a step that failed: say which, and stop
        });
        let here = format!("http://{server}");
        let next = location.map(|to| to.strip_prefix(&here).unwrap_or(&to).to_string());
        match (status, next) {
            (301 | 302 | 303 | 307 | 308, Some(next)) if next.starts_with('/') => path = next,
            (200, _) => return ExitCode::SUCCESS,
            _ => return ExitCode::FAILURE, // another status, or a redirect elsewhere
        }
    }
    eprintln!("redirect: more than 5 redirects, the last to {path}");
    ExitCode::FAILURE
}

/// GET path: its status and Location; the body goes to stdout, unless it is a redirect's.
fn get(server: &str, path: &str) -> io::Result<(u16, Option<String>)> {
    let address = server.to_socket_addrs()?.next().ok_or(io::Error::other("no address"))?;
    let stream = TcpStream::connect_timeout(&address, Duration::from_secs(10))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n");
    (&stream).write_all(request.as_bytes())?;
    let mut reader = BufReader::new(&stream);
    let mut head = (&mut reader).lines(); // each line without its CRLF
    let status_line = head.next().unwrap_or(Ok(String::new()))?; // "HTTP/1.1 301 Moved ..."
    let status = status_line.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let mut location = None;
    for line in head {
        let line = line?;
        match line.split_once(':') {
            Some((name, to)) if name.eq_ignore_ascii_case("location") => {
                location = Some(to.trim().into())
            }
            None if line.is_empty() => break, // the empty line that ends the head
            _ => {}
        }
    }
    if !(300..400).contains(&status) {
        io::copy(&mut reader, &mut io::stdout())?; // the body, until the server closes
    }
    Ok((status, location))
}
