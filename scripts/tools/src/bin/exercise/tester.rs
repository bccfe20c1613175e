//! What every exercise's checks use: the learner's program, started and bounded; the report, in
//! quoted bytes with timings; the adversary's random pieces and pauses, replayable by its seed.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use tools::ports::Port;

/// The shortest pause between two pieces of one message: long enough for each piece to arrive
/// in a read of its own (loopback delivers in microseconds; a scheduler may take a few ms).
pub const PAUSE: Duration = Duration::from_millis(50);

// ---- Failures: what was expected, what came instead ----

/// Why a check failed, in words for the learner, and the pitfall that shows the same mistake.
#[derive(Debug)]
pub struct Failure {
    pub said: String,
    pub pitfall: Option<&'static str>,
}

impl Failure {
    /// "expected X, got Y", each on a line of its own.
    pub fn expected(expected: impl Into<String>, got: impl Into<String>) -> Failure {
        let said = format!("expected {}\n     got {}", expected.into(), got.into());
        Failure { said, pitfall: None }
    }

    pub fn said(said: impl Into<String>) -> Failure {
        Failure { said: said.into(), pitfall: None }
    }

    /// A failure for want of an answer, with `why` it may have come to that; others as they are.
    pub fn if_unanswered(mut self, why: &str) -> Failure {
        if self.said.starts_with("no answer") {
            self.said = format!("{} ({why})", self.said);
        }
        self
    }

    /// The `scripts/pitfalls.sh` lesson that shows this mistake happening.
    pub fn pitfall(mut self, name: &'static str) -> Failure {
        self.pitfall = Some(name);
        self
    }
}

/// A socket of the tester's that failed: most often the learner's program reset or refused it.
impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Failure {
        use io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionRefused, ConnectionReset};
        match error.kind() {
            ConnectionReset | BrokenPipe | ConnectionAborted => Failure::said(format!(
                "your program reset the connection: it closed without reading all the tester \
                 sent ({error})"
            ))
            .pitfall("reset"),
            ConnectionRefused => {
                Failure::said(format!("nothing accepted the connection ({error})"))
            }
            _ => Failure::said(format!("the tester's socket failed: {error}")),
        }
    }
}

pub type Outcome = Result<(), Failure>;

// ---- The report: one line on what a check checks, then what happened, then ✓ or why not ----

/// The tester's state through one exercise: the program to check, the seeded adversary, the
/// clock of the current check, and how many checks have passed.
pub struct Tester {
    pub program: Program,
    pub rng: Rng,
    pub passed: usize,
    clock: Instant,
}

impl Tester {
    pub fn new(program: Program, seed: u64) -> Tester {
        Tester { program, rng: Rng::new(seed), passed: 0, clock: Instant::now() }
    }

    /// Run one check: say what it checks, run it, then ✓, or why not (and stop the exercise).
    pub fn check(&mut self, what: &str, body: impl FnOnce(&mut Tester) -> Outcome) -> Outcome {
        println!("\n{}. {what}", self.passed + 1);
        self.clock = Instant::now();
        match body(self) {
            Ok(()) => {
                println!("   ✓");
                self.passed += 1;
                Ok(())
            }
            Err(failure) => {
                println!("   ✗ {}", failure.said);
                if let Some(pitfall) = failure.pitfall {
                    println!("     the same mistake, shown live: scripts/pitfalls.sh {pitfall}");
                }
                Err(failure)
            }
        }
    }

    /// A line of the check's transcript, with the time since the check began.
    pub fn log(&self, line: impl AsRef<str>) {
        let ms = self.clock.elapsed().as_millis();
        println!("   {:>7} {}", format!("+{ms} ms"), line.as_ref());
        let _ = io::stdout().flush();
    }

    /// A line of the transcript for something that happened `ms` after the check began, told
    /// afterwards (by a thread that saw it).
    pub fn log_at(&self, ms: u128, line: impl AsRef<str>) {
        println!("   {:>7} {}", format!("+{ms} ms"), line.as_ref());
    }

