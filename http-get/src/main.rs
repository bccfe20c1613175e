//! http-get: the notebook's `GET / HTTP/1.1` to python.org, as a correct HTTP client on a socket.
//! The notebook's cell itself, in under 40 lines, is examples/minimal-http-get.rs: start there.
//!
//! Notebook, "Cliente TCP": `connect(('python.org', 80))`, `sendall('GET / HTTP/1.1\n\n\n')`,
//! `recv(4096)`: no `Host` header (nginx answers 400), LF line ends, one read of what has come so
//! far. We send a correct request and stream the whole body to stdout, framed as the response says.
//!
//! Try it from the repository's top folder (what each prints follows `#`), then compare with curl:
//!     python3 -m http.server 8000                 # prints "Serving HTTP on 0.0.0.0 port 8000 ..."
//!     cargo run -p http-get -- http://127.0.0.1:8000/http-get/Cargo.toml   # prints "[package]..."
//!     curl -s http://127.0.0.1:8000/http-get/Cargo.toml                    # prints the same
//! (`-i`: headers first, like curl -i.) Redirects, like the notebook's `301`, are not followed.

use std::io::ErrorKind::{BrokenPipe, ConnectionReset, InvalidData, TimedOut, WouldBlock};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv6Addr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const BUFFER_SIZE: usize = 64 * 1024;
const MAX_HEAD_BYTES: u64 = 64 * 1024; // for all of a response's heads: endless ones are an error
const UNTIL_CLOSE: u64 = u64::MAX; // a body of no stated length: it ends when the server closes

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(exit_code) => return exit_code,
    };
    let error = match run(&args) {
        Ok(()) => return ExitCode::SUCCESS,
        Err(error) if error.kind() == BrokenPipe => return ExitCode::SUCCESS, // `| head`
        Err(error) if error.kind() == InvalidData => format!("bad response: {error}"),
        Err(error) => error.to_string(),
    };
    say(format!("http-get: {error}"));
    ExitCode::FAILURE
}

fn run(args: &Args) -> io::Result<()> {
    if let Some(max_time) = args.max_time {
        // --max-time bounds the whole exchange, as curl's -m does: a server that sends a byte now
        // and then never trips --timeout. A thread waits that long, then ends the program.
        thread::Builder::new().spawn(move || {
            thread::sleep(max_time);
            say(format!("http-get: timed out: not done within {max_time:?} (--max-time)"));
            std::process::exit(1);
        })?;
    }
    let url = &args.url;
    let timeout = args.timeout;
    let stream = connect(&url.address, timeout)?;
    stream.set_read_timeout(Some(timeout))?; // every wait is bounded
    stream.set_write_timeout(Some(timeout))?;

    // HTTP/1.1 with `Connection: close`: the server ends the exchange by closing, as in HTTP/1.0,
    // but we speak the current version, so we understand chunked replies too. Lines end in CRLF.
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: http-get/0.1\r\nConnection: close\r\n\r\n",
        url.target, url.host_header
    );
    (&stream).write_all(request.as_bytes()).map_err(|e| failed("sending to", &url.address, e))?;

    // One recv returns whatever has arrived so far: we read until the response is complete.
    let mut reader = BufReader::with_capacity(BUFFER_SIZE, Socket(&stream, &url.address));
    let mut stdout = io::stdout().lock();
    let mut heads = (&mut reader).take(MAX_HEAD_BYTES);
    let head = loop {
        let head = read_head(&mut heads)?;
        if args.include_headers {
            stdout.write_all(&head.raw)?; // -i: each head exactly as it arrived
        }
        if head.status == 101 {
            // We asked for no Upgrade, so no other protocol may follow (RFC 9110, 15.2.2).
            let why = "101 Switching Protocols, but the request asked for no upgrade";
            return Err(io::Error::new(InvalidData, why));
        } else if head.status >= 200 {
            break head; // 1xx heads (100 Continue, 103 Early Hints) are interim: more follow
        }
    };
    if !(200..300).contains(&head.status) {
        say(format!("http-get: {}", head.status_line)); // a learner sees the 301, or the 404
    }
    if let Some(to) = head.field("location").filter(|_| (300..400).contains(&head.status)) {
        say(format!("http-get: not following Location: {to}"));
    }
    copy_body(&head, &mut reader, &mut stdout)?;
    stdout.flush()
}

