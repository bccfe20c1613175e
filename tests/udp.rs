//! End-to-end tests of udp-server and udp-client: against each other, against the notebook's own
//! Python code, and against plain sockets that misbehave. Every socket is on a free port.

mod common;

use common::*;
use std::io::Write;
use std::net::UdpSocket;
use std::process::Command;
use std::thread;
use std::time::Duration;

const NOTEBOOK_MESSAGE: &str = "Hi, I'm just sending you a message.";
const REPLY_V4: &str = "Here is my reply for 127.0.0.1.";

fn client(server: &Server, args: &[&str]) -> Command {
    let mut command = our("udp-client");
    command.args(args).arg(server.addr.ip().to_string()).arg(server.port().to_string());
    command
}

/// A plain UDP socket in the test that receives and never answers.
fn silent_peer() -> (UdpSocket, String) {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = socket.local_addr().expect("addr").port().to_string();
    (socket, port)
}

#[test]
fn the_default_message_gets_the_notebooks_reply() {
    let server = Server::start("udp-server", &["--count", "1", "127.0.0.1", "0"]);
    let output = run(client(&server, &["--send", NOTEBOOK_MESSAGE]), None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), format!("{REPLY_V4}\n"));
    assert!(output.stderr.contains(&format!("reply from {} (31 bytes)", server.addr)));
    let server = server.wait();
    assert_eq!(server.code(), Some(0), "stderr: {}", server.stderr);
    let log = server.stdout_text();
    assert!(log.contains("from 127.0.0.1:") && log.contains(NOTEBOOK_MESSAGE), "{log}");
}

#[test]
fn from_a_terminal_without_send_the_default_message_is_sent() {
    if !have("script") {
        return skip("script (util-linux) is not installed to give the client a terminal");
    }
    let server = Server::start("udp-server", &["--count", "1", "127.0.0.1", "0"]);
    // `script` runs the client with a pseudo-terminal as its stdin, as when a person types it.
    let client = format!("{} 127.0.0.1 {}", bin("udp-client").display(), server.port());
    let mut command = Command::new("script");
    command.args(["-qec", &client, "/dev/null"]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(0), "{}{}", output.stdout_text(), output.stderr);
    assert!(output.stdout_text().contains(REPLY_V4), "{}", output.stdout_text());
    assert!(server.wait().stdout_text().contains(&format!(": {NOTEBOOK_MESSAGE}\n")));
}

#[test]
fn an_empty_stdin_sends_nothing_and_says_so() {
    // Stdin here is /dev/null: not a terminal, so the client sends one datagram per line of it.
    let server = Server::start("udp-server", &["127.0.0.1", "0"]);
    let output = run(client(&server, &[]), None);
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr.contains("nothing was sent"), "stderr: {}", output.stderr);
}

#[test]
fn a_65507_byte_datagram_arrives_whole() {
    let server = Server::start("udp-server", &["--count", "1", "127.0.0.1", "0"]);
    let biggest = "x".repeat(65_507);
    let output = run(client(&server, &["--send", &biggest]), None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), format!("{REPLY_V4}\n"));
    let log = server.wait().stdout_text();
    assert!(log.contains("xxxx... (65507 bytes)"), "the server saw: {log}");
}

#[test]
fn a_message_too_big_for_one_datagram_is_a_clear_error() {
    let server = Server::start("udp-server", &["127.0.0.1", "0"]);
    let too_big = "x".repeat(65_508);
    let output = run(client(&server, &["--send", &too_big]), None);
    assert_eq!(output.code(), Some(1));
    assert!(
        output.stderr.starts_with("udp-client: cannot send 65508 bytes to 127.0.0.1:")
            && output.stderr.contains("in one datagram: "),
        "stderr: {}",
        output.stderr
    );
}

#[test]
fn empty_and_non_utf8_datagrams_are_reported_and_answered() {
    let server = Server::start("udp-server", &["--count", "4", "127.0.0.1", "0"]);
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let mut reply = [0; 100];
    for datagram in [&b""[..], b"\xff\xfe\xfd", b"fine", b"two\nlines\x1b[31m"] {
        socket.send_to(datagram, server.addr).expect("send");
        let (size, _) = socket.recv_from(&mut reply).expect("a reply to every datagram");
        assert_eq!(&reply[..size], REPLY_V4.as_bytes());
    }
    let server = server.wait();
    assert_eq!(server.code(), Some(0), "stderr: {}", server.stderr);
    let log = server.stdout_text();
    assert!(log.contains(": (an empty datagram, 0 bytes)\n"), "{log}");
    assert!(log.contains(": \u{fffd}\u{fffd}\u{fffd} (3 bytes, not valid UTF-8)\n"), "{log}");
    assert!(log.contains(": fine\n"), "{log}");
    assert!(log.contains(": two\\nlines\\u{1b}[31m\n"), "control characters escaped: {log}");
}

