//! What every end-to-end test needs:
//! - our binaries, built once;
//! - every program a test starts in a process group of its own, run against a deadline and
//!   stopped as a group, so a hang fails the test and nothing it started outlives it;
//! - servers that bind port 0 and announce the port they got (ours, Python's, socat), and, for
//!   the few peers that cannot (nginx), a port no other test or port-0 bind can be handed;
//! - a way to tell whether a peer tool is on this machine.
#![allow(dead_code)] // each test file uses its own part of this module

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// No single program run in these tests may take longer than this.
pub const DEADLINE: Duration = Duration::from_secs(60);
/// How long a stopped group gets to exit on SIGTERM (and a script to clean up) before SIGKILL.
const GRACE: Duration = Duration::from_secs(5);
/// Set on every program a test starts, and so inherited by whatever those start in turn:
/// `.ci/run` looks for it once the suite is over, and fails if anything carrying it still runs.
pub const MARKER: &str = "SOCKETS_BY_EXAMPLE_TEST";

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the workspace").into()
}

/// The folder of our built programs, building them (and our examples) the first time.
/// `cargo test` builds only test harnesses for the member packages, so we ask cargo for the
/// real binaries, into the same target directory and profile as this test itself.
pub fn bin_dir() -> &'static Path {
    static BIN_DIR: OnceLock<PathBuf> = OnceLock::new();
    BIN_DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe.parent().and_then(Path::parent).expect("target/PROFILE/deps/test");
        let target_dir = profile_dir.parent().expect("target dir");
        let profile = if profile_dir.ends_with("release") { "release" } else { "dev" };
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--workspace", "--bins"])
            // Our examples by name, never a learner's own copy (examples/my-*.rs), which may
            // not compile yet: it is theirs, and no test of ours depends on it.
            .args(["--example", "minimal-*", "--example", "*-server", "--example", "solution-*"])
            .args(["--profile", profile, "--target-dir"])
            .arg(target_dir)
            .current_dir(workspace_root())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build of the workspace binaries failed");
        profile_dir.to_path_buf()
    })
}

/// The path of one of our programs.
pub fn bin(name: &str) -> PathBuf {
    bin_dir().join(name)
}

pub fn our(name: &str) -> Command {
    Command::new(bin(name))
}

/// One of our minimal programs: `examples/minimal-NAME.rs` of package NAME.
pub fn minimal(name: &str) -> Command {
    Command::new(bin_dir().join("examples").join(format!("minimal-{name}")))
}

/// One of the examples beyond the minimal ones: `examples/NAME.rs` (lines-server, chat-server...).
pub fn example(name: &str) -> Command {
    Command::new(bin_dir().join("examples").join(name))
}

// ---- Processes: each in a group of its own, stopped as a group ----

unsafe extern "C" {
    // Calls of the C library that std already links: std has no way to signal a group, nor to
    // set SO_LINGER (TcpStream::set_linger is unstable).
    fn kill(pid: i32, signal: i32) -> i32;
    fn prctl(option: i32, ...) -> i32;
    fn setsockopt(fd: i32, level: i32, name: i32, value: *const i32, length: u32) -> i32;
}
const SIGKILL: i32 = 9;
const SIGTERM: i32 = 15;
const SIGCONT: i32 = 18; // Linux's numbers, on x86 and ARM alike
const SIGSTOP: i32 = 19;
const PR_SET_PDEATHSIG: i32 = 1;

/// A program a test started, with everything it starts in turn: a process group of its own.
/// Dropping it stops the whole group, so a failing test leaves nothing behind either.
pub struct Process {
    child: Child,
    what: String,
}

impl Process {
    pub fn spawn(command: &mut Command) -> Process {
        let what = format!("{command:?}");
        command.process_group(0).env(MARKER, "1");
        // SAFETY: prctl is async-signal-safe, which is all a pre_exec closure must be. It asks
        // the kernel for SIGTERM should this test process die without dropping us (Ctrl-C in a
        // terminal no longer reaches a child in a group of its own).
        unsafe {
            command.pre_exec(|| {
                prctl(PR_SET_PDEATHSIG, SIGTERM as std::ffi::c_ulong);
                Ok(())
            });
        }
        let child = command.spawn().unwrap_or_else(|error| panic!("cannot start {what}: {error}"));
        Process { child, what }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn take_stdin(&mut self) -> Option<std::process::ChildStdin> {
        self.child.stdin.take()
    }
    pub fn take_stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.child.stdout.take()
    }
    pub fn take_stderr(&mut self) -> Option<std::process::ChildStderr> {
        self.child.stderr.take()
    }