/// Python: sock.connect((host, port)). A name can resolve to several addresses (IPv6 and IPv4):
/// try each in turn, each with a timeout, and keep the first that answers.
fn connect(address: &str, timeout: Duration) -> io::Result<TcpStream> {
    let addresses = address.to_socket_addrs().map_err(|e| failed("cannot resolve", address, e))?;
    let mut last_error = io::Error::new(io::ErrorKind::NotFound, "no address");
    for candidate in addresses {
        match TcpStream::connect_timeout(&candidate, timeout) {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = error,
        }
    }
    Err(failed("cannot connect to", address, last_error))
}

/// The stream, so that a failed read says what failed: a timeout, or a reset, mid-response.
struct Socket<'a>(&'a TcpStream, &'a str); // the stream, and the address it is connected to

impl Read for Socket<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        self.0.read(buffer).map_err(|error| failed("receiving from", self.1, error))
    }
}

/// One response head: its bytes as they arrived (for -i), its status and its header fields.
struct Head {
    raw: Vec<u8>,
    status_line: String,
    status: u16,
    fields: Vec<(String, String)>, // name and value
}

impl Head {
    /// The value of field `name` (any case); repeated fields are one list, joined by ", ".
    fn field(&self, name: &str) -> Option<String> {
        let named = self.fields.iter().filter(|(field, _)| field.eq_ignore_ascii_case(name));
        let values: Vec<&str> = named.map(|(_, value)| value.as_str()).collect();
        if values.is_empty() { None } else { Some(values.join(", ")) }
    }
}

/// The status line (`HTTP/1.1 200 OK`, or with no reason phrase), then header lines up to an
/// empty one. Read as bytes: a value may hold any byte (a Latin-1 file name, say); we decode
/// only the fields we interpret, and lossily: a byte that is not UTF-8 becomes U+FFFD there.
fn read_head(reader: &mut impl BufRead) -> io::Result<Head> {
    let mut raw = Vec::new();
    let status_line = read_line(reader, &mut raw)?;
    // `HTTP/1.1 200 OK`: HTTP/1, a dot and one digit (RFC 9112, 2.3), then a three-digit code.
    let (version, rest) = status_line.split_once(' ').unwrap_or_default();
    let minor = version.strip_prefix("HTTP/1.").filter(|minor| minor.len() == 1);
    let code = rest.split(' ').next().filter(|code| code.len() == 3);
    let status = match (minor.and_then(digits::<u8>), code.and_then(digits)) {
        (Some(_), Some(status)) => status,
        _ => return Err(malformed("status line", &status_line)),
    };
    let mut head = Head { raw, status_line, status, fields: vec![] };
    loop {
        let line = read_line(reader, &mut head.raw)?;
        if line.is_empty() {
            return Ok(head);
        } else if let Some(more) = line.strip_prefix([' ', '\t']) {
            // An old-style folded line: more of the previous field's value (RFC 9112, 5.2).
            let (_, value) = head.fields.last_mut().ok_or_else(|| malformed("header", &line))?;
            value.push_str(&format!(" {}", more.trim()));
        } else {
            let (name, value) = line.split_once(':').ok_or_else(|| malformed("header", &line))?;
            head.fields.push((name.to_string(), value.trim().to_string()));
        }
    }
}

/// Add one line to `bytes`, and return it as text without its CRLF (or bare LF).
fn read_line(reader: &mut impl BufRead, bytes: &mut Vec<u8>) -> io::Result<String> {
    let start = bytes.len();
    if reader.read_until(b'\n', bytes)? == 0 || !bytes.ends_with(b"\n") {
        let why = "response cut short, or a header section over 64 KiB";
        return Err(io::Error::new(InvalidData, why));
    }
    let line = String::from_utf8_lossy(&bytes[start..]);
    Ok(line.trim_end_matches('\n').trim_end_matches('\r').to_string())
}

