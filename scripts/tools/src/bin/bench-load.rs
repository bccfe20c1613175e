//! The load generator of scripts/bench.sh: part of the benchmark, not one of the teaching
//! programs. Std only; bench.sh runs the release build, which cargo makes with the programs.
//!
//!     bench-load tcp-greet ADDR COUNT [SILENT]   connect, read the greeting line, close; COUNT
//!                                                times, while SILENT more clients sit idle
//!     bench-load udp-rr ADDR COUNT [IN_FLIGHT]   COUNT request/reply round trips over UDP, with
//!                                                IN_FLIGHT (default 1) datagrams outstanding
//!     bench-load udp-echo ADDR 0                 a bare UDP echo server: recv_from, send_to,
//!                                                nothing else; the floor any server can reach
//!
//! The clients print one line: `COUNT SECONDS RATE_PER_SECOND`; the echo server prints
//! `listening on ADDR`. Any failure ends it with exit status 1.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The fourth argument: SILENT clients for tcp-greet, IN_FLIGHT datagrams for udp-rr.
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
        eprintln!("usage: bench-load tcp-greet|udp-rr|udp-echo ADDR COUNT [SILENT|IN_FLIGHT]");
        return ExitCode::from(2);
    };
    let started = Instant::now();
    let result = match mode {
        "tcp-greet" => tcp_greet(addr, count, extra),
        "udp-rr" => udp_round_trips(addr, count, extra),
        "udp-echo" => return udp_echo(addr),
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
