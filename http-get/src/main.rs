//! http-get: the notebook's `GET / HTTP/1.1` to python.org, as a correct HTTP client on a socket.
//!
//! Notebook, "Cliente TCP": `connect(('python.org', 80))`, `sendall('GET / HTTP/1.1\n\n\n')`,
//! `recv(4096)`. That request lacks the `Host` header HTTP/1.1 requires (nginx answers 400) and
//! ends lines in LF, not CRLF; one recv gets at most 4096 bytes of what has arrived so far. We
//! send a correct request and stream the whole body to stdout, framed as the response says.
//!
//! Try it from the repository's top folder (what each prints follows `#`), then compare with curl:
//!     python3 -m http.server 8000                 # prints "Serving HTTP on 0.0.0.0 port 8000 ..."
//!     cargo run -p http-get -- http://127.0.0.1:8000/http-get/Cargo.toml   # prints "[package]..."
//!     curl -s http://127.0.0.1:8000/http-get/Cargo.toml                    # prints the same
//! (`-i`: headers first, like curl -i.) Redirects, like the notebook's `301`, are not followed.

use std::io::ErrorKind::{BrokenPipe, InvalidData, WouldBlock};
use std::io::{self, BufRead, BufReader, Read, Take, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const BUFFER_SIZE: usize = 64 * 1024;
const MAX_HEAD_BYTES: u64 = 64 * 1024; // status line and headers: endless ones are an error

fn main() -> ExitCode {
    let (url, include_headers, timeout) = match parse_args() {
        Ok(args) => args,
        Err(exit_code) => return exit_code,
    };
    let error = match run(&url, include_headers, timeout) {
        Ok(()) => return ExitCode::SUCCESS,
        Err(error) if error.kind() == BrokenPipe => return ExitCode::SUCCESS, // `| head`
        Err(error) if error.kind() == WouldBlock => format!("timed out: no data for {timeout:?}"),
        Err(error) if error.kind() == InvalidData => format!("bad response: {error}"),
        Err(error) => error.to_string(),
    };
    eprintln!("http-get: {error}");
    ExitCode::FAILURE
}

fn run((address, host, target): &Url, include_headers: bool, timeout: Duration) -> io::Result<()> {
    // Python: sock.connect((host, port)). Try each address the name resolves to, each bounded.
    let addresses = address.to_socket_addrs().map_err(|e| failed("cannot resolve", address, e))?;
    let none = Err(io::Error::new(io::ErrorKind::NotFound, "no address"));
    let connect = |address| TcpStream::connect_timeout(&address, timeout);
    let stream = addresses.fold(none, |found, address| found.or_else(|_| connect(address)));
    let stream = stream.map_err(|error| failed("cannot connect to", address, error))?;
    stream.set_read_timeout(Some(timeout))?; // every wait is bounded
    stream.set_write_timeout(Some(timeout))?;

    // HTTP/1.1 with `Connection: close`: the server ends the exchange by closing, as in HTTP/1.0,
    // but we speak the current version, so we understand chunked replies too. Lines end in CRLF.
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: http-get/0.1\r\nConnection: close\r\n\r\n"
    );
    (&stream).write_all(request.as_bytes()).map_err(|e| failed("sending to", address, e))?;
    // One recv returns whatever has arrived so far: we read until the response is complete.
    let mut reader = BufReader::with_capacity(BUFFER_SIZE, &stream);
    let (status, head) = read_head(&mut (&mut reader).take(MAX_HEAD_BYTES))?;
    let location = header(&head, "location").filter(|_| (300..400).contains(&status));
    let location = location.map_or(String::new(), |to| format!(" (not following Location: {to})"));
    if !(200..300).contains(&status) {
        eprintln!("http-get: {}{location}", head[0]); // a learner sees the 301, or the 404
    }
    let mut stdout = io::stdout().lock();
    if include_headers {
        write!(stdout, "{}\r\n\r\n", head.join("\r\n"))?; // -i: status line and headers first
    }
    // Where the body ends, in the order HTTP/1.1 prescribes (RFC 9112, section 6.3).
    let chunked =
        header(&head, "transfer-encoding").map(|te| te.to_lowercase().ends_with("chunked"));
    let length = header(&head, "content-length").map(|text| digits(text).ok_or(text));
    match (status, chunked, length) {
        (204 | 304, _, _) => {} // never a body, whatever the headers say
        (_, Some(true), _) => copy_chunked(&mut reader, &mut stdout)?, // chunked is last, if at all
        (_, None, Some(Ok(length))) => copy_exactly(&mut reader, &mut stdout, length)?,
        (_, None, Some(Err(text))) => return Err(malformed("Content-Length", text)),
        _ => drop(io::copy(&mut reader, &mut stdout)?), // no length known: the body ends at close
    }
    stdout.flush()
}

/// A chunked body: a hex size line, that many bytes, CRLF; size 0 ends it (trailers: unread).
fn copy_chunked(reader: &mut impl BufRead, out: &mut impl Write) -> io::Result<()> {
    loop {
        let line = reader.take(MAX_HEAD_BYTES).lines().next().unwrap_or(Ok(String::new()))?;
        let size = line.split(';').next().unwrap_or("").trim();
        match u64::from_str_radix(size, 16).ok().filter(|_| !size.starts_with('+')) {
            Some(0) => return Ok(()),
            Some(size) => copy_exactly(reader, out, size)?,
            None => return Err(malformed("chunk size", &line)),
        }
        let end = reader.take(2).lines().next().unwrap_or(Ok(String::new()))?; // after the data
        end.is_empty().then_some(()).ok_or_else(|| malformed("chunk end", &end))?;
    }
}