/// Copy the body to `out`: where it ends is decided in the order of RFC 9112, section 6.3.
fn copy_body(head: &Head, reader: &mut impl BufRead, out: &mut impl Write) -> io::Result<()> {
    let codings = head.field("transfer-encoding");
    let last_coding = codings.as_deref().and_then(|codings| codings.rsplit(',').next());
    if head.status == 204 || head.status == 304 {
        return Ok(()); // never a body, whatever the headers say
    }
    if last_coding.is_some_and(|coding| coding.trim().eq_ignore_ascii_case("chunked")) {
        return copy_chunked(reader, out); // chunked comes last, and wins over Content-Length
    }
    if let (None, Some(lengths)) = (&codings, head.field("content-length")) {
        return copy_exactly(reader, out, content_length(&lengths)?);
    }
    copy_exactly(reader, out, UNTIL_CLOSE) // no length known: the body ends when the server closes
}

/// Content-Length, once or repeated with the same value (`5, 5`). Differing values are an
/// error: where the body ends would be a guess.
fn content_length(text: &str) -> io::Result<u64> {
    let mut lengths = text.split(',').map(|length| digits::<u64>(length.trim()));
    match lengths.next().flatten() {
        Some(length) if lengths.all(|other| other == Some(length)) => Ok(length),
        _ => Err(malformed("Content-Length", text)),
    }
}

/// A chunked body: a hex size line (maybe with `;extensions`), that many bytes, a line end; a
/// size of 0 ends it, then trailer fields (left out) up to an empty line. The connection
/// closing before that line means the body was cut short, as curl says too.
fn copy_chunked(reader: &mut impl BufRead, out: &mut impl Write) -> io::Result<()> {
    loop {
        let line = read_line(&mut reader.take(MAX_HEAD_BYTES), &mut Vec::new())?;
        let size = line.split(';').next().unwrap_or("").trim();
        match u64::from_str_radix(size, 16).ok().filter(|_| !size.starts_with('+')) {
            Some(0) => break,
            Some(size) => copy_exactly(reader, out, size)?,
            None => return Err(malformed("chunk size", &line)),
        }
        // After the chunk's data, its line end: CRLF, or a bare LF. Anything else is an error.
        let mut end = Vec::new();
        reader.take(2).read_until(b'\n', &mut end)?;
        match end.as_slice() {
            b"\r\n" | b"\n" => {}
            b"" | b"\r" => return Err(io::Error::new(InvalidData, "body cut short after a chunk")),
            other => return Err(malformed("chunk end", &String::from_utf8_lossy(other))),
        }
    }
    let mut trailers = reader.take(MAX_HEAD_BYTES);
    while !read_line(&mut trailers, &mut Vec::new())?.is_empty() {}
    Ok(())
}

/// Copy `length` bytes (or all, UNTIL_CLOSE) straight from the reader's buffer, one write per
/// read: io::copy would pass them through 8 KiB at a time. Cut short, it is an error, not success.
fn copy_exactly(reader: &mut impl BufRead, out: &mut impl Write, length: u64) -> io::Result<()> {
    let mut copied = 0;
    while copied < length {
        let available = reader.fill_buf()?;
        if available.is_empty() && length == UNTIL_CLOSE {
            return Ok(()); // no length was given: the body ends when the server closes
        } else if available.is_empty() {
            let why = format!("body cut short: got {copied} of {length} bytes");
            return Err(io::Error::new(InvalidData, why));
        }
        let size = available.len().min(usize::try_from(length - copied).unwrap_or(usize::MAX));
        out.write_all(&available[..size])?;
        reader.consume(size);
        copied += size as u64;
    }
    Ok(())
}

fn digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    let all_digits = !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    if all_digits { text.parse().ok() } else { None }
}

fn malformed(what: &str, text: &str) -> io::Error {
    io::Error::new(InvalidData, format!("malformed {what}: {text:?}"))
}

/// Name what failed, keep the OS's reason and the error's kind: `what failed: why`. But a broken
/// pipe becomes a reset: main takes BrokenPipe for `| head`, and here it is the server's doing.
fn failed(what: &str, address: &str, error: io::Error) -> io::Error {
    let why = match error.kind() {
        // A socket timeout (WouldBlock on Unix, TimedOut on Windows), in words, not the OS's:
        WouldBlock | TimedOut => "timed out (--timeout)".to_string(),
        _ => error.to_string(),
    };
    let kind = if error.kind() == BrokenPipe { ConnectionReset } else { error.kind() };
    io::Error::new(kind, format!("{what} {address}: {why}"))
}

/// One line on stderr, written at once: `eprintln!` makes a system call per piece of the line.
fn say(line: String) {
    let _ = io::stderr().write_all(format!("{line}\n").as_bytes());
}

