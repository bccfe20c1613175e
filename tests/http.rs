//! End-to-end tests of http-get: byte for byte what curl gets from the same server (servers
//! written here for each framing, `python3 -m http.server`, nginx), every error, and a seeded
//! stream of mutated responses that must each end in a response or a clear error.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// A server written here: for each of `count` connections it reads the request head, keeps it,
/// sends `response` and closes. Returns its port and, when joined, the requests it saw.
fn serve(response: &[u8], count: usize) -> (u16, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let response = response.to_vec();
    let handle = thread::spawn(move || {
        let mut requests = Vec::new();
        for _ in 0..count {
            let Ok((mut stream, _)) = listener.accept() else { break };
            requests.push(read_request(&stream));
            let _ = stream.write_all(&response); // the client may have gone: its business
        }
        requests
    });
    (port, handle)
}

fn read_request(stream: &TcpStream) -> String {
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let mut head = Vec::new();
    let mut reader = BufReader::new(stream);
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") {
        match reader.read_until(b'\n', &mut head) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

fn http_get(args: &[&str]) -> Output {
    let mut command = our("http-get");
    command.args(args);
    run(command, None)
}

fn curl(url: &str) -> Option<Vec<u8>> {
    if !have("curl") {
        skip("curl is not installed: no byte-for-byte comparison");
        return None;
    }
    let mut command = Command::new("curl");
    command.args(["-s", "--max-time", "20", url]);
    Some(run(command, None).stdout)
}

/// http-get and curl fetch the same canned response; both bodies must be `expected`.
fn same_as_curl(response: &[u8], path: &str, expected: &[u8]) -> Output {
    let (port, server) = serve(response, 2);
    let url = format!("http://127.0.0.1:{port}{path}");
    let ours = http_get(&[&url]);
    assert_eq!(ours.code(), Some(0), "stderr: {}", ours.stderr);
    assert_eq!(String::from_utf8_lossy(&ours.stdout), String::from_utf8_lossy(expected));
    match curl(&url) {
        Some(theirs) => {
            assert!(theirs == ours.stdout, "curl got {:?}", String::from_utf8_lossy(&theirs))
        }
        None => drop(TcpStream::connect(("127.0.0.1", port))), // let the server finish
    }
    let requests = server.join().expect("server");
    let request = &requests[0];
    assert!(request.starts_with(&format!("GET {path} HTTP/1.1\r\n")), "request: {request:?}");
    assert!(request.contains(&format!("\r\nHost: 127.0.0.1:{port}\r\n")), "request: {request:?}");
    assert!(request.contains("\r\nConnection: close\r\n") && request.ends_with("\r\n\r\n"));
    assert!(!request.replace("\r\n", "").contains('\n'), "a bare LF in {request:?}");
    ours
}

#[test]
fn a_content_length_body_is_read_exactly() {
    same_as_curl(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "/", b"hello");
}

/// A query with no path before it, and a fragment: the request asks for `/?q=1`, as curl's
/// does, and the fragment stays on our side (it is the browser's, never sent).
#[test]
fn a_query_without_a_path_and_a_fragment_make_the_request_line_curls() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    for (url_end, target) in [("?q=1#frag", "/?q=1"), ("/p?x=y#f", "/p?x=y"), ("#top", "/")] {
        let (port, server) = serve(response, 1);
        let output = http_get(&[&format!("http://127.0.0.1:{port}{url_end}")]);
        assert_eq!(output.code(), Some(0), "{url_end}: {}", output.stderr);
        assert_eq!(output.stdout, b"ok");
        let request = &server.join().expect("server")[0];
        assert!(request.starts_with(&format!("GET {target} HTTP/1.1\r\n")), "{request:?}");
        assert!(request.contains(&format!("\r\nHost: 127.0.0.1:{port}\r\n")), "{request:?}");
    }
}

