//! scripts/trace.sh shows each exchange as it happens: both sides' system calls and the packets
//! between them, in time order. These tests run it (as root, with strace and tcpdump: it says
//! `skipped:` otherwise), read its timeline as data (the events it writes to TRACE_EVENTS), and
//! check the order of what it shows, that the notebook's Python makes the same calls as our Rust,
//! and that the README's table names calls our programs really make; and that the README's
//! timeline is, line by line, what it prints.

mod common;

use common::*;
use std::process::Command;

/// One line of a timeline, as the timeline tool gives it (`timeline --events`, which trace.sh
/// writes to the file TRACE_EVENTS names): who (client, server or wire), the line's kind (`call`,
/// `start`, `return` or `packet`), the call's name or the packet's kind, the call's result, and
/// the text the timeline shows (`recvfrom(4, "", 8192, 0, NULL, NULL) = 0`, or, for a packet,
/// `client > server  FIN`).
struct Event {
    who: String,
    kind: String,
    name: String,
    result: String,
    text: String,
}

impl Event {
    /// From the tool's tab-separated fields: ms, who, thread, kind, name, fd, result, text.
    fn parse(line: &str) -> Event {
        let fields: Vec<&str> = line.split('\t').collect();
        let [_ms, who, _thread, kind, name, _fd, result, text] = fields[..] else {
            panic!("an event is 8 tab-separated fields: {line:?}");
        };
        let [who, kind, name, result, text] = [who, kind, name, result, text].map(String::from);
        Event { who, kind, name, result, text }
    }
    /// The system call's name, for a call.
    fn call(&self) -> Option<&str> {
        (self.who != "wire").then_some(self.name.as_str())
    }
    /// A call's line with its result: the one where it returned.
    fn returned(&self) -> bool {
        self.kind == "call" || self.kind == "return"
    }
    /// What a call returned: "0", "-1 EAGAIN (Resource temporarily unavailable)".
    fn result(&self) -> Option<&str> {
        self.returned().then_some(self.result.as_str())
    }
}

/// Run `scripts/trace.sh ARGS`, and read its timeline's events; None, with the reason said, if
/// skipped.
fn trace(args: &[&str]) -> Option<Vec<Event>> {
    let temp = TempDir::new("trace");
    // Beside, not in, trace.sh's TMPDIR: that one must be left empty.
    let events_dir = TempDir::new("trace-events");
    let events_file = events_dir.0.join("events");
    let mut command = Command::new("bash");
    command.arg(workspace_root().join("scripts/trace.sh")).args(args).env("TMPDIR", &temp.0);
    command.env("TRACE_EVENTS", &events_file);
    let output = run(command, None); // and nothing it started may still run afterwards
    let transcript = output.stdout_text();
    assert_eq!(output.code(), Some(0), "trace.sh {args:?}:\n{transcript}{}", output.stderr);
    if let Some(reason) = transcript.lines().find_map(|line| line.strip_prefix("skipped: ")) {
        skip(&format!("trace.sh: {reason}"));
        return None;
    }
    let left = std::fs::read_dir(&temp.0).map(|entries| entries.count()).unwrap_or(0);
    assert_eq!(left, 0, "trace.sh {args:?} left files in its temporary folder");
    let events = std::fs::read_to_string(&events_file).unwrap_or_default();
    let events: Vec<Event> = events.lines().map(Event::parse).collect();
    assert!(events.len() > 5, "trace.sh {args:?} wrote no events:\n{transcript}");
    Some(events)
}

fn first(events: &[Event], what: &str, test: impl Fn(&Event) -> bool) -> usize {
    let found = events.iter().position(test);
    found.unwrap_or_else(|| panic!("no {what} in the timeline:\n{}", show(events)))
}

fn show(events: &[Event]) -> String {
    events.iter().map(|event| format!("{:6}  {}\n", event.who, event.text)).collect()
}

