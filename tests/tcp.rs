//! End-to-end tests of tcp-server and tcp-client: against each other, against the notebook's
//! own Python code, and against netcat and socat. Every server listens on a free port.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::process::Command;
use std::thread;
use std::time::Duration;

const GREETING: &str = "Thanks for connecting\n";

fn client(server: &Server, args: &[&str]) -> Command {
    let mut command = our("tcp-client");
    command.args(args).arg(server.addr.ip().to_string()).arg(server.port().to_string());
    command
}

#[test]
fn a_client_that_sends_nothing_gets_the_greeting_and_a_clean_close() {
    let server = Server::start("tcp-server", &["--clients", "1", "127.0.0.1", "0"]);
    let output = run(client(&server, &[]), None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), GREETING);
    let server = server.wait();
    assert_eq!(server.code(), Some(0), "stderr: {}", server.stderr);
    assert!(server.stdout_text().contains("connection accepted from 127.0.0.1:"));
}

#[test]
fn send_text_comes_back_after_the_greeting() {
    let server = Server::start("tcp-server", &["--clients", "1", "127.0.0.1", "0"]);
    let output = run(client(&server, &["--send", "hello"]), None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), format!("{GREETING}hello"));
}

#[test]
fn ten_mib_of_random_bytes_come_back_byte_identical() {
    let payload = random_bytes(10 << 20, 2);
    let server = Server::start("tcp-server", &["--clients", "1", "127.0.0.1", "0"]);
    let output = run(client(&server, &[]), Some(&payload));
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(&output.stdout[..GREETING.len()], GREETING.as_bytes());
    assert!(output.stdout[GREETING.len()..] == payload[..], "echo differs from what was sent");
    assert_eq!(server.wait().code(), Some(0));
}

#[test]
fn twenty_concurrent_clients_each_get_their_own_bytes() {
    let server = Server::start("tcp-server", &["--clients", "20", "127.0.0.1", "0"]);
    let clients: Vec<_> = (0..20)
        .map(|n| {
            let payload = random_bytes(256 * 1024 + n, n as u64 + 100);
            let command = client(&server, &[]);
            thread::spawn(move || (run(command, Some(&payload)), payload))
        })
        .collect();
    for handle in clients {
        let (output, payload) = handle.join().expect("client thread");
        assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
        assert!(output.stdout[GREETING.len()..] == payload[..], "a client got other bytes");
    }
    let server = server.wait();
    assert_eq!(server.code(), Some(0));
    assert_eq!(server.stdout_text().matches("connection accepted from").count(), 20);
}

#[test]
fn a_slow_client_does_not_hold_up_the_others() {
    let server = Server::start("tcp-server", &["--clients", "2", "127.0.0.1", "0"]);
    let mut silent = TcpStream::connect(server.addr).expect("connect");
    let output = run(client(&server, &["--send", "quick"]), None);
    assert_eq!(output.stdout_text(), format!("{GREETING}quick"));
    assert!(output.elapsed < Duration::from_secs(3), "took {:?}", output.elapsed);
    silent.shutdown(Shutdown::Write).expect("half-close");
    let mut rest = String::new();
    silent.read_to_string(&mut rest).expect("read greeting");
    assert_eq!(rest, GREETING);
    assert_eq!(server.wait().code(), Some(0));
}

#[test]
fn server_exits_zero_after_serving_clients_n() {
    let server = Server::start("tcp-server", &["--clients", "3", "127.0.0.1", "0"]);
    for n in 0..3 {
        let output = run(client(&server, &["--send", &format!("client {n}")]), None);
        assert_eq!(output.stdout_text(), format!("{GREETING}client {n}"));
    }
    // It exits by itself after the third: waiting for it is the proof. (Connecting again to
    // see it refused would not be: its port, free now, may already be another test's.)
    let server = server.wait();
    assert_eq!(server.code(), Some(0), "stderr: {}", server.stderr);
    assert_eq!(server.stdout_text().matches("connection accepted from").count(), 3);
}

#[test]
fn a_client_whose_greeting_failed_is_not_counted_among_the_clients_served() {
    // Paused, the server cannot accept: this client connects and resets the connection meanwhile.
    // Once resumed, the server accepts it, and its greeting fails.
    let server = Server::start("tcp-server", &["--clients", "1", "127.0.0.1", "0"]);
    server.pause();
    let gone = TcpStream::connect(server.addr).expect("connect");
    let gone_addr = gone.local_addr().expect("address");
    reset_on_close(&gone);
    drop(gone);
    thread::sleep(Duration::from_millis(100)); // the reset reaches the server's side
    server.resume();
    // That failed client does not count: the one client of --clients 1 is still to come.
    let output = run(client(&server, &["--send", "counted"]), None);
    assert_eq!(output.stdout_text(), format!("{GREETING}counted"), "stderr: {}", output.stderr);
    let server = server.wait();
    assert_eq!(server.code(), Some(0), "stderr: {}", server.stderr);
    let failed = format!("tcp-server: {gone_addr}: cannot greet: ");
    assert!(server.stderr.contains(&failed), "stderr: {}", server.stderr);
}