    /// Whether it has exited, without waiting.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("wait for child")
    }

    /// Wait until it exits by itself, up to `deadline`; then it is stopped and the test fails.
    /// What it started must be gone when it ends: a script that leaves a server running fails.
    pub fn wait(&mut self, deadline: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.try_wait() {
                self.assert_nothing_left();
                return status;
            }
            if start.elapsed() > deadline {
                self.stop();
                panic!("{} hung: still running after {deadline:?}", self.what);
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// SIGTERM to the whole group (a script's trap cleans up), SIGKILL after GRACE.
    pub fn stop(&mut self) -> ExitStatus {
        let group = -(self.child.id() as i32);
        // SAFETY: kill takes plain integers and touches no memory of ours.
        unsafe { kill(group, SIGTERM) };
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.try_wait() {
                break status;
            }
            if start.elapsed() > GRACE {
                unsafe { kill(group, SIGKILL) };
                break self.child.wait().expect("wait for killed child");
            }
            thread::sleep(Duration::from_millis(5));
        };
        kill_group(self.child.id()); // anything of the group that outlived its leader
        status
    }

    /// Fail if the group still has a live member, after giving it a moment to finish exiting.
    fn assert_nothing_left(&self) {
        let group = self.child.id();
        let start = Instant::now();
        while let Some(left) = live_members(group) {
            if start.elapsed() > Duration::from_secs(3) {
                kill_group(group);
                panic!("{} exited but left {left} running", self.what);
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.try_wait().is_none() || live_members(self.child.id()).is_some() {
            self.stop();
        }
    }
}

/// SIGKILL to every process of `group`, and wait until none is alive: a signal takes effect when
/// its process next runs, and whoever looks next must find them gone.
fn kill_group(group: u32) {
    // SAFETY: kill takes plain integers and touches no memory of ours.
    unsafe { kill(-(group as i32), SIGKILL) };
    let start = Instant::now();
    while live_members(group).is_some() && start.elapsed() < GRACE {
        thread::sleep(Duration::from_millis(5));
    }
}

/// A live (not zombie) process of process group `group`, described, if there is one.
fn live_members(group: u32) -> Option<String> {
    // SAFETY: signal 0 only asks whether the group has any member; it sends nothing.
    if unsafe { kill(-(group as i32), 0) } != 0 {
        return None; // the usual case, answered without reading /proc
    }
    // Zombies count for kill(); this machine's init reaps orphans only after a while.
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else { continue };
        // pid (comm) state ppid pgrp ...: comm may hold spaces, so read after its ')'.
        let Some((name, rest)) = stat.rsplit_once(") ") else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.len() > 2 && fields[0] != "Z" && fields[2] == group.to_string() {
            return Some(format!("{name})"));
        }
    }
    None
}

// ---- Running a program to its end ----

/// What a finished program left behind.
pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Output {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

fn collect(mut from: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = from.read_to_end(&mut bytes);
        bytes
    })
}

/// Run a command to completion, feeding it `stdin` (None: stdin is /dev/null).
pub fn run(command: Command, stdin: Option<&[u8]>) -> Output {
    run_within(DEADLINE, command, stdin)
}

/// Run a command to completion while `feed` writes its stdin as it likes: in pieces, with
/// pauses, or holding it open until the program has ended (which `ended` says, by closing).
/// Dropping the pipe ends the program's input.
pub fn run_feeding(
    mut command: Command,
    feed: impl FnOnce(std::process::ChildStdin, Receiver<()>) + Send + 'static,
) -> Output {
    let start = Instant::now();
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut process = Process::spawn(&mut command);
    let pipe = process.take_stdin().expect("piped stdin");
    let (exited, ended) = mpsc::channel();
    let feeder = thread::spawn(move || feed(pipe, ended));
    let stdout = collect(process.take_stdout().expect("piped stdout"));
    let stderr = collect(process.take_stderr().expect("piped stderr"));
    let status = process.wait(DEADLINE);
    let elapsed = start.elapsed();
    drop(exited);
    feeder.join().expect("stdin feeder");
    let stdout = stdout.join().expect("stdout reader");
    let stderr = String::from_utf8_lossy(&stderr.join().expect("stderr reader")).into_owned();
    Output { status, stdout, stderr, elapsed }
}

