//! The merge and the narration: both sides' calls and the packets, in time order, as the lines
//! of the timeline, the notes under them, and a few sentences on what the exchange showed.
//!
//! A call during which no packet went by is one line, at its start, with its result. A call
//! during which packets went by shows twice: where it started (no result yet), and where it
//! returned, with how long that took; so a reader sees the packets it waited for between them.

use crate::notes::{self, NOTES};
use crate::numbers::millis;
use crate::story::Story;
use crate::strace::Call;
use crate::tcpdump::Packet;
use crate::{Micros, Variant, Who};
use std::collections::HashMap;
use std::fmt;

/// The timeline: its lines, and what they showed.
pub struct Timeline {
    /// The first event's moment, from which `+T ms` counts.
    first: Micros,
    lines: Vec<Line>,
    summary: Vec<String>,
}

/// One line of the timeline.
pub struct Line {
    at: Micros,
    who: Who,
    /// 1 for the first thread of a side seen, 2 for the next, ...
    thread: usize,
    kind: LineKind,
    /// The call's name, or the packet's kind.
    name: String,
    fd: Option<String>,
    result: Option<String>,
    /// What the line shows after the time, who and thread.
    text: String,
    notes: Vec<&'static str>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LineKind {
    /// A call shown once, where it started, with its result: no packet went by during it.
    Call,
    /// A call during which packets went by, where it started...
    Start,
    /// ... and where it returned.
    Return,
    Packet,
}

impl LineKind {
    fn name(self) -> &'static str {
        match self {
            LineKind::Call => "call",
            LineKind::Start => "start",
            LineKind::Return => "return",
            LineKind::Packet => "packet",
        }
    }
}

/// A moment of the merge: a call (by its index) starting or returning, or a packet.
#[derive(Clone, Copy)]
enum Moment {
    Started(usize),
    Returned(usize),
    Packet(usize),
}

/// The timeline of these calls and packets; `variant` is which programs made them.
pub fn timeline(calls: &[Call], packets: &[Packet], variant: Variant) -> Timeline {
    let moments = in_time_order(calls, packets);
    let (started_at, returned_at) = positions(&moments, calls.len());
    let first = moments.first().map_or(0, |(at, _)| *at);
    let mut narrator = Narrator::new(first);
    let mut shown_whole = vec![false; calls.len()];
    for (at, moment) in moments.iter().copied() {
        match moment {
            Moment::Packet(n) => narrator.packet(&packets[n]),
            Moment::Started(n) if packet_between(&moments, started_at[n], returned_at[n]) => {
                narrator.started(&calls[n], at)
            }
            Moment::Started(n) => {
                narrator.returned(&calls[n], at, LineKind::Call);
                shown_whole[n] = true;
            }
            Moment::Returned(n) if !shown_whole[n] => {
                narrator.returned(&calls[n], at, LineKind::Return)
            }
            Moment::Returned(_) => {} // shown whole, where it started
        }
    }
    narrator.finish(variant)
}

/// Each call's start and return, and each packet, sorted by time. The sort is stable: at the
/// same microsecond, a call's start stays before its return, and calls before packets.
fn in_time_order(calls: &[Call], packets: &[Packet]) -> Vec<(Micros, Moment)> {
    let mut moments = Vec::new();
    for (n, call) in calls.iter().enumerate() {
        moments.push((call.started, Moment::Started(n)));
        moments.push((call.returned, Moment::Returned(n)));
    }
    moments.extend(packets.iter().enumerate().map(|(n, packet)| (packet.at, Moment::Packet(n))));
    moments.sort_by_key(|(at, _)| *at);
    moments
}

/// Where each call's start and return are in the merge.
fn positions(moments: &[(Micros, Moment)], calls: usize) -> (Vec<usize>, Vec<usize>) {
    let (mut started_at, mut returned_at) = (vec![0; calls], vec![0; calls]);
    for (position, (_, moment)) in moments.iter().enumerate() {
        match *moment {
            Moment::Started(n) => started_at[n] = position,
            Moment::Returned(n) => returned_at[n] = position,
            Moment::Packet(_) => {}
        }
    }
    (started_at, returned_at)
}