/// A server whose backlog is full drops new SYNs: the connect would wait for minutes of
/// retries. Ours gives up after --timeout, saying so.
#[test]
fn a_connect_that_gets_no_answer_gives_up_after_its_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind"); // never accepts
    let addr = listener.local_addr().expect("addr");
    let mut waiting = Vec::new();
    let wait = Duration::from_millis(200);
    while let Ok(stream) = TcpStream::connect_timeout(&addr, wait) {
        waiting.push(stream); // in the backlog, until it is full
        assert!(waiting.len() < 5000, "the backlog never filled");
    }
    let mut command = our("tcp-client");
    command.args(["--timeout", "0.5", "127.0.0.1", &addr.port().to_string()]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(1), "stderr: {}", output.stderr);
    assert!(output.stderr.contains("timed out"), "stderr: {}", output.stderr);
    assert!(output.elapsed < Duration::from_secs(2), "gave up after {:?}", output.elapsed);
}

/// A client that sends and never reads fills the buffers both ways, and the server's echo
/// waits: after --timeout it is dropped as a silent one is, and holds no thread forever.
#[test]
fn server_drops_a_client_that_never_reads_after_its_timeout() {
    let args = ["--timeout", "0.5", "--clients", "1", "127.0.0.1", "0"];
    let server = Server::start("tcp-server", &args);
    let stream = TcpStream::connect(server.addr).expect("connect");
    stream.set_write_timeout(Some(Duration::from_secs(2))).expect("write timeout");
    let flooder = thread::spawn(move || {
        let chunk = vec![b'x'; 64 * 1024];
        while (&stream).write_all(&chunk).is_ok() {}
        thread::sleep(Duration::from_secs(3)); // still connected, still not reading
    });
    let output = server.wait();
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert!(output.elapsed < Duration::from_secs(3), "dropped after {:?}", output.elapsed);
    assert!(output.stderr.contains(", dropping it"), "stderr: {}", output.stderr);
    flooder.join().expect("flooder");
}

#[test]
fn server_drops_a_silent_client_after_its_timeout() {
    let server = Server::start("tcp-server", &["--timeout", "0.5", "127.0.0.1", "0"]);
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
    let mut everything = String::new();
    let started = std::time::Instant::now();
    stream.read_to_string(&mut everything).expect("server closes the connection");
    assert_eq!(everything, GREETING);
    assert!(started.elapsed() < Duration::from_secs(5), "dropped after {:?}", started.elapsed());
    let mut server = server;
    let server_output = server.stop();
    assert!(server_output.stderr.contains("silent for 0.5 s"), "stderr: {}", server_output.stderr);
}

#[test]
fn client_times_out_on_a_server_that_never_speaks() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let holder = thread::spawn(move || listener.accept().map(|(stream, _)| stream));
    let mut command = our("tcp-client");
    command.args(["--timeout", "0.5", "--send", "anyone?", "127.0.0.1", &port]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr.contains("timed out"), "stderr: {}", output.stderr);
    assert!(output.elapsed < Duration::from_secs(5), "took {:?}", output.elapsed);
    drop(holder.join());
}

#[test]
fn the_servers_silence_counts_only_once_our_input_has_ended() {
    // Our input comes 1.5 s late; the server has nothing to say before it, and that is no error.
    let server = Server::start("tcp-server", &["--clients", "1", "127.0.0.1", "0"]);
    let output = run_feeding(client(&server, &["--timeout", "0.5"]), |mut stdin, _| {
        thread::sleep(Duration::from_millis(1500));
        let _ = stdin.write_all(b"late\n");
    });
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), format!("{GREETING}late\n"));
}

