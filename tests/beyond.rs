//! End-to-end tests of the three lessons beyond the notebook, tcp-server's examples: many lines
//! on one connection (lines-server), binary messages framed by their length
//! (length-prefix-server), and a server that passes lines between clients (chat-server). Each is
//! tried against real peers (nc, our tcp-client, Python) and against plain sockets that reach
//! the protocol's edges: lines cut into pieces, pipelined, too long; a client that never reads.

mod common;

use common::*;
use std::io::{BufRead, BufReader, BufWriter, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const PROGRAMS: [&str; 3] = ["lines-server", "length-prefix-server", "chat-server"];
/// No single read in these tests waits longer than this: a hang fails the test.
const WAIT: Duration = Duration::from_secs(10);

fn start(program: &str, host: &str) -> Server {
    let mut command = example(program);
    command.args([host, "0"]);
    Server::start_announced(command, listening_on)
}

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(server.addr).expect("connect");
    stream.set_read_timeout(Some(WAIT)).expect("read timeout");
    stream.set_write_timeout(Some(WAIT)).expect("write timeout");
    stream
}

fn read_line(reader: &mut impl BufRead) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a line within the wait");
    line
}

/// Everything until the server closes; a reset counts as a close (it is one, the rude kind).
fn rest_of(stream: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => rest,
        Err(error) if error.kind() == ErrorKind::ConnectionReset => rest,
        Err(error) => panic!("no close within the wait: {error}"),
    }
}

/// Nothing arrives on `stream` for `quiet`: what a server must not have answered yet.
fn assert_silent(stream: &TcpStream, quiet: Duration, after: &str) {
    stream.set_read_timeout(Some(quiet)).expect("read timeout");
    let mut byte = [0; 1];
    let read = stream.peek(&mut byte);
    assert!(
        read.as_ref().is_err_and(|error| error.kind() == ErrorKind::WouldBlock),
        "something came after {after}: {read:?} {byte:?}"
    );
    stream.set_read_timeout(Some(WAIT)).expect("read timeout");
}

fn openbsd_nc() -> bool {
    let help = Command::new("nc").arg("-h").output();
    help.is_ok_and(|help| String::from_utf8_lossy(&help.stderr).contains("-N"))
}

fn nc(server: &Server) -> Command {
    let mut command = Command::new("nc");
    command.args(["-N", &server.addr.ip().to_string(), &server.port().to_string()]);
    command
}

fn tcp_client(server: &Server) -> Command {
    let mut command = our("tcp-client");
    command.args([server.addr.ip().to_string(), server.port().to_string()]);
    command
}

// ---- lines-server: a line in, the line in upper case out, until the client closes ----

#[test]
fn lines_three_lines_in_one_write_come_back_as_three_upper_case_lines() {
    let server = start("lines-server", "127.0.0.1");
    let mut stream = connect(&server);
    stream.write_all(b"uno\ndos\ntres\n").expect("send");
    stream.shutdown(Shutdown::Write).expect("half-close");
    assert_eq!(rest_of(&mut stream), b"UNO\nDOS\nTRES\n");
}

#[test]
fn lines_one_line_in_three_pieces_200_ms_apart_is_answered_once_after_the_last_piece() {
    let server = start("lines-server", "127.0.0.1");
    let mut stream = connect(&server);
    for piece in ["ho", "la, mun"] {
        stream.write_all(piece.as_bytes()).expect("send a piece");
        assert_silent(&stream, Duration::from_millis(200), &format!("the piece {piece:?}"));
    }
    stream.write_all(b"do\n").expect("send the last piece");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    assert_eq!(read_line(&mut reader), "HOLA, MUNDO\n");
    assert_silent(&stream, Duration::from_millis(200), "the one answer");
}