    /// Milliseconds since the check began.
    pub fn ms(&self) -> u128 {
        self.clock.elapsed().as_millis()
    }

    /// Start the learner's program with these arguments after its own, and say so.
    pub fn start(&self, args: &[String]) -> Result<Running, Failure> {
        let shown: Vec<String> = args.iter().map(|arg| shell_word(arg)).collect();
        self.log(format!("$ {} {}", self.program.shown, shown.join(" ")));
        Running::start(&self.program, args)
            .map_err(|error| Failure::said(format!("cannot start {}: {error}", self.program.shown)))
    }

    /// Write `bytes` to `stream` as the network may deliver them: in pieces the seed chooses (one
    /// to `max_pieces`), with a pause of at least 50 ms after each but the last. Each piece is
    /// logged as `WHO sent "..."`.
    pub fn send_in_pieces(
        &mut self,
        stream: &mut TcpStream,
        bytes: &[u8],
        who: &str,
        max_pieces: usize,
    ) -> io::Result<()> {
        stream.set_nodelay(true)?; // each piece in a packet of its own, sent at once
        let cuts = self.rng.cuts(bytes.len(), max_pieces);
        let mut from = 0;
        for (n, &to) in cuts.iter().enumerate() {
            if n > 0 {
                thread::sleep(PAUSE + Duration::from_millis(self.rng.below(40) as u64));
            }
            self.log(format!("{who} sent {}", quote(&bytes[from..to])));
            stream.write_all(&bytes[from..to])?;
            from = to;
        }
        Ok(())
    }
}

/// Bytes as a learner reads them: text in double quotes, `\n` and other controls escaped, a
/// byte that is no UTF-8 as `\xNN` (a piece may end in the middle of a character), a long run
/// shown by its start and its size.
pub fn quote(bytes: &[u8]) -> String {
    const SHOWN: usize = 60;
    let mut quoted = String::new();
    let mut rest = bytes;
    let mut shown = 0;
    while !rest.is_empty() && shown < SHOWN {
        let (text, bad) = match std::str::from_utf8(rest) {
            Ok(text) => (text, None),
            Err(error) => {
                let text = std::str::from_utf8(&rest[..error.valid_up_to()]).unwrap_or("");
                (text, Some(rest[error.valid_up_to()]))
            }
        };
        for c in text.chars().take(SHOWN - shown) {
            quoted.extend(c.escape_debug());
            shown += 1;
        }
        let taken = text.chars().take(SHOWN).map(char::len_utf8).sum::<usize>();
        rest = &rest[taken..];
        if let (Some(byte), true) = (bad, taken == text.len() && shown < SHOWN) {
            quoted.push_str(&format!("\\x{byte:02x}"));
            shown += 1;
            rest = &rest[1..];
        }
    }
    if rest.is_empty() {
        format!("\"{quoted}\"")
    } else {
        format!("\"{quoted}\"... ({} bytes)", bytes.len())
    }
}

/// An argument as a shell would need it written; a long one, by its start and its size.
fn shell_word(arg: &str) -> String {
    if arg.len() > 60 || arg.contains('\n') {
        return quote(arg.as_bytes());
    }
    let plain = !arg.is_empty()
        && arg.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"-_./:".contains(&byte));
    if plain { arg.to_string() } else { format!("'{}'", arg.replace('\'', r"'\''")) }
}

// ---- The program under test ----

/// How to run the learner's program: a command, to which each check appends its arguments.
pub struct Program {
    pub command: Vec<OsString>,
    pub shown: String, // as the report writes it
}

/// A running program, its output collected; stopped (with all it started) when dropped.
pub struct Running {
    child: Child,
    stdout: Collected,
    stderr: Collected,
}

type Collected = (Arc<Mutex<Vec<u8>>>, Option<JoinHandle<()>>);

