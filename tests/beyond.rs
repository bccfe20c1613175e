//! End-to-end tests of the lessons beyond the notebook, tcp-server's examples: many lines on one
//! connection (lines-server), and binary messages framed by their length (length-prefix-server).
//! Each is tried against real peers (nc, our tcp-client, Python) and against plain sockets that
//! reach the protocol's edges: lines cut into pieces, pipelined, too long; lengths split.

mod common;

use common::*;
use std::io::{BufRead, BufReader, BufWriter, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

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
