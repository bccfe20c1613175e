//! What every end-to-end test needs: our binaries, built once; programs run with a deadline so a
//! hang fails the test instead of stalling the suite; servers started on free ports, read from
//! their `listening on ADDR` line; and a way to tell whether a peer tool is on this machine.
#![allow(dead_code)] // each test file uses its own part of this module

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// No single program run in these tests may take longer than this.
pub const DEADLINE: Duration = Duration::from_secs(60);

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the workspace").into()
}

/// The path of one of our programs, building the workspace's binaries the first time.
/// `cargo test` builds only test harnesses for the member packages, so we ask cargo for the
/// real binaries, into the same target directory and profile as this test itself.
pub fn bin(name: &str) -> PathBuf {
    static BIN_DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = BIN_DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe.parent().and_then(Path::parent).expect("target/PROFILE/deps/test");
        let target_dir = profile_dir.parent().expect("target dir");
        let profile = if profile_dir.ends_with("release") { "release" } else { "dev" };
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--workspace", "--bins", "--profile", profile])
            .arg("--target-dir")
            .arg(target_dir)
            .current_dir(workspace_root())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build of the workspace binaries failed");
        profile_dir.to_path_buf()
    });
    dir.join(name)
}

pub fn our(name: &str) -> Command {
    Command::new(bin(name))
}

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

/// Wait for `child` until DEADLINE; a program still running then is killed and the test fails.
fn wait_with_deadline(child: &mut Child, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            return status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} hung: still running after {DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Run a command to completion, feeding it `stdin` (None: stdin is /dev/null).
pub fn run(mut command: Command, stdin: Option<&[u8]>) -> Output {
    let what = format!("{command:?}");
    let start = Instant::now();
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {what}: {error}"));
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("piped stdin");
        let bytes = bytes.to_vec();
        // A program may stop reading early; a broken pipe here is its business, not ours.
        thread::spawn(move || drop(pipe.write_all(&bytes)))
    });
    let stdout = collect(child.stdout.take().expect("piped stdout"));
    let stderr = collect(child.stderr.take().expect("piped stderr"));
    let status = wait_with_deadline(&mut child, &what);
    if let Some(feeder) = feeder {
        feeder.join().expect("stdin feeder");
    }
    let stdout = stdout.join().expect("stdout reader");
    let stderr = String::from_utf8_lossy(&stderr.join().expect("stderr reader")).into_owned();
    Output { status, stdout, stderr, elapsed: start.elapsed() }
}

/// A server of ours (or a peer) running in the background, killed when the test drops it.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    lines: Receiver<String>,
    stdout: Option<JoinHandle<()>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

impl Server {
    /// Start one of our servers and wait for its `listening on ADDR` line.
    pub fn start(name: &str, args: &[&str]) -> Server {
        Server::start_command(our(name), args, "listening on ")
    }

    /// Start any program whose first stdout line is `PREFIX` followed by the bound address.
    pub fn start_command(mut command: Command, args: &[&str], prefix: &str) -> Server {
        let what = format!("{command:?} {args:?}");
        let mut child = command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {what}: {error}"));
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let (sender, lines) = mpsc::channel();
        let stdout = Some(thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        }));
        let stderr = Some(collect(child.stderr.take().expect("piped stderr")));
        let first = lines.recv_timeout(Duration::from_secs(30));
        let addr = SocketAddr::from(([0, 0, 0, 0], 0));
        let mut server = Server { child, addr, lines, stdout, stderr };
        let first = first.unwrap_or_else(|_| {
            let early = server.stop();
            panic!("{what} printed no readiness line; stderr: {}", early.stderr)
        });
        let addr = first.strip_prefix(prefix).and_then(|addr| addr.trim().parse().ok());
        server.addr = addr.unwrap_or_else(|| panic!("{what}: unexpected first line {first:?}"));
        server
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Wait (up to the deadline) for the server to exit by itself, and return what it printed.
    pub fn wait(mut self) -> Output {
        let start = Instant::now();
        let status = wait_with_deadline(&mut self.child, "server");
        self.finish(status, start)
    }

    /// Kill the server now and return what it printed.
    pub fn stop(&mut self) -> Output {
        let start = Instant::now();
        let _ = self.child.kill();
        let status = self.child.wait().expect("wait for killed server");
        self.finish(status, start)
    }

    fn finish(&mut self, status: ExitStatus, start: Instant) -> Output {
        if let Some(reader) = self.stdout.take() {
            let _ = reader.join(); // the child has exited, so its stdout is at its end
        }
        let stdout: Vec<String> = self.lines.try_iter().collect();
        let stdout = stdout.iter().map(|line| format!("{line}\n")).collect::<String>().into_bytes();
        let stderr = self.stderr.take().map(|reader| reader.join().unwrap_or_default());
        let stderr = String::from_utf8_lossy(&stderr.unwrap_or_default()).into_owned();
        Output { status, stdout, stderr, elapsed: start.elapsed() }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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

/// A port that was free a moment ago, for peers (socat, nc) that cannot report the one they got.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
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

/// A fresh empty directory under the system's temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("sbe-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
