//! `datagrams`: a UDP client that sends each message as one datagram and prints each reply, in
//! the order of the messages. The tester is a server that answers late and out of turn, once
//! twice, and an impostor that sends the client a datagram that is no reply at all.

use crate::Exercise;
use crate::tester::{Failure, Outcome, Running, Tester, describe, quote};
use std::net::{SocketAddr, UdpSocket};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

pub const EXERCISE: Exercise = Exercise {
    name: "datagrams",
    task: "send each MESSAGE as a datagram; print the reply to each, in order, once",
    run_as: "PROGRAM 127.0.0.1 PORT MESSAGE...",
    start: "udp-client/examples/minimal-udp-client.rs",
    copy: "udp-client/examples/my-datagrams.rs",
    solution: "scripts/exercises/solutions/datagrams.rs",
    hints: [
        "what the messages are (the arguments after PORT), and which datagram you take for the \
         reply to which message: UDP may reorder, repeat, and bring anyone's datagrams",
        "for each message in turn: send it, then recv until the datagram is \"respuesta a: \
         MESSAGE\", passing over any other; print it. connect() the socket first: the OS then \
         passes you only the server's datagrams.",
    ],
    checks,
};

/// What the tester's server does with each datagram it receives, in order of arrival.
#[derive(Clone, Copy)]
struct Answer {
    delay_ms: u64,  // when it answers, after the datagram arrived
    copies: usize,  // how many times
    impostor: bool, // whether, first, another socket sends the client a datagram of its own
}

const AT_ONCE: Answer = Answer { delay_ms: 0, copies: 1, impostor: false };
const IMPOSTOR: &[u8] = "esto no es una respuesta, ¡soy un impostor!".as_bytes();

fn checks(t: &mut Tester) -> Outcome {
    t.check("one message, one reply: \"respuesta a: hola\"", |t| {
        exchange(t, &["hola"], &[AT_ONCE])
    })?;
    let late = |delay_ms| Answer { delay_ms, ..AT_ONCE };
    t.check(
        "four messages, answered after delays that reorder a client sending all at once",
        |t| {
            exchange(
                t,
                &["uno", "dos", "tres", "¡cuatro!"],
                &[late(300), late(200), late(100), late(0)],
            )
        },
    )?;
    let twice = Answer { copies: 2, ..AT_ONCE };
    let with_impostor = Answer { delay_ms: 200, impostor: true, ..AT_ONCE };
    t.check("a reply sent twice, and a datagram from an impostor: each reply printed once", |t| {
        exchange(t, &["uno", "dos", "tres"], &[twice, with_impostor, late(100)])
    })
}

fn exchange(t: &mut Tester, messages: &[&str], answers: &[Answer]) -> Outcome {
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    let port = socket.local_addr()?.port().to_string();
    let mut args = vec!["127.0.0.1".to_string(), port];
    args.extend(messages.iter().map(|message| message.to_string()));
    let mut program = t.start(&args)?;
    // The server in a thread of its own, sending its replies when their time comes; it tells
    // here what came and went, and when, for the transcript.
    let (told, tale) = mpsc::channel();
    let answers = answers.to_vec();
    let base = t.ms();
    let server = thread::spawn(move || serve(&socket, &answers, &told));
    let bound = Duration::from_secs(2 + messages.len() as u64);
    let status = program.wait(bound);
    let exited_ms = t.ms();
    if status.is_none() {
        program.stop(); // so that the server hears no more, and ends
    }
    let _ = server.join();
    // What the server saw and did, and the program's end, in the order they happened.
    let mut transcript: Vec<(u128, String)> =
        tale.try_iter().map(|(ms, line)| (base + ms, line)).collect();
    if let Some(status) = status {
        let printed = quote(&program.stdout());
        transcript
            .push((exited_ms, format!("your program printed {printed} and {}", describe(status))));
    }
    transcript.sort_by_key(|(ms, _)| *ms);
    for (ms, line) in transcript {
        t.log_at(ms, line);
    }
    let Some(status) = status else {
        return Err(program.silent("your program did not exit", bound));
    };
    report(&mut program, messages, status)
}

/// Answer each datagram as `answers` say, one after the other as they arrive; stop after the
/// last, or after 1 s without one.
fn serve(socket: &UdpSocket, answers: &[Answer], told: &mpsc::Sender<(u128, String)>) {
    let started = Instant::now();
    let tell = |line: String| drop(told.send((started.elapsed().as_millis(), line)));
    let mut buffer = vec![0; 65_535];
    let _ = socket.set_read_timeout(Some(Duration::from_secs(3)));
    let mut replies: Vec<(Instant, SocketAddr, Vec<u8>)> = Vec::new(); // when, to whom, what
    let mut answered = 0;
    while answered < answers.len() || !replies.is_empty() {
        // Send what is due; then wait for the next datagram, no longer than the next reply.
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) =
            replies.into_iter().partition(|(when, ..)| *when <= now);
        replies = later;
        for (_, to, reply) in due {
            tell(format!("the server sent {} to {to}", quote(&reply)));
            let _ = socket.send_to(&reply, to); // a reply the client is no longer there for is lost
        }
        let next_due = replies.iter().map(|(when, ..)| *when).min();
        let wait =
            next_due.map_or(Duration::from_secs(1), |when| when.saturating_duration_since(now));
        let _ = socket.set_read_timeout(Some(wait.max(Duration::from_millis(1))));
        let Ok((size, from)) = socket.recv_from(&mut buffer) else {
            if next_due.is_none() {
                return; // a second of silence: the client is done
            }
            continue;
        };
        let datagram = buffer[..size].to_vec();
        tell(format!("the server got {} from {from}", quote(&datagram)));
        let Some(answer) = answers.get(answered) else { continue }; // more than expected: no answer
        answered += 1;
        if answer.impostor
            && let Ok(impostor) = UdpSocket::bind("127.0.0.1:0")
        {
            let port = impostor.local_addr().map(|address| address.port()).unwrap_or(0);
            tell(format!("an impostor, from port {port}, sent {} to {from}", quote(IMPOSTOR)));
            let _ = impostor.send_to(IMPOSTOR, from);
        }
        let reply = [b"respuesta a: ".as_slice(), &datagram].concat();
        let when = Instant::now() + Duration::from_millis(answer.delay_ms);
        for _ in 0..answer.copies {
            replies.push((when, from, reply.clone()));
        }
    }
}

/// What the program printed against what it should have: a line per message, in order.
fn report(program: &mut Running, messages: &[&str], status: std::process::ExitStatus) -> Outcome {
    let printed = program.stdout();
    let expected: String =
        messages.iter().map(|message| format!("respuesta a: {message}\n")).collect();
    if printed == expected.as_bytes() && status.success() {
        return Ok(());
    }
    if printed == expected.as_bytes() {
        return Err(program.ended_early("after printing every reply (expected exit status 0)"));
    }
    let mut failure =
        Failure::expected(format!("stdout {}", quote(expected.as_bytes())), quote(&printed));
    if !status.success() {
        failure.said +=
            &format!("\n     (and your program {})\n{}", describe(status), program.stderr_tail());
    }
    if String::from_utf8_lossy(&printed).contains("impostor") {
        failure = failure.pitfall("impostor");
    }
    Err(failure)
}