/// Whether a packet went by between two moments of the merge (none, if `to` is not after).
fn packet_between(moments: &[(Micros, Moment)], from: usize, to: usize) -> bool {
    let between = moments.get(from + 1..to).unwrap_or_default();
    between.iter().any(|(_, moment)| matches!(moment, Moment::Packet(_)))
}

/// Who tells the timeline, line by line: it numbers the threads, says each note once, and keeps
/// what the closing sentences need.
struct Narrator {
    first: Micros,
    lines: Vec<Line>,
    threads: HashMap<(Who, Option<u32>), usize>,
    threads_seen: HashMap<Who, usize>,
    noted: Vec<bool>,
    story: Story,
}

impl Narrator {
    fn new(first: Micros) -> Narrator {
        Narrator {
            first,
            lines: Vec::new(),
            threads: HashMap::new(),
            threads_seen: HashMap::new(),
            noted: vec![false; NOTES.len()],
            story: Story::default(),
        }
    }

    /// A call where it started, its result still to come.
    fn started(&mut self, call: &Call, at: Micros) {
        let thread = self.thread(call.who, Some(call.pid));
        self.lines.push(Line {
            at,
            who: call.who,
            thread,
            kind: LineKind::Start,
            name: call.name.clone(),
            fd: Some(call.socket().into()),
            result: None,
            text: call.started_text(),
            notes: Vec::new(),
        });
    }

    /// A call with its result: shown whole where it started, or where it returned.
    fn returned(&mut self, call: &Call, at: Micros, kind: LineKind) {
        let thread = self.thread(call.who, Some(call.pid));
        let mut text = call.returned_text();
        if kind == LineKind::Return {
            let took = millis(call.returned - call.started);
            text = format!("{text}  (returned after {took} ms)");
        }
        let notes = self.notes_for(|note| note.applies_to_call(call));
        self.lines.push(Line {
            at,
            who: call.who,
            thread,
            kind,
            name: call.name.clone(),
            fd: Some(call.socket().into()),
            result: Some(call.result.clone()),
            text,
            notes,
        });
        self.story.call(call);
    }

    fn packet(&mut self, packet: &Packet) {
        let thread = self.thread(Who::Wire, None);
        let notes = self.notes_for(|note| note.applies_to_packet(packet));
        let text = packet.describe();
        self.story.packet(packet, &text);
        self.lines.push(Line {
            at: packet.at,
            who: Who::Wire,
            thread,
            kind: LineKind::Packet,
            name: packet.kind.name().into(),
            fd: None,
            result: None,
            text,
            notes,
        });
    }

    /// The notes not said yet that apply, marked said.
    fn notes_for(&mut self, applies: impl Fn(&notes::Note) -> bool) -> Vec<&'static str> {
        let mut notes = Vec::new();
        for (n, note) in NOTES.iter().enumerate() {
            if !self.noted[n] && applies(note) {
                self.noted[n] = true;
                notes.push(note.text);
            }
        }
        notes
    }

    /// Threads are numbered in the order their side's lines first show them.
    fn thread(&mut self, who: Who, pid: Option<u32>) -> usize {
        if let Some(&number) = self.threads.get(&(who, pid)) {
            return number;
        }
        let seen = self.threads_seen.entry(who).or_insert(0);
        *seen += 1;
        self.threads.insert((who, pid), *seen);
        *seen
    }

    fn finish(self, variant: Variant) -> Timeline {
        let summary = self.story.sentences(self.first, variant);
        Timeline { first: self.first, lines: self.lines, summary }
    }
}

/// The timeline as trace.sh prints it.
impl fmt::Display for Timeline {
    fn fmt(&self, out: &mut fmt::Formatter) -> fmt::Result {
        for line in &self.lines {
            let at = format!("+{} ms", millis(line.at - self.first));
            let thread =
                if line.thread == 1 { String::new() } else { format!("[thread {}] ", line.thread) };
            writeln!(out, "{at:>12}  {:<6}  {thread}{}", line.who.name(), line.text)?;
            for note in &line.notes {
                writeln!(out, "{:22}# {note}", "")?;
            }
        }
        for sentence in &self.summary {
            writeln!(out, "{sentence}")?;
        }
        Ok(())
    }
}