/// `run`, with a deadline of its own.
pub fn run_within(deadline: Duration, mut command: Command, stdin: Option<&[u8]>) -> Output {
    let start = Instant::now();
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut process = Process::spawn(command.stdout(Stdio::piped()).stderr(Stdio::piped()));
    let feeder = stdin.map(|bytes| {
        let mut pipe = process.take_stdin().expect("piped stdin");
        let bytes = bytes.to_vec();
        // A program may stop reading early; a broken pipe here is its business, not ours.
        thread::spawn(move || drop(pipe.write_all(&bytes)))
    });
    let stdout = collect(process.take_stdout().expect("piped stdout"));
    let stderr = collect(process.take_stderr().expect("piped stderr"));
    let status = process.wait(deadline);
    if let Some(feeder) = feeder {
        feeder.join().expect("stdin feeder");
    }
    let stdout = stdout.join().expect("stdout reader");
    let stderr = String::from_utf8_lossy(&stderr.join().expect("stderr reader")).into_owned();
    Output { status, stdout, stderr, elapsed: start.elapsed() }
}

// ---- Servers: started on port 0, ready when they say where they listen ----

/// A server of ours (or a peer) running in the background, stopped when the test drops it.
pub struct Server {
    process: Process,
    pub addr: SocketAddr,
    /// The line in which it said where it listens.
    pub announcement: String,
    lines: Receiver<String>,
    stdout: Option<JoinHandle<()>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

/// `listening on ADDR`, as our servers (and the notebook's, as kept in tests/notebook) say it.
pub fn listening_on(line: &str) -> Option<SocketAddr> {
    line.strip_prefix("listening on ")?.trim().parse().ok()
}

/// `Serving HTTP on HOST port PORT (http://HOST:PORT/) ...`, as `python3 -m http.server` says it.
pub fn python_serving_on(line: &str) -> Option<SocketAddr> {
    let (_, url) = line.split_once("(http://")?;
    url.split('/').next()?.parse().ok()
}

impl Server {
    /// Start one of our servers and wait for its `listening on ADDR` line.
    pub fn start(name: &str, args: &[&str]) -> Server {
        let mut command = our(name);
        command.args(args);
        Server::start_announced(command, listening_on)
    }

    /// Start any program whose first stdout line says where it listens, as `announced` reads
    /// it. That line comes after its bind succeeded: no probing connection, which could reach
    /// some other test's server on a port just freed, is ever needed.
    pub fn start_announced(
        mut command: Command,
        announced: fn(&str) -> Option<SocketAddr>,
    ) -> Server {
        let what = format!("{command:?}");
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut process = Process::spawn(&mut command);
        let stdout = BufReader::new(process.take_stdout().expect("piped stdout"));
        let (sender, lines) = mpsc::channel();
        let stdout = Some(thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        }));
        let stderr = Some(collect(process.take_stderr().expect("piped stderr")));
        let addr = SocketAddr::from(([0, 0, 0, 0], 0));
        let announcement = String::new();
        let mut server = Server { process, addr, announcement, lines, stdout, stderr };
        // Its first line that says where it listens; lines before it (a peer's notices) are kept.
        let mut before = Vec::new();
        while let Ok(line) = server.lines.recv_timeout(Duration::from_secs(30)) {
            match announced(&line) {
                Some(addr) => {
                    server.addr = addr;
                    server.announcement = line;
                    return server;
                }
                None => before.push(line),
            }
        }
        let early = server.stop();
        panic!(
            "{what} never said where it listens; it printed {before:?}; stderr: {}",
            early.stderr
        )
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Stop it where it is (SIGSTOP), as if it were busy: connections wait in its backlog.
    pub fn pause(&self) {
        // SAFETY: kill takes plain integers and touches no memory of ours.
        unsafe { kill(self.process.id() as i32, SIGSTOP) };
    }

    /// Let a paused server go on (SIGCONT).
    pub fn resume(&self) {
        // SAFETY: as above.
        unsafe { kill(self.process.id() as i32, SIGCONT) };
    }

    /// The next line the server prints, if it prints one within DEADLINE.
    pub fn next_line(&self) -> Option<String> {
        self.lines.recv_timeout(DEADLINE).ok()
    }

    /// Wait (up to the deadline) for the server to exit by itself, and return what it printed.
    pub fn wait(mut self) -> Output {
        let start = Instant::now();
        let status = self.process.wait(DEADLINE);
        self.finish(status, start)
    }

