//! chat-server: a server that passes messages between its clients. Each line a client sends goes
//! to every other client connected at that moment, as `IP:PORT: line`, IP:PORT being the sender's
//! address. Each client has a queue of lines to send and a thread that writes them, so a client
//! that stops reading holds up no one for long: when 1 MiB waits for it and it makes no room in
//! 250 ms, it is dropped. Try it in three terminals:
//!     cargo run -p tcp-server --example chat-server  # prints "listening on 127.0.0.1:9000"
//!     nc 127.0.0.1 9000                              # prints "127.0.0.1:51234: hola", from the next
//!     printf 'hola\n' | nc -N 127.0.0.1 9000         # prints "", its line goes to the others
//! `cat | cargo run -p tcp-client` is a chat client too (from a terminal, tcp-client only listens).
use std::collections::HashMap;
use std::io::ErrorKind::{InvalidData, TimedOut, WouldBlock};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: &str = "9000";
const LINE_LIMIT: usize = 64 * 1024; // bytes in a line, not counting its `\n`
const QUEUE_LIMIT: usize = 1024 * 1024; // bytes that may wait to be sent to a client
const ROOM_WAIT: Duration = Duration::from_millis(250); // for room there, before we drop it
const TIMEOUT: Duration = Duration::from_secs(60); // a client that makes no progress is dropped

/// A client, as the other clients' threads see it: where to queue lines for it.
struct Client {
    queue: Sender<Line>, // its writer thread takes each line from here and sends it
    queued: Arc<AtomicUsize>, // bytes in that queue, not yet written to the client
    stream: TcpStream,   // to close its connection when we drop it
}
type Clients = Arc<Mutex<HashMap<SocketAddr, Arc<Client>>>>;
type Line = Arc<[u8]>; // a line as it goes out, `IP:PORT: line\n`, shared by all who get it

fn main() -> ExitCode {
    let (host, port) = match parse_args() {
        Ok(address) => address,
        Err(exit_code) => return exit_code,
    };
    let Err(error) = serve(&host, port) else { return ExitCode::SUCCESS };
    let _ = writeln!(io::stderr(), "chat-server: cannot listen on {host} port {port}: {error}");
    ExitCode::FAILURE
}

fn serve(host: &str, port: u16) -> io::Result<()> {
    let listener = TcpListener::bind((host, port))?; // Python: sock.bind(...), sock.listen()
    let _ = writeln!(io::stdout(), "listening on {}", listener.local_addr()?);
    let clients = Clients::default();
    loop {
        match listener.accept() {
            Ok((stream, peer)) => {
                if let Err(error) = join(stream, peer, &clients) {
                    lock(&clients).remove(&peer);
                    let _ = writeln!(io::stderr(), "chat-server: {peer}: cannot join: {error}");
                }
            }
            Err(error) => {
                // E.g. out of file descriptors: say so, pause so we do not spin, go on.
                let _ = writeln!(io::stderr(), "chat-server: accept failed: {error}");
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// Count a client in (from now on it hears every line), with a thread to write what is queued
/// for it and a thread to read what it says.
fn join(stream: TcpStream, peer: SocketAddr, clients: &Clients) -> io::Result<()> {
    stream.set_read_timeout(Some(TIMEOUT))?; // a client that sends nothing
    stream.set_write_timeout(Some(TIMEOUT))?; // a client that reads nothing
    stream.set_nodelay(true)?; // we write a batch of lines at a time: send each batch at once
    let (queue, lines) = mpsc::channel();
    let queued = Arc::new(AtomicUsize::new(0));
    let client = Client { queue, queued: Arc::clone(&queued), stream: stream.try_clone()? };
    let writer = stream.try_clone()?;
    thread::Builder::new().spawn(move || send_queued(writer, peer, lines, queued))?;
    lock(clients).insert(peer, Arc::new(client));
    let _ = writeln!(io::stdout(), "{peer} joined");
    let clients = Arc::clone(clients);
    thread::Builder::new().spawn(move || receive(stream, peer, clients))?;
    Ok(())
}

/// A client's reading thread: pass on each of its lines, then forget the client.
fn receive(stream: TcpStream, peer: SocketAddr, clients: Clients) {
    let ended = pass_on_lines(&stream, peer, &clients);
    lock(&clients).remove(&peer); // its writer thread sends what was queued, then ends
    if let Err(error) = ended {
        let why = match error.kind() {
            WouldBlock | TimedOut => format!("silent for {} s", TIMEOUT.as_secs()), // Unix, Windows
            _ => error.to_string(),
        };
        let _ = writeln!(io::stderr(), "chat-server: {peer}: {why}, closing it");
        let _ = stream.shutdown(Shutdown::Both); // now, whatever was queued for it
    }
    let _ = writeln!(io::stdout(), "{peer} left");
}

fn pass_on_lines(stream: &TcpStream, peer: SocketAddr, clients: &Clients) -> io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        // Each line goes out as `IP:PORT: line\n`, so we read it in after that prefix.
        line.clear();
        write!(line, "{peer}: ")?;
        let count = reader.by_ref().take(LINE_LIMIT as u64 + 1).read_until(b'\n', &mut line)?;
        if count == 0 {
            return Ok(()); // the client closed
        }
        if count > LINE_LIMIT && !line.ends_with(b"\n") {
            return Err(io::Error::new(InvalidData, format!("a line over {LINE_LIMIT} bytes")));
        }
        if !line.ends_with(b"\n") {
            line.push(b'\n'); // its last line, cut short by its close
        }
        broadcast(clients, peer, Arc::from(line.as_slice()));
    }
}

/// Queue `line` for every client but its sender. A client whose queue is full may be reading,
/// only slower than this sender writes: we wait a moment for it, and no longer.
fn broadcast(clients: &Clients, sender: SocketAddr, line: Line) {
    let mut full = Vec::new();
    for (&peer, client) in lock(clients).iter() {
        if peer == sender {
            continue;
        }
        if has_room(client, &line) {
            queue(client, &line);
        } else {
            full.push((peer, Arc::clone(client)));
        }
    }
    // The others have their line already: only this sender waits, and no lock is held.
    for (peer, client) in full {
        let deadline = Instant::now() + ROOM_WAIT;
        while !has_room(&client, &line) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(1));
        }
        if has_room(&client, &line) {
            queue(&client, &line);
        } else if lock(clients).remove(&peer).is_some() {
            // No room made in all that time: it has stopped reading. Drop it, so it holds up
            // no one again.
            let waits = format!("{QUEUE_LIMIT} bytes wait for it");
            let _ = writeln!(io::stderr(), "chat-server: {peer}: {waits}, dropping it");
            let _ = client.stream.shutdown(Shutdown::Both);
        }
    }
}

