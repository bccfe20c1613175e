//! `redirect`: an HTTP client that follows redirects on the same server, five at most, and
//! prints the final body alone. The tester is an HTTP/1.1 server that refuses requests without
//! Host or with lines not ending in CRLF, and closes after each response. Its redirects use each
//! of the five statuses, and its longest chain is five long: the most a client must follow.

use crate::Exercise;
use crate::tester::{Failure, Outcome, Running, Tester, describe, quote};
use std::io::{self, Read};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

pub const EXERCISE: Exercise = Exercise {
    name: "redirect",
    task: "GET PATH, following redirects on the same server (five at most); print the body alone",
    run_as: "PROGRAM 127.0.0.1 PORT PATH",
    start: "http-get/examples/minimal-http-get.rs",
    copy: "http-get/examples/my-redirect.rs",
    solution: "scripts/exercises/solutions/redirect.rs",
    hints: [
        "the request (its path is the third argument), then the response: its status line, its \
         Location header, and where its head ends and its body begins",
        "loop at most six times: send GET PATH with Host and CRLF; read the head line by line \
         (BufRead::read_line) to the empty line; on 301, 302, 303, 307 or 308, take Location \
         (strip http://HOST:PORT if it starts so) as the next PATH; otherwise print the rest, the \
         body, and exit 0 for a 200, 1 for anything else. Six requests and still redirected: \
         say so on stderr, exit 1.",
    ],
    checks,
};

const WAIT: Duration = Duration::from_secs(5);

fn checks(t: &mut Tester) -> Outcome {
    let body = t.rng.text(10_240);
    t.check("GET /c, a 200 with a 10 KB body in pieces: the body alone printed, exit 0", |t| {
        let (requests, printed, status) = exchange(t, "/c", &body)?;
        expect_requests(&requests, &["/c"])?;
        expect_output(&printed, body.as_bytes(), status.code(), 0)
    })?;
    t.check("GET /a: redirected to http://127.0.0.1:PORT/b, then to /c: its body printed", |t| {
        let (requests, printed, status) = exchange(t, "/a", &body)?;
        expect_requests(&requests, &["/a", "/b", "/c"])?;
        expect_output(&printed, body.as_bytes(), status.code(), 0)
    })?;
    t.check(
        "GET /x, redirected to itself: at most six requests, then exit 1, nothing printed",
        |t| {
            let (requests, printed, status) = exchange(t, "/x", &body)?;
            if requests.len() > 6 {
                return Err(Failure::expected(
                    "at most six requests",
                    format!("{}", requests.len()),
                ));
            }
            expect_output(&printed, b"", status.code(), 1)
        },
    )?;
    t.check("GET /missing, a 404: exit 1", |t| {
        let (_, printed, status) = exchange(t, "/missing", &body)?;
        t.log(format!("(what a 404 prints is yours: {})", quote(&printed)));
        match status.code() {
            Some(1) => Ok(()),
            _ => Err(Failure::expected("exit status 1", describe(status))),
        }
    })?;
    t.check("GET /r5: five redirects (303, 307, 308, 301, 302), the most allowed, followed", |t| {
        let (requests, printed, status) = exchange(t, "/r5", &body)?;
        expect_requests(&requests, &["/r5", "/r4", "/r3", "/r2", "/r1", "/c"])?;
        expect_output(&printed, body.as_bytes(), status.code(), 0)
    })
}