#[test]
fn a_chunked_body_is_decoded() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        5;name=value\r\nhello\r\n1\r\n,\r\nA\r\n chunked!\n\r\n0\r\nTrailer: x\r\n\r\n";
    same_as_curl(response, "/chunks?size=3", b"hello, chunked!\n");
}

#[test]
fn a_body_without_length_ends_at_close() {
    same_as_curl(
        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end",
        "/x",
        b"until the end",
    );
}

#[test]
fn a_204_has_no_body_whatever_its_headers_say() {
    same_as_curl(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", "/", b"");
}

#[test]
fn a_304_has_no_body_even_with_a_content_length() {
    same_as_curl(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", "/", b"");
}

#[test]
fn interim_1xx_responses_are_skipped() {
    let response = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n\
        HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal";
    same_as_curl(response, "/", b"real");
}

#[test]
fn a_redirect_is_shown_on_stderr_and_not_followed() {
    let response = b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://example.org/\r\n\
        Content-length: 0\r\n\r\n";
    let output = same_as_curl(response, "/", b"");
    assert!(output.stderr.contains("HTTP/1.1 301 Moved Permanently"), "{}", output.stderr);
    assert!(output.stderr.contains("Location: https://example.org/"), "{}", output.stderr);
}

#[test]
fn a_folded_location_is_joined_into_one_value() {
    // obs-fold: a header line that starts with a space continues the one before (RFC 9112, 5.2).
    let response = b"HTTP/1.1 301 Moved Permanently\r\nLocation: http://example.org/\r\n \
        moved/here\r\nContent-Length: 0\r\n\r\n";
    let output = same_as_curl(response, "/", b"");
    let joined = "http-get: not following Location: http://example.org/ moved/here\n";
    assert!(output.stderr.contains(joined), "{}", output.stderr);
}

#[test]
fn a_404_exits_0_with_its_status_line_on_stderr() {
    let response = b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot here\n";
    let output = same_as_curl(response, "/missing", b"not here\n");
    assert_eq!(output.stderr, "http-get: HTTP/1.1 404 Not Found\n");
}

#[test]
fn dash_i_puts_the_status_line_and_headers_first() {
    let (port, _server) =
        serve(b"HTTP/1.1 200 OK\r\nX-Test: yes\r\nContent-Length: 2\r\n\r\nok", 1);
    let output = http_get(&["-i", &format!("http://127.0.0.1:{port}/")]);
    assert_eq!(
        output.stdout_text(),
        "HTTP/1.1 200 OK\r\nX-Test: yes\r\nContent-Length: 2\r\n\r\nok"
    );
}

// ---- The web as real servers send it: each shape to http-get and to curl ----

/// A raw response of a shape real servers send, and the body it carries. `trailers`: the
/// trailer fields `curl -i` prints after a chunked body, which http-get leaves out.
struct Shape {
    name: &'static str,
    response: &'static [u8],
    body: &'static [u8],
    trailers: &'static [u8],
}

const fn shape(name: &'static str, response: &'static [u8], body: &'static [u8]) -> Shape {
    Shape { name, response, body, trailers: b"" }
}

const SHAPES: &[Shape] = &[
    shape(
        "a Latin-1 header value",
        b"HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=\"caf\xe9.txt\"\r\n\
          Content-Length: 2\r\n\r\nok",
        b"ok",
    ),
    shape("a UTF-8 header value", b"HTTP/1.1 200 OK\r\nX-Name: caf\xc3\xa9\r\nContent-Length: 2\r\n\r\nok", b"ok"),
    shape(
        "a folded header (obs-fold)",
        b"HTTP/1.1 200 OK\r\nX-Folded: one\r\n  two\r\n\tthree\r\nContent-Length: 2\r\n\r\nok",
        b"ok",
    ),
    shape("lines ending in LF only", b"HTTP/1.1 200 OK\nX-A: b\nContent-Length: 2\n\nok", b"ok"),
    shape("a status line without a reason phrase", b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok", b"ok"),
    shape("a reason phrase that is empty", b"HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok", b"ok"),
    shape("HTTP/1.0, read until close", b"HTTP/1.0 200 OK\r\nServer: old\r\n\r\nuntil close", b"until close"),
    shape(
        "chunked, with upper-case hex",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nB\r\nhello world\r\n1A\r\n\
          abcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
        b"hello worldabcdefghijklmnopqrstuvwxyz",
    ),
    Shape {
        name: "chunk extensions and trailers",
        response: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n\
          5;name=value\r\nhello\r\n1;a=\"b;c\"\r\n!\r\n0\r\nX-Sum: 6\r\n\r\n",
        body: b"hello!",
        trailers: b"X-Sum: 6\r\n",
    },
    shape(
        "chunked together with Content-Length",
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n\
          3\r\nabc\r\n0\r\n\r\n",
        b"abc",
    ),
    // RFC 9112, 6.3: a Transfer-Encoding whose last coding is not chunked overrides the length;
    // the body ends when the server closes.
    shape(
        "a Transfer-Encoding not chunked, with Content-Length",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nuntil close",
        b"until close",
    ),
    shape(
        "two codings, chunked the last",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        b"ok",
    ),
    shape(
        "Transfer-Encoding: Chunked, capitalized",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        b"ok",
    ),
    shape(
        "100 and 103 before the final head",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n\
          HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal",
        b"real",
    ),
    shape("a 204 with a Content-Length", b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello", b""),
    shape("a 304 with a Content-Length", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello", b""),
    shape(
        "the same Content-Length twice",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
        b"ok",
    ),
    shape("the same Content-Length twice in one field", b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", b"ok"),
    shape("a 404 with a body", b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot here\n", b"not here\n"),
];

/// The heads of a raw response, interim ones included: all of it up to its body.
fn heads_of(response: &[u8]) -> &[u8] {
    let mut end = 0;
    loop {
        let rest = &response[end..];
        let blank = rest.windows(4).position(|four| four == b"\r\n\r\n").map(|at| at + 4);
        let blank =
            blank.or_else(|| rest.windows(2).position(|two| two == b"\n\n").map(|at| at + 2));
        end += blank.expect("a head ends with a blank line");
        if !rest.starts_with(b"HTTP/1.1 1") {
            return &response[..end];
        }
    }
}

/// One shape, to http-get (plain and -i) and, when it is here, to curl (-s and -si).
fn compare_with_curl(shape: &Shape, response: &[u8], body: &[u8], curl_here: bool) {
    let name = shape.name;
    let (port, server) = serve(response, if curl_here { 4 } else { 2 });
    let url = format!("http://127.0.0.1:{port}/");
    let ours = http_get(&[&url]);
    let ours_i = http_get(&["-i", &url]);
    assert_eq!(ours.code(), Some(0), "{name}: {}", ours.stderr);
    assert!(ours.stdout == body, "{name}: body {:?}", ours.stdout_text());
    let expected_i = [heads_of(response), body].concat();
    assert!(ours_i.stdout == expected_i, "{name}: -i gave {:?}", ours_i.stdout_text());
    if curl_here {
        let curl = |flags: &str| {
            let mut command = Command::new("curl");
            command.args([flags, "--max-time", "20", &url]);
            run(command, None)
        };
        let (theirs, theirs_i) = (curl("-s"), curl("-si"));
        assert_eq!(theirs.code(), Some(0), "{name}: curl failed: {}", theirs.stderr);
        assert!(theirs.stdout == ours.stdout, "{name}: curl's body {:?}", theirs.stdout_text());
        let theirs_i = theirs_i.stdout.strip_suffix(shape.trailers).expect("curl's trailers");
        let shown = String::from_utf8_lossy(theirs_i);
        assert!(theirs_i == ours_i.stdout, "{name}: curl -i gave {shown:?}");
    }
    server.join().expect("server");
}

#[test]
fn each_shape_of_response_gives_curls_body_exit_status_and_heads() {
    let curl_here = have("curl");
    if !curl_here {
        skip("curl is not installed: each shape is checked, but not compared with curl's");
    }
    for shape in SHAPES {
        compare_with_curl(shape, shape.response, shape.body, curl_here);
    }
    // Five hundred headers, and a binary body with every byte value.
    let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
    for n in 0..500 {
        many.extend_from_slice(format!("X-Header-{n}: value {n}\r\n").as_bytes());
    }
    many.extend_from_slice(b"Content-Length: 2\r\n\r\nok");
    compare_with_curl(&shape("500 headers", b"", b""), &many, b"ok", curl_here);
    let binary = random_bytes(256 * 1024, 13);
    let mut response =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", binary.len()).into_bytes();
    response.extend_from_slice(&binary);
    compare_with_curl(&shape("a binary body", b"", b""), &response, &binary, curl_here);
}

#[test]
fn the_scheme_is_taken_in_any_case() {
    let (port, _server) = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 1);
    let output = http_get(&[&format!("HTTP://127.0.0.1:{port}/")]);
    assert_eq!(output.stdout_text(), "ok", "stderr: {}", output.stderr);
}

#[test]
fn a_bad_url_is_a_usage_error_that_names_what_is_wrong() {
    for (url, problem) in [
        ("http://[::1", "an IPv6 address goes in brackets"),
        ("http://[::1]x/", "no host, or a bad one"),
        ("http:///path", "no host"),
        ("http://host:65536/", "bad port: give 1 to 65535"),
        ("http://host:0/", "bad port"),
        ("http://user:pass@host/", "credentials in the URL are not supported"),
        ("http://::1/", "an IPv6 address goes in brackets"),
    ] {
        let output = http_get(&[url]);
        assert_eq!(output.code(), Some(2), "{url}: {}", output.stderr);
        let first = output.stderr.lines().next().unwrap_or("");
        assert!(first.starts_with("http-get: ") && first.contains(problem), "{url}: {first}");
        assert!(first.ends_with(&format!(": {url}")), "{url}: {first}");
    }
}

#[test]
fn a_5_mib_file_from_python_http_server_is_byte_identical_to_curls() {
    if !have("python3") {
        return skip("python3 is not installed");
    }
    let folder = TempDir::new("www");
    let data = random_bytes(5 << 20, 11);
    std::fs::write(folder.0.join("data.bin"), &data).expect("write file");
    let mut python = Command::new("python3");
    python.args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"]).current_dir(&folder.0);
    let server = Server::start_announced(python, python_serving_on);
    let port = server.port();
    let url = format!("http://127.0.0.1:{port}/data.bin");
    let output = http_get(&[&url]);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert!(output.stdout == data, "got {} bytes of {}", output.stdout.len(), data.len());
    if let Some(theirs) = curl(&url) {
        assert!(theirs == output.stdout, "curl and http-get differ");
    }
}

#[test]
fn a_static_file_from_nginx_is_byte_identical_to_curls() {
    let Some(nginx) = ["/usr/sbin/nginx", "nginx"].into_iter().find(|nginx| have(nginx)) else {
        return skip("nginx is not installed (Debian: nginx-light)");
    };
    let root = TempDir::new("nginx");
    let data = random_bytes(1 << 20, 12);
    std::fs::write(root.0.join("file.bin"), &data).expect("write file");
    let port = reserved_port(); // nginx cannot bind port 0 and tell us which port it got
    let prefix = root.0.display();
    // One process (no master, no workers), so stopping it at the end leaves nothing behind.
    let config = format!(
        "daemon off; master_process off; pid {prefix}/nginx.pid; error_log stderr;
         events {{}}
         http {{ access_log off; client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/p;
                 fastcgi_temp_path {prefix}/f; uwsgi_temp_path {prefix}/u; scgi_temp_path {prefix}/s;
                 server {{ listen 127.0.0.1:{port}; root {prefix}; }} }}"
    );
    std::fs::write(root.0.join("nginx.conf"), config).expect("write config");
    let mut command = Command::new(nginx);
    command.arg("-c").arg(root.0.join("nginx.conf")).arg("-p").arg(&root.0);
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    let mut server = Process::spawn(&mut command);
    // nginx writes its pid file once it listens: its own word that it is ready.
    let started = Instant::now();
    while std::fs::read_to_string(root.0.join("nginx.pid")).unwrap_or_default().trim().is_empty() {
        assert!(server.try_wait().is_none(), "nginx exited at start (is port {port} taken?)");
        assert!(started.elapsed() < Duration::from_secs(20), "nginx never wrote its pid file");
        thread::sleep(Duration::from_millis(10));
    }
    let url = format!("http://127.0.0.1:{port}/file.bin");
    let output = http_get(&[&url]);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert!(output.stdout == data, "got {} bytes of {}", output.stdout.len(), data.len());
    assert!(output.elapsed < Duration::from_secs(5), "nginx kept us waiting: {:?}", output.elapsed);
    if let Some(theirs) = curl(&url) {
        assert!(theirs == output.stdout, "curl and http-get differ");
    }
}

// ---- Errors: one line on stderr, exit 1 ----

fn error_from(response: &[u8], args: &[&str]) -> String {
    let (port, _server) = serve(response, 1);
    let url = format!("http://127.0.0.1:{port}/");
    let output = http_get(&[args, &[url.as_str()]].concat());
    assert_eq!(
        output.code(),
        Some(1),
        "stdout {:?} stderr {}",
        output.stdout_text(),
        output.stderr
    );
    assert_eq!(output.stderr.lines().count(), 1, "one line: {}", output.stderr);
    assert!(output.stderr.starts_with("http-get: "), "{}", output.stderr);
    output.stderr
}

#[test]
fn garbage_instead_of_a_status_line_is_an_error() {
    let stderr = error_from(b"SSH-2.0-OpenSSH_9.2\r\n\r\n", &[]);
    assert!(stderr.contains("bad response: malformed status line"), "{stderr}");
}

#[test]
fn a_status_line_of_another_http_version_is_an_error() {
    // HTTP/1, then one digit after the dot (RFC 9112, 2.3); curl rejects HTTP/1.01 too.
    for status_line in ["HTTP/1.01 200 OK", "HTTP/2 200 OK", "HTTP/1.x 200 OK", "HTTP/10.1 200 OK"]
    {
        let response = format!("{status_line}\r\nContent-Length: 2\r\n\r\nok");
        let stderr = error_from(response.as_bytes(), &[]);
        let says = format!("bad response: malformed status line: {status_line:?}");
        assert!(stderr.contains(&says), "{stderr}");
    }
}

#[test]
fn an_unrequested_101_switching_protocols_is_an_error() {
    let response = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\
        HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let stderr = error_from(response, &[]);
    let says =
        "http-get: bad response: 101 Switching Protocols, but the request asked for no upgrade";
    assert_eq!(stderr.trim_end(), says);
}

#[test]
fn differing_content_lengths_are_an_error_in_one_field_or_two() {
    for lengths in ["Content-Length: 5, 6", "Content-Length: 5\r\nContent-Length: 6"] {
        let response = format!("HTTP/1.1 200 OK\r\n{lengths}\r\n\r\nhello!");
        let stderr = error_from(response.as_bytes(), &[]);
        assert!(stderr.contains("bad response: malformed Content-Length: \"5, 6\""), "{stderr}");
    }
}

#[test]
fn a_malformed_header_is_an_error() {
    let stderr = error_from(b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", &[]);
    assert!(stderr.contains("malformed header: \"no colon here\""), "{stderr}");
}

#[test]
fn a_body_shorter_than_its_content_length_is_an_error_naming_both_counts() {
    let stderr = error_from(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", &[]);
    assert!(stderr.contains("body cut short: got 5 of 10 bytes"), "{stderr}");
}

#[test]
fn a_truncated_chunk_is_an_error() {
    let stderr = error_from(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\nonly", &[]);
    assert!(stderr.contains("body cut short: got 4 of 10 bytes"), "{stderr}");
    let stderr = error_from(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", &[]);
    assert!(stderr.contains("malformed chunk size"), "{stderr}");
}

#[test]
fn each_malformed_chunk_size_line_is_rejected_by_name() {
    // A chunk size is hex digits and nothing else (RFC 9112, 7.1), then maybe `;extensions`.
    // from_str_radix alone would take a sign ("+5"); every other shape is refused too.
    let sizes = ["+5", "-5", "", " ", "0x5", "5g", "g", "5 5", "ffffffffffffffffff"];
    for size in sizes {
        let response = format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nhello\r\n0\r\n\r\n"
        );
        let stderr = error_from(response.as_bytes(), &[]);
        let says = format!("bad response: malformed chunk size: {size:?}");
        assert!(stderr.contains(&says), "chunk size {size:?}: {stderr}");
    }
    // The sizes it takes: any case of hex, extensions after `;`, spaces before them.
    for size in ["5", "05", "5;name=value", "5 ;name", "5;"] {
        let response = format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nhello\r\n0\r\n\r\n"
        );
        let (port, _server) = serve(response.as_bytes(), 1);
        let output = http_get(&[&format!("http://127.0.0.1:{port}/")]);
        assert_eq!((output.code(), output.stdout_text()), (Some(0), "hello".into()), "{size:?}");
    }
}

#[test]
fn a_chunk_not_followed_by_its_line_end_is_rejected() {
    // Chunk data of the stated size must end with CRLF (or LF): more data there is an error.
    let response =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello!!\r\n0\r\n\r\n";
    let stderr = error_from(response, &[]);
    assert!(stderr.contains("bad response: malformed chunk end: \"!!\""), "{stderr}");
    let cut = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello";
    let stderr = error_from(cut, &[]);
    assert!(stderr.contains("bad response: body cut short after a chunk"), "{stderr}");
    let bare_lf = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n";
    let (port, _server) = serve(bare_lf, 1);
    let output = http_get(&[&format!("http://127.0.0.1:{port}/")]);
    assert_eq!(
        (output.code(), output.stdout_text()),
        (Some(0), "hello".into()),
        "{}",
        output.stderr
    );
}

#[test]
fn a_chunked_body_that_ends_before_its_trailer_section_does_is_cut_short_as_curl_says() {
    // The last chunk (0) came, but not the empty line that ends the trailer section.
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n";
    let stderr = error_from(response, &[]);
    assert!(stderr.contains("bad response: response cut short"), "{stderr}");
    if have("curl") {
        let (port, _server) = serve(response, 1);
        let mut command = Command::new("curl");
        command.args(["-s", "--max-time", "20", &format!("http://127.0.0.1:{port}/")]);
        assert_eq!(run(command, None).code(), Some(18), "curl: 18, partial file");
    }
}

#[test]
fn an_endless_header_section_is_an_error_not_endless_memory() {
    let mut response = b"HTTP/1.1 200 OK\r\n".to_vec();
    for n in 0..20_000 {
        response.extend_from_slice(format!("X-Header-{n}: {}\r\n", "v".repeat(40)).as_bytes());
    }
    let stderr = error_from(&response, &[]);
    assert!(stderr.contains("header section"), "{stderr}");
}

#[test]
fn a_server_that_accepts_and_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let holder = thread::spawn(move || listener.accept().map(|(stream, _)| stream));
    let output = http_get(&["--timeout", "0.5", &format!("http://127.0.0.1:{port}/")]);
    assert_eq!(output.code(), Some(1));
    let says = format!("http-get: receiving from 127.0.0.1:{port}: timed out (--timeout)\n");
    assert_eq!(output.stderr, says);
    assert!(output.elapsed < Duration::from_secs(5), "took {:?}", output.elapsed);
    drop(holder.join());
}

#[test]
fn max_time_ends_a_server_that_sends_a_byte_now_and_then() {
    // A byte every 0.2 s never trips --timeout 1; --max-time 1.5 ends it all the same, and so
    // does -m 1.5, curl's short name for it.
    for flag in ["--max-time", "-m"] {
        max_time_ends_a_trickle(flag);
    }
}

fn max_time_ends_a_trickle(flag: &str) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        read_request(&stream);
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".iter().chain(&[b'x'; 100]) {
            if stream.write_all(&[*byte]).is_err() {
                break; // the client has gone
            }
            thread::sleep(Duration::from_millis(200));
        }
    });
    let url = format!("http://127.0.0.1:{port}/");
    let output = http_get(&["--timeout", "1", flag, "1.5", &url]);
    assert_eq!(output.code(), Some(1));
    assert_eq!(output.stderr, "http-get: timed out: not done within 1.5s (--max-time)\n");
    let waited = output.elapsed;
    assert!(waited > Duration::from_millis(1400) && waited < Duration::from_secs(3), "{waited:?}");
    server.join().expect("server");
}

#[test]
fn an_ipv6_address_without_a_port_goes_to_port_80() {
    let output = http_get(&["--timeout", "2", "http://[::1]/path"]);
    assert_ne!(output.code(), Some(2), "a usage error: {}", output.stderr);
    if output.code() == Some(1) {
        // Nothing listens on port 80 here (or no IPv6): the error names the address tried.
        assert!(output.stderr.contains("[::1]:80"), "{}", output.stderr);
    }
}

#[test]
fn refused_and_unknown_hosts_are_one_line_errors() {
    let port = reserved_port(); // nothing listens there, and nothing else may
    let output = http_get(&[&format!("http://127.0.0.1:{port}/")]);
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr.starts_with(&format!("http-get: cannot connect to 127.0.0.1:{port}: ")));
    assert!(output.stderr.contains("refused"), "{}", output.stderr);
    let output = http_get(&["http://no-such-host.invalid/"]);
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr.starts_with("http-get: cannot resolve no-such-host.invalid:80: "));
}

#[test]
fn https_says_tls_is_not_in_std_and_exits_1() {
    let output = http_get(&["https://www.python.org/"]);
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr.contains("TLS") && output.stderr.contains("curl"), "{}", output.stderr);
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    for args in [
        &["ftp://example.org/"][..],
        &["example.org"],
        &["http://"],
        &["http://host:99999/"],
        &["http://host:port/"],
        &["http://::1/"],
        &["http://host/a path"],
        &[],
        &["http://a/", "http://b/"],
        &["--timeout", "0", "http://a/"],
        &["--timeout"],
        &["--max-time", "soon", "http://a/"],
        &["-m"],
        &["--bogus", "http://a/"],
    ] {
        let output = http_get(args);
        assert_eq!(output.code(), Some(2), "{args:?}: {}", output.stderr);
        assert!(output.stderr.contains("usage: http-get"), "{args:?}: {}", output.stderr);
    }
    let output = http_get(&["--help"]);
    assert_eq!(output.code(), Some(0));
    assert!(output.stdout_text().starts_with("usage: http-get "));
}

