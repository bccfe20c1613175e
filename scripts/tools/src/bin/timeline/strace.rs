//! strace's lines in, both sides' socket calls out.
//!
//! strace -f -ttt -T writes one line per call, in the order it saw them:
//! `PID TIME NAME(ARGS) = RESULT <DURATION>`, or, for a call still waiting while another process
//! or thread acts, two halves: `PID TIME NAME(ARGS <unfinished ...>`, later
//! `PID TIME <... NAME resumed>ARGS) = RESULT <DURATION>`. Which side a process or thread is on
//! follows from the server's and client's pids and from the clone and fork calls that made the
//! others. Only the calls on sockets of an IP family are kept, not those on files, pipes, the
//! terminal or the name service's Unix socket.

use crate::numbers::{is_number, leading_number, micros};
use crate::{Micros, Protocol, Who};
use std::collections::HashMap;

/// One system call on an IP socket, joined whole.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The process or thread that made it.
    pub pid: u32,
    pub who: Who,
    pub started: Micros,
    pub returned: Micros,
    pub name: String,
    /// Its socket as its first argument reads: `3`; for poll, the first fd polled; for socket,
    /// the family (`AF_INET`), its fd being the result.
    pub fd: String,
    /// Its arguments, with each socket address as `127.0.0.1:PORT` or `[::1]:PORT`.
    pub args: String,
    pub result: String,
    pub protocol: Protocol,
}

impl Call {
    /// The call where it starts, before its result is known: `sendto(4, ...)`.
    pub fn started_text(&self) -> String {
        if self.is_poll() {
            format!("{}([{{fd={}, ...}}], ...)", self.name, self.fd)
        } else {
            format!("{}({}, ...)", self.name, self.fd)
        }
    }

    /// The call where it returned: `sendto(4, "hello", 5, MSG_NOSIGNAL, NULL, 0) = 5`.
    pub fn returned_text(&self) -> String {
        format!("{}({}) = {}", self.name, self.args, self.result)
    }

    /// The socket it is on: its first argument, or the new socket's fd for socket().
    pub fn socket(&self) -> &str {
        if self.name == "socket" { &self.result } else { &self.fd }
    }

    fn is_poll(&self) -> bool {
        self.name.ends_with("poll")
    }
}

/// The socket calls in strace's output, in the order they appear (a call cut in two, where its
/// second half does). `server` and `client` are the pids the two sides started as.
pub fn socket_calls(strace_output: &str, server: u32, client: u32) -> Vec<Call> {
    let mut following = Following::new(server, client);
    strace_output.lines().filter_map(|line| following.read(line)).collect()
}

/// What the lines so far have told: whose each process is, which fds are IP sockets, and which
/// calls wait for their second half.
struct Following {
    sides: HashMap<u32, Who>,
    sockets: HashMap<(Who, i64), Protocol>,
    unfinished: HashMap<u32, (String, Micros)>,
}

impl Following {
    fn new(server: u32, client: u32) -> Following {
        let sides = HashMap::from([(server, Who::Server), (client, Who::Client)]);
        Following { sides, sockets: HashMap::new(), unfinished: HashMap::new() }
    }

    /// One line of strace's; a socket call, if it completes one.
    fn read(&mut self, line: &str) -> Option<Call> {
        let (pid, time, rest) = split_line(line)?;
        let (text, started, returned) = self.whole_call(pid, time, rest)?;
        let (name, args, result) = split_call(&text);
        if ["clone", "clone3", "fork", "vfork"].contains(&name) {
            self.follow_new_process(pid, result);
            return None;
        }
        let who = *self.sides.get(&pid)?;
        // A socket is known by its side and fd, not by thread: a process's threads share fds.
        let first_argument = args.split(',').next().unwrap_or("");
        if ["fcntl", "dup", "dup2", "dup3"].contains(&name) {
            self.follow_copy(who, name, first_argument, args, result);
            return None;
        }
        let fd = if name.ends_with("poll") { polled_fd(args) } else { first_argument };
        let protocol = if name == "socket" {
            self.opened(who, args, result)?
        } else {
            *self.sockets.get(&(who, leading_number(fd)))?
        };
        if name.starts_with("accept") && is_number(result) {
            self.sockets.insert((who, leading_number(result)), Protocol::Tcp);
        }
        if name == "close" {
            self.sockets.remove(&(who, leading_number(fd)));
        }
        if is_idle_poll(name, result) || was_interrupted(result) {
            return None;
        }
        Some(Call {
            pid,
            who,
            started,
            returned,
            name: name.into(),
            fd: fd.into(),
            args: plain_addresses(args),
            result: result.into(),
            protocol,
        })
    }