impl Running {
    fn start(program: &Program, args: &[String]) -> io::Result<Running> {
        let (first, rest) = program.command.split_first().ok_or(io::Error::other("no command"))?;
        let mut command = Command::new(first);
        command.args(rest).args(args).stdin(Stdio::null());
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        own_process_group(&mut command);
        let mut child = command.spawn()?;
        let stdout = collect(child.stdout.take());
        let stderr = collect(child.stderr.take());
        Ok(Running { child, stdout, stderr })
    }

    /// Wait until it exits, at most `bound`: its status, or None if it still runs.
    pub fn wait(&mut self, bound: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + bound;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.finish_output();
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Whether it has exited already, and how (without waiting).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.wait(Duration::ZERO)
    }

    /// Stop it now, and all it started.
    pub fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            kill_group(&mut self.child);
            let _ = self.child.wait();
        }
        self.finish_output();
    }

    /// How many bytes it has written to stderr so far.
    pub fn stderr_len(&self) -> usize {
        self.stderr.0.lock().map(|bytes| bytes.len()).unwrap_or(0)
    }

    /// What it wrote to stderr after the first `from` bytes.
    pub fn stderr_since(&self, from: usize) -> String {
        let stderr = self.stderr.0.lock().map(|bytes| bytes.clone()).unwrap_or_default();
        String::from_utf8_lossy(stderr.get(from..).unwrap_or(&[])).into_owned()
    }

    /// What it wrote to stdout so far.
    pub fn stdout(&self) -> Vec<u8> {
        self.stdout.0.lock().map(|bytes| bytes.clone()).unwrap_or_default()
    }

    /// Its last lines of stderr, for a report, indented.
    pub fn stderr_tail(&self) -> String {
        let stderr = self.stderr.0.lock().map(|bytes| bytes.clone()).unwrap_or_default();
        let text = String::from_utf8_lossy(&stderr);
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(5)..];
        if tail.is_empty() {
            return "       (nothing on stderr)".into();
        }
        tail.iter().map(|line| format!("       stderr: {line}")).collect::<Vec<_>>().join("\n")
    }

    /// A failure saying it ended before its time, with its exit status and last stderr lines.
    pub fn ended_early(&mut self, while_doing: &str) -> Failure {
        let status = self.exited().map_or("is still running".into(), describe);
        Failure::said(format!("your program {status} {while_doing}\n{}", self.stderr_tail()))
    }

    /// A failure saying it did not answer within `bound`; it is stopped.
    pub fn silent(&mut self, what: &str, bound: Duration) -> Failure {
        self.stop();
        let secs = bound.as_secs_f64();
        Failure::said(format!(
            "no answer within {secs} s: {what} (it was stopped)\n{}",
            self.stderr_tail()
        ))
    }

    fn finish_output(&mut self) {
        for collected in [&mut self.stdout, &mut self.stderr] {
            if let Some(reader) = collected.1.take() {
                let _ = reader.join();
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An exit status in words: "exited with status 1", "was killed by signal 11".
pub fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => format!("was killed ({status})"),
    }
}

fn collect(from: Option<impl Read + Send + 'static>) -> Collected {
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let reader = from.map(|mut from| {
        let bytes = Arc::clone(&bytes);
        thread::spawn(move || {
            let mut buffer = [0; 8192];
            while let Ok(count @ 1..) = from.read(&mut buffer) {
                if let Ok(mut bytes) = bytes.lock() {
                    bytes.extend_from_slice(&buffer[..count]);
                }
            }
        })
    });
    (bytes, reader)
}

#[cfg(unix)]
fn own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0); // so that what it starts is stopped with it
}

#[cfg(not(unix))]
fn own_process_group(_command: &mut Command) {}

#[cfg(unix)]
fn kill_group(child: &mut Child) {
    // std kills one process; the group (a shell's children, a Python's) goes through kill(1).
    let group = format!("-{}", child.id());
    let killed = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
    if !killed.is_ok_and(|status| status.success()) {
        let _ = child.kill();
    }
}