#[test]
fn once_our_input_has_ended_a_silent_server_times_out_after_the_whole_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let holder = thread::spawn(move || listener.accept().map(|(stream, _)| stream));
    let mut command = our("tcp-client");
    command.args(["--timeout", "2", "127.0.0.1", &port]);
    // Input ends at 0.2 s, early in the client's first wait of 2 s: its silence counts from
    // there, so it gives up at 2.2 s. (Waiting a whole timeout again after that first wait
    // would make it 4 s: the bound below is under twice the timeout.)
    let output = run_feeding(command, |mut stdin, _| {
        thread::sleep(Duration::from_millis(200));
        let _ = stdin.write_all(b"anyone?\n");
    });
    assert_eq!(output.code(), Some(1));
    let says = "tcp-client: timed out: no data from the server for 2 s after we were done\n";
    assert!(output.stderr.ends_with(says), "stderr: {}", output.stderr);
    let waited = output.elapsed;
    assert!(waited > Duration::from_millis(2100), "gave up after only {waited:?}");
    assert!(waited < Duration::from_secs(3), "took {waited:?}");
    drop(holder.join());
}

#[test]
fn a_failure_ends_the_client_at_once_even_with_its_stdin_open() {
    // The server greets, then resets the connection; our stdin stays open for 20 s.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.write_all(GREETING.as_bytes()).expect("greet");
        thread::sleep(Duration::from_millis(300));
        reset_on_close(&stream);
    });
    let mut command = our("tcp-client");
    command.args(["127.0.0.1", &port]);
    let output = run_feeding(command, |stdin, ended| {
        let _ = ended.recv_timeout(Duration::from_secs(20)); // held open until the client ends
        drop(stdin);
    });
    assert_eq!(output.code(), Some(1), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), GREETING);
    assert!(output.stderr.contains("reset the connection"), "stderr: {}", output.stderr);
    assert!(output.elapsed < Duration::from_secs(5), "took {:?}", output.elapsed);
    server.join().expect("server");
}

#[test]
fn a_server_that_closes_without_reading_what_we_sent_is_said_to_have_reset_the_connection() {
    // As the notebook's server does: greet, and close without reading. What we sent is unread,
    // so its kernel resets the connection.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.write_all(GREETING.as_bytes()).expect("greet");
        thread::sleep(Duration::from_millis(200)); // "hola" has arrived, unread
    });
    let mut command = our("tcp-client");
    command.args(["--send", "hola", "127.0.0.1", &port]);
    let output = run(command, None);
    server.join().expect("server");
    assert_eq!(output.code(), Some(1), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), GREETING);
    let why = "the server closed without reading what we sent, so its side reset the connection";
    let last = output.stderr.lines().last().unwrap_or("");
    assert!(last.starts_with("tcp-client: ") && last.contains(why), "stderr: {}", output.stderr);
}

#[test]
fn a_server_that_half_closes_then_closes_unread_is_said_to_have_reset_the_connection() {
    // The server greets and shuts down its sending half at once, so our reader is done; our
    // sender still pushes a large stdin, which the server never reads: its close resets the
    // connection, and the sender's next write fails (EPIPE, or ECONNRESET).
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.write_all(GREETING.as_bytes()).expect("greet");
        stream.shutdown(Shutdown::Write).expect("half-close");
        thread::sleep(Duration::from_millis(300)); // what the client sends piles up, unread
    });
    let mut command = our("tcp-client");
    command.args(["127.0.0.1", &port]);
    let output = run(command, Some(&random_bytes(32 << 20, 11)));
    server.join().expect("server");
    assert_eq!(output.code(), Some(1), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), GREETING);
    let why = "sending: the server closed without reading what we sent, so its side reset the \
               connection";
    assert!(output.stderr.contains(why), "stderr: {}", output.stderr);
}

#[test]
fn a_server_that_stops_reading_what_we_send_makes_sending_time_out() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let holder = thread::spawn(move || {
        let accepted = listener.accept();
        thread::sleep(Duration::from_secs(10)); // reads nothing, and keeps it open
        accepted.map(drop)
    });
    let mut command = our("tcp-client");
    command.args(["--timeout", "0.5", "127.0.0.1", &port]);
    let output = run(command, Some(&random_bytes(64 << 20, 9)));
    assert_eq!(output.code(), Some(1));
    let says = "tcp-client: sending: timed out: the server stopped reading what we sent";
    assert!(output.stderr.contains(says), "stderr: {}", output.stderr);
    assert!(output.elapsed < Duration::from_secs(5), "took {:?}", output.elapsed);
    drop(holder);
}

#[test]
fn refused_connection_names_host_and_port() {
    let port = reserved_port(); // nothing listens there, and nothing else may
    let mut command = our("tcp-client");
    command.args(["127.0.0.1", &port.to_string()]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(1));
    let expected =
        format!("tcp-client: cannot connect to 127.0.0.1 port {port}: Connection refused");
    assert!(output.stderr.starts_with(&expected), "stderr: {}", output.stderr);
    assert_eq!(output.stderr.lines().count(), 1, "one line: {}", output.stderr);
}