fn has_room(client: &Client, line: &[u8]) -> bool {
    client.queued.load(Relaxed) + line.len() <= QUEUE_LIMIT
}

fn queue(client: &Client, line: &Line) {
    client.queued.fetch_add(line.len(), Relaxed);
    let _ = client.queue.send(Arc::clone(line)); // fails only once its writer has ended
}

/// A client's writing thread: send it the lines queued for it, until it is forgotten.
fn send_queued(
    stream: TcpStream,
    peer: SocketAddr,
    lines: Receiver<Line>,
    queued: Arc<AtomicUsize>,
) {
    let Err(error) = write_lines(&stream, &lines, &queued) else { return };
    if matches!(error.kind(), WouldBlock | TimedOut) {
        let seconds = TIMEOUT.as_secs();
        let _ =
            writeln!(io::stderr(), "chat-server: {peer}: not reading for {seconds} s, closing it");
    }
    let _ = stream.shutdown(Shutdown::Both); // which ends its reading thread too
}

fn write_lines(stream: &TcpStream, lines: &Receiver<Line>, queued: &AtomicUsize) -> io::Result<()> {
    let mut writer = BufWriter::new(stream);
    // recv fails once the client is forgotten and its queue is empty.
    while let Ok(line) = lines.recv() {
        writer.write_all(&line)?;
        // Nothing more waits for it: send now. Lines queued together go in one write.
        if queued.fetch_sub(line.len(), Relaxed) == line.len() {
            writer.flush()?;
        }
    }
    writer.flush()
}

/// The clients, locked. Each change to them is one insert or remove, so a thread that panicked
/// holding the lock left them whole: we go on with them.
fn lock(clients: &Clients) -> MutexGuard<'_, HashMap<SocketAddr, Arc<Client>>> {
    clients.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---- Command line: plumbing, kept out of the socket story above ----

const USAGE: &str = "usage: chat-server [HOST] [PORT]  (default 127.0.0.1 9000; PORT 0: any free)";

/// HOST and PORT, or the exit code: 0 after --help, 2 after a usage error (said on stderr).
fn parse_args() -> Result<(String, u16), ExitCode> {
    let args: Vec<String> =
        std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned()).collect();
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        let _ = writeln!(io::stdout(), "{USAGE}");
        return Err(ExitCode::SUCCESS);
    }
    let (host, port) = match args.as_slice() {
        [] => (DEFAULT_HOST, DEFAULT_PORT),
        [host] => (host.as_str(), DEFAULT_PORT),
        [host, port] => (host.as_str(), port.as_str()),
        _ => return Err(usage("too many arguments")),
    };
    if host.starts_with('-') {
        return Err(usage(&format!("unknown option {host}")));
    }
    match port.parse() {
        Ok(port) => Ok((host.to_string(), port)),
        Err(_) => Err(usage(&format!("bad port {port:?}: give 0 to 65535"))),
    }
}

fn usage(problem: &str) -> ExitCode {
    let _ = writeln!(io::stderr(), "chat-server: {problem}\n{USAGE}");
    ExitCode::from(2)
}