    /// Stop the server now and return what it printed.
    pub fn stop(&mut self) -> Output {
        let start = Instant::now();
        let status = self.process.stop();
        self.finish(status, start)
    }

    fn finish(&mut self, status: ExitStatus, start: Instant) -> Output {
        if let Some(reader) = self.stdout.take() {
            let _ = reader.join(); // the group has exited, so its stdout is at its end
        }
        let stdout: Vec<String> = self.lines.try_iter().collect();
        let stdout = stdout.iter().map(|line| format!("{line}\n")).collect::<String>().into_bytes();
        let stderr = self.stderr.take().map(|reader| reader.join().unwrap_or_default());
        let stderr = String::from_utf8_lossy(&stderr.unwrap_or_default()).into_owned();
        Output { status, stdout, stderr, elapsed: start.elapsed() }
    }
}

/// Wait until `server` has printed a line containing `text` (the rest of its output stays).
pub fn wait_for_line(server: &Server, text: &str) -> String {
    let deadline = Instant::now() + DEADLINE;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match server.lines.recv_timeout(left) {
            Ok(line) if line.contains(text) => return line,
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    panic!("server never printed a line with {text:?}")
}

// ---- Reserved ports: for peers that cannot bind port 0, and for "nothing listens here" ----

// The project's one port reservation, shared with the exercise tester (and run in bash by
// scripts/lib/common.sh): a port outside the ephemeral range, locked, used by no socket.
#[path = "../../scripts/tools/src/ports.rs"]
mod ports;
pub use ports::Port;

/// A port that is ours alone while the value lives: for a peer that cannot bind port 0 and say
/// which port it got (nginx), or as a port where nothing listens.
pub fn reserved_port() -> Port {
    ports::reserve().unwrap_or_else(|error| panic!("{error}"))
}

/// The range reserved ports come from, and where their locks are (for the tests of the scripts).
pub fn reservable_ports() -> std::ops::Range<u16> {
    ports::reservable()
}
pub fn port_lock_dir() -> PathBuf {
    ports::lock_dir()
}
pub fn port_in_use(port: u16) -> bool {
    ports::in_use(port)
}

// ---- Peers, skips and test data ----

/// One of the notebook's own cells, kept in tests/notebook/ as the notebook has them.
pub fn notebook(cell: &str, args: &[&str]) -> Command {
    let mut python = Command::new("python3");
    python.arg("-u").arg(workspace_root().join("tests/notebook").join(format!("{cell}.py")));
    python.args(args).env("PYTHONIOENCODING", "utf-8"); // it prints "Conexión", "Aquí"
    python
}

/// Whether `program` can be run here; when not, the caller skips and says why.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Say why a test is skipped. Written to stderr directly, not with `eprintln!`, so the test
/// harness does not capture it: the reason shows in every run's log, passing or not.
pub fn skip(reason: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {reason}");
}

/// Make closing `stream` reset the connection (SO_LINGER with a zero timeout): the peer gets an
/// RST instead of a FIN, as from a program that crashed or aborted.
pub fn reset_on_close(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    const SOL_SOCKET: i32 = 1;
    const SO_LINGER: i32 = 13;
    let linger = [1i32, 0]; // struct linger { l_onoff: 1, l_linger: 0 }
    // SAFETY: the fd is open for as long as `stream` lives, and `linger` is the 8 bytes we pass.
    let done = unsafe { setsockopt(stream.as_raw_fd(), SOL_SOCKET, SO_LINGER, linger.as_ptr(), 8) };
    assert_eq!(done, 0, "setsockopt(SO_LINGER)");
}

pub fn ipv6_loopback_works() -> bool {
    TcpListener::bind("[::1]:0").is_ok()
}

/// Deterministic pseudo-random bytes (xorshift64*): binary data with every byte value.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        bytes.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// The workspace as a new user's clone has it: every file but `target/` and `.git/`.
pub fn copy_workspace(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).expect("read a folder").flatten() {
        let (name, kind) = (entry.file_name(), entry.file_type().expect("file type"));
        if name == "target" || name == ".git" {
            continue;
        }
        if kind.is_dir() {
            fs::create_dir(to.join(&name)).expect("make a folder");
            copy_workspace(&entry.path(), &to.join(&name));
        } else {
            fs::copy(entry.path(), to.join(&name)).expect("copy a file"); // modes too: scripts run
        }
    }
}

/// A fresh empty directory under the system's temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("sbe-{label}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
