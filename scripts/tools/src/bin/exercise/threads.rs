//! `threads`: a server that reads each client's name and answers it, clients at the same time,
//! and exits after answering five. The tester is five clients, one of them silent for 3 s.

use crate::Exercise;
use crate::tester::server_starts;
use crate::tester::{Ending, Failure, Outcome, Running, Tester, describe, quote, read_line};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

pub const EXERCISE: Exercise = Exercise {
    name: "threads",
    task: "answer each client's name, clients at the same time; exit after five",
    run_as: "PROGRAM 127.0.0.1 PORT",
    start: "tcp-server/examples/minimal-tcp-server.rs",
    copy: "tcp-server/examples/my-threads.rs",
    solution: "scripts/exercises/solutions/threads.rs",
    hints: [
        "the accept loop: while it waits on one client's name, no other client is accepted; and \
         what is counted, and when",
        "thread::spawn a thread per accepted client, which reads its line (BufReader::read_line: \
         the whole line, however it comes) and writes \"Gracias por conectarte, NAME\\n\". Count \
         answers, not connections (a channel from the threads to main), and return after five.",
    ],
    checks,
};

const NAMES: [&str; 5] = ["Zoé", "Ana", "Benjamín", "Chloé", "Darío Núñez"];
const ANSWER_WAIT: Duration = Duration::from_secs(1);

fn checks(t: &mut Tester) -> Outcome {
    let (mut server, address, _port) = server_starts(t)?;
    let mut silent = None;
    let split = 1 + t.rng.below(4); // which of clients 2 to 5 sends its name in two pieces
    t.check("while one client says nothing, four others are answered, each within 1 s", |t| {
        let first = TcpStream::connect(address)?;
        t.log("client 1 connected, and says nothing for 3 s");
        silent = Some((first, Instant::now()));
        thread::sleep(Duration::from_millis(100)); // its connection is there before the others
        for (n, name) in NAMES.iter().enumerate().skip(1) {
            ask(t, address, n + 1, name, n == split, &mut server)?;
        }
        Ok(())
    })?;
    t.check(
        "client 1 says its name at last, is answered, and your server exits 0 within 2 s",
        |t| {
            let (mut first, connected) = silent.take().ok_or(Failure::said("no client 1"))?;
            thread::sleep(Duration::from_secs(3).saturating_sub(connected.elapsed()));
            let line = format!("{}\n", NAMES[0]);
            t.send_in_pieces(&mut first, line.as_bytes(), "client 1", 1)?;
            answered(t, &first, 1, NAMES[0], &mut server)?;
            match server.wait(Duration::from_secs(2)) {
                Some(status) if status.success() => {
                    t.log("your server exited with status 0");
                    Ok(())
                }
                Some(status) => Err(Failure::said(format!(
                    "your server {}\n{}",
                    describe(status),
                    server.stderr_tail()
                ))),
                None => Err(server.silent(
                    "your server should have exited after answering five clients",
                    Duration::from_secs(2),
                )),
            }
        },
    )
}

/// Client `n` connects, says its name (in two pieces if `split`), and must be answered.
fn ask(
    t: &mut Tester,
    address: SocketAddr,
    n: usize,
    name: &str,
    split: bool,
    server: &mut Running,
) -> Outcome {
    let mut stream = TcpStream::connect_timeout(&address, ANSWER_WAIT)
        .map_err(|error| Failure::said(format!("client {n} could not connect: {error}")))?;
    let line = format!("{name}\n");
    let pieces = if split { 2 } else { 1 };
    let who = format!("client {n}");
    if split {
        // Two pieces, whatever the seed: the name's first byte, then the rest.
        t.send_in_pieces(&mut stream, &line.as_bytes()[..1], &who, 1)?;
        thread::sleep(crate::tester::PAUSE);
        t.send_in_pieces(&mut stream, &line.as_bytes()[1..], &who, 1)?;
    } else {
        t.send_in_pieces(&mut stream, line.as_bytes(), &who, pieces)?;
    }
    answered(t, &stream, n, name, server).map_err(|failure| {
        if split && failure.said.contains("expected") { failure.pitfall("recv") } else { failure }
    })
}

/// The answer to client `n`, within 1 s, then the server's close.
fn answered(
    t: &mut Tester,
    stream: &TcpStream,
    n: usize,
    name: &str,
    server: &mut Running,
) -> Outcome {
    let expected = format!("Gracias por conectarte, {name}\n");
    let mut rest = Vec::new();
    let (line, ending) = read_line(stream, &mut rest, ANSWER_WAIT);
    if ending == Ending::TimedOut && line.is_empty() {
        if server.exited().is_some() {
            return Err(server.ended_early(&format!("before answering client {n}")));
        }
        let why = format!("client {n} got no answer; is another client holding your server up?");
        return Err(Failure::said(format!("no answer within 1 s: {why}")));
    }
    t.log(format!("client {n} got {}", quote(&line)));
    if line != expected.as_bytes() {
        return Err(Failure::expected(quote(expected.as_bytes()), quote(&line)));
    }
    let (more, ending) = crate::tester::read_to_end(stream, ANSWER_WAIT);
    if ending != Ending::Closed || !more.is_empty() || !rest.is_empty() {
        let got = format!("{} more, and the connection {ending:?}", quote(&[rest, more].concat()));
        return Err(Failure::expected("the server to close the connection after its answer", got));
    }
    Ok(())
}
