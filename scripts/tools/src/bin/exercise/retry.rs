//! `retry`: a UDP client that sends again when no reply comes within 1 s, three sends in all.
//! The tester's server loses datagrams on purpose: the first two, then all, then it answers
//! the first late, after the resend, and the resend too.

use crate::Exercise;
use crate::tester::{Failure, Outcome, Tester, describe, quote};
use std::net::UdpSocket;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

pub const EXERCISE: Exercise = Exercise {
    name: "retry",
    task: "when no reply comes within 1 s, send again: three sends at most, one reply printed",
    run_as: "PROGRAM 127.0.0.1 PORT MESSAGE",
    start: "udp-client/examples/minimal-udp-client.rs",
    copy: "udp-client/examples/my-retry.rs",
    solution: "scripts/exercises/solutions/retry.rs",
    hints: [
        "the send and the recv: what happens when the reply never comes (set_read_timeout), and \
         what to do then; and what to do once a reply has come",
        "a read timeout of 1 s, then a loop of three sends: send, recv; on a reply, print it and \
         return; on WouldBlock or TimedOut (the timeout), go round again. After the third, say so \
         on stderr and exit 1.",
    ],
    checks,
};

const MESSAGE: &str = "¿hay alguien ahí?";

/// When the server answers each datagram, in order of arrival: None, it is lost.
type Plan = &'static [Option<u64>];

fn checks(t: &mut Tester) -> Outcome {
    t.check("the first two datagrams are lost, the third is answered: its reply printed", |t| {
        let arrivals = exchange(t, &[None, None, Some(0)], 0)?;
        sent_three_a_second_apart(&arrivals)
    })?;
    t.check("every datagram is lost: three sends, about 2 s first to last, then exit 1", |t| {
        let arrivals = exchange(t, &[None, None, None, None, None], 1)?;
        sent_three_a_second_apart(&arrivals)
    })?;
    t.check(
        "the first reply comes 1.5 s late, after your resend, which is answered too: one printed",
        |t| exchange(t, &[Some(1500), Some(0), Some(0), Some(0)], 0).map(drop),
    )
}

/// Run the program against a server that follows `plan`; it must exit with `exit_code`,
/// having printed one reply (for 0) or nothing (for 1). The datagrams' arrival times, in ms.
fn exchange(t: &mut Tester, plan: Plan, exit_code: i32) -> Result<Vec<u128>, Failure> {
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    let port = socket.local_addr()?.port().to_string();
    let mut program = t.start(&["127.0.0.1".into(), port, MESSAGE.into()])?;
    let (told, tale) = mpsc::channel();
    let base = t.ms();
    let server = thread::spawn(move || serve(&socket, plan, &told));
    let bound = Duration::from_secs(5);
    let status = program.wait(bound);
    let exited_ms = t.ms();
    if status.is_none() {
        program.stop(); // so that the server hears no more datagrams, and ends
    }
    let arrivals = server.join().unwrap_or_default();
    for (at_ms, line) in tale.try_iter() {
        t.log_at(base + at_ms, line);
    }
    let Some(status) = status else {
        if arrivals.len() > 3 {
            let why = format!(
                "your program sent {} datagrams, and was still sending: three at most",
                arrivals.len()
            );
            return Err(program.silent(&why, bound));
        }
        let why = "your program never gave up: without a read timeout, recv waits forever";
        return Err(program.silent(why, bound).pitfall("no-timeout"));
    };
    let printed = program.stdout();
    t.log_at(
        exited_ms,
        format!("your program printed {} and {}", quote(&printed), describe(status)),
    );
    let expected = if exit_code == 0 { format!("respuesta a: {MESSAGE}\n") } else { String::new() };
    if printed != expected.as_bytes() {
        return Err(Failure::expected(
            format!("stdout {}", quote(expected.as_bytes())),
            quote(&printed),
        ));
    }
    if status.code() != Some(exit_code) {
        return Err(Failure::expected(format!("exit status {exit_code}"), describe(status)));
    }
    Ok(arrivals.iter().map(|arrival| base + arrival).collect())
}

/// Three datagrams, each about 1 s after the one before.
fn sent_three_a_second_apart(arrivals: &[u128]) -> Outcome {
    if arrivals.len() != 3 {
        return Err(Failure::expected("3 datagrams", format!("{}", arrivals.len())));
    }
    for pair in arrivals.windows(2) {
        let gap = pair[1] - pair[0];
        if !(800..=1500).contains(&gap) {
            return Err(Failure::expected(
                "each send about 1 s after the one before",
                format!("one {gap} ms after"),
            ));
        }
    }
    Ok(())
}

/// Receive datagrams for as long as the client sends (until 1.5 s of silence), answering as
/// `plan` says; return when each came, in ms since the start.
fn serve(socket: &UdpSocket, plan: Plan, told: &mpsc::Sender<(u128, String)>) -> Vec<u128> {
    let started = Instant::now();
    let tell = |line: String| drop(told.send((started.elapsed().as_millis(), line)));
    let mut buffer = vec![0; 65_535];
    let mut arrivals = Vec::new();
    let mut replies: Vec<(Instant, std::net::SocketAddr, Vec<u8>)> = Vec::new();
    let mut silence = Instant::now();
    while silence.elapsed() < Duration::from_millis(1500) || !replies.is_empty() {
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) =
            replies.into_iter().partition(|(when, ..)| *when <= now);
        replies = later;
        for (_, to, reply) in due {
            tell(format!("the server sent {} to {to}", quote(&reply)));
            let _ = socket.send_to(&reply, to);
        }
        let _ = socket.set_read_timeout(Some(Duration::from_millis(10)));
        let Ok((size, from)) = socket.recv_from(&mut buffer) else { continue };
        silence = Instant::now();
        arrivals.push(started.elapsed().as_millis());
        let answer = plan.get(arrivals.len() - 1).copied().flatten();
        match answer {
            None => tell(format!("the server got {}, and lost it", quote(&buffer[..size]))),
            Some(delay) => {
                tell(format!("the server got {}, to answer in {delay} ms", quote(&buffer[..size])));
                let reply = [b"respuesta a: ".as_slice(), &buffer[..size]].concat();
                replies.push((Instant::now() + Duration::from_millis(delay), from, reply));
            }
        }
    }
    arrivals
}
