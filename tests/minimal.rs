//! The minimal programs (each package's `examples/minimal-NAME.rs`, the notebook's cell in Rust)
//! talk both ways: with their full counterparts, and with the notebook's own Python cells. They
//! say what the notebook's cells say, and they are correct where the cells are not.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::process::Command;
use std::thread;
use std::time::Duration;

/// What the notebook's server and the minimal one send, and what our full server sends.
const GRACIAS: &str = "Gracias por conectarte\n";
const THANKS: &str = "Thanks for connecting\n";
const HOLA: &str = "Hola, simplemente te estoy enviando un mensaje.";

fn port_of(server: &Server) -> String {
    server.port().to_string()
}

fn client_of(mut client: Command, args: &[&str], port: &str) -> Command {
    client.args(args).args(["127.0.0.1", port]);
    client
}

#[test]
fn the_minimal_tcp_server_serves_five_clients_ours_and_the_notebooks_then_exits_0() {
    let server = Server::start_announced(client_of(minimal("tcp-server"), &[], "0"), listening_on);
    let port = port_of(&server);
    let mut clients = vec![our("tcp-client"), minimal("tcp-client"), our("tcp-client")];
    if have("python3") {
        clients.push(notebook("tcp_client", &[]));
        clients.push(notebook("tcp_client", &[]));
    } else {
        skip("python3 is not installed: two more of our clients instead of the notebook's");
        clients.extend([minimal("tcp-client"), our("tcp-client")]);
    }
    for mut client in clients {
        client.args(["127.0.0.1", &port]);
        let output = run(client, None);
        assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
        assert!(output.stdout_text().starts_with(GRACIAS), "{}", output.stdout_text());
    }
    let server = server.wait(); // it exits by itself after its fifth client
    assert_eq!(server.code(), Some(0), "stderr: {}", server.stderr);
    let log = server.stdout_text();
    assert_eq!(log.matches("Conexión aceptada desde 127.0.0.1:").count(), 5, "{log}");
}

#[test]
fn the_minimal_tcp_server_counts_a_client_only_once_it_was_greeted() {
    // As the notebook's counter += 1 comes after its sendall. A client resets its connection
    // while the server is paused, so that its greeting fails; one more client makes five.
    let server = Server::start_announced(client_of(minimal("tcp-server"), &[], "0"), listening_on);
    server.pause();
    let gone = TcpStream::connect(server.addr).expect("connect");
    reset_on_close(&gone);
    drop(gone);
    thread::sleep(Duration::from_millis(100));
    server.resume();
    for _ in 0..5 {
        let output = run(client_of(minimal("tcp-client"), &[], &port_of(&server)), None);
        assert_eq!(output.stdout_text(), GRACIAS, "stderr: {}", output.stderr);
    }
    let server = server.wait();
    assert_eq!(server.code(), Some(0), "stderr: {}", server.stderr);
    assert_eq!(server.stderr.lines().count(), 1, "the failed greeting: {}", server.stderr);
}

#[test]
fn the_minimal_tcp_client_reads_all_our_server_and_the_notebooks_say() {
    let server = Server::start("tcp-server", &["--clients", "1", "127.0.0.1", "0"]);
    let output = run(client_of(minimal("tcp-client"), &[], &port_of(&server)), None);
    assert_eq!((output.code(), output.stdout_text()), (Some(0), THANKS.into()));
    assert!(server.wait().stdout_text().contains("after echoing 0 bytes"), "it sent nothing");
    if !have("python3") {
        return skip("python3 is not installed: no notebook server to read");
    }
    let server =
        Server::start_announced(notebook("tcp_server", &["127.0.0.1", "0", "1"]), listening_on);
    let output = run(client_of(minimal("tcp-client"), &[], &port_of(&server)), None);
    assert_eq!(output.stdout_text(), GRACIAS, "stderr: {}", output.stderr);
    assert_eq!(server.wait().code(), Some(0));
}