impl Timeline {
    /// The lines as data, one a line, in tab-separated fields (see the header of main.rs). No
    /// field holds a tab: strace writes one as `\t`, and a packet's preview as a dot.
    pub fn events(&self) -> String {
        let mut events = String::new();
        for line in &self.lines {
            let thread =
                if line.who == Who::Wire { "-".to_string() } else { line.thread.to_string() };
            let fields = [
                millis(line.at - self.first),
                line.who.name().to_string(),
                thread,
                line.kind.name().to_string(),
                line.name.clone(),
                line.fd.clone().unwrap_or_else(|| "-".into()),
                line.result.clone().unwrap_or_else(|| "-".into()),
                line.text.clone(),
            ];
            events.push_str(&fields.join("\t"));
            events.push('\n');
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{strace, tcpdump};

    /// The timeline of a few strace lines (server 100, client 200) and tcpdump lines (port 9000).
    fn told(calls: &[&str], packets: &[&str]) -> Timeline {
        let calls = strace::socket_calls(&calls.join("\n"), 100, 200);
        let packets = tcpdump::packets(&packets.join("\n"), 9000);
        timeline(&calls, &packets, Variant::Full)
    }

    fn lines(timeline: &Timeline) -> Vec<String> {
        timeline.to_string().lines().take_while(|line| !line.is_empty()).map(String::from).collect()
    }

    #[test]
    fn a_call_that_packets_went_by_during_shows_where_it_started_and_where_it_returned() {
        let timeline = told(
            &[
                "200 1.000000 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3 <0.000010>",
                "200 1.000100 sendto(3, \"hi\", 2, MSG_NOSIGNAL, NULL, 0) = 2 <0.000300>",
                "200 1.000500 close(3) = 0 <0.000050>",
            ],
            &["1.000200 IP 127.0.0.1.5555 > 127.0.0.1.9000: Flags [P.], seq 1:3, length 2"],
        );
        assert_eq!(
            lines(&timeline),
            [
                "   +0.000 ms  client  socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3",
                "   +0.100 ms  client  sendto(3, ...)",
                "   +0.200 ms  wire    client > server  data 2 bytes \"\"",
                "   +0.400 ms  client  sendto(3, \"hi\", 2, MSG_NOSIGNAL, NULL, 0) = 2  (returned \
                 after 0.300 ms)",
                "                      # MSG_NOSIGNAL: if the peer has gone, this send fails with \
                 an error instead of killing us (SIGPIPE)",
                "   +0.500 ms  client  close(3) = 0",
            ]
        );
        let kinds: Vec<LineKind> = timeline.lines.iter().map(|line| line.kind).collect();
        use LineKind::*;
        assert_eq!(kinds, [Call, Start, Packet, Return, Call]);
    }

    #[test]
    fn threads_are_numbered_per_side_in_the_order_they_first_show() {
        let timeline = told(
            &[
                "100 1.0 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 3 <0.000010>",
                "100 1.1 clone3({flags=CLONE_VM, ...}, 88) = 101 <0.000050>",
                "200 1.2 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 3 <0.000010>",
                "101 1.3 close(3) = 0 <0.000010>",
            ],
            &[],
        );
        let threads: Vec<(Who, usize)> =
            timeline.lines.iter().map(|line| (line.who, line.thread)).collect();
        assert_eq!(threads, [(Who::Server, 1), (Who::Client, 1), (Who::Server, 2)]);
        assert!(lines(&timeline)[2].ends_with("  server  [thread 2] close(3) = 0"));
    }

    #[test]
    fn each_note_is_said_once_under_the_first_line_it_applies_to() {
        let listen = "100 1.0 listen(3, 128) = 0 <0.000010>";
        let timeline = told(
            &["100 0.9 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3 <0.000010>", listen, listen],
            &[],
        );
        let notes: Vec<usize> = timeline.lines.iter().map(|line| line.notes.len()).collect();
        assert_eq!(notes, [0, 1, 0]);
    }

    #[test]
    fn the_events_are_the_lines_in_tab_separated_fields() {
        let timeline = told(
            &["100 1.0 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3 <0.000010>"],
            &["1.000200 IP 127.0.0.1.5555 > 127.0.0.1.9000: Flags [S], seq 1, length 0"],
        );
        assert_eq!(
            timeline.events(),
            "0.000\tserver\t1\tcall\tsocket\t3\t3\tsocket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3\n\
             0.200\twire\t-\tpacket\tSYN\t-\t-\tclient > server  SYN\n"
        );
    }
}