/// A client that waits for each answer must get it even when the start of its next line came in
/// the same read: the answer may not wait in the server's buffer for that line to end.
#[test]
fn lines_a_whole_line_is_answered_at_once_though_the_start_of_the_next_came_with_it() {
    let server = start("lines-server", "127.0.0.1");
    let mut stream = connect(&server);
    stream.write_all(b"hola\nmun").expect("send a line and a piece");
    stream.set_read_timeout(Some(Duration::from_secs(2))).expect("read timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    assert_eq!(read_line(&mut reader), "HOLA\n", "before the next line ends");
    stream.write_all(b"do\n").expect("send the rest");
    assert_eq!(read_line(&mut reader), "MUNDO\n");
}

#[test]
fn lines_a_last_line_without_a_newline_is_answered_with_one_added() {
    let server = start("lines-server", "127.0.0.1");
    let mut stream = connect(&server);
    stream.write_all(b"first\nsin fin").expect("send");
    stream.shutdown(Shutdown::Write).expect("half-close");
    assert_eq!(rest_of(&mut stream), b"FIRST\nSIN FIN\n");
}

#[test]
fn lines_any_bytes_come_back_with_only_ascii_letters_changed() {
    let server = start("lines-server", "127.0.0.1");
    let mut stream = connect(&server);
    let mut sent: Vec<u8> = random_bytes(50_000, 11).into_iter().filter(|&b| b != b'\n').collect();
    sent.extend_from_slice("\n¡sí, ñandú!\n".as_bytes());
    stream.write_all(&sent).expect("send");
    stream.shutdown(Shutdown::Write).expect("half-close");
    assert!(rest_of(&mut stream) == sent.to_ascii_uppercase(), "other bytes came back");
}

#[test]
fn lines_ten_thousand_pipelined_lines_are_all_answered_in_order_while_the_client_reads() {
    const COUNT: usize = 10_000;
    let server = start("lines-server", "127.0.0.1");
    let stream = connect(&server);
    let started = Instant::now();
    let writer = stream.try_clone().expect("clone");
    let sender = thread::spawn(move || {
        let mut writer = BufWriter::new(&writer);
        for n in 0..COUNT {
            writeln!(writer, "pipelined line {n} of {COUNT}").expect("send");
        }
        writer.flush().expect("send");
        writer.get_ref().shutdown(Shutdown::Write).expect("half-close");
    });
    let mut reader = BufReader::new(stream);
    for n in 0..COUNT {
        assert_eq!(read_line(&mut reader), format!("PIPELINED LINE {n} OF {COUNT}\n"));
    }
    assert_eq!(rest_of(reader.get_mut()), b"", "nothing after the last answer");
    sender.join().expect("sender");
    let took = started.elapsed();
    eprintln!("{COUNT} pipelined lines answered in {took:?}");
    assert!(took < Duration::from_secs(5), "{COUNT} lines took {took:?}");
}

#[test]
fn lines_two_interleaved_clients_each_get_their_own_answers() {
    let server = start("lines-server", "127.0.0.1");
    let (mut ana, mut bea) = (connect(&server), connect(&server));
    let mut ana_reader = BufReader::new(ana.try_clone().expect("clone"));
    let mut bea_reader = BufReader::new(bea.try_clone().expect("clone"));
    ana.write_all(b"ana, half a line").expect("send");
    bea.write_all(b"bea one\n").expect("send");
    assert_eq!(read_line(&mut bea_reader), "BEA ONE\n", "bea waits for no one");
    ana.write_all(b", and the rest\nana two\n").expect("send");
    bea.write_all(b"bea two\n").expect("send");
    assert_eq!(read_line(&mut ana_reader), "ANA, HALF A LINE, AND THE REST\n");
    assert_eq!(read_line(&mut ana_reader), "ANA TWO\n");
    assert_eq!(read_line(&mut bea_reader), "BEA TWO\n");
}

#[test]
fn lines_a_line_of_exactly_64_kib_is_answered() {
    let server = start("lines-server", "127.0.0.1");
    let mut stream = connect(&server);
    let mut line = vec![b'k'; 65_536];
    line.push(b'\n');
    stream.write_all(&line).expect("send");
    stream.shutdown(Shutdown::Write).expect("half-close");
    assert!(rest_of(&mut stream) == line.to_ascii_uppercase(), "the 64 KiB line came back");
}

#[test]
fn lines_a_line_over_64_kib_closes_that_connection_with_a_message_and_others_are_still_served() {
    let mut server = start("lines-server", "127.0.0.1");
    let other = connect(&server);
    let mut other_reader = BufReader::new(other.try_clone().expect("clone"));
    let mut long = connect(&server);
    let long_addr = long.local_addr().expect("address");
    long.write_all(&vec![b'x'; 65_537]).expect("send 64 KiB + 1, no newline yet");
    assert_eq!(rest_of(&mut long), b"", "closed, with no answer");
    (&other).write_all(b"still there?\n").expect("send");
    assert_eq!(read_line(&mut other_reader), "STILL THERE?\n");
    let output = server.stop();
    let said = format!("lines-server: {long_addr}: a line over 65536 bytes, closing it\n");
    assert!(output.stderr.contains(&said), "stderr: {}", output.stderr);
}

#[test]
fn lines_netcat_gets_each_line_back_in_upper_case() {
    if !openbsd_nc() {
        return skip("nc with -N (Debian's netcat-openbsd) is not installed");
    }
    let server = start("lines-server", "127.0.0.1");
    let output = run(nc(&server), Some(b"hola\nmundo\n"));
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), "HOLA\nMUNDO\n");
}