#[test]
fn the_tcp_handshake_is_done_before_accept_returns_and_shutdown_sends_the_fin() {
    let Some(events) = trace(&["tcp"]) else { return };
    let syn = first(&events, "SYN", |event| event.text.ends_with("client > server  SYN"));
    let syn_ack = first(&events, "SYN-ACK", |event| event.text.ends_with("  SYN-ACK"));
    let accepted = first(&events, "accept4 returning", |event| {
        event.who == "server" && event.call() == Some("accept4") && event.returned()
    });
    assert!(syn < syn_ack && syn_ack < accepted, "{}", show(&events));
    let shutdown = first(&events, "the client's shutdown", |event| {
        event.who == "client" && event.call() == Some("shutdown")
    });
    let fin =
        first(&events, "the client's FIN", |event| event.text.starts_with("client > server  FIN"));
    assert!(shutdown < fin, "the FIN went before the shutdown:\n{}", show(&events));
    let eof = first(&events, "the server's read of 0", |event| {
        event.who == "server" && event.call() == Some("recvfrom") && event.result() == Some("0")
    });
    assert!(fin < eof, "the server read the end before the FIN came:\n{}", show(&events));
    first(&events, "the greeting", |event| event.text.contains("\"Thanks for connecting\\n\""));
}

#[test]
fn a_datagram_is_on_the_wire_before_the_servers_recvfrom_returns() {
    let Some(events) = trace(&["udp"]) else { return };
    let datagram = first(&events, "the datagram", |event| {
        event.text.starts_with("client > server  UDP datagram 5 bytes \"hello\"")
    });
    let received = first(&events, "recvfrom returning it", |event| {
        event.who == "server"
            && event.call() == Some("recvfrom")
            && event.text.contains("\"hello\"")
    });
    assert!(datagram < received, "{}", show(&events));
    let handshake = events.iter().any(|event| event.text.contains("SYN"));
    assert!(!handshake, "UDP has no handshake:\n{}", show(&events));
}

#[test]
fn the_get_line_of_http_get_is_seen_on_the_wire() {
    let Some(events) = trace(&["http"]) else { return };
    first(&events, "the GET line", |event| {
        event.who == "wire"
            && event.text.contains("data 95 bytes \"GET /hello.txt HTTP/1.1\\r\\nHost: ")
    });
    first(&events, "the body", |event| event.text.contains("\"Hello from the web server\\n\""));
}

/// A client's socket calls, as the sequence of socket, connect, sendto, recvfrom and close,
/// each repeat counted once (give or take the half-close, and connect_timeout's poll).
fn client_story(events: &[Event]) -> Vec<String> {
    let mut story: Vec<String> = Vec::new();
    let calls = events.iter().filter(|event| event.who == "client" && event.returned());
    for call in calls.filter_map(Event::call) {
        let told = ["socket", "connect", "sendto", "recvfrom", "close"].contains(&call);
        if told && story.last().is_none_or(|last| last != call) {
            story.push(call.to_string());
        }
    }
    story
}

#[test]
fn the_notebooks_python_client_and_ours_make_the_same_socket_calls() {
    let Some(rust) = trace(&["tcp", "--minimal"]) else { return };
    let Some(python) = trace(&["tcp", "--python"]) else { return };
    let expected = ["socket", "connect", "recvfrom", "close"];
    assert_eq!(client_story(&rust), expected, "minimal-tcp-client:\n{}", show(&rust));
    assert_eq!(client_story(&python), expected, "the notebook's client:\n{}", show(&python));
    // The full client sends too, from a thread of its own while it reads: the same calls, and
    // sendto, in an order that depends on which thread runs first.
    let Some(full) = trace(&["tcp"]) else { return };
    let mut calls = client_story(&full);
    calls.sort();
    calls.dedup();
    assert_eq!(calls, ["close", "connect", "recvfrom", "sendto", "socket"], "{}", show(&full));
}

/// Which exchange, which programs and which side each file of ours is traced as.
fn traced_as(file: &str) -> (&'static str, &'static str, &'static str) {
    let exchange = match file {
        _ if file.starts_with("tcp-") => "tcp",
        _ if file.starts_with("udp-") => "udp",
        _ => "http",
    };
    let variant = if file.contains("/examples/") { "--minimal" } else { "--full" };
    let side = if file.contains("server") { "server" } else { "client" };
    (exchange, variant, side)
}