#[test]
fn ipv6_literals_in_brackets_work() {
    if !ipv6_loopback_works() {
        return skip("this machine has no IPv6 loopback (::1)");
    }
    let listener = TcpListener::bind("[::1]:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let request = read_request(&stream);
        stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nv6\n").expect("answer");
        request
    });
    let output = http_get(&[&format!("http://[::1]:{port}/six")]);
    assert_eq!(output.stdout_text(), "v6\n", "stderr: {}", output.stderr);
    let request = server.join().expect("server");
    assert!(request.contains(&format!("\r\nHost: [::1]:{port}\r\n")), "{request:?}");
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let body = vec![b'x'; 4 << 20];
    let mut response =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    response.extend_from_slice(&body);
    let (port, _server) = serve(&response, 1);
    let script = r#""$1" "$2" | head -c 5 > /dev/null; echo "exit ${PIPESTATUS[0]}" >&2"#;
    let mut command = Command::new("bash");
    command
        .args(["-c", script, "sh"])
        .arg(bin("http-get"))
        .arg(format!("http://127.0.0.1:{port}/"));
    let output = run(command, None);
    assert_eq!(output.stderr, "exit 0\n");
}

// ---- Robustness: mutated responses end in a response or a clear error, never a hang or panic ----

const VALID: &[&[u8]] = &[
    b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\nclose-delimited body",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 301 Moved\r\nLocation: http://x/\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1;a=b\r\nx\r\n0\r\nT: 1\r\n\r\n",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng) -> Vec<u8> {
    let mut response = VALID[rng.below(VALID.len())].to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(response.len() + 1);
        match rng.below(7) {
            0 => response.truncate(at),
            1 if at < response.len() => response[at] = rng.next() as u8,
            2 => response.insert(at, b"\r\n:; 0123456789abcdefHTTP/1.1 "[rng.below(29)]),
            3 if at < response.len() => drop(response.remove(at)),
            4 => response.splice(at..at, b"\r\n\r\n".iter().copied()).for_each(drop),
            5 => response.splice(at..at, b"ffffffff".iter().copied()).for_each(drop),
            _ => {
                let from = rng.below(response.len());
                let piece = response[from..(from + 16).min(response.len())].to_vec();
                response.splice(at..at, piece).for_each(drop);
            }
        }
    }
    response
}