#[test]
fn a_sender_that_vanished_before_its_reply_does_not_stop_the_server() {
    let server = Server::start("udp-server", &["--count", "2", "127.0.0.1", "0"]);
    {
        let gone = UdpSocket::bind("127.0.0.1:0").expect("bind");
        gone.send_to(b"bye", server.addr).expect("send");
    } // closed before the reply: it comes back to a port where nobody listens
    thread::sleep(Duration::from_millis(200));
    let output = run(client(&server, &["--send", "still there?"]), None);
    assert_eq!(output.stdout_text(), format!("{REPLY_V4}\n"), "stderr: {}", output.stderr);
    assert_eq!(server.wait().code(), Some(0));
}

#[test]
fn server_exits_zero_after_count_datagrams() {
    let server = Server::start("udp-server", &["--count", "2", "127.0.0.1", "0"]);
    for text in ["first", "second"] {
        let output = run(client(&server, &["--send", text]), None);
        assert_eq!(output.stdout_text(), format!("{REPLY_V4}\n"));
    }
    let server = server.wait();
    assert_eq!(server.code(), Some(0));
    assert_eq!(server.stdout_text().matches("from 127.0.0.1:").count(), 2);
}

#[test]
fn each_stdin_line_is_one_datagram_and_replies_come_in_order() {
    // An echo peer in the test, so each reply says which line it answers.
    let echo = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = echo.local_addr().expect("addr").port().to_string();
    let echoer = thread::spawn(move || {
        let mut buffer = [0; 100];
        for _ in 0..4 {
            let (size, from) = echo.recv_from(&mut buffer).expect("receive");
            let reply = format!("echo:{}", String::from_utf8_lossy(&buffer[..size]));
            echo.send_to(reply.as_bytes(), from).expect("reply");
        }
    });
    let mut command = our("udp-client");
    command.args(["127.0.0.1", &port]);
    let output = run(command, Some(b"one\ntwo\n\nthree\r\n"));
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), "echo:one\necho:two\necho:\necho:three\n");
    echoer.join().expect("echo peer");
}

#[test]
fn stdin_lines_reach_our_server_in_order() {
    let server = Server::start("udp-server", &["--count", "3", "127.0.0.1", "0"]);
    let output = run(client(&server, &[]), Some(b"alpha\nbeta\ngamma\n"));
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), format!("{REPLY_V4}\n").repeat(3));
    // Answered at once, three exchanges take milliseconds: no step may wait out the 2 s timeout
    // (looking for late replies before each send must not wait for one).
    assert!(output.elapsed < Duration::from_millis(1500), "took {:?}", output.elapsed);
    let log = server.wait().stdout_text();
    let words: Vec<_> = log.lines().filter_map(|line| line.rsplit(": ").next()).collect();
    assert_eq!(words, ["alpha", "beta", "gamma"], "log: {log}");
}

#[test]
fn no_reply_in_time_is_an_error_not_a_hang() {
    let (_silent, port) = silent_peer();
    let mut command = our("udp-client");
    command.args(["--timeout", "0.5", "--send", "anyone?", "127.0.0.1", &port]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(1));
    assert_eq!(output.stderr, format!("udp-client: no reply from 127.0.0.1:{port} within 0.5 s\n"));
    assert!(output.elapsed < Duration::from_secs(5), "took {:?}", output.elapsed);
}

#[test]
fn a_lost_reply_among_stdin_lines_is_reported_and_the_next_line_goes_on() {
    let (silent, port) = silent_peer();
    let mut command = our("udp-client");
    command.args(["--timeout", "0.3", "127.0.0.1", &port]);
    let output = run(command, Some(b"one\ntwo\n"));
    assert_eq!(output.code(), Some(1));
    assert_eq!(output.stderr.matches("no reply from").count(), 2, "{}", output.stderr);
    assert!(output.stderr.contains("2 of 2 datagrams got no reply"), "{}", output.stderr);
    let mut buffer = [0; 10];
    silent.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let received: Vec<_> = (0..2)
        .map(|_| silent.recv(&mut buffer).map(|size| buffer[..size].to_vec()).expect("datagram"))
        .collect();
    assert_eq!(received, [b"one".to_vec(), b"two".to_vec()]);
}

