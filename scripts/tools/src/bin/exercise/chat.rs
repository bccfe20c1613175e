//! `chat`: a server that passes each line a client sends to every other client, as `IP:PORT:
//! line`. The tester is clients that speak in pieces, one that never reads while 20 MB flow past
//! it, and one that leaves.

use crate::Exercise;
use crate::tester::server_starts;
use crate::tester::{Ending, Failure, Outcome, Running, Tester, quote, read_line, read_to_end};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

pub const EXERCISE: Exercise = Exercise {
    name: "chat",
    task: "pass each line a client sends to every other client, as IP:PORT: line",
    run_as: "PROGRAM 127.0.0.1 PORT",
    start: "tcp-server/examples/minimal-tcp-server.rs",
    copy: "tcp-server/examples/my-chat.rs",
    solution: "tcp-server/examples/chat-server.rs",
    hints: [
        "who is connected (shared between the clients' threads), how a line reaches each of them, \
         and what happens to the others when one of them stops reading",
        "keep the clients in an Arc<Mutex<HashMap<SocketAddr, ...>>>; a thread per client reads \
         its lines (BufRead) and hands \"{peer}: {line}\" to every other client's queue (an mpsc \
         channel, with a count of its bytes); a writer thread per client sends its queue. A queue \
         past 1 MiB: drop that client (shutdown) and forget it, so it holds up no one.",
    ],
    checks,
};

const WAIT: Duration = Duration::from_secs(1);

/// One of the tester's clients: its connection, its address as the server sees it, and what
/// it has read past the last line it was asked for.
struct Client {
    stream: TcpStream,
    address: SocketAddr,
    rest: Vec<u8>,
}

impl Client {
    fn connect(server: SocketAddr) -> Result<Client, Failure> {
        let stream = TcpStream::connect_timeout(&server, WAIT)
            .map_err(|error| Failure::said(format!("cannot connect to your server: {error}")))?;
        Ok(Client { address: stream.local_addr()?, stream, rest: Vec::new() })
    }

    fn name(&self) -> String {
        format!("the client at {}", self.address)
    }
}

fn checks(t: &mut Tester) -> Outcome {
    let (mut server, address, _port) = server_starts(t)?;
    t.check(
        "three clients' lines, some in pieces: each once and whole at every other client",
        |t| {
            let mut clients =
                [Client::connect(address)?, Client::connect(address)?, Client::connect(address)?];
            thread::sleep(Duration::from_millis(200)); // the server's time to count them in
            let lines = ["hola a todos\n", "¿qué tal? ¿llega entero?\n", "¡sí, señor!\n"];
            for (n, line) in lines.iter().enumerate() {
                let who = clients[n].name();
                t.send_in_pieces(&mut clients[n].stream, line.as_bytes(), &who, 3)?;
                let expected = format!("{}: {line}", clients[n].address);
                for other in (0..3).filter(|&other| other != n) {
                    heard(t, &mut clients[other], &expected, &mut server)?;
                }
            }
            for client in &mut clients {
                let (more, _) =
                    read_line(&client.stream, &mut client.rest, Duration::from_millis(300));
                if !more.is_empty() {
                    let why = "(a sender does not get its own line back, and each line comes once)";
                    return Err(Failure::expected(
                        format!("nothing more for {}", client.name()),
                        format!("{} {why}", quote(&more)),
                    ));
                }
            }
            Ok(())
        },
    )?;
    t.check(
        "a client that never reads, while 20 MB of lines pass: a line still arrives within 1 s",
        |t| flood(t, address, &mut server),
    )?;
    t.check("a client that leaves: the others go on, and a newcomer hears them", |t| {
        let leaving = Client::connect(address)?;
        let mut speaker = Client::connect(address)?;
        let mut listener = Client::connect(address)?;
        thread::sleep(Duration::from_millis(200));
        t.log(format!("{} closed its connection", leaving.name()));
        drop(leaving);
        thread::sleep(Duration::from_millis(100));
        let line = "¿sigues ahí?\n";
        let who = speaker.name();
        t.send_in_pieces(&mut speaker.stream, line.as_bytes(), &who, 1)?;
        heard(t, &mut listener, &format!("{}: {line}", speaker.address), &mut server)?;
        let mut newcomer = Client::connect(address)?;
        thread::sleep(Duration::from_millis(200));
        let line = "bienvenido\n";
        t.send_in_pieces(&mut speaker.stream, line.as_bytes(), &who, 1)?;
        heard(t, &mut newcomer, &format!("{}: {line}", speaker.address), &mut server)
    })
}

/// `client` must hear `expected` next, within 1 s.
fn heard(t: &mut Tester, client: &mut Client, expected: &str, server: &mut Running) -> Outcome {
    let (line, _) = read_line(&client.stream, &mut client.rest, WAIT);
    if line.is_empty() {
        if server.exited().is_some() {
            return Err(server.ended_early("while its clients talked"));
        }
        return Err(Failure::said(format!(
            "no answer within 1 s: {} heard nothing",
            client.name()
        )));
    }
    t.log(format!("{} got {}", client.name(), quote(&line)));
    if line == expected.as_bytes() {
        return Ok(());
    }
    let failure = Failure::expected(quote(expected.as_bytes()), quote(&line));
    let piece = line.len() < expected.len()
        && expected.as_bytes().starts_with(&line[..line.len().saturating_sub(1)]);
    Err(if piece { failure.pitfall("framing") } else { failure })
}