#[cfg(not(unix))]
fn kill_group(child: &mut Child) {
    let _ = child.kill();
}

// ---- Waiting on the learner's program, never forever ----

/// Accept the program's connection, waiting at most `bound`; a program that exits first, or
/// never connects, fails the check.
pub fn accept_from(
    listener: &TcpListener,
    program: &mut Running,
    bound: Duration,
) -> Result<TcpStream, Failure> {
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + bound;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false)?;
                return Ok(stream);
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error.into()),
        }
        if program.exited().is_some() {
            return Err(program.ended_early("before it connected"));
        }
        if Instant::now() >= deadline {
            let port = listener.local_addr()?.port();
            return Err(program.silent(&format!("it never connected to 127.0.0.1:{port}"), bound));
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Wait until the program's server accepts connections on `address`, at most `bound`: the
/// tester connects, and closes at once (a connection that never says anything).
pub fn wait_for_port(address: SocketAddr, program: &mut Running, bound: Duration) -> Outcome {
    let deadline = Instant::now() + bound;
    loop {
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if program.exited().is_some() {
            return Err(
                program.ended_early(&format!("before it accepted connections on {address}"))
            );
        }
        if Instant::now() >= deadline {
            return Err(
                program.silent(&format!("nothing accepted connections on {address}"), bound)
            );
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// The first check of every server exercise: start the learner's server on a port of ours,
/// and wait until it accepts connections. The port stays reserved while `Port` lives.
pub fn server_starts(t: &mut Tester) -> Result<(Running, SocketAddr, Port), Failure> {
    let port = crate::tester_port()?;
    let address: SocketAddr = ([127, 0, 0, 1], port.number).into();
    let mut started = None;
    t.check("your server accepts connections (the tester's first one says nothing)", |t| {
        let mut server = t.start(&["127.0.0.1".into(), port.to_string()])?;
        wait_for_port(address, &mut server, Duration::from_secs(5))?;
        t.log(format!("a connection to {address} was accepted, and closed at once"));
        started = Some(server);
        Ok(())
    })?;
    let server = started.ok_or(Failure::said("no server"))?;
    Ok((server, address, port))
}

/// How a read up to the peer's end ended.
#[derive(Debug, PartialEq)]
pub enum Ending {
    Closed,   // the peer's FIN: read returned 0
    TimedOut, // nothing more within the bound
    Reset,    // the connection was reset (or failed otherwise)
}

/// Read from `stream` until the peer closes its sending half, at most `bound` in all.
pub fn read_to_end(stream: &TcpStream, bound: Duration) -> (Vec<u8>, Ending) {
    let deadline = Instant::now() + bound;
    let mut bytes = Vec::new();
    let mut buffer = [0; 65536];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return (bytes, Ending::TimedOut);
        }
        match (&*stream).read(&mut buffer) {
            Ok(0) => return (bytes, Ending::Closed),
            Ok(count) => bytes.extend_from_slice(&buffer[..count]),
            Err(error)
                if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) =>
            {
                return (bytes, Ending::TimedOut);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return (bytes, Ending::Reset),
        }
    }
}

/// Read from `stream` until `wanted` bytes have come (or the end, or the bound).
pub fn read_exactly(stream: &TcpStream, wanted: usize, bound: Duration) -> (Vec<u8>, Ending) {
    let deadline = Instant::now() + bound;
    let mut bytes = Vec::new();
    let mut buffer = vec![0; 65536];
    while bytes.len() < wanted {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return (bytes, Ending::TimedOut);
        }
        let room = (wanted - bytes.len()).min(buffer.len());
        match (&*stream).read(&mut buffer[..room]) {
            Ok(0) => return (bytes, Ending::Closed),
            Ok(count) => bytes.extend_from_slice(&buffer[..count]),
            Err(error)
                if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) =>
            {
                return (bytes, Ending::TimedOut);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return (bytes, Ending::Reset),
        }
    }
    (bytes, Ending::Closed)
}

/// Read one line (up to and with its `\n`) from `stream`, at most `bound`; bytes after the line
/// that came in the same read are kept in `rest` for the next call.
pub fn read_line(stream: &TcpStream, rest: &mut Vec<u8>, bound: Duration) -> (Vec<u8>, Ending) {
    let deadline = Instant::now() + bound;
    let mut buffer = [0; 65536];
    loop {
        if let Some(at) = rest.iter().position(|&byte| byte == b'\n') {
            let line = rest.drain(..=at).collect();
            return (line, Ending::Closed);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return (std::mem::take(rest), Ending::TimedOut);
        }
        match (&*stream).read(&mut buffer) {
            Ok(0) => return (std::mem::take(rest), Ending::Closed),
            Ok(count) => rest.extend_from_slice(&buffer[..count]),
            Err(error)
                if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) =>
            {
                return (std::mem::take(rest), Ending::TimedOut);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return (std::mem::take(rest), Ending::Reset),
        }
    }
}

// ---- The adversary's randomness: seeded, so a run can be replayed ----

/// xorshift64*: small, fast, and the same on every machine for the same seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // splitmix64 spreads the seed over every bit, so that seeds 2 and 3 are different runs.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1) // xorshift's state must not be 0
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    /// Where to cut `len` bytes into one to `max_pieces` pieces, none empty: the end of each
    /// piece, in order, the last being `len`.
    pub fn cuts(&mut self, len: usize, max_pieces: usize) -> Vec<usize> {
        let pieces = 1 + self.below(max_pieces.clamp(1, len.max(1)));
        let mut cuts: Vec<usize> = (1..pieces).map(|_| 1 + self.below(len.max(2) - 1)).collect();
        cuts.push(len);
        cuts.sort_unstable();
        cuts.dedup();
        cuts
    }

    /// Text of `len` bytes in lines of words, some not ASCII, the last line ending in `\n`.
    pub fn text(&mut self, len: usize) -> String {
        const WORDS: &[&str] = &["hola", "señal", "paquete", "¿qué?", "red", "ñandú", "byte", "€"];
        let mut text = String::new();
        let mut line = 0;
        while text.len() < len {
            let word = WORDS[self.below(WORDS.len())];
            text.push_str(word);
            line += word.len() + 1;
            text.push(if line > 60 { '\n' } else { ' ' });
            if line > 60 {
                line = 0;
            }
        }
        while text.len() > len || !text.is_char_boundary(text.len()) {
            text.pop();
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two ends of one connection: (ours, the peer's).
    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        (listener.accept().unwrap().0, peer)
    }

    /// The peer closes with a byte of ours unread: its kernel answers with a reset.
    fn reset_by_peer() -> TcpStream {
        let (ours, peer) = pair();
        (&ours).write_all(b"x").unwrap();
        peer.peek(&mut [0; 1]).unwrap(); // the byte is there, unread
        drop(peer);
        thread::sleep(Duration::from_millis(50));
        ours
    }

    #[test]
    fn each_read_tells_a_close_from_a_reset_and_from_silence() {
        let wait = Duration::from_millis(200);
        let (ours, peer) = pair();
        (&peer).write_all(b"hola\n").unwrap();
        drop(peer);
        assert_eq!(read_to_end(&ours, wait), (b"hola\n".to_vec(), Ending::Closed));
        assert_eq!(read_to_end(&reset_by_peer(), wait).1, Ending::Reset);
        assert_eq!(read_exactly(&reset_by_peer(), 10, wait).1, Ending::Reset);
        assert_eq!(read_line(&reset_by_peer(), &mut Vec::new(), wait).1, Ending::Reset);
        let (ours, _silent) = pair();
        assert_eq!(read_to_end(&ours, wait), (Vec::new(), Ending::TimedOut));
        assert_eq!(read_exactly(&ours, 10, wait).1, Ending::TimedOut);
        assert_eq!(read_line(&ours, &mut Vec::new(), wait).1, Ending::TimedOut);
    }

    #[test]
    fn the_same_seed_cuts_the_same_pieces_and_no_piece_is_empty() {
        for seed in 0..200 {
            let (mut one, mut two) = (Rng::new(seed), Rng::new(seed));
            let cuts = one.cuts(1000, 4);
            assert_eq!(cuts, two.cuts(1000, 4));
            assert!(!cuts.is_empty() && cuts.len() <= 4 && *cuts.last().unwrap() == 1000);
            assert!(cuts.windows(2).all(|pair| pair[0] < pair[1]), "{cuts:?}");
            assert!(cuts[0] > 0, "{cuts:?}");
        }
        assert_eq!(Rng::new(1).cuts(1, 4), [1], "one byte is one piece");
        assert_eq!(Rng::new(1).cuts(0, 4), [0], "nothing is one empty piece");
    }

    #[test]
    fn neighbouring_seeds_are_different_runs() {
        for seed in 0..100 {
            assert_ne!(Rng::new(2 * seed).next(), Rng::new(2 * seed + 1).next(), "{seed}");
        }
    }

    #[test]
    fn every_number_of_pieces_happens() {
        let mut rng = Rng::new(7);
        let counts: std::collections::BTreeSet<usize> =
            (0..200).map(|_| rng.cuts(100, 3).len()).collect();
        assert_eq!(counts.into_iter().collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn text_has_the_length_asked_and_is_not_all_ascii() {
        let mut rng = Rng::new(3);
        for len in [1, 10, 100, 20_000] {
            let text = rng.text(len);
            assert!(text.len() <= len && text.len() + 4 > len, "{len}: {}", text.len());
        }
        assert!(!rng.text(2000).is_ascii());
    }

    #[test]
    fn quoted_bytes_escape_line_ends_and_keep_spanish_and_cut_long_runs() {
        assert_eq!(quote(b"Gracias por conectarte\n"), r#""Gracias por conectarte\n""#);
        assert_eq!(quote("¡qué!".as_bytes()), "\"¡qué!\"");
        assert_eq!(quote(&[b'x'; 100]), format!("\"{}\"... (100 bytes)", "x".repeat(60)));
        assert_eq!(quote(b"\xff"), r#""\xff""#);
        assert_eq!(quote("señor".as_bytes().get(..3).unwrap()), r#""se\xc3""#, "a cut character");
        assert_eq!(quote(b"\xc3\xb1a\xff!"), r#""ña\xff!""#);
    }

    #[test]
    fn arguments_are_shown_as_a_shell_would_need_them() {
        assert_eq!(shell_word("127.0.0.1"), "127.0.0.1");
        assert_eq!(shell_word("¡hola, qué tal!"), "'¡hola, qué tal!'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word(&"x".repeat(100)), format!("\"{}\"... (100 bytes)", "x".repeat(60)));
    }

    #[test]
    fn a_line_is_read_whole_and_what_follows_it_is_kept() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        client.write_all(b"one\ntw").unwrap();
        let mut rest = Vec::new();
        let (line, ending) = read_line(&server, &mut rest, Duration::from_secs(5));
        assert_eq!((line.as_slice(), ending), (&b"one\n"[..], Ending::Closed));
        assert_eq!(rest, b"tw");
        let (line, ending) = read_line(&server, &mut rest, Duration::from_millis(100));
        assert_eq!((line.as_slice(), ending), (&b"tw"[..], Ending::TimedOut));
        drop(client);
        let (line, ending) = read_line(&server, &mut rest, Duration::from_secs(5));
        assert_eq!((line.len(), ending), (0, Ending::Closed));
    }
}