#[test]
fn each_system_call_the_readme_table_names_is_made_where_its_row_links() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README");
    let table = readme.lines().skip_while(|line| !line.contains("| system call |"));
    let rows: Vec<&str> = table.skip(2).take_while(|line| line.starts_with('|')).collect();
    assert!(rows.len() >= 10, "the README's table has a system call column");
    let mut traces: Vec<((&str, &str), Vec<Event>)> = Vec::new();
    for row in rows {
        let cells: Vec<&str> = row.split(" | ").collect();
        let calls: Vec<&str> = cells[2].split('`').skip(1).step_by(2).collect();
        if calls.is_empty() {
            continue; // no system call behind this row (gethostname, except)
        }
        let links = cells[3..].join(" ");
        let files: Vec<&str> =
            links.split("](").skip(1).filter_map(|rest| rest.split('#').next()).collect();
        assert!(!files.is_empty(), "{row}: links to our code");
        let mut made = vec![false; calls.len()];
        for file in files {
            let (exchange, variant, side) = traced_as(file);
            if !traces.iter().any(|(key, _)| *key == (exchange, variant)) {
                let args =
                    if variant == "--full" { vec![exchange] } else { vec![exchange, variant] };
                let Some(events) = trace(&args) else { return };
                traces.push(((exchange, variant), events));
            }
            let events =
                &traces.iter().find(|(key, _)| *key == (exchange, variant)).expect("traced").1;
            let side_calls: Vec<&str> =
                events.iter().filter(|event| event.who == side).filter_map(Event::call).collect();
            let mut any = false;
            for (n, call) in calls.iter().enumerate() {
                if side_calls.contains(call) {
                    made[n] = true;
                    any = true;
                }
            }
            assert!(any, "{file} makes none of {calls:?} (its row: {row})\n{}", show(events));
        }
        for (call, made) in calls.iter().zip(made) {
            assert!(made, "none of the programs its row links make {call}: {row}");
        }
    }
}

/// A line of a timeline as it is whatever the run: without its time, how long its call took, or
/// the numbers that change from run to run (ports, and poll's time left), all of 4 digits or more.
fn steady(line: &str) -> String {
    let line = line.trim();
    let line = line
        .strip_prefix('+')
        .and_then(|rest| rest.split_once(" ms  "))
        .map_or(line, |(_, rest)| rest);
    let line = line.split("  (returned after ").next().unwrap_or(line);
    let mut steady = String::new();
    let mut digits = String::new();
    for c in line.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        steady.push_str(if digits.len() >= 4 { "N" } else { &digits });
        digits.clear();
        steady.push(c);
    }
    steady.pop();
    steady.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn each_line_of_the_readmes_timeline_is_one_a_fresh_trace_sh_tcp_prints() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README");
    let section = readme.split("## See it happen").nth(1).expect("a See it happen section");
    let block = section.split("```text\n").nth(1).and_then(|rest| rest.split("```").next());
    let lines: Vec<&str> =
        block.expect("a timeline").lines().filter(|line| line.trim() != "...").collect();
    assert!(lines.len() > 20, "a timeline worth reading");
    let temp = TempDir::new("trace-readme");
    let mut command = Command::new("bash");
    command.arg(workspace_root().join("scripts/trace.sh")).arg("tcp").env("TMPDIR", &temp.0);
    let output = run(command, None);
    let transcript = output.stdout_text();
    if let Some(reason) = transcript.lines().find_map(|line| line.strip_prefix("skipped: ")) {
        return skip(&format!("trace.sh: {reason}"));
    }
    let fresh: Vec<String> = transcript.lines().map(steady).collect();
    for line in lines {
        // A call shown where it started (`sendto(4, ...)`) appears only when packets went by
        // during it, which varies: then any line of the same side, call and socket will do.
        let wanted = steady(line);
        let started = wanted.strip_suffix(", ...)");
        let found = fresh.iter().any(|seen| match started {
            Some(start) => seen.starts_with(start),
            None => *seen == wanted,
        });
        assert!(
            found,
            "the README's timeline line {line:?} is not in a fresh trace:\n{transcript}"
        );
    }
}