#[test]
fn unknown_host_is_one_clear_line() {
    let mut command = our("tcp-client");
    command.args(["no-such-host.invalid", "9000"]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr.starts_with("tcp-client: cannot resolve no-such-host.invalid: "));
    assert_eq!(output.stderr.lines().count(), 1, "one line: {}", output.stderr);
}

#[test]
fn usage_errors_exit_2_with_usage_on_stderr() {
    let cases: &[(&str, &[&str])] = &[
        ("tcp-client", &["127.0.0.1", "70000"]),
        ("tcp-client", &["127.0.0.1", "abc"]),
        ("tcp-client", &["--bogus"]),
        ("tcp-client", &["--send"]),
        ("tcp-client", &["--timeout", "soon"]),
        ("tcp-client", &["--timeout", "0"]), // no timeout at all is no choice here
        ("tcp-client", &["a", "1", "extra"]),
        ("tcp-server", &["127.0.0.1", "70000"]),
        ("tcp-server", &["--clients", "0"]),
        ("tcp-server", &["--timeout"]),
        ("tcp-server", &["--timeout", "0"]),
        ("tcp-server", &["-x"]),
    ];
    for (program, args) in cases {
        let mut command = our(program);
        command.args(*args);
        let output = run(command, None);
        assert_eq!(output.code(), Some(2), "{program} {args:?}: {}", output.stderr);
        assert!(output.stderr.starts_with(&format!("{program}: ")), "{program} {args:?}");
        assert!(output.stderr.contains("usage:"), "{program} {args:?}: {}", output.stderr);
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn help_prints_usage_and_exits_0() {
    for program in ["tcp-client", "tcp-server"] {
        let mut command = our(program);
        command.arg("--help");
        let output = run(command, None);
        assert_eq!(output.code(), Some(0));
        assert!(output.stdout_text().starts_with(&format!("usage: {program} ")));
        assert!(output.stderr.is_empty());
    }
}

#[test]
fn port_in_use_is_one_clear_line_and_exit_1() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let mut command = our("tcp-server");
    command.args(["127.0.0.1", &port]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(1));
    let expected =
        format!("tcp-server: cannot listen on 127.0.0.1 port {port}: Address already in use");
    assert!(output.stderr.starts_with(&expected), "stderr: {}", output.stderr);
    assert_eq!(output.stderr.lines().count(), 1);
}

#[test]
fn a_host_that_cannot_be_bound_is_an_error() {
    let mut command = our("tcp-server");
    command.args(["192.0.2.1", "0"]); // TEST-NET-1: not an address of this machine
    let output = run(command, None);
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr.starts_with("tcp-server: cannot listen on 192.0.2.1 port 0: "));
}

#[test]
fn closed_stdout_ends_the_client_quietly() {
    let server = Server::start("tcp-server", &["--clients", "1", "127.0.0.1", "0"]);
    let payload = TempDir::new("pipe");
    let file = payload.0.join("payload.bin");
    std::fs::write(&file, random_bytes(4 << 20, 7)).expect("write payload");
    let script =
        r#""$1" "$2" "$3" < "$4" | head -c 5 > /dev/null; echo "client exit ${PIPESTATUS[0]}" >&2"#;
    let mut command = Command::new("bash");
    command.args(["-c", script, "sh"]).arg(bin("tcp-client"));
    command.args([server.addr.ip().to_string(), server.port().to_string()]).arg(&file);
    let output = run(command, None);
    assert!(output.stderr.contains("client exit 0"), "stderr: {}", output.stderr);
    assert!(!output.stderr.contains("panicked"), "stderr: {}", output.stderr);
    assert!(!output.stderr.to_lowercase().contains("broken pipe"), "stderr: {}", output.stderr);
    assert_eq!(server.wait().code(), Some(0));
}

#[test]
fn a_client_that_resets_mid_stream_does_not_stop_the_server() {
    let server = Server::start("tcp-server", &["--clients", "2", "127.0.0.1", "0"]);
    let rude_addr = {
        // Send a lot and never read: closing with unread data makes the kernel send a reset.
        let mut rude = TcpStream::connect(server.addr).expect("connect");
        rude.set_write_timeout(Some(Duration::from_secs(2))).expect("write timeout");
        let _ = rude.write_all(&random_bytes(256 * 1024, 3));
        rude.local_addr().expect("address")
    };
    let output = run(client(&server, &["--send", "still there?"]), None);
    assert_eq!(output.stdout_text(), format!("{GREETING}still there?"));
    let server = server.wait();
    assert_eq!(server.code(), Some(0), "stderr: {}", server.stderr);
    let reported = format!("tcp-server: {rude_addr}: ");
    assert!(server.stderr.contains(&reported), "the failure is reported: {}", server.stderr);
}

