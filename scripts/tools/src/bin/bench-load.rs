//! The load generator of scripts/bench.sh: part of the benchmark, not one of the teaching
//! programs. Std only; bench.sh runs the release build, which cargo makes with the programs.
//!
//!     bench-load tcp-greet ADDR COUNT [SILENT]   connect, read the greeting line, close; COUNT
//!                                                times, while SILENT more clients sit idle
//!     bench-load udp-rr ADDR COUNT [IN_FLIGHT]   COUNT request/reply round trips over UDP, with
//!                                                IN_FLIGHT (default 1) datagrams outstanding
//!     bench-load udp-echo ADDR 0                 a bare UDP echo server: recv_from, send_to,
//!                                                nothing else; the floor any server can reach
//!     bench-load lines ADDR COUNT                COUNT lines pipelined on one connection: one
//!                                                thread writes them while another reads and
//!                                                checks each upper-case reply
//!     bench-load lines-bare ADDR 0               a bare line server: a thread per client,
//!                                                read_until, upper case, write_all, nothing else
//!     bench-load fanout ADDR CLIENTS COUNT       CLIENTS readers and then one sender connect;
//!                                                COUNT times the sender sends a line, timed
//!                                                until every reader has it as `IP:PORT: line`
//!     bench-load fanout-bare ADDR CLIENTS        a bare fan-out server: takes CLIENTS readers,
//!                                                then a sender, and writes each line of the
//!                                                sender to every reader in turn, from one thread
//!
//! The clients print one line: `COUNT SECONDS RATE_PER_SECOND`, and fanout a fourth field, the
//! median time in microseconds for a line to reach every reader. The servers print `listening on
//! ADDR`. Any failure ends it with exit status 1.

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The fourth argument: SILENT clients for tcp-greet, IN_FLIGHT datagrams for udp-rr, COUNT
    // lines for fanout (whose third is CLIENTS).
    let parsed = match args.as_slice() {
        [mode, addr, count, rest @ ..] if rest.len() <= 1 => {
            let default = if mode == "udp-rr" { 1 } else { 0 };
            let extra = rest.first().map_or(Ok(default), |extra| extra.parse());
            match (addr.parse::<SocketAddr>(), count.parse::<u32>(), extra) {
                (Ok(addr), Ok(count), Ok(extra)) => Some((mode.as_str(), addr, count, extra)),
                _ => None,
            }
        }
        _ => None,
    };
    let Some((mode, addr, count, extra)) = parsed else {
        eprintln!(
            "usage: bench-load tcp-greet|udp-rr|udp-echo|lines|lines-bare|fanout|fanout-bare \
             ADDR COUNT|CLIENTS [SILENT|IN_FLIGHT|COUNT]"
        );
        return ExitCode::from(2);
    };
    let started = Instant::now();
    let result = match mode {
        "tcp-greet" => tcp_greet(addr, count, extra),
        "udp-rr" => udp_round_trips(addr, count, extra),
        "udp-echo" => return udp_echo(addr),
        "lines" => pipelined_lines(addr, count),
        "lines-bare" => return serve_forever(|| lines_bare(addr)),
        "fanout" => return fanout(addr, count, extra),
        "fanout-bare" => return serve_forever(|| fanout_bare(addr, count)),
        _ => Err(io::Error::other(format!("unknown mode {mode}"))),
    };
    match result {
        Ok(()) => {
            let seconds = started.elapsed().as_secs_f64();
            println!("{count} {seconds:.6} {:.1}", f64::from(count) / seconds);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bench-load: {error}");
            ExitCode::FAILURE
        }
    }
}

fn tcp_greet(addr: SocketAddr, count: u32, silent: u32) -> io::Result<()> {
    // Clients that connect and then say nothing, held open for the whole run.
    let idle: Vec<TcpStream> =
        (0..silent).map(|_| TcpStream::connect(addr)).collect::<Result<_, _>>()?;
    for _ in 0..count {
        let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        let mut greeting = [0; 256];
        let mut received = 0;
        while !greeting[..received].contains(&b'\n') {
            match stream.read(&mut greeting[received..])? {
                0 => return Err(io::Error::other("closed before a whole greeting line")),
                count => received += count,
            }
        }
    }
    drop(idle);
    Ok(())
}

fn udp_echo(addr: SocketAddr) -> ExitCode {
    let serve = || -> io::Result<()> {
        let socket = UdpSocket::bind(addr)?;
        println!("listening on {}", socket.local_addr()?);
        let mut datagram = [0; 65_535];
        loop {
            let (size, sender) = socket.recv_from(&mut datagram)?;
            socket.send_to(&datagram[..size], sender)?;
        }
    };
    if let Err(error) = serve() {
        eprintln!("bench-load: {error}");
    }
    ExitCode::FAILURE
}

/// With one datagram in flight, each round trip waits for the one before: the time is mostly
/// wake-up latency. With more, the server always has the next one waiting: that measures it.
fn udp_round_trips(addr: SocketAddr, count: u32, in_flight: u32) -> io::Result<()> {
    let socket = UdpSocket::bind(if addr.is_ipv6() { "[::1]:0" } else { "127.0.0.1:0" })?;
    socket.connect(addr)?;
    socket.set_read_timeout(Some(TIMEOUT))?;
    let mut reply = [0; 2048];
    let mut sent = in_flight.clamp(1, count.max(1));
    for _ in 0..sent {
        socket.send(b"ping")?;
    }
    for _ in 0..count {
        socket.recv(&mut reply)?;
        if sent < count {
            socket.send(b"ping")?;
            sent += 1;
        }
    }
    Ok(())
}