#[test]
fn the_minimal_udp_server_answers_our_client_and_the_notebooks_in_the_notebooks_words() {
    let server = Server::start_announced(client_of(minimal("udp-server"), &[], "0"), listening_on);
    let port = port_of(&server);
    let reply = "Aquí va mi respuesta para 127.0.0.1.\n";
    let output = run(client_of(our("udp-client"), &["--send", "from ours"], &port), None);
    assert_eq!(output.stdout_text(), reply, "{}", output.stderr);
    assert_eq!(wait_for_line(&server, "from ours"), "from ours"); // the notebook prints data
    let output = run(client_of(minimal("udp-client"), &[], &port), None);
    assert_eq!(output.stdout_text(), reply, "stderr: {}", output.stderr);
    wait_for_line(&server, HOLA);
    if !have("python3") {
        return skip("python3 is not installed: no notebook client");
    }
    let output = run(notebook("udp_client", &["127.0.0.1", &port]), None);
    assert_eq!(output.stdout_text(), reply, "{}", output.stderr);
    wait_for_line(&server, HOLA);
}

#[test]
fn the_minimal_udp_server_takes_a_datagram_longer_than_the_notebooks_4096_bytes_whole() {
    let server = Server::start_announced(client_of(minimal("udp-server"), &[], "0"), listening_on);
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let long = "ab".repeat(2500); // 5000 bytes
    socket.send_to(long.as_bytes(), server.addr).expect("send");
    let mut reply = [0; 100];
    socket.recv(&mut reply).expect("a reply");
    assert_eq!(wait_for_line(&server, "abab").len(), 5000, "the datagram, whole");
}

#[test]
fn the_minimal_udp_client_gets_replies_from_our_server_and_the_notebooks() {
    let server = Server::start("udp-server", &["--count", "1", "127.0.0.1", "0"]);
    let output = run(client_of(minimal("udp-client"), &[], &port_of(&server)), None);
    assert_eq!(output.stdout_text(), "Here is my reply for 127.0.0.1.\n", "{}", output.stderr);
    assert!(server.wait().stdout_text().contains(&format!(": {HOLA}\n")));
    if !have("python3") {
        return skip("python3 is not installed: no notebook server");
    }
    let server = Server::start_announced(notebook("udp_server", &["127.0.0.1", "0"]), listening_on);
    let output = run(client_of(minimal("udp-client"), &[], &port_of(&server)), None);
    let reply = "Aquí va mi respuesta para 127.0.0.1.\n";
    assert_eq!(output.stdout_text(), reply, "stderr: {}", output.stderr);
}

#[test]
fn the_minimal_udp_client_hears_only_its_server_not_an_impostor() {
    // The server, in the test: before it replies, another socket sends to the client's port.
    let server = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = server.local_addr().expect("addr").port().to_string();
    let peer = thread::spawn(move || {
        let mut buffer = [0; 100];
        let (_, client) = server.recv_from(&mut buffer).expect("the client's datagram");
        let impostor = UdpSocket::bind("127.0.0.1:0").expect("bind");
        impostor.send_to(b"I am not your server", client).expect("send");
        thread::sleep(Duration::from_millis(200)); // the impostor's datagram is there first
        server.send_to(b"the real reply", client).expect("reply");
    });
    let output = run(client_of(minimal("udp-client"), &[], &port), None);
    assert_eq!(output.stdout_text(), "the real reply\n", "stderr: {}", output.stderr);
    peer.join().expect("peer");
}

/// A web server in the test for one request: it answers `response`, and returns the request.
fn one_response(response: &'static [u8]) -> (String, thread::JoinHandle<String>) {
    one_response_on("127.0.0.1", response)
}

/// The same, listening on `host`.
fn one_response_on(host: &str, response: &'static [u8]) -> (String, thread::JoinHandle<String>) {
    let listener = TcpListener::bind((host, 0)).expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let mut request = Vec::new();
        let mut byte = [0; 1];
        while !request.ends_with(b"\r\n\r\n") && !request.ends_with(b"\n\n") {
            match stream.read(&mut byte) {
                Ok(1) => request.push(byte[0]),
                _ => break,
            }
        }
        let _ = stream.write_all(response);
        String::from_utf8_lossy(&request).into_owned()
    });
    (port, server)
}