#[test]
fn lines_our_tcp_client_gets_each_line_back_in_upper_case() {
    let server = start("lines-server", "127.0.0.1");
    let output = run(tcp_client(&server), Some(b"hola\nmundo\nsin fin"));
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), "HOLA\nMUNDO\nSIN FIN\n");
}

#[test]
fn lines_a_python_client_reading_with_readline_gets_each_answer_before_it_sends_the_next() {
    if !have("python3") {
        return skip("python3 is not installed");
    }
    // A line at a time, each answer awaited: the interactive case, answered at once.
    let script = r#"if 1:
        import socket, sys
        with socket.create_connection((sys.argv[1], int(sys.argv[2]))) as sock:
            replies = sock.makefile("rb")
            for word in ["uno", "dos", "tres"]:
                sock.sendall(word.encode() + b"\n")
                print(replies.readline().decode(), end="")
    "#;
    let server = start("lines-server", "127.0.0.1");
    let mut python = Command::new("python3");
    python.args(["-c", script, "127.0.0.1", &server.port().to_string()]);
    let output = run(python, None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), "UNO\nDOS\nTRES\n");
    assert!(output.elapsed < Duration::from_secs(5), "took {:?}", output.elapsed);
}

#[test]
fn lines_the_server_logs_who_connected_and_who_closed() {
    let server = start("lines-server", "127.0.0.1");
    let mut stream = connect(&server);
    let addr = stream.local_addr().expect("address");
    assert_eq!(wait_for_line(&server, &addr.to_string()), format!("{addr} connected"));
    stream.shutdown(Shutdown::Write).expect("half-close");
    assert_eq!(rest_of(&mut stream), b"");
    assert_eq!(wait_for_line(&server, &addr.to_string()), format!("{addr} closed"));
}

// ---- length-prefix-server: a 4-byte big-endian length, then that many bytes ----