/// A server mode: runs until it fails, and says why.
fn serve_forever(serve: impl FnOnce() -> io::Result<()>) -> ExitCode {
    if let Err(error) = serve() {
        eprintln!("bench-load: {error}");
    }
    ExitCode::FAILURE
}

/// COUNT lines written as fast as one thread can, while this one reads every reply and checks it.
fn pipelined_lines(addr: SocketAddr, count: u32) -> io::Result<()> {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    let writer = stream.try_clone()?;
    let sender = thread::spawn(move || -> io::Result<()> {
        let mut lines = BufWriter::with_capacity(64 * 1024, &writer);
        for n in 0..count {
            writeln!(lines, "pipelined line {n}")?;
        }
        lines.flush()
    });
    let mut replies = BufReader::with_capacity(64 * 1024, &stream);
    let mut reply = Vec::new();
    for n in 0..count {
        reply.clear();
        replies.read_until(b'\n', &mut reply)?;
        if reply != format!("PIPELINED LINE {n}\n").as_bytes() {
            let got = String::from_utf8_lossy(&reply);
            return Err(io::Error::other(format!("reply {n} is {got:?}")));
        }
    }
    sender.join().map_err(|_| io::Error::other("the sending thread panicked"))?
}

/// The floor for a line server: a thread per client, read_until, upper case, write_all.
fn lines_bare(addr: SocketAddr) -> io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept()?;
        thread::spawn(move || -> io::Result<()> {
            let mut reader = BufReader::new(&stream);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line)? > 0 {
                line.make_ascii_uppercase();
                (&stream).write_all(&line)?;
                line.clear();
            }
            Ok(())
        });
    }
}

/// CLIENTS readers connect, then one sender; COUNT times, the sender sends a line and we time it
/// until every reader has read it. Prints the rate of lines, and the median time for one.
fn fanout(addr: SocketAddr, clients: u32, count: u32) -> ExitCode {
    match fan_out_times(addr, clients, count) {
        Ok(mut times) => {
            let seconds: f64 = times.iter().map(Duration::as_secs_f64).sum();
            times.sort();
            let median = times.get(times.len() / 2).copied().unwrap_or_default();
            let rate = f64::from(count) / seconds;
            println!("{count} {seconds:.6} {rate:.1} {:.1}", median.as_secs_f64() * 1e6);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bench-load: {error}");
            ExitCode::FAILURE
        }
    }
}

fn fan_out_times(addr: SocketAddr, clients: u32, count: u32) -> io::Result<Vec<Duration>> {
    let readers: Vec<TcpStream> = (0..clients)
        .map(|_| TcpStream::connect_timeout(&addr, TIMEOUT))
        .collect::<Result<_, _>>()?;
    let mut sender = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    sender.set_nodelay(true)?; // one small line at a time, each sent at once
    let prefix = format!("{}: ", sender.local_addr()?);
    thread::sleep(Duration::from_millis(200)); // a chat server counts each of them in meanwhile
    // Each reader, in a thread of its own, checks each line and says it has it (or what failed).
    let (heard, hearing) = mpsc::channel();
    for reader in readers {
        reader.set_read_timeout(Some(TIMEOUT))?;
        let (heard, prefix) = (heard.clone(), prefix.clone());
        thread::spawn(move || {
            let mut lines = BufReader::new(reader);
            let mut line = String::new();
            for n in 0..count {
                line.clear();
                let read = lines.read_line(&mut line);
                let expected = format!("{prefix}fan-out line {n}\n");
                let checked = match read {
                    Ok(_) if line == expected => Ok(()),
                    Ok(_) => Err(format!("a reader got {line:?} for {expected:?}")),
                    Err(error) => Err(format!("a reader: {error}")),
                };
                let failed = checked.is_err();
                if heard.send(checked).is_err() || failed {
                    return;
                }
            }
        });
    }
    let mut times = Vec::with_capacity(count as usize);
    for n in 0..count {
        let started = Instant::now();
        sender.write_all(format!("fan-out line {n}\n").as_bytes())?;
        for _ in 0..clients {
            let checked = hearing
                .recv_timeout(TIMEOUT)
                .map_err(|_| io::Error::other("a reader is silent"))?;
            checked.map_err(io::Error::other)?;
        }
        times.push(started.elapsed());
    }
    Ok(times)
}

/// The floor for a fan-out: CLIENTS readers, then a sender, whose every line is written to each
/// reader in turn from this one thread, as `IP:PORT: line`. Then the next CLIENTS and sender.
fn fanout_bare(addr: SocketAddr, clients: u32) -> io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let readers: Vec<TcpStream> = (0..clients)
            .map(|_| listener.accept().map(|(reader, _)| reader))
            .collect::<Result<_, _>>()?;
        let (sender, peer) = listener.accept()?;
        if let Err(error) = fan_out(&readers, sender, peer) {
            eprintln!("bench-load: fan-out from {peer}: {error}");
        }
    }
}

fn fan_out(readers: &[TcpStream], sender: TcpStream, peer: SocketAddr) -> io::Result<()> {
    let mut lines = BufReader::new(sender);
    let mut line = format!("{peer}: ").into_bytes();
    let prefix = line.len();
    while lines.read_until(b'\n', &mut line)? > 0 {
        for mut reader in readers {
            reader.write_all(&line)?;
        }
        line.truncate(prefix);
    }
    Ok(())
}