// ---- Command line and URL: plumbing, kept out of the socket story above ----

const USAGE: &str = "\
usage: http-get [-i] [--timeout SECS] [--max-time SECS] http://HOST[:PORT][/PATH][?QUERY]
  Sends one GET and prints the response's body, like curl -s.
  -i, --include        print each head first, as it arrived (1xx heads too), like curl -i
  --timeout SECS       give up connecting or waiting for data after this long (default 10)
  -m, --max-time SECS  give up when the whole exchange takes longer (default: no limit)
  --help               show this help
";
const NO_TLS: &str = "https needs TLS, which Rust's standard library does not include: \
                      use curl, or a TLS crate such as rustls, or the http:// address";

struct Args {
    url: Url,
    include_headers: bool,
    timeout: Duration,
    max_time: Option<Duration>,
}

/// What the request needs of `http://HOST[:PORT][/PATH][?QUERY][#FRAGMENT]`.
struct Url {
    address: String,     // where to connect: HOST:PORT, port 80 unless given
    host_header: String, // HOST[:PORT] as written
    target: String,      // the path and query, at least "/" (a fragment is never sent)
}

/// Err carries the exit code: 0 after `--help`, 1 for https, 2 after a usage error.
fn parse_args() -> Result<Args, ExitCode> {
    let mut include_headers = false;
    let mut timeout = DEFAULT_TIMEOUT;
    let mut max_time = None;
    let mut urls = vec![];
    let mut raw = std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned());
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Err(ExitCode::SUCCESS);
            }
            "-i" | "--include" => include_headers = true,
            "--timeout" => timeout = parse_seconds(&arg, raw.next())?,
            "-m" | "--max-time" => max_time = Some(parse_seconds(&arg, raw.next())?),
            _ if arg.starts_with('-') => return Err(usage(&format!("unknown option {arg}"))),
            _ => urls.push(arg),
        }
    }
    let [url] = urls.as_slice() else { return Err(usage("give exactly one URL")) };
    if url.get(..8).is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://")) {
        say(format!("http-get: {NO_TLS}"));
        return Err(ExitCode::FAILURE);
    }
    let url = parse_url(url).map_err(|problem| usage(&format!("{problem}: {url}")))?;
    Ok(Args { url, include_headers, timeout, max_time })
}

/// Err: what is wrong with the URL, in words.
fn parse_url(url: &str) -> Result<Url, &'static str> {
    let scheme = url.get(..7).filter(|scheme| scheme.eq_ignore_ascii_case("http://"));
    let Some(rest) = scheme.map(|_| &url[7..]) else { return Err("not an http:// URL") };
    if !rest.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err("a space or control character would break the request line");
    }
    let rest = rest.split('#').next().unwrap_or(rest); // the fragment is not sent
    let (authority, target) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    if authority.contains('@') {
        return Err("credentials in the URL are not supported");
    }
    // The port follows the last ':', unless that ':' is inside an IPv6 address's brackets.
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port),
        _ => (authority, ""),
    };
    let good_host = match host.strip_prefix('[').and_then(|inside| inside.strip_suffix(']')) {
        Some(ipv6) => ipv6.parse::<Ipv6Addr>().is_ok(),
        None => !host.is_empty() && !host.contains([':', '[', ']']),
    };
    if !good_host {
        return Err("no host, or a bad one (an IPv6 address goes in brackets: [::1])");
    }
    let port =
        if port.is_empty() { Some(80) } else { digits::<u16>(port).filter(|&port| port > 0) };
    let Some(port) = port else { return Err("bad port: give 1 to 65535") };
    let target = if target.starts_with('/') { target.into() } else { format!("/{target}") };
    Ok(Url { address: format!("{host}:{port}"), host_header: authority.into(), target })
}

fn parse_seconds(flag: &str, text: Option<String>) -> Result<Duration, ExitCode> {
    let seconds = text.and_then(|text| text.parse().ok());
    let seconds = seconds.and_then(|secs| Duration::try_from_secs_f64(secs).ok());
    let seconds = seconds.filter(|duration| !duration.is_zero());
    seconds.ok_or_else(|| usage(&format!("{flag} needs seconds above 0")))
}

fn usage(problem: &str) -> ExitCode {
    eprint!("http-get: {problem}\n{USAGE}");
    ExitCode::from(2)
}