fn framed(message: &[u8]) -> Vec<u8> {
    let mut frame = (message.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(message);
    frame
}

fn read_message(stream: &mut impl Read) -> Vec<u8> {
    let mut length = [0; 4];
    stream.read_exact(&mut length).expect("a length within the wait");
    let mut message = vec![0; u32::from_be_bytes(length) as usize];
    stream.read_exact(&mut message).expect("the whole message within the wait");
    message
}

#[test]
fn length_prefix_a_length_split_1_plus_3_bytes_still_frames_the_message() {
    let server = start("length-prefix-server", "127.0.0.1");
    let mut stream = connect(&server);
    let frame = framed(b"partido en dos");
    stream.write_all(&frame[..1]).expect("send 1 byte of the length");
    assert_silent(&stream, Duration::from_millis(200), "1 byte of the length");
    stream.write_all(&frame[1..4]).expect("send its other 3");
    assert_silent(&stream, Duration::from_millis(200), "the length alone");
    stream.write_all(&frame[4..]).expect("send the message");
    assert_eq!(read_message(&mut stream), b"PARTIDO EN DOS");
}

/// The answer to a whole message may not wait for the next one, however little of it is missing.
#[test]
fn length_prefix_a_whole_message_is_answered_at_once_though_most_of_the_next_came_with_it() {
    let server = start("length-prefix-server", "127.0.0.1");
    let mut stream = connect(&server);
    stream.set_read_timeout(Some(Duration::from_secs(2))).expect("read timeout");
    let next = framed(b"mundo!!!!!");
    for missing in 1..=4 {
        let (most, rest) = next.split_at(next.len() - missing);
        stream.write_all(&[framed(b"hola"), most.to_vec()].concat()).expect("send");
        assert_eq!(read_message(&mut stream), b"HOLA", "{missing} bytes of the next missing");
        stream.write_all(rest).expect("send the rest");
        assert_eq!(read_message(&mut stream), b"MUNDO!!!!!");
    }
}

#[test]
fn length_prefix_a_zero_length_message_is_answered_with_a_zero_length_message() {
    let server = start("length-prefix-server", "127.0.0.1");
    let mut stream = connect(&server);
    stream.write_all(&framed(b"")).expect("send");
    assert_eq!(read_message(&mut stream), b"");
    stream.write_all(&framed(b"and after it")).expect("send");
    assert_eq!(read_message(&mut stream), b"AND AFTER IT");
}

#[test]
fn length_prefix_100000_random_bytes_sent_in_pieces_come_back_whole_in_upper_case() {
    let server = start("length-prefix-server", "127.0.0.1");
    let mut stream = connect(&server);
    let message = random_bytes(100_000, 21); // every byte value, letters and not
    for piece in framed(&message).chunks(7_001) {
        stream.write_all(piece).expect("send a piece");
        thread::sleep(Duration::from_millis(10));
    }
    assert!(read_message(&mut stream) == message.to_ascii_uppercase(), "other bytes came back");
}

#[test]
fn length_prefix_1000_messages_in_one_write_are_all_answered_in_order() {
    let server = start("length-prefix-server", "127.0.0.1");
    let stream = connect(&server);
    // Messages of 0 to 199 bytes, all framed and sent in one write.
    let messages: Vec<Vec<u8>> = (0..1000).map(|n| random_bytes(n % 200, n as u64 + 1)).collect();
    let all: Vec<u8> = messages.iter().flat_map(|message| framed(message)).collect();
    let mut writer = stream.try_clone().expect("clone");
    let sender = thread::spawn(move || writer.write_all(&all).expect("send all in one write"));
    let mut reader = BufReader::new(stream);
    for (n, message) in messages.iter().enumerate() {
        assert!(read_message(&mut reader) == message.to_ascii_uppercase(), "message {n} differs");
    }
    sender.join().expect("sender");
    reader.get_ref().shutdown(Shutdown::Write).expect("half-close");
    assert_eq!(rest_of(reader.get_mut()), b"", "nothing after the last answer");
}

#[test]
fn length_prefix_a_2_mib_length_closes_that_connection_with_a_message_and_others_go_on() {
    let mut server = start("length-prefix-server", "127.0.0.1");
    let mut other = connect(&server);
    let mut big = connect(&server);
    let big_addr = big.local_addr().expect("address");
    big.write_all(&(2u32 << 20).to_be_bytes()).expect("send a length of 2 MiB");
    assert_eq!(rest_of(&mut big), b"", "closed, with no answer");
    other.write_all(&framed(b"still there?")).expect("send");
    assert_eq!(read_message(&mut other), b"STILL THERE?");
    let output = server.stop();
    let said = format!(": {big_addr}: a message of 2097152 bytes, over 1048576, closing it\n");
    assert!(output.stderr.contains(&said), "stderr: {}", output.stderr);
}

#[test]
fn length_prefix_exactly_1_mib_is_answered_and_one_byte_more_closes_the_connection() {
    let server = start("length-prefix-server", "127.0.0.1");
    let stream = connect(&server);
    let message = random_bytes(1 << 20, 22);
    let mut writer = stream.try_clone().expect("clone");
    let frame = framed(&message);
    let sender = thread::spawn(move || writer.write_all(&frame).expect("send the 1 MiB message"));
    let mut reader = BufReader::new(stream);
    assert!(read_message(&mut reader) == message.to_ascii_uppercase(), "1 MiB, the most allowed");
    sender.join().expect("sender");
    reader.get_ref().write_all(&((1u32 << 20) + 1).to_be_bytes()).expect("send 1 MiB + 1");
    assert_eq!(rest_of(reader.get_mut()), b"", "closed, with no answer");
}

#[test]
fn length_prefix_a_close_in_the_middle_of_a_message_is_said() {
    let mut server = start("length-prefix-server", "127.0.0.1");
    let mut stream = connect(&server);
    let addr = stream.local_addr().expect("address");
    stream.write_all(&framed(b"whole")[..6]).expect("send part of a message");
    stream.shutdown(Shutdown::Write).expect("half-close");
    assert_eq!(rest_of(&mut stream), b"");
    let output = server.stop(); // it said why before it closed
    let said = format!(": {addr}: closed in the middle of a message, closing it\n");
    assert!(output.stderr.contains(&said), "stderr: {}", output.stderr);
}

#[test]
fn length_prefix_netcat_gets_a_framed_answer() {
    if !openbsd_nc() {
        return skip("nc with -N (Debian's netcat-openbsd) is not installed");
    }
    let server = start("length-prefix-server", "127.0.0.1");
    let mut sent = framed(b"hola");
    sent.extend(framed(b"mundo"));
    let output = run(nc(&server), Some(&sent));
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout, [framed(b"HOLA"), framed(b"MUNDO")].concat());
}

#[test]
fn length_prefix_a_python_client_framing_with_struct_pack_gets_its_messages_back() {
    if !have("python3") {
        return skip("python3 is not installed");
    }
    let script = r#"if 1:
        import socket, struct, sys
        def recv_exactly(sock, size):
            data = b""
            while len(data) < size:
                piece = sock.recv(size - len(data))
                if not piece:
                    raise ConnectionError("closed early")
                data += piece
            return data
        with socket.create_connection((sys.argv[1], int(sys.argv[2]))) as sock:
            for text in ["hola", "", "ñandú" * 1000]:
                sock.sendall(struct.pack(">I", len(text.encode())) + text.encode())
                (size,) = struct.unpack(">I", recv_exactly(sock, 4))
                print(size, recv_exactly(sock, size).decode()[:12])
    "#;
    let server = start("length-prefix-server", "127.0.0.1");
    let mut python = Command::new("python3");
    python.args(["-c", script, "127.0.0.1", &server.port().to_string()]);
    let output = run(python, None);
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    assert_eq!(output.stdout_text(), "4 HOLA\n0 \n7000 ñANDúñANDúñA\n", "ASCII letters only");
}