    /// A call's text, whether it came whole or in two halves, with when it started and returned.
    fn whole_call(
        &mut self,
        pid: u32,
        time: Micros,
        rest: &str,
    ) -> Option<(String, Micros, Micros)> {
        if let Some(first_half) = rest.strip_suffix(" <unfinished ...>") {
            self.unfinished.insert(pid, (first_half.into(), time));
            return None;
        }
        let (text, started, returned) = if let Some(second_half) = strip_resumed(rest) {
            // Its second half is stamped when it returned; a half whose first one was never
            // seen (strace started during it) cannot be told, and is skipped.
            let (first_half, started) = self.unfinished.remove(&pid)?;
            (first_half + second_half, started, time)
        } else {
            let (_, duration) = split_duration(rest)?;
            (rest.to_string(), time, time.saturating_add(micros(duration).unwrap_or(0)))
        };
        let text = split_duration(&text).map_or(text.as_str(), |(call, _)| call);
        Some((unpad_result(text), started, returned))
    }

    /// A new thread or process is on its parent's side.
    fn follow_new_process(&mut self, parent: u32, result: &str) {
        let Some(&side) = self.sides.get(&parent) else { return };
        // The result is the child's pid (a clone that failed, `-1 EAGAIN`, made none).
        let made_one = result.starts_with(|c: char| c.is_ascii_digit());
        if made_one && let Ok(child) = u32::try_from(leading_number(result)) {
            self.sides.insert(child, side);
        }
    }

    /// A copy of a socket's fd (dup, or fcntl F_DUPFD: what try_clone does) is that socket.
    fn follow_copy(&mut self, who: Who, name: &str, original: &str, args: &str, result: &str) {
        let original = leading_number(original);
        let copies = name != "fcntl" || args.contains("F_DUPFD");
        if let Some(&protocol) = self.sockets.get(&(who, original))
            && copies
            && is_number(result)
        {
            self.sockets.insert((who, leading_number(result)), protocol);
        }
    }

    /// socket(): an IP socket is followed from now on; any other kind is not.
    fn opened(&mut self, who: Who, args: &str, result: &str) -> Option<Protocol> {
        if !args.starts_with("AF_INET") || !is_number(result) {
            return None;
        }
        let protocol = if args.contains("SOCK_DGRAM") { Protocol::Udp } else { Protocol::Tcp };
        self.sockets.insert((who, leading_number(result)), protocol);
        Some(protocol)
    }
}

/// `PID TIME REST`: the pid, the moment, and what follows them.
fn split_line(line: &str) -> Option<(u32, Micros, &str)> {
    let line = line.trim_start_matches([' ', '\t']);
    let (pid, rest) = line.split_once([' ', '\t'])?;
    let rest = rest.trim_start_matches([' ', '\t']);
    let (time, rest) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
    Some((pid.parse().ok()?, micros(time)?, rest))
}

/// `<... NAME resumed>REST` is REST, the second half of a call.
fn strip_resumed(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("<... ")?;
    let name_end = rest.find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
    let (name, rest) = rest.split_at(name_end.unwrap_or(rest.len()));
    if name.is_empty() { None } else { rest.strip_prefix(" resumed>") }
}

/// `CALL <0.000214>` is (CALL, `0.000214`): how long it took, as -T appends it.
fn split_duration(text: &str) -> Option<(&str, &str)> {
    let (call, duration) = text.strip_suffix('>')?.rsplit_once(" <")?;
    let is_duration =
        !duration.is_empty() && duration.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    is_duration.then_some((call, duration))
}