/// Run the program on PATH, serving each of its requests; return the paths it asked for, what
/// it printed, and how it exited. Seven requests are one too many: the program is stopped.
fn exchange(
    t: &mut Tester,
    path: &str,
    body: &str,
) -> Result<(Vec<String>, Vec<u8>, std::process::ExitStatus), Failure> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let mut program = t.start(&["127.0.0.1".into(), port.to_string(), path.into()])?;
    let mut requests = Vec::new();
    while let Some(stream) = next_connection(&listener, &mut program)? {
        let request = read_request(&stream)?;
        t.log(format!("your program sent {}", quote(&request)));
        if let Some(problem) = problem_with(&request, port) {
            t.log(format!("the server answered 400 Bad Request: {problem}"));
            send(t, stream, &response(400, "Bad Request", None, format!("{problem}\n").as_bytes()));
            program.stop();
            let failure = Failure::said(format!("the server answered 400 Bad Request: {problem}"));
            return Err(if problem.contains("Host") {
                failure.pitfall("no-host")
            } else {
                failure
            });
        }
        requests.push(request_path(&request).to_string());
        if requests.len() > 6 {
            program.stop();
            return Err(Failure::said(
                "seven requests, and still going: you follow redirects forever",
            ));
        }
        let (status, reason, location, content) = route(request_path(&request), port, body);
        t.log(format!("the server answered {status} {reason}"));
        send(t, stream, &response(status, reason, location.as_deref(), &content));
    }
    let status = program.exited().ok_or(Failure::said("your program is still running"))?;
    let printed = program.stdout();
    t.log(format!("your program printed {} and {}", quote(&printed), describe(status)));
    Ok((requests, printed, status))
}

/// The program's next connection, or None once it has exited; bounded by WAIT.
fn next_connection(
    listener: &TcpListener,
    program: &mut Running,
) -> Result<Option<TcpStream>, Failure> {
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + WAIT;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false)?;
                return Ok(Some(stream));
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error.into()),
        }
        if program.exited().is_some() {
            return Ok(None);
        }
        if Instant::now() >= deadline {
            return Err(program.silent("your program neither sent a request nor exited", WAIT));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The request's head, as it came: up to its empty line (CRLF or bare LF), within WAIT.
fn read_request(stream: &TcpStream) -> Result<Vec<u8>, Failure> {
    stream.set_read_timeout(Some(WAIT))?;
    let mut head = Vec::new();
    let mut byte = [0; 1];
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") && head.len() < 65_536 {
        match (&*stream).read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            Ok(_) => break, // closed: what came is the request
            Err(error)
                if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) =>
            {
                return Err(Failure::said(format!(
                    "no answer within 5 s: your request stopped at {}",
                    quote(&head)
                )));
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(head)
}

/// What HTTP/1.1 refuses in a request head: a line not ending in CRLF, or no Host.
fn problem_with(request: &[u8], port: u16) -> Option<String> {
    let text = String::from_utf8_lossy(request);
    let mut problems = Vec::new();
    if text.split('\n').rev().skip(1).any(|line| !line.ends_with('\r')) {
        problems.push("a line of the request does not end in CRLF (\"\\r\\n\")".to_string());
    }
    let host = text.lines().skip(1).find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("host").then(|| value.trim().to_string())
    });
    match host {
        None => problems.push("the request has no Host header, which HTTP/1.1 requires".into()),
        Some(host) if host != format!("127.0.0.1:{port}") => {
            problems.push(format!("Host: {host}, where this server is 127.0.0.1:{port}"));
        }
        Some(_) => {}
    }
    if problems.is_empty() { None } else { Some(problems.join("; and ")) }
}

/// The path of `GET PATH HTTP/1.1`.
fn request_path(request: &[u8]) -> &str {
    let line = request.split(|&byte| byte == b'\r' || byte == b'\n').next().unwrap_or(&[]);
    let line = std::str::from_utf8(line).unwrap_or("");
    line.split(' ').nth(1).unwrap_or("")
}

/// The server's routes: /a → /b (an absolute URL) → /c (a path), /x → /x, the rest 404. For
/// each: status, reason, Location, body.
fn route(path: &str, port: u16, body: &str) -> (u16, &'static str, Option<String>, Vec<u8>) {
    let moved = |status, reason, to: String| {
        (status, reason, Some(to.clone()), format!("moved to {to}\n").into_bytes())
    };
    match path {
        "/a" => moved(301, "Moved Permanently", format!("http://127.0.0.1:{port}/b")),
        "/b" => moved(302, "Found", "/c".into()),
        "/x" => moved(301, "Moved Permanently", "/x".into()),
        "/r5" => moved(303, "See Other", "/r4".into()),
        "/r4" => moved(307, "Temporary Redirect", "/r3".into()),
        "/r3" => moved(308, "Permanent Redirect", format!("http://127.0.0.1:{port}/r2")),
        "/r2" => moved(301, "Moved Permanently", "/r1".into()),
        "/r1" => moved(302, "Found", "/c".into()),
        "/c" => (200, "OK", None, body.as_bytes().to_vec()),
        _ => (404, "Not Found", None, b"no such page\n".to_vec()),
    }
}