#[test]
fn ipv6_loopback_works_for_both_programs() {
    if !ipv6_loopback_works() {
        return skip("this machine has no IPv6 loopback (::1)");
    }
    let server = Server::start("tcp-server", &["--clients", "2", "::1", "0"]);
    assert!(server.addr.is_ipv6());
    let output = run(client(&server, &["--send", "over v6"]), None);
    assert_eq!(output.stdout_text(), format!("{GREETING}over v6"));
    // By name too, where this machine's resolver gives localhost an IPv6 address.
    let port = server.port().to_string();
    let named = ("localhost", 0).to_socket_addrs().is_ok_and(|mut all| all.any(|a| a.is_ipv6()));
    let host = if named { "localhost" } else { "::1" };
    let mut command = our("tcp-client");
    command.args(["-6", "--send", "by name", host, &port]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert!(output.stderr.contains("connected to [::1]:"), "stderr: {}", output.stderr);
    assert_eq!(server.wait().code(), Some(0));
}

#[test]
fn family_flags_restrict_the_addresses_tried() {
    let server = Server::start("tcp-server", &["--clients", "1", "127.0.0.1", "0"]);
    let port = server.port().to_string();
    let mut command = our("tcp-client");
    command.args(["-6", "127.0.0.1", &port]);
    let output = run(command, None);
    assert_eq!(output.code(), Some(1), "an IPv4 literal has no IPv6 address");
    let mut command = our("tcp-client");
    command.args(["-4", "--send", "v4", "localhost", &port]);
    let output = run(command, None);
    assert_eq!(output.stdout_text(), format!("{GREETING}v4"), "stderr: {}", output.stderr);
}

// ---- Interoperability with the notebook's own code and with the usual tools ----

#[test]
fn the_notebooks_python_client_is_greeted_by_our_server() {
    if !have("python3") {
        return skip("python3 is not installed");
    }
    let server = Server::start("tcp-server", &["--clients", "1", "127.0.0.1", "0"]);
    let output = run(notebook("tcp_client", &["127.0.0.1", &server.port().to_string()]), None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), format!("{GREETING}\nlol\n")); // print() adds a line
    assert_eq!(server.wait().code(), Some(0));
}

#[test]
fn our_client_reads_the_notebooks_python_server() {
    if !have("python3") {
        return skip("python3 is not installed");
    }
    let python = notebook("tcp_server", &["127.0.0.1", "0", "1"]);
    let server = Server::start_announced(python, listening_on);
    let output = run(client(&server, &[]), None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), "Gracias por conectarte\n");
    let server = server.wait();
    assert_eq!(server.code(), Some(0), "stderr: {}", server.stderr);
    assert!(server.stdout_text().contains("Conexión aceptada desde"));
}

#[test]
fn netcat_with_half_close_talks_to_our_server() {
    let openbsd_nc = Command::new("nc").arg("-h").output();
    if !openbsd_nc.is_ok_and(|help| String::from_utf8_lossy(&help.stderr).contains("-N")) {
        return skip("nc with -N (Debian's netcat-openbsd) is not installed");
    }
    let server = Server::start("tcp-server", &["--clients", "1", "127.0.0.1", "0"]);
    let mut command = Command::new("nc");
    command.args(["-N", "127.0.0.1", &server.port().to_string()]);
    let output = run(command, Some(b"hello from nc\n"));
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), format!("{GREETING}hello from nc\n"));
    assert_eq!(server.wait().code(), Some(0));
}

/// socat -d -d logs `... N listening on AF=2 127.0.0.1:PORT` once it can accept.
fn socat_listening_on(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once(" listening on AF=")?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn our_client_round_trips_through_a_socat_echo_server() {
    if !have("socat") {
        return skip("socat is not installed");
    }
    // Port 0, and its log (stderr, moved to stdout here) says which port it got.
    let mut socat = Command::new("sh");
    socat.args(["-c", "exec socat \"$@\" 2>&1", "sh", "-d", "-d"]);
    socat.args(["TCP-LISTEN:0,bind=127.0.0.1", "EXEC:cat"]);
    let server = Server::start_announced(socat, socat_listening_on);
    let port = server.port();
    let payload = random_bytes(2 << 20, 5);
    let mut command = our("tcp-client");
    command.args(["127.0.0.1", &port.to_string()]);
    let output = run(command, Some(&payload));
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert!(
        output.stdout == payload,
        "socat echoed {} of {} bytes",
        output.stdout.len(),
        payload.len()
    );
}