// ---- chat-server: each line to every other client, as `IP:PORT: line` ----

/// A chat client in the test: a plain socket, counted in once the server says it joined.
struct Chatter {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
    addr: SocketAddr,
}

fn join(server: &Server) -> Chatter {
    let stream = connect(server);
    let addr = stream.local_addr().expect("address");
    assert_eq!(wait_for_line(server, &addr.to_string()), format!("{addr} joined"));
    let reader = BufReader::new(stream.try_clone().expect("clone"));
    Chatter { stream, reader, addr }
}

impl Chatter {
    fn say(&mut self, text: &str) {
        self.stream.write_all(text.as_bytes()).expect("send");
    }
    fn hear(&mut self) -> String {
        read_line(&mut self.reader)
    }
    /// Leave (close our sending half), and return all that still came before the server closed.
    fn leave(mut self) -> String {
        self.stream.shutdown(Shutdown::Write).expect("half-close");
        let mut rest = String::new();
        self.reader.read_to_string(&mut rest).expect("the rest, then the close");
        rest
    }
}

#[test]
fn chat_three_clients_lines_arrive_once_and_whole_at_every_other_client_and_never_at_the_sender() {
    let server = start("chat-server", "127.0.0.1");
    let mut clients = [join(&server), join(&server), join(&server)];
    // Pieces of lines from different clients interleave; each line still arrives whole.
    let script: [(usize, &str); 9] = [
        (0, "ana one\n"),
        (1, "bea "),
        (2, "cai one\n"),
        (0, "ana tw"),
        (1, "one\n"),
        (2, "cai "),
        (0, "o\n"),
        (1, "bea two\n"),
        (2, "two\n"),
    ];
    for (who, text) in script {
        clients[who].say(text);
        thread::sleep(Duration::from_millis(50)); // a piece arrives on its own
    }
    let lines = ["ana one", "ana two", "bea one", "bea two", "cai one", "cai two"];
    let addrs: Vec<SocketAddr> = clients.iter().map(|client| client.addr).collect();
    for (me, client) in clients.iter_mut().enumerate() {
        let mut heard: Vec<String> = (0..4).map(|_| client.hear()).collect();
        heard.sort();
        let mut expected: Vec<String> = (0..6)
            .filter(|&line| line / 2 != me)
            .map(|line| format!("{}: {}\n", addrs[line / 2], lines[line]))
            .collect();
        expected.sort();
        assert_eq!(heard, expected, "what client {me} ({}) heard", addrs[me]);
    }
    // All lines have been passed on: if the server sent a sender its own, it came before now.
    for client in clients {
        assert_eq!(client.leave(), "", "nothing more, and never one's own line");
    }
}