/// A server in the test that answers each of `count` datagrams with "reply to DATAGRAM", the
/// first one `late`, and each one `times` times; it says on `answered` when a datagram's
/// replies are all sent.
fn scripted_peer(
    count: usize,
    late: Duration,
    times: usize,
) -> (String, thread::JoinHandle<()>, std::sync::mpsc::Receiver<()>) {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = socket.local_addr().expect("addr").port().to_string();
    let (answered, replies_sent) = std::sync::mpsc::channel();
    let peer = thread::spawn(move || {
        let mut buffer = [0; 100];
        for n in 0..count {
            let Ok((size, from)) = socket.recv_from(&mut buffer) else { return };
            if n == 0 {
                thread::sleep(late);
            }
            let reply = format!("reply to {}", String::from_utf8_lossy(&buffer[..size]));
            for _ in 0..times {
                let _ = socket.send_to(reply.as_bytes(), from); // the client may have gone
            }
            let _ = answered.send(());
        }
    });
    (port, peer, replies_sent)
}

#[test]
fn a_reply_that_comes_after_the_timeout_is_not_taken_for_the_next_datagrams() {
    // The first reply comes 0.8 s late, after the client gave up at 0.5 s and sent "two": a
    // server that answers in turn, so that late reply is on its way before the one to "two".
    let (port, peer, _) = scripted_peer(3, Duration::from_millis(800), 1);
    let mut command = our("udp-client");
    command.args(["--timeout", "0.5", "127.0.0.1", &port]);
    let output = run(command, Some(b"one\ntwo\nthree\n"));
    assert_eq!(output.stdout_text(), "reply to two\nreply to three\n", "{}", output.stderr);
    assert_eq!(output.stderr.matches("no reply from").count(), 1, "{}", output.stderr);
    assert!(output.stderr.contains("1 of 3 datagrams got no reply"), "{}", output.stderr);
    assert_eq!(output.code(), Some(1));
    peer.join().expect("peer");
}

#[test]
fn replies_already_waiting_are_reported_as_late_and_not_taken_for_the_next() {
    // Each datagram is answered three times: two more copies wait in the client's socket when
    // it sends the next line (which it does only once all copies are sent).
    let (port, peer, replies_sent) = scripted_peer(2, Duration::ZERO, 3);
    let mut command = our("udp-client");
    command.args(["127.0.0.1", &port]);
    let output = run_feeding(command, move |mut stdin, _| {
        let _ = stdin.write_all(b"one\n");
        let _ = replies_sent.recv_timeout(Duration::from_secs(10));
        thread::sleep(Duration::from_millis(100)); // for loopback to deliver the second copy
        let _ = stdin.write_all(b"two\n");
    });
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), "reply to one\nreply to two\n", "{}", output.stderr);
    let late = "udp-client: a late reply to an earlier datagram (12 bytes): \"reply to one\"\n";
    assert_eq!(output.stderr.matches(late).count(), 2, "stderr: {}", output.stderr);
    peer.join().expect("peer");
}

#[test]
fn nothing_listening_is_reported_as_such() {
    let reserved = reserved_port(); // nothing listens there, and nothing else may
    let port = reserved.to_string();
    let mut command = our("udp-client");
    command.args(["--send", "hello?", "127.0.0.1", &port]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr.starts_with(&format!("udp-client: nothing listens on 127.0.0.1:{port}")));
    // With --no-reply there is nothing to wait for: sending alone succeeds, as in the notebook.
    let mut command = our("udp-client");
    command.args(["--no-reply", "--send", "hello?", "127.0.0.1", &port]);
    assert_eq!(run(command, None).code(), Some(0));
}

#[test]
fn no_reply_flag_sends_and_exits() {
    let (silent, port) = silent_peer();
    let mut command = our("udp-client");
    command.args(["--no-reply", "--send", "fire and forget", "127.0.0.1", &port]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    let mut buffer = [0; 100];
    silent.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let size = silent.recv(&mut buffer).expect("the datagram arrived");
    assert_eq!(&buffer[..size], b"fire and forget");
}

#[test]
fn ipv6_loopback_works_for_both_programs() {
    if !ipv6_loopback_works() {
        return skip("this machine has no IPv6 loopback (::1)");
    }
    let server = Server::start("udp-server", &["--count", "1", "::1", "0"]);
    let output = run(client(&server, &["-6", "--send", "over v6"]), None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), "Here is my reply for ::1.\n");
    assert!(server.wait().stdout_text().contains("from [::1]:"));
}

/// Many replies into `| head -c 5`: once head has gone, the client ends quietly, exit 0.
#[test]
fn closed_stdout_ends_the_client_quietly() {
    let server = Server::start("udp-server", &["127.0.0.1", "0"]);
    let script = r#"yes hola | head -n 5000 | "$1" "$2" "$3" | head -c 5 > /dev/null
                    echo "client exit ${PIPESTATUS[2]}" >&2"#;
    let mut command = Command::new("bash");
    command.args(["-c", script, "sh"]).arg(bin("udp-client"));
    command.args([server.addr.ip().to_string(), server.port().to_string()]);
    let output = run(command, None);
    assert!(output.stderr.ends_with("client exit 0\n"), "stderr: {}", output.stderr);
    assert!(!output.stderr.contains("udp-client:"), "stderr: {}", output.stderr);
}

