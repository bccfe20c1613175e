//! A port of our own, for a program that must be told its port before it starts (a learner's
//! server, nginx), or for a port where nothing listens. The one reservation the project has: the
//! exercise tester uses it, cargo test's tests/common includes this file, and scripts/lib/common.sh
//! (`reserve_port`) runs the same algorithm in bash; a test checks that the two agree.
//!
//! The algorithm: a port outside the kernel's ephemeral range, so that no bind to port 0 (a
//! test's server, any client's connect) can be handed it; walked from a start that differs per
//! process; a lock file per port, held while the port is ours (flock, which ends with the
//! process, so a crash frees it); and no socket of this machine on it, in any state, TIME_WAIT
//! included, so that even a bind without SO_REUSEADDR (Python's) gets it.

use std::fs::{self, File};
use std::io;
use std::net::{TcpListener, UdpSocket};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A reserved port: ours alone while this value lives.
pub struct Port {
    pub number: u16,
    _lock: File,
}

impl std::fmt::Display for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}", self.number)
    }
}

/// The ports outside the kernel's ephemeral range, above those people pick by hand (9000...):
/// below the range when there is room, else above it. Without Linux's /proc, 20000 to 32767,
/// below the ephemeral ranges of Windows and macOS (49152 and up).
pub fn reservable() -> Range<u16> {
    let range = fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let mut bounds = range.split_whitespace().filter_map(|n| n.parse::<u16>().ok());
    let (low, high) = (bounds.next().unwrap_or(32768), bounds.next().unwrap_or(60999));
    if low >= 21_000 { 20_000..low } else { high.saturating_add(1).max(20_000)..65_535 }
}

/// The folder of lock files, shared by every user's runs (writable by all, like /tmp itself).
pub fn lock_dir() -> PathBuf {
    std::env::temp_dir().join("sockets-by-example-ports")
}

/// Reserve a port, or say why none could be.
pub fn reserve() -> io::Result<Port> {
    static TAKEN: AtomicUsize = AtomicUsize::new(0); // reservations made by this process so far
    let ports = reservable();
    let directory = lock_dir();
    if fs::create_dir_all(&directory).is_ok() {
        set_shared(&directory);
    }
    let count = ports.len();
    let start = std::process::id() as usize * 7 + TAKEN.fetch_add(1, Ordering::Relaxed) * 13;
    for offset in 0..count {
        let number = ports.start + ((start + offset) % count) as u16;
        let path = directory.join(number.to_string());
        // Open read-only when it exists (another user may own it): a lock needs no write access.
        let Ok(lock) = File::open(&path).or_else(|_| File::create(&path)) else { continue };
        if lock.try_lock().is_err() {
            continue; // another test, script or tester has it
        }
        if !in_use(number) {
            return Ok(Port { number, _lock: lock });
        }
    }
    Err(io::Error::other(format!("no free port left to reserve in {ports:?}")))
}

/// Whether some socket of this machine has `port` as its local port. On Linux, /proc/net lists
/// every socket, a connection in TIME_WAIT too; elsewhere, whether a bind to it fails.
pub fn in_use(port: u16) -> bool {
    let tables = ["/proc/net/tcp", "/proc/net/tcp6", "/proc/net/udp", "/proc/net/udp6"];
    let listed: Vec<String> = tables.iter().filter_map(|t| fs::read_to_string(t).ok()).collect();
    if listed.is_empty() {
        let bound = TcpListener::bind(("127.0.0.1", port)).is_ok()
            && UdpSocket::bind(("127.0.0.1", port)).is_ok();
        return !bound;
    }
    // Each line: "sl local_address rem_address ...", an address being HEX_IP:HEX_PORT.
    let local = format!(":{port:04X}");
    listed
        .iter()
        .flat_map(|table| table.lines())
        .any(|line| line.split_whitespace().nth(1).is_some_and(|address| address.ends_with(&local)))
}

#[cfg(unix)]
fn set_shared(directory: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = fs::set_permissions(directory, fs::Permissions::from_mode(0o1777));
}

#[cfg(not(unix))]
fn set_shared(_directory: &std::path::Path) {}