#[test]
fn chat_a_client_that_never_reads_holds_up_no_one_and_is_dropped_once_1_mib_waits_for_it() {
    const FLOOD: usize = 20 << 20;
    const LINE: usize = 1000;
    let mut server = start("chat-server", "127.0.0.1");
    let flooder = join(&server);
    let prober = join(&server);
    let listener = join(&server);
    let idle = join(&server); // connected, counted in, and never reads a byte
    // Every reading client drains what comes to it, in a thread of its own.
    let (heard_probe, probes_heard) = mpsc::channel();
    let prober_addr = prober.addr;
    let drain = |mut reader: BufReader<TcpStream>,
                 probes: Option<mpsc::Sender<(String, Instant)>>| {
        thread::spawn(move || {
            let mut flood_lines = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).expect("read within the wait") > 0 {
                if line.starts_with(&format!("{prober_addr}: probe ")) {
                    if let Some(probes) = &probes {
                        let _ = probes.send((line.clone(), Instant::now()));
                    }
                } else {
                    flood_lines += 1;
                }
                line.clear();
            }
            flood_lines
        })
    };
    let Chatter { stream: flood_stream, reader: flood_reader, .. } = flooder;
    let flooder_drain = drain(flood_reader, None);
    let Chatter { stream: mut probe_stream, reader: probe_reader, .. } = prober;
    let prober_drain = drain(probe_reader, None);
    let Chatter { stream: listen_stream, reader: listen_reader, .. } = listener;
    let listener_drain = drain(listen_reader, Some(heard_probe));
    let flood = thread::spawn(move || {
        let mut writer = BufWriter::with_capacity(64 * 1024, &flood_stream);
        let line = format!("{}\n", "f".repeat(LINE - 1));
        for _ in 0..FLOOD / LINE {
            writer.write_all(line.as_bytes()).expect("flood");
        }
        writer.flush().expect("flood");
        drop(writer);
        flood_stream
    });
    // A probe every 50 ms while the flood goes on, each timed until the listener hears it.
    let mut sent = Vec::new();
    while !flood.is_finished() || sent.len() < 5 {
        let probe = format!("probe {}\n", sent.len());
        sent.push((format!("{prober_addr}: {probe}"), Instant::now()));
        if let Err(error) = probe_stream.write_all(probe.as_bytes()) {
            let output = server.stop();
            panic!("send a probe: {error}; server: {}", output.stderr);
        }
        thread::sleep(Duration::from_millis(50));
    }
    let flood_stream = flood.join().expect("flood");
    let mut slowest = Duration::ZERO;
    for (probe, at) in &sent {
        let (heard, heard_at) = probes_heard.recv_timeout(WAIT).expect("every probe is heard");
        assert_eq!(&heard, probe, "probes arrive in order");
        let took = heard_at - *at;
        assert!(took < Duration::from_secs(1), "{probe:?} took {took:?} to arrive");
        slowest = slowest.max(took);
    }
    eprintln!("{} probes through a 20 MB flood, the slowest in {slowest:?}", sent.len());
    // The flooder leaves, once the server has passed on all its lines; then the others, who
    // have all of them, and none of whom was dropped.
    let flooder_addr = flood_stream.local_addr().expect("address");
    flood_stream.shutdown(Shutdown::Write).expect("half-close");
    assert_eq!(
        wait_for_line(&server, &format!("{flooder_addr} left")),
        format!("{flooder_addr} left")
    );
    for stream in [&probe_stream, &listen_stream] {
        stream.shutdown(Shutdown::Write).expect("half-close");
    }
    assert_eq!(listener_drain.join().expect("listener"), FLOOD / LINE, "the listener's flood");
    assert_eq!(prober_drain.join().expect("prober"), FLOOD / LINE, "the prober's flood");
    assert_eq!(flooder_drain.join().expect("flooder"), 0, "the flooder hears no flood");
    let output = server.stop();
    let dropped = format!("chat-server: {}: 1048576 bytes wait for it, dropping it\n", idle.addr);
    assert!(output.stderr.contains(&dropped), "stderr: {}", output.stderr);
    assert_eq!(output.stderr.matches("dropping it").count(), 1, "stderr: {}", output.stderr);
    drop(idle);
}

#[test]
fn chat_a_client_that_leaves_is_forgotten_and_the_others_go_on() {
    let server = start("chat-server", "127.0.0.1");
    let mut ana = join(&server);
    let bea = join(&server);
    let mut cai = join(&server);
    let bea_addr = bea.addr;
    drop(bea); // closes without a word
    assert_eq!(wait_for_line(&server, &bea_addr.to_string()), format!("{bea_addr} left"));
    ana.say("bea has gone\n");
    assert_eq!(cai.hear(), format!("{}: bea has gone\n", ana.addr));
    let mut dan = join(&server);
    cai.say("hola dan\n");
    assert_eq!(ana.hear(), format!("{}: hola dan\n", cai.addr));
    assert_eq!(dan.hear(), format!("{}: hola dan\n", cai.addr));
}

/// `printf 'adiós' | nc -N`: a last line with no `\n` before the close is passed on, ended.
#[test]
fn chat_a_last_line_without_a_newline_is_passed_on_with_one_added() {
    let server = start("chat-server", "127.0.0.1");
    let mut ana = join(&server);
    let mut bea = join(&server);
    bea.say("adiós sin salto");
    let bea_addr = bea.addr;
    assert_eq!(bea.leave(), "", "nothing back to the sender");
    assert_eq!(ana.hear(), format!("{bea_addr}: adiós sin salto\n"));
}

#[test]
fn chat_a_line_over_64_kib_closes_that_clients_connection_and_the_others_go_on() {
    let mut server = start("chat-server", "127.0.0.1");
    let mut ana = join(&server);
    let mut long = join(&server);
    let long_addr = long.addr;
    long.say(&"x".repeat(65_537));
    let mut rest = Vec::new();
    let closed = long.reader.read_to_end(&mut rest);
    assert!(closed.is_ok() && rest.is_empty(), "closed, having passed on nothing: {closed:?}");
    assert_eq!(wait_for_line(&server, &long_addr.to_string()), format!("{long_addr} left"));
    let mut cai = join(&server);
    ana.say(&format!("{}\n", "k".repeat(65_536))); // the longest line there may be
    assert_eq!(cai.hear(), format!("{}: {}\n", ana.addr, "k".repeat(65_536)));
    let output = server.stop();
    let said = format!("chat-server: {long_addr}: a line over 65536 bytes, closing it\n");
    assert!(output.stderr.contains(&said), "stderr: {}", output.stderr);
}