#[test]
fn family_flags_restrict_the_addresses_tried() {
    let server = Server::start("udp-server", &["--count", "1", "127.0.0.1", "0"]);
    let port = server.port().to_string();
    let mut command = our("udp-client");
    command.args(["-6", "--send", "v6", "127.0.0.1", &port]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(1), "an IPv4 literal has no IPv6 address");
    assert!(output.stderr.contains("no address of that family"), "stderr: {}", output.stderr);
    let mut command = our("udp-client");
    command.args(["-4", "--send", "v4", "localhost", &port]);
    let output = run(command, None);
    assert_eq!(output.stdout_text(), "Here is my reply for 127.0.0.1.\n", "{}", output.stderr);
    assert!(server.wait().stdout_text().contains(": v4\n"));
}

#[test]
fn port_in_use_is_one_clear_line_and_exit_1() {
    let (_taken, port) = silent_peer();
    let mut command = our("udp-server");
    command.args(["127.0.0.1", &port]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(1));
    let expected =
        format!("udp-server: cannot listen on 127.0.0.1 port {port}: Address already in use");
    assert!(output.stderr.starts_with(&expected), "stderr: {}", output.stderr);
    assert_eq!(output.stderr.lines().count(), 1);
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let cases: &[(&str, &[&str])] = &[
        ("udp-client", &["127.0.0.1", "70000"]),
        ("udp-client", &["127.0.0.1", "abc"]),
        ("udp-client", &["--bogus"]),
        ("udp-client", &["--timeout"]),
        ("udp-client", &["--timeout", "-1"]),
        ("udp-client", &["--timeout", "0"]), // no timeout at all is no choice here
        ("udp-server", &["--count", "none"]),
        ("udp-server", &["--count", "0"]),
        ("udp-server", &["::1", "99999"]),
        ("udp-server", &["--nope"]),
    ];
    for (program, args) in cases {
        let mut command = our(program);
        command.args(*args);
        let output = run(command, None);
        assert_eq!(output.code(), Some(2), "{program} {args:?}: {}", output.stderr);
        assert!(output.stderr.contains("usage:"), "{program} {args:?}: {}", output.stderr);
    }
    for program in ["udp-client", "udp-server"] {
        let mut command = our(program);
        command.arg("--help");
        let output = run(command, None);
        assert_eq!(output.code(), Some(0));
        assert!(output.stdout_text().starts_with(&format!("usage: {program} ")));
    }
}

#[test]
fn unknown_host_is_one_clear_line() {
    let mut command = our("udp-client");
    command.args(["--send", "hi", "no-such-host.invalid"]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr.starts_with("udp-client: cannot resolve no-such-host.invalid: "));
}

// ---- Interoperability with the notebook's own code ----

#[test]
fn our_client_gets_the_notebooks_python_server_to_reply() {
    if !have("python3") {
        return skip("python3 is not installed");
    }
    let server = Server::start_announced(notebook("udp_server", &["127.0.0.1", "0"]), listening_on);
    let output = run(client(&server, &["--send", NOTEBOOK_MESSAGE]), None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), "Aquí va mi respuesta para 127.0.0.1.\n");
    wait_for_line(&server, NOTEBOOK_MESSAGE);
}

#[test]
fn the_notebooks_python_client_gets_our_reply() {
    if !have("python3") {
        return skip("python3 is not installed");
    }
    let server = Server::start("udp-server", &["--count", "1", "127.0.0.1", "0"]);
    let output = run(notebook("udp_client", &["127.0.0.1", &server.port().to_string()]), None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), format!("{REPLY_V4}\n"));
    let log = server.wait().stdout_text();
    assert!(log.contains(": Hola, simplemente te estoy enviando un mensaje.\n"), "{log}");
}

#[test]
fn the_notebooks_empty_host_is_a_usage_error_that_says_what_to_use_instead() {
    // The notebook's UDP server binds ("", 15000): a reader will try udp-server "" 15000.
    for program in ["udp-server", "tcp-server"] {
        let mut command = our(program);
        command.args(["", "0"]);
        let output = run(command, None);
        assert_eq!(output.code(), Some(2), "{program}: {}", output.stderr);
        let first = output.stderr.lines().next().unwrap_or("");
        assert!(first.starts_with(&format!("{program}: HOST \"\" is Python's way")), "{first}");
        assert!(first.contains("0.0.0.0") && first.contains(" :: "), "{first}");
        assert!(first.contains("any machine that reaches yours"), "{first}");
    }
}