/// strace pads a short call's `= RESULT` to line results up: `close(3)        = 0`.
fn unpad_result(text: &str) -> String {
    let mut unpadded = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(")  ") {
        let (before, after) = rest.split_at(at + 1);
        let spaces = after.len() - after.trim_start_matches(' ').len();
        unpadded.push_str(before);
        match after[spaces..].strip_prefix("= ") {
            Some(result) => {
                unpadded.push_str(" = ");
                rest = result;
            }
            None => rest = after,
        }
    }
    unpadded.push_str(rest);
    unpadded
}

/// `NAME(ARGS) = RESULT` as its three parts. The result follows the last `) = `, since the
/// arguments may hold the same characters inside a string.
fn split_call(text: &str) -> (&str, &str, &str) {
    let name = text.split('(').next().unwrap_or(text);
    match text.rfind(") = ") {
        Some(at) => (name, text.get(name.len() + 1..at).unwrap_or(""), &text[at + 4..]),
        None => (name, "", text.get(3..).unwrap_or("")),
    }
}

/// The first fd of a poll's list: `3` of `[{fd=3, events=POLLIN}], 1, 500`.
fn polled_fd(args: &str) -> &str {
    let list = args.strip_prefix("[{fd=").unwrap_or(args);
    let end = list.find(|c: char| !c.is_ascii_digit()).unwrap_or(list.len());
    &list[..end]
}

/// A server polling with nothing to do, waking to look at its flags: not the story.
fn is_idle_poll(name: &str, result: &str) -> bool {
    name.ends_with("poll") && result == "0 (Timeout)"
}

/// Interrupted as the server was stopped: `= ? ERESTARTSYS (...)`.
fn was_interrupted(result: &str) -> bool {
    result.starts_with("? ")
}

/// Each socket address strace spells out as a struct, written as it is usually read:
/// `{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}` is
/// `127.0.0.1:80`, and an AF_INET6 one `[::1]:80`.
pub fn plain_addresses(args: &str) -> String {
    let mut plain = String::new();
    let mut rest = args;
    while let Some(at) = rest.find("{sa_family=AF_INET") {
        plain.push_str(&rest[..at]);
        let from_struct = &rest[at..];
        match ipv4_address(from_struct).or_else(|| ipv6_address(from_struct)) {
            Some((address, after)) => {
                plain.push_str(&address);
                rest = after;
            }
            None => {
                plain.push('{');
                rest = &from_struct[1..];
            }
        }
    }
    plain.push_str(rest);
    plain
}

/// `{sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr("IP")}` and what follows it.
fn ipv4_address(text: &str) -> Option<(String, &str)> {
    let rest = text.strip_prefix("{sa_family=AF_INET, sin_port=htons(")?;
    let (port, rest) = port_then(rest)?;
    let rest = rest.strip_prefix("), sin_addr=inet_addr(\"")?;
    let (ip, rest) = rest.split_once('"')?;
    let after = rest.strip_prefix(")}")?;
    Some((format!("{ip}:{port}"), after))
}

/// `{sa_family=AF_INET6, sin6_port=htons(PORT), ..., inet_pton(AF_INET6, "IP", ...), ...}` and
/// what follows it.
fn ipv6_address(text: &str) -> Option<(String, &str)> {
    let rest = text.strip_prefix("{sa_family=AF_INET6, sin6_port=htons(")?;
    let (port, rest) = port_then(rest)?;
    let rest = rest.strip_prefix("), ")?;
    let (_, after) = rest.split_once('}')?;
    let whole = &text[..text.len() - after.len()];
    let from_ip = whole.rsplit_once("AF_INET6, \"").map_or(whole, |(_, from_ip)| from_ip);
    let ip = from_ip.split('"').next().unwrap_or(from_ip);
    Some((format!("[{ip}]:{port}"), after))
}