#[test]
fn ten_thousand_mutated_responses_each_end_in_a_response_or_a_clear_error() {
    const CASES: usize = 10_000;
    const WORKERS: usize = 4;
    let bin = bin("http-get");
    let failures = Arc::new(Mutex::new(Vec::new()));
    let completed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let (bin, failures) = (bin.clone(), Arc::clone(&failures));
            let completed = Arc::clone(&completed);
            thread::spawn(move || {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ worker as u64);
                for case in (worker..CASES).step_by(WORKERS) {
                    let response = mutate(&mut rng);
                    let (port, server) = serve(&response, 1);
                    let mut command = Command::new(&bin);
                    command.args(["--timeout", "5", &format!("http://127.0.0.1:{port}/")]);
                    let output = run(command, None);
                    let _ = server.join();
                    let clear_error = output.code() == Some(1)
                        && output.stderr.starts_with("http-get: ")
                        && !output.stderr.contains("panicked");
                    if output.code() == Some(0) {
                        completed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    if output.code() != Some(0) && !clear_error {
                        let shown = String::from_utf8_lossy(&response).into_owned();
                        failures.lock().expect("lock").push(format!(
                            "case {case}: {shown:?} -> {:?} {}",
                            output.code(),
                            output.stderr
                        ));
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    let failures = failures.lock().expect("lock");
    // Both outcomes must occur, or the generator is not testing what it claims to.
    let completed = completed.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("{completed} of {CASES} mutated responses were read whole; the rest: clear errors");
    assert!(completed > CASES / 20 && completed < CASES - CASES / 20, "{completed} complete");
    assert!(
        failures.is_empty(),
        "{} of {CASES} failed, e.g.:\n{}",
        failures.len(),
        failures[..failures.len().min(5)].join("\n")
    );
}

#[test]
fn reads_are_read_not_a_blind_recv() {
    // A response dribbled out in small pieces, with pauses: one recv would get only the first.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        read_request(&stream);
        stream.set_nodelay(true).expect("nodelay");
        for piece in [
            &b"HTTP/1.1 200 OK\r\nContent-"[..],
            b"Length: 12\r\n\r\n",
            b"piece",
            b"meal!\n",
            b"\n",
        ] {
            stream.write_all(piece).expect("write");
            thread::sleep(Duration::from_millis(50));
        }
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    });
    let output = http_get(&[&format!("http://127.0.0.1:{port}/")]);
    assert_eq!(output.stdout_text(), "piecemeal!\n\n");
    drop(server.join());
}