#[test]
fn chat_netcat_and_our_tcp_client_are_chat_clients() {
    let server = start("chat-server", "127.0.0.1");
    let mut ana = join(&server);
    let mut bea = join(&server);
    // Our tcp-client, its stdin held open: it sends a line, then prints what the others say.
    let (close_stdin, stdin_closes) = mpsc::channel::<()>();
    let mut client = tcp_client(&server);
    client.arg("--timeout").arg("10");
    let client = thread::spawn(move || {
        run_feeding(client, move |mut stdin, _| {
            stdin.write_all(b"hola from tcp-client\n").expect("feed its stdin");
            let _ = stdin_closes.recv_timeout(WAIT);
        })
    });
    let joined = wait_for_line(&server, " joined");
    let client_addr = joined.strip_suffix(" joined").expect("IP:PORT joined");
    let heard = format!("{client_addr}: hola from tcp-client\n");
    assert_eq!(ana.hear(), heard);
    assert_eq!(bea.hear(), heard);
    ana.say("hola tcp-client\n");
    assert_eq!(bea.hear(), format!("{}: hola tcp-client\n", ana.addr)); // so it is queued for all
    if openbsd_nc() {
        let output = run(nc(&server), Some(b"hola from nc\n"));
        assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
        assert_eq!(output.stdout_text(), "", "nc hears nothing in the moment it is there");
        assert!(ana.hear().ends_with(": hola from nc\n"));
        assert!(bea.hear().ends_with(": hola from nc\n"));
    } else {
        skip("nc with -N (Debian's netcat-openbsd) is not installed");
    }
    drop(close_stdin);
    let output = client.join().expect("tcp-client");
    assert_eq!(output.code(), Some(0), "stderr: {}", output.stderr);
    let printed = output.stdout_text();
    assert!(printed.starts_with(&format!("{}: hola tcp-client\n", ana.addr)), "{printed}");
    assert!(!printed.contains("hola from tcp-client"), "its own line came back: {printed}");
    assert_eq!(printed.lines().count(), if openbsd_nc() { 2 } else { 1 }, "{printed}");
}

// ---- All three: their headers, the command line, IPv6, and no input that stops them ----

#[test]
fn the_commands_in_the_headers_print_what_the_headers_say() {
    if !openbsd_nc() {
        return skip("nc with -N (Debian's netcat-openbsd) is not installed");
    }
    // chat-server's need three terminals at once: the chat tests above do what they show.
    for program in ["lines-server", "length-prefix-server"] {
        let path = format!("tcp-server/examples/{program}.rs");
        let source = std::fs::read_to_string(workspace_root().join(&path)).expect("read");
        let examples: Vec<(&str, &str)> = source
            .lines()
            .filter_map(|line| line.strip_prefix("//!     ")?.split_once("# prints "))
            .collect();
        let (server_command, announced) = examples[0];
        let started = format!("cargo run -p tcp-server --example {program}");
        assert_eq!(server_command.trim(), started, "{path}: the server comes first");
        let server = start(program, "127.0.0.1");
        let port = server.port().to_string();
        let announced = announced.trim().trim_matches('"').replace("9000", &port);
        assert_eq!(server.announcement, announced, "{path}");
        for (command, expected) in &examples[1..] {
            let client = format!("{} 127.0.0.1 {port}", bin("tcp-client").display());
            let command =
                command.replace("9000", &port).replace("cargo run -p tcp-client", &client);
            let output = run(shell(&command), None);
            assert_eq!(output.code(), Some(0), "{path}: `{command}`: {}", output.stderr);
            let expected = expected.trim().trim_matches('"').replace("\\n", "\n");
            assert_eq!(output.stdout_text().trim_end(), expected, "{path}: `{command}`");
        }
    }
}

fn shell(command: &str) -> Command {
    let mut shell = Command::new("bash");
    shell.args(["-c", command]);
    shell
}

#[test]
fn usage_errors_exit_2_with_the_usage_on_stderr() {
    let cases: [&[&str]; 5] = [
        &["127.0.0.1", "70000"],
        &["127.0.0.1", "abc"],
        &["-x"],
        &["a", "1", "extra"],
        &["--port"],
    ];
    for program in PROGRAMS {
        for args in cases {
            let mut command = example(program);
            command.args(args);
            let output = run(command, None);
            assert_eq!(output.code(), Some(2), "{program} {args:?}: {}", output.stderr);
            assert!(output.stderr.starts_with(&format!("{program}: ")), "{program} {args:?}");
            assert!(output.stderr.contains(&format!("usage: {program} [HOST] [PORT]")));
            assert!(output.stdout.is_empty(), "{program} {args:?}");
        }
    }
}