fn port_then(text: &str) -> Option<(&str, &str)> {
    let end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    (end > 0).then(|| text.split_at(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: u32 = 100;
    const CLIENT: u32 = 200;

    fn calls(lines: &[&str]) -> Vec<Call> {
        socket_calls(&lines.join("\n"), SERVER, CLIENT)
    }

    fn shown(calls: &[Call]) -> Vec<String> {
        calls.iter().map(|call| format!("{} {}", call.who.name(), call.returned_text())).collect()
    }

    #[test]
    fn a_call_cut_in_two_is_joined_starting_at_its_first_half_and_returning_at_its_second() {
        let calls = calls(&[
            "100 1.000000 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3 <0.000010>",
            "100 1.000300 accept4(3,  <unfinished ...>",
            "200 1.100000 close(7) = 0 <0.000002>",
            "100 1.100300 <... accept4 resumed>{sa_family=AF_INET, sin_port=htons(5555), \
             sin_addr=inet_addr(\"127.0.0.1\")}, [16], SOCK_CLOEXEC) = 4 <0.100000>",
        ]);
        assert_eq!(calls.len(), 2, "socket and accept4 (fd 7 is no socket): {calls:?}");
        let accept = &calls[1];
        assert_eq!(accept.returned_text(), "accept4(3, 127.0.0.1:5555, [16], SOCK_CLOEXEC) = 4");
        assert_eq!((accept.started, accept.returned), (1_000_300, 1_100_300));
        assert_eq!(accept.started_text(), "accept4(3, ...)");
    }

    #[test]
    fn a_whole_call_returns_its_duration_after_it_started() {
        let calls = calls(&["100 1.000000 socket(AF_INET, SOCK_DGRAM, 0) = 3 <0.000214>"]);
        assert_eq!((calls[0].started, calls[0].returned), (1_000_000, 1_000_214));
        assert_eq!(calls[0].protocol, Protocol::Udp);
    }

    #[test]
    fn a_socket_copied_by_fcntl_dupfd_or_dup_is_followed_under_its_new_fd() {
        let calls = calls(&[
            "200 1.0 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3 <0.000010>",
            "200 1.1 fcntl(3, F_DUPFD_CLOEXEC, 3) = 4 <0.000003>",
            "200 1.2 fcntl(3, F_GETFD) = 1 <0.000003>",
            "200 1.3 dup(3) = 5 <0.000003>",
            "200 1.4 sendto(4, \"x\", 1, MSG_NOSIGNAL, NULL, 0) = 1 <0.000010>",
            "200 1.5 sendto(1, \"y\", 1, MSG_NOSIGNAL, NULL, 0) = 1 <0.000010>",
            "200 1.6 close(5) = 0 <0.000010>",
        ]);
        let shown = shown(&calls);
        assert_eq!(shown[1], "client sendto(4, \"x\", 1, MSG_NOSIGNAL, NULL, 0) = 1");
        assert_eq!(shown[2], "client close(5) = 0", "fd 1, F_GETFD's result, is no socket");
        assert_eq!(shown.len(), 3);
    }

    #[test]
    fn a_closed_sockets_fd_is_forgotten_so_a_file_that_reuses_it_is_left_out() {
        let calls = calls(&[
            "200 1.0 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3 <0.000010>",
            "200 1.1 close(3) = 0 <0.000010>",
            "200 1.2 openat(AT_FDCWD, \"/etc/hosts\", O_RDONLY|O_CLOEXEC) = 3 <0.000010>",
            "200 1.3 read(3, \"127.0.0.1 localhost\\n\", 4096) = 20 <0.000010>",
        ]);
        assert_eq!(shown(&calls).len(), 2, "socket and close, not the file's read: {calls:?}");
    }

    #[test]
    fn a_thread_or_process_is_on_the_side_of_whoever_cloned_it() {
        let calls = calls(&[
            "200 1.0 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3 <0.000010>",
            "200 1.1 clone3({flags=CLONE_VM|CLONE_THREAD, ...}, 88) = 201 <0.000050>",
            "201 1.2 clone(child_stack=NULL, flags=SIGCHLD) = 202 <0.000050>",
            "202 1.3 shutdown(3, SHUT_WR) = 0 <0.000010>",
            "300 1.4 clone(child_stack=NULL, flags=SIGCHLD) = 301 <0.000050>",
            "301 1.5 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3 <0.000010>",
        ]);
        assert_eq!(calls.len(), 2, "pid 300 is neither side, nor is what it starts");
        assert_eq!((calls[1].pid, calls[1].who), (202, Who::Client));
    }

    #[test]
    fn socket_addresses_read_as_address_and_port() {
        let ipv4 = "3, {sa_family=AF_INET, sin_port=htons(8000), \
                    sin_addr=inet_addr(\"127.0.0.1\")}, 16";
        assert_eq!(plain_addresses(ipv4), "3, 127.0.0.1:8000, 16");
        let ipv6 = "3, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), \
                    inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, 28";
        assert_eq!(plain_addresses(ipv6), "3, [::1]:443, 28");
        let unix = "4, {sa_family=AF_UNIX, sun_path=\"/var/run/nscd/socket\"}, 110";
        assert_eq!(plain_addresses(unix), unix);
        let cut = "3, {sa_family=AF_INET, sin_port=htons(80";
        assert_eq!(plain_addresses(cut), cut);
    }

    #[test]
    fn calls_on_files_pipes_and_unix_sockets_are_left_out() {
        let calls = calls(&[
            "100 1.0 close(3) = 0 <0.000002>",
            "100 1.1 socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 4 <0.000054>",
            "100 1.2 connect(4, {sa_family=AF_UNIX, sun_path=\"/x\"}, 110) = -1 ENOENT <0.00007>",
            "100 1.3 socket(AF_INET6, SOCK_STREAM, IPPROTO_IP) = 5 <0.000010>",
        ]);
        assert_eq!(shown(&calls), ["server socket(AF_INET6, SOCK_STREAM, IPPROTO_IP) = 5"]);
    }

    #[test]
    fn an_idle_poll_and_a_call_interrupted_as_the_server_stops_are_left_out() {
        let calls = calls(&[
            "100 1.0 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3 <0.000010>",
            "100 1.1 poll([{fd=3, events=POLLIN}], 1, 500) = 0 (Timeout) <0.500100>",
            "100 1.7 poll([{fd=3, events=POLLIN}], 1, 500) = 1 ([{fd=3, revents=POLLIN}]) <0.1>",
            "100 1.8 accept4(3, 0x7ffe2ebf1868, [128], SOCK_CLOEXEC <unfinished ...>",
            "100 2.0 +++ killed by SIGTERM +++",
            "100 2.1 <... accept4 resumed>) = ? ERESTARTSYS (To be restarted) <0.3>",
        ]);
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[1].started_text(), "poll([{fd=3, ...}], ...)");
    }

    #[test]
    fn strace_padding_before_a_result_is_taken_out() {
        assert_eq!(unpad_result("close(3)        = 0"), "close(3) = 0");
        assert_eq!(unpad_result("sendto(3, \"(a)  b\", 6) = 6"), "sendto(3, \"(a)  b\", 6) = 6");
    }

    #[test]
    fn the_result_follows_the_last_equals_sign_whatever_the_arguments_hold() {
        let (name, args, result) = split_call("sendto(4, \"f(x) = 1\", 8, 0, NULL, 0) = 8");
        assert_eq!((name, args, result), ("sendto", "4, \"f(x) = 1\", 8, 0, NULL, 0", "8"));
    }

    #[test]
    fn lines_that_are_not_calls_are_skipped_and_none_panics() {
        let line = "100 1.100300 <... recvfrom resumed>\"h\\303\\251\", 8192, 0, NULL, NULL) = 3 \
                    <0.000100>";
        let mut lines = vec!["", "100", "abc def ghi", "100 x socket() = 3 <0.1>", "é é é"];
        let cut: Vec<&str> = (0..line.len()).map(|end| &line[..end]).collect();
        lines.extend(cut);
        lines.push("<... close resumed>) = 0 <0.000002>");
        lines.push("100 1.0 <... close resumed>) = 0 <0.000002>");
        assert!(calls(&lines).is_empty());
    }
}