/// One client stops reading; another floods 20 MB of lines; a third sends a probe every 100 ms,
/// which a fourth must hear within 1 s, while it reads the flood.
fn flood(t: &mut Tester, address: SocketAddr, server: &mut Running) -> Outcome {
    const TOTAL: usize = 20 << 20;
    let stopped = Client::connect(address)?;
    let flooder = Client::connect(address)?;
    let prober = Client::connect(address)?;
    let reader = Client::connect(address)?;
    thread::sleep(Duration::from_millis(200));
    t.log(format!("{} never reads from now on", stopped.name()));
    let line = format!("{}\n", "inundación ".repeat(90)); // about 1 KB a line
    let lines_sent = TOTAL / line.len() + 1;
    t.log(format!(
        "{} sends {lines_sent} lines of {} bytes, as fast as it can",
        flooder.name(),
        line.len()
    ));
    let done = AtomicBool::new(false);
    let probes: Mutex<Vec<(usize, Instant)>> = Mutex::new(Vec::new()); // probe, when sent
    let heard: Mutex<Vec<(usize, Instant)>> = Mutex::new(Vec::new()); // probe, when heard
    let prefix = format!("{}: sonda ", prober.address);
    thread::scope(|scope| {
        scope.spawn(|| {
            let mut stream = &flooder.stream;
            let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
            for _ in 0..lines_sent {
                if stream.write_all(line.as_bytes()).is_err() {
                    break;
                }
            }
            done.store(true, Ordering::Relaxed);
        });
        let (heard, prefix) = (&heard, &prefix);
        let (prober_stream, reader_stream) = (&prober.stream, &reader.stream);
        scope.spawn(move || drain(prober_stream, None, heard)); // it reads the flood, too
        scope.spawn(move || drain(reader_stream, Some(prefix), heard));
        let mut n = 0; // a probe every 100 ms while the flood lasts, and five at least
        while (n < 5 || !done.load(Ordering::Relaxed)) && n < 100 {
            thread::sleep(Duration::from_millis(100));
            n += 1;
            let probe = format!("sonda {n}\n");
            probes.lock().map(|mut probes| probes.push((n, Instant::now()))).ok();
            let _ = (&prober.stream).write_all(probe.as_bytes());
        }
        // Whatever the flooder has still to send, it need not: a server held up would keep it
        // waiting for seconds on each write.
        let _ = flooder.stream.shutdown(std::net::Shutdown::Both);
        thread::sleep(Duration::from_millis(1500)); // the last probe's time to arrive
        let _ = reader.stream.shutdown(std::net::Shutdown::Both); // ends the readers' threads
        let _ = prober.stream.shutdown(std::net::Shutdown::Both);
    });
    let probes = probes.into_inner().unwrap_or_default();
    let heard = heard.into_inner().unwrap_or_default();
    t.log(format!("the flood is sent; {} probes were sent, {} heard", probes.len(), heard.len()));
    if server.exited().is_some() {
        return Err(server.ended_early("during the flood"));
    }
    let mut slowest = Duration::ZERO;
    for (probe, sent) in &probes {
        let Some((_, when)) = heard.iter().find(|(heard, _)| heard == probe) else {
            return Err(Failure::said(format!(
                "no answer within 1 s: probe {probe} never reached {}: is the client that stopped reading holding the others up?",
                reader.name()
            )));
        };
        slowest = slowest.max(when.saturating_duration_since(*sent));
    }
    t.log(format!("the slowest probe took {} ms", slowest.as_millis()));
    if slowest > WAIT {
        return Err(Failure::expected(
            "each probe within 1 s",
            format!("one took {} ms", slowest.as_millis()),
        ));
    }
    // The client that stopped reading: once it reads again, what was sent to it ends, in a
    // close (the server dropped it), not in silence.
    let (_, ending) = read_to_end(&stopped.stream, Duration::from_secs(3));
    if ending == Ending::TimedOut {
        return Err(Failure::expected(
            "the client that stopped reading to be dropped (its queue passed 1 MiB)",
            "it was kept",
        ));
    }
    t.log(format!("{} was dropped, as it should be", stopped.name()));
    Ok(())
}

/// Read everything that comes to a client until it is shut down; with `probes` (the prefix of
/// a probe's line), note when each probe comes.
fn drain(stream: &TcpStream, probes: Option<&str>, heard: &Mutex<Vec<(usize, Instant)>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let mut buffer = vec![0; 65536];
    let mut line = Vec::new();
    while let Ok(count @ 1..) = (&*stream).read(&mut buffer) {
        for &byte in &buffer[..count] {
            if byte != b'\n' {
                if line.len() < 200 {
                    line.push(byte);
                }
                continue;
            }
            let text = String::from_utf8_lossy(&line);
            let probe = probes.and_then(|prefix| text.strip_prefix(prefix)?.parse().ok());
            if let (Some(probe), Ok(mut heard)) = (probe, heard.lock()) {
                heard.push((probe, Instant::now()));
            }
            line.clear();
        }
    }
}