#[test]
fn help_prints_the_usage_and_exits_0() {
    for program in PROGRAMS {
        let mut command = example(program);
        command.arg("--help");
        let output = run(command, None);
        assert_eq!(output.code(), Some(0), "{program}: {}", output.stderr);
        assert!(output.stdout_text().starts_with(&format!("usage: {program} [HOST] [PORT]")));
        assert!(output.stderr.is_empty(), "{program}: {}", output.stderr);
    }
}

#[test]
fn a_port_in_use_is_one_line_naming_what_failed_and_exit_1() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port().to_string();
    for program in PROGRAMS {
        let mut command = example(program);
        command.args(["127.0.0.1", &port]);
        let output = run(command, None);
        assert_eq!(output.code(), Some(1), "{program}: {}", output.stderr);
        let said =
            format!("{program}: cannot listen on 127.0.0.1 port {port}: Address already in use");
        assert!(output.stderr.starts_with(&said), "{program}: {}", output.stderr);
        assert_eq!(output.stderr.lines().count(), 1, "{program}: {}", output.stderr);
    }
}

#[test]
fn each_server_works_over_ipv6() {
    if !ipv6_loopback_works() {
        return skip("this machine has no IPv6 loopback (::1)");
    }
    let lines = start("lines-server", "::1");
    assert!(lines.addr.is_ipv6(), "{}", lines.announcement);
    let mut stream = connect(&lines);
    stream.write_all(b"over v6\n").expect("send");
    stream.shutdown(Shutdown::Write).expect("half-close");
    assert_eq!(rest_of(&mut stream), b"OVER V6\n");

    let length_prefix = start("length-prefix-server", "::1");
    let mut stream = connect(&length_prefix);
    stream.write_all(&framed(b"over v6")).expect("send");
    assert_eq!(read_message(&mut stream), b"OVER V6");

    let chat = start("chat-server", "::1");
    let mut ana = join(&chat);
    let mut bea = join(&chat);
    ana.say("over v6\n");
    let heard = bea.hear();
    assert!(heard.starts_with("[::1]:"), "{heard}");
    assert_eq!(heard, format!("{}: over v6\n", ana.addr));
}

#[test]
fn each_server_goes_on_serving_once_nobody_reads_its_log() {
    for program in PROGRAMS {
        // `| head -n 1`: its log's reader takes the first line and is gone, and the next line
        // the server logs (a client connected) meets a closed pipe.
        let mut shell = Command::new("sh");
        shell
            .args(["-c", "\"$0\" 127.0.0.1 0 | head -n 1"])
            .arg(bin_dir().join("examples").join(program));
        let server = Server::start_announced(shell, listening_on);
        for _ in 0..2 {
            let mut stream = connect(&server);
            match program {
                "lines-server" => {
                    stream.write_all(b"still here\n").expect("send");
                    stream.shutdown(Shutdown::Write).expect("half-close");
                    assert_eq!(rest_of(&mut stream), b"STILL HERE\n", "{program}");
                }
                "length-prefix-server" => {
                    stream.write_all(&framed(b"still here")).expect("send");
                    assert_eq!(read_message(&mut stream), b"STILL HERE", "{program}");
                }
                _ => {
                    // Accepted first, so counted in before the second client's line is read.
                    let mut second = connect(&server);
                    second.write_all(b"still here\n").expect("send");
                    let heard = read_line(&mut BufReader::new(&stream));
                    let from = second.local_addr().expect("address");
                    assert_eq!(heard, format!("{from}: still here\n"), "{program}");
                }
            }
        }
    }
}

#[test]
fn random_bytes_from_clients_never_stop_a_server() {
    for program in PROGRAMS {
        let mut server = start(program, "127.0.0.1");
        for seed in 0..20 {
            let mut stream = connect(&server);
            // Some garbage with newlines, some without: lengths of any size, lines of any length.
            let garbage = random_bytes(1000 + seed * 10_000, seed as u64 + 77);
            let _ = stream.write_all(&garbage);
            let _ = stream.shutdown(Shutdown::Write);
            let _ = rest_of(&mut stream);
        }
        let mut stream = connect(&server);
        let reply = match program {
            "length-prefix-server" => {
                stream.write_all(&framed(b"ok?")).expect("send");
                read_message(&mut stream)
            }
            _ => {
                stream.write_all(b"ok?\n").expect("send");
                stream.shutdown(Shutdown::Write).expect("half-close");
                rest_of(&mut stream)
            }
        };
        let expected: &[u8] = match program {
            "lines-server" => b"OK?\n",
            "length-prefix-server" => b"OK?",
            _ => b"", // alone in the chat, it hears no one
        };
        assert_eq!(reply, expected, "{program}");
        let output = server.stop();
        assert!(!output.stderr.contains("panicked"), "{program}: {}", output.stderr);
    }
}