/// Copy exactly `length` bytes: a connection that closes before that is an error, not success.
fn copy_exactly(reader: &mut impl BufRead, out: &mut impl Write, length: u64) -> io::Result<()> {
    let copied = io::copy(&mut reader.take(length), out)?;
    let short = || format!("body cut short: got {copied} of {length} bytes");
    if copied < length { Err(io::Error::new(InvalidData, short())) } else { Ok(()) }
}

/// The status line (`HTTP/1.1 200 OK`) and its number, then the header lines up to an empty one.
fn read_head(reader: &mut Take<impl BufRead>) -> io::Result<(u16, Vec<String>)> {
    let mut lines = reader.by_ref().lines();
    let status_line = lines.next().unwrap_or(Err(io::Error::new(InvalidData, "no response")))?;
    let code = status_line.strip_prefix("HTTP/1.").and_then(|rest| rest.split(' ').nth(1));
    let status = code.filter(|code| code.len() == 3).and_then(digits);
    let status = status.ok_or_else(|| malformed("status line", &status_line))?;
    let mut head = vec![status_line];
    for line in lines {
        match line? {
            line if line.is_empty() && status < 200 => return read_head(reader), // 1xx: interim
            line if line.is_empty() => return Ok((status, head)),
            line if line.contains(':') && !line.starts_with([' ', '\t']) => head.push(line),
            line => return Err(malformed("header", &line)),
        }
    }
    Err(io::Error::new(InvalidData, "header section cut short, or longer than we accept"))
}

/// The value of the first header called `name` (any case), trimmed.
fn header<'a>(head: &'a [String], name: &str) -> Option<&'a str> {
    let mut fields = head[1..].iter().filter_map(|line| line.split_once(':'));
    fields.find(|(field, _)| field.eq_ignore_ascii_case(name)).map(|(_, value)| value.trim())
}

fn digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.bytes().all(|b| b.is_ascii_digit()).then(|| text.parse().ok()).flatten()
}
fn malformed(what: &str, text: &str) -> io::Error {
    io::Error::new(InvalidData, format!("malformed {what}: {text:?}"))
}
fn failed(what: &str, address: &str, error: io::Error) -> io::Error {
    io::Error::other(format!("{what} {address}: {error}")) // (a broken pipe here is no `| head`)
}

// ---- Command line and URL: plumbing, kept out of the socket story above ----

const USAGE: &str = "\
usage: http-get [-i] [--timeout SECS] http://HOST[:PORT][/PATH][?QUERY]
  -i              include the status line and headers, like curl -i
  --timeout SECS  give up connecting or waiting for data after this long (default 10)
";
const NO_TLS: &str = "https needs TLS, which Rust's standard library does not include: \
                      use curl, or a TLS crate such as rustls, or the http:// address";
/// Where to connect (HOST:PORT, port 80 unless given), the Host header (HOST[:PORT] as written)
/// and the request target (path and query, at least "/").
type Url = (String, String, String);

/// Err carries the exit code: 0 after `--help`, 1 for https, 2 after a usage error.
fn parse_args() -> Result<(Url, bool, Duration), ExitCode> {
    let (mut include_headers, mut timeout, mut urls) = (false, DEFAULT_TIMEOUT, vec![]);
    let mut raw = std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned());
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Err(ExitCode::SUCCESS);
            }
            "-i" | "--include" => include_headers = true,
            "--timeout" => timeout = seconds(raw.next()).ok_or_else(|| usage("bad --timeout"))?,
            _ if arg.starts_with('-') => return Err(usage(&format!("unknown option {arg}"))),
            _ => urls.push(arg),
        }
    }
    let [url] = urls.as_slice() else { return Err(usage("give exactly one URL")) };
    if url.starts_with("https://") {
        eprintln!("http-get: {NO_TLS}");
        return Err(ExitCode::FAILURE);
    }
    let url = parse_url(url).ok_or_else(|| usage(&format!("not an http:// URL: {url}")))?;
    Ok((url, include_headers, timeout))
}

/// `http://HOST[:PORT][/PATH][?QUERY][#FRAGMENT]` (IPv6 HOST in brackets: `http://[::1]:80/`) as
/// the three parts of `Url`. The fragment is not sent; a space or a control byte in the URL would
/// break the request line.
fn parse_url(url: &str) -> Option<Url> {
    let rest = url.strip_prefix("http://").filter(|r| r.bytes().all(|b| b.is_ascii_graphic()));
    let rest = rest?.split('#').next()?;
    let (authority, target) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.ends_with(']') => (host, digits::<u16>(port)?),
        _ => (authority, 80),
    };
    (!host.is_empty() && (host.starts_with('[') || !host.contains(':'))).then_some(())?;
    let target = if target.starts_with('/') { target.into() } else { format!("/{target}") };
    Some((format!("{host}:{port}"), authority.into(), target))
}

fn seconds(text: Option<String>) -> Option<Duration> {
    Duration::try_from_secs_f64(text?.parse().ok()?).ok().filter(|duration| !duration.is_zero())
}
fn usage(problem: &str) -> ExitCode {
    eprint!("http-get: {problem}\n{USAGE}");
    ExitCode::from(2)
}