#[test]
fn the_minimal_http_get_sends_host_and_crlf_where_the_notebook_sends_neither() {
    let (port, server) = one_response(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nhi\n");
    let output = run(client_of(minimal("http-get"), &[], &port), None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert!(output.stdout_text().ends_with("\r\n\r\nhi\n"), "{}", output.stdout_text());
    let request = server.join().expect("server");
    assert!(request.starts_with("GET / HTTP/1.1\r\n"), "{request:?}");
    assert!(request.contains(&format!("\r\nHost: 127.0.0.1:{port}\r\n")), "{request:?}");
    assert!(request.ends_with("\r\n\r\n"), "{request:?}");
    assert!(!request.replace("\r\n", "").contains('\n'), "a bare LF in {request:?}");
}

/// Over IPv6 the address is bracketed, in the connect and in the Host header: `[::1]:PORT`.
#[test]
fn the_minimal_http_get_works_over_ipv6() {
    if !ipv6_loopback_works() {
        return skip("this machine has no IPv6 loopback (::1)");
    }
    let (port, server) =
        one_response_on("::1", b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nv6\n");
    let mut client = minimal("http-get");
    client.args(["::1", &port]);
    let output = run(client, None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert!(output.stdout_text().ends_with("\r\n\r\nv6\n"), "{}", output.stdout_text());
    let request = server.join().expect("server");
    assert!(request.contains(&format!("\r\nHost: [::1]:{port}\r\n")), "{request:?}");
}

#[test]
fn the_minimal_http_get_prints_all_of_a_page_larger_than_one_read_status_line_first() {
    if !have("python3") {
        return skip("python3 is not installed: no web server to fetch from");
    }
    let folder = TempDir::new("minimal-www");
    let data = random_bytes(1 << 20, 21); // far more than the notebook's recv(4096)
    std::fs::write(folder.0.join("index.html"), &data).expect("write file");
    let mut python = Command::new("python3");
    python.args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"]).current_dir(&folder.0);
    let server = Server::start_announced(python, python_serving_on);
    let output = run(client_of(minimal("http-get"), &[], &port_of(&server)), None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert!(output.stdout.starts_with(b"HTTP/1.0 200 OK\r\n"), "{:?}", &output.stdout[..40]);
    let body_at = output.stdout.windows(4).position(|four| four == b"\r\n\r\n").expect("a head");
    assert!(output.stdout[body_at + 4..] == data[..], "the body differs from the file");
    let head = String::from_utf8_lossy(&output.stdout[..body_at]).into_owned();
    assert!(head.contains(&format!("Content-Length: {}", data.len())), "{head}");
}

#[test]
fn a_refused_connection_or_a_missing_reply_is_one_readable_line_and_exit_1() {
    let nobody = reserved_port(); // nothing listens there, and nothing else may
    let port = nobody.to_string();
    // The step that failed is named where the OS's words do not name it: a UDP receive.
    for (name, step) in [("tcp-client", ""), ("http-get", ""), ("udp-client", "recv: ")] {
        let output = run(client_of(minimal(name), &[], &port), None);
        assert_eq!(output.code(), Some(1), "minimal-{name}: {}", output.stderr);
        let expected = format!("minimal-{name}: 127.0.0.1 port {port}: {step}Connection refused");
        assert!(output.stderr.starts_with(&expected), "minimal-{name}: {}", output.stderr);
        assert_eq!(output.stderr.lines().count(), 1, "minimal-{name}: {}", output.stderr);
    }
    // A UDP server that never answers: the notebook's client would wait forever.
    let silent = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let silent_port = silent.local_addr().expect("addr").port().to_string();
    let output = run(client_of(minimal("udp-client"), &[], &silent_port), None);
    let expected =
        format!("minimal-udp-client: 127.0.0.1 port {silent_port}: no reply within 2 s\n");
    assert_eq!((output.code(), output.stderr), (Some(1), expected));
    // And it waited those 2 s, not more: what it says is what it did.
    let waited = output.elapsed;
    assert!(waited > Duration::from_millis(1900) && waited < Duration::from_secs(4), "{waited:?}");
    for (name, args) in
        [("tcp-server", ["127.0.0.1", "no-port"]), ("udp-server", ["192.0.2.1", "0"])]
    {
        let mut server = minimal(name);
        server.args(args);
        let output = run(server, None);
        assert_eq!(output.code(), Some(1), "minimal-{name}: {}", output.stderr);
        let expected = format!("minimal-{name}: cannot listen on {} port {}: ", args[0], args[1]);
        assert!(output.stderr.starts_with(&expected), "minimal-{name}: {}", output.stderr);
        assert_eq!(output.stderr.lines().count(), 1, "minimal-{name}: {}", output.stderr);
    }
}

#[test]
fn a_server_that_accepts_and_never_speaks_is_a_timeout_said_in_words() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let holder = thread::spawn(move || {
        let held: Vec<_> = (0..2).filter_map(|_| listener.accept().ok()).collect();
        thread::sleep(Duration::from_secs(12)); // longer than either client waits
        drop(held);
    });
    let clients: Vec<_> =
        [("tcp-client", "read: no data within 5 s"), ("http-get", "read: no data within 10 s")]
            .into_iter()
            .map(|(name, says)| {
                let client = client_of(minimal(name), &[], &port);
                thread::spawn(move || (name, says, run(client, None)))
            })
            .collect();
    for client in clients {
        let (name, says, output) = client.join().expect("client");
        let expected = format!("minimal-{name}: 127.0.0.1 port {port}: {says}\n");
        assert_eq!((output.code(), output.stderr), (Some(1), expected));
        let bound = if name == "tcp-client" { 5 } else { 10 };
        let waited = output.elapsed.as_secs_f64();
        assert!(waited > bound as f64 - 0.2 && waited < bound as f64 + 2.0, "{name}: {waited} s");
    }
    drop(holder);
}

/// `| head` closes the client's stdout while 1 MiB is still coming: it ends quietly, exit 0.
#[test]
fn the_minimal_tcp_client_piped_into_head_ends_quietly() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let _ = stream.write_all(&vec![b'x'; 1 << 20]); // the client may stop reading: its business
    });
    let script =
        r#""$1" 127.0.0.1 "$2" | head -c 5 > /dev/null; echo "client exit ${PIPESTATUS[0]}" >&2"#;
    let mut command = Command::new("bash");
    command.args(["-c", script, "sh"]).arg(bin_dir().join("examples/minimal-tcp-client"));
    command.arg(&port);
    let output = run(command, None);
    server.join().expect("server");
    assert!(output.stderr.ends_with("client exit 0\n"), "stderr: {}", output.stderr);
    assert!(!output.stderr.contains("minimal-tcp-client:"), "stderr: {}", output.stderr);
}

#[test]
fn the_minimal_tcp_client_names_the_step_that_failed_a_read_reset_after_the_greeting() {
    // The server greets, then resets the connection: the greeting is printed, and the error
    // says which call met the reset.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.write_all(GRACIAS.as_bytes()).expect("greet");
        thread::sleep(Duration::from_millis(300)); // the greeting is read first
        reset_on_close(&stream);
    });
    let output = run(client_of(minimal("tcp-client"), &[], &port), None);
    server.join().expect("server");
    assert_eq!(output.stdout_text(), GRACIAS, "stderr: {}", output.stderr);
    let says = format!("minimal-tcp-client: 127.0.0.1 port {port}: read: Connection reset by peer");
    assert!(output.stderr.starts_with(&says), "stderr: {}", output.stderr);
    assert_eq!(output.code(), Some(1));
}
