//! The minimal programs (each package's `examples/minimal-NAME.rs`, the notebook's cell in Rust)
//! talk both ways: with their full counterparts, and with the notebook's own Python cells.

mod common;

use common::*;
use std::process::Command;

const GREETING: &str = "Thanks for connecting\n";

fn port_of(server: &Server) -> String {
    server.port().to_string()
}

#[test]
fn the_minimal_tcp_server_serves_five_clients_ours_and_the_notebooks_then_exits_0() {
    let mut server = minimal("tcp-server");
    server.args(["127.0.0.1", "0"]);
    let server = Server::start_announced(server, listening_on);
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
        assert!(output.stdout_text().starts_with(GREETING), "{}", output.stdout_text());
    }
    let server = server.wait(); // it exits by itself after its fifth client
    assert_eq!(server.code(), Some(0), "stderr: {}", server.stderr);
    assert_eq!(server.stdout_text().matches("connection accepted from 127.0.0.1:").count(), 5);
}

#[test]
fn the_minimal_tcp_client_reads_all_our_server_and_the_notebooks_say() {
    let server = Server::start("tcp-server", &["--clients", "1", "127.0.0.1", "0"]);
    let mut client = minimal("tcp-client");
    client.args(["127.0.0.1", &port_of(&server)]);
    let output = run(client, None);
    assert_eq!((output.code(), output.stdout_text()), (Some(0), GREETING.into()));
    assert!(server.wait().stdout_text().contains("after echoing 0 bytes"), "it sent nothing");
    if !have("python3") {
        return skip("python3 is not installed: no notebook server to read");
    }
    let server =
        Server::start_announced(notebook("tcp_server", &["127.0.0.1", "0", "1"]), listening_on);
    let mut client = minimal("tcp-client");
    client.args(["127.0.0.1", &port_of(&server)]);
    let output = run(client, None);
    assert_eq!(output.stdout_text(), "Gracias por conectarte\n", "stderr: {}", output.stderr);
    assert_eq!(server.wait().code(), Some(0));
}

#[test]
fn the_minimal_udp_server_answers_our_client_and_the_notebooks() {
    let mut server = minimal("udp-server");
    server.args(["127.0.0.1", "0"]);
    let server = Server::start_announced(server, listening_on);
    let port = port_of(&server);
    let output = run(client_of(our("udp-client"), &["--send", "from ours"], &port), None);
    assert_eq!(output.stdout_text(), "Here is my reply for 127.0.0.1.\n", "{}", output.stderr);
    wait_for_line(&server, ": from ours");
    let output = run(client_of(minimal("udp-client"), &[], &port), None);
    let reply = format!("reply from 127.0.0.1:{port}: Here is my reply for 127.0.0.1.\n");
    assert_eq!(output.stdout_text(), reply, "stderr: {}", output.stderr);
    wait_for_line(&server, ": Hi, I'm just sending you a message.");
    if !have("python3") {
        return skip("python3 is not installed: no notebook client");
    }
    let output = run(notebook("udp_client", &["127.0.0.1", &port]), None);
    assert_eq!(output.stdout_text(), "Here is my reply for 127.0.0.1.\n", "{}", output.stderr);
    wait_for_line(&server, ": Hola, simplemente te estoy enviando un mensaje.");
}

fn client_of(mut client: Command, args: &[&str], port: &str) -> Command {
    client.args(args).args(["127.0.0.1", port]);
    client
}

#[test]
fn the_minimal_udp_client_gets_replies_from_our_server_and_the_notebooks() {
    let server = Server::start("udp-server", &["--count", "1", "127.0.0.1", "0"]);
    let port = port_of(&server);
    let output = run(client_of(minimal("udp-client"), &[], &port), None);
    let reply = format!("reply from 127.0.0.1:{port}: Here is my reply for 127.0.0.1.\n");
    assert_eq!(output.stdout_text(), reply, "stderr: {}", output.stderr);
    assert!(server.wait().stdout_text().contains(": Hi, I'm just sending you a message.\n"));
    if !have("python3") {
        return skip("python3 is not installed: no notebook server");
    }
    let server = Server::start_announced(notebook("udp_server", &["127.0.0.1", "0"]), listening_on);
    let port = port_of(&server);
    let output = run(client_of(minimal("udp-client"), &[], &port), None);
    let reply = format!("reply from 127.0.0.1:{port}: Aquí va mi respuesta para 127.0.0.1.\n");
    assert_eq!(output.stdout_text(), reply, "stderr: {}", output.stderr);
}

#[test]
fn the_minimal_http_get_prints_all_of_a_file_larger_than_one_read_status_line_first() {
    if !have("python3") {
        return skip("python3 is not installed: no web server to fetch from");
    }
    let folder = TempDir::new("minimal-www");
    let data = random_bytes(1 << 20, 21); // far more than the notebook's recv(4096)
    std::fs::write(folder.0.join("data.bin"), &data).expect("write file");
    let mut python = Command::new("python3");
    python.args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"]).current_dir(&folder.0);
    let server = Server::start_announced(python, python_serving_on);
    let mut client = minimal("http-get");
    client.args(["127.0.0.1", &port_of(&server), "/data.bin"]);
    let output = run(client, None);
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
    for (name, says) in [
        ("tcp-client", "Connection refused"),
        ("http-get", "Connection refused"),
        ("udp-client", "no reply within 2 s"),
    ] {
        let output = run(client_of(minimal(name), &[], &port), None);
        assert_eq!(output.code(), Some(1), "minimal-{name}: {}", output.stderr);
        let expected = format!("minimal-{name}: 127.0.0.1 port {port}: {says}");
        assert!(output.stderr.starts_with(&expected), "minimal-{name}: {}", output.stderr);
        assert_eq!(output.stderr.lines().count(), 1, "minimal-{name}: {}", output.stderr);
    }
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