/// A whole response: status line, Content-Length (always), Location if any, the body.
fn response(status: u16, reason: &str, location: Option<&str>, content: &[u8]) -> Vec<u8> {
    let location = location.map(|to| format!("Location: {to}\r\n")).unwrap_or_default();
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\n{location}Connection: close\r\n\r\n",
        content.len()
    );
    [head.as_bytes(), content].concat()
}

/// Send a response in pieces, then close. (The client may have gone: its business.)
fn send(t: &mut Tester, mut stream: TcpStream, response: &[u8]) {
    let _ = t.send_in_pieces(&mut stream, response, "the server", 4);
}

fn expect_requests(requests: &[String], expected: &[&str]) -> Outcome {
    if requests == expected {
        return Ok(());
    }
    let expected = format!("requests for {}", expected.join(", then "));
    let got = if requests.is_empty() { "none".into() } else { requests.join(", then ") };
    Err(Failure::expected(expected, got))
}

fn expect_output(printed: &[u8], expected: &[u8], code: Option<i32>, exit: i32) -> Outcome {
    if printed != expected {
        let mut failure = Failure::expected(format!("stdout {}", quote(expected)), quote(printed));
        if printed.starts_with(b"HTTP/") {
            failure.said += "\n     (the body alone: not the head, up to its empty line)";
        } else if printed.len() < expected.len() {
            failure = failure.pitfall("recv"); // one read: what had come so far
        }
        return Err(failure);
    }
    if code != Some(exit) {
        return Err(Failure::expected(format!("exit status {exit}"), format!("{code:?}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_without_host_or_with_bare_line_feeds_is_refused_and_a_good_one_is_not() {
        let good = b"GET /a HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nConnection: close\r\n\r\n";
        assert_eq!(problem_with(good, 8000), None);
        let no_host = b"GET / HTTP/1.1\r\n\r\n";
        assert!(problem_with(no_host, 8000).unwrap().contains("no Host header"));
        let notebook = b"GET / HTTP/1.1\n\n";
        assert!(problem_with(notebook, 8000).unwrap().contains("CRLF"));
        let one_bare = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\n\r\n";
        assert!(problem_with(one_bare, 8000).unwrap().contains("CRLF"));
        let elsewhere = b"GET / HTTP/1.1\r\nhost: example.com\r\n\r\n";
        assert!(problem_with(elsewhere, 8000).unwrap().contains("example.com"));
    }

    #[test]
    fn the_routes_redirect_absolutely_then_by_path_and_loop_on_x() {
        let (status, _, location, _) = route("/a", 8000, "body");
        assert_eq!((status, location.as_deref()), (301, Some("http://127.0.0.1:8000/b")));
        let (status, _, location, _) = route("/b", 8000, "body");
        assert_eq!((status, location.as_deref()), (302, Some("/c")));
        assert_eq!(route("/c", 8000, "body").3, b"body");
        assert_eq!(route("/x", 8000, "").2.as_deref(), Some("/x"));
        assert_eq!(route("/missing", 8000, "").0, 404);
        assert_eq!(request_path(b"GET /a?b=c HTTP/1.1\r\n"), "/a?b=c");
        let response = response(301, "Moved Permanently", Some("/x"), b"moved\n");
        let text = String::from_utf8(response).unwrap();
        assert!(text.starts_with("HTTP/1.1 301 Moved Permanently\r\nContent-Length: 6\r\n"));
        assert!(text.contains("\r\nLocation: /x\r\n") && text.ends_with("\r\n\r\nmoved\n"));
    }
}
