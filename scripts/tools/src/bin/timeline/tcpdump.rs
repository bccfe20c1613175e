//! tcpdump's lines in, the packets out, each said in words.
//!
//! tcpdump -tt -nn -X writes a summary line per packet (`TIME IP SOURCE > DESTINATION: ...,
//! length N`), then its bytes in hex, 16 a line. The payload is the last N bytes; we show its
//! first ones, so that the greeting and the GET line can be read on the wire.

use crate::numbers::{leading_number, micros};
use crate::{Micros, Who};

/// How much of a payload a packet's line shows.
const PREVIEW_BYTES: usize = 40;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PacketKind {
    Syn,
    SynAck,
    Ack,
    Fin,
    Reset,
    Data,
    Datagram,
}

impl PacketKind {
    pub fn name(self) -> &'static str {
        match self {
            PacketKind::Syn => "SYN",
            PacketKind::SynAck => "SYN-ACK",
            PacketKind::Ack => "ACK",
            PacketKind::Fin => "FIN",
            PacketKind::Reset => "RST",
            PacketKind::Data => "data",
            PacketKind::Datagram => "datagram",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Packet {
    pub at: Micros,
    /// Client or server: the server's packets come from the exchange's port.
    pub sender: Who,
    pub kind: PacketKind,
    /// The payload's size in bytes.
    pub size: i64,
    /// The payload's first bytes, quoted: `"Thanks for connecting\n"`.
    pub preview: String,
}

impl Packet {
    /// The packet as the timeline says it: `client > server  data 5 bytes "hello"`.
    pub fn describe(&self) -> String {
        let direction =
            if self.sender == Who::Server { "server > client" } else { "client > server" };
        let (size, preview) = (self.size, &self.preview);
        let what = match self.kind {
            PacketKind::Datagram => format!("UDP datagram {size} bytes {preview}"),
            PacketKind::Reset => "RST (reset)".into(),
            PacketKind::SynAck => "SYN-ACK".into(),
            PacketKind::Syn => "SYN".into(),
            PacketKind::Fin if size > 0 => format!("FIN and data {size} bytes {preview}"),
            PacketKind::Fin => "FIN".into(),
            PacketKind::Data => format!("data {size} bytes {preview}"),
            PacketKind::Ack => "ACK".into(),
        };
        format!("{direction}  {what}")
    }

    /// Whether its line shows its payload: data, a FIN with data, any datagram.
    pub fn shows_payload(&self) -> bool {
        !self.preview.is_empty()
    }
}

/// The packets in tcpdump's output, in its order. `port` is the server's.
pub fn packets(tcpdump_output: &str, port: u16) -> Vec<Packet> {
    let mut packets = Vec::new();
    // The packet being read: its moment, its summary line, and its bytes in hex so far.
    let mut reading: Option<(Micros, &str, String)> = None;
    for line in tcpdump_output.lines() {
        if let Some(at) = packet_starts(line) {
            packets
                .extend(reading.take().map(|(at, summary, hex)| packet(at, summary, &hex, port)));
            reading = Some((at, line, String::new()));
        } else if let Some((_, _, hex)) = reading.as_mut() {
            hex.push_str(&hex_of(line).unwrap_or_default());
        }
    }
    packets.extend(reading.map(|(at, summary, hex)| packet(at, summary, &hex, port)));
    packets
}

/// A packet's summary line, `1796158627.160443 IP 127.0.0.1.45266 > ...` (or `IP6`): its moment.
fn packet_starts(line: &str) -> Option<Micros> {
    let (time, rest) = line.split_once(' ')?;
    let (seconds, fraction) = time.split_once('.')?;
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let is_ip = rest.starts_with("IP ") || rest.starts_with("IP6 ");
    if digits(seconds) && digits(fraction) && is_ip { micros(time) } else { None }
}

/// The hex of one line of bytes, `\t0x0010:  7f00 0001 b0d2 ...  ASCII`, without its spaces;
/// None for any other line.
fn hex_of(line: &str) -> Option<String> {
    let offset = line.trim_start_matches([' ', '\t']);
    if offset.len() == line.len() {
        return None;
    }
    let (offset, _) = offset.strip_prefix("0x")?.split_once(':')?;
    if offset.is_empty()
        || !offset.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    // The hex columns are the 42 characters after the colon; the ASCII column comes after.
    let (_, after_colon) = line.split_once(':')?;
    Some(after_colon.chars().take(42).filter(|&c| c != ' ').collect())
}

fn packet(at: Micros, summary: &str, hex: &str, port: u16) -> Packet {
    let size = summary.rsplit_once("length ").map_or(0, |(_, size)| leading_number(size));
    let source = summary.split_whitespace().nth(2).unwrap_or("");
    let sender = if source.ends_with(&format!(".{port}")) { Who::Server } else { Who::Client };
    let kind =
        if summary.contains(": UDP, ") { PacketKind::Datagram } else { tcp_kind(summary, size) };
    let shows_payload = matches!(kind, PacketKind::Datagram | PacketKind::Data | PacketKind::Fin);
    let preview = if shows_payload && (size > 0 || kind == PacketKind::Datagram) {
        preview(hex, size)
    } else {
        String::new()
    };
    Packet { at, sender, kind, size, preview }
}

/// A TCP packet's kind, from its flags (`Flags [S.]`: SYN and ACK) and its payload's size.
fn tcp_kind(summary: &str, size: i64) -> PacketKind {
    let flags = summary.rsplit_once("Flags [").map_or(summary, |(_, flags)| flags);
    let flags = flags.split(']').next().unwrap_or(flags);
    if flags.contains('R') {
        PacketKind::Reset
    } else if flags.contains('S') {
        if flags.contains('.') { PacketKind::SynAck } else { PacketKind::Syn }
    } else if flags.contains('F') {
        PacketKind::Fin
    } else if size > 0 {
        PacketKind::Data
    } else {
        PacketKind::Ack
    }
}

/// The payload's first bytes, quoted, with \n and \r as they are written and a dot for any other
/// byte that is not printable: `"GET / HTTP/1.1\r\nHost: ..."`. The payload is the packet's last
/// `size` bytes; a capture cut short shows what it has.
pub fn preview(hex: &str, size: i64) -> String {
    let digits: Vec<char> = hex.chars().collect();
    let payload_digits = usize::try_from(size.saturating_mul(2)).unwrap_or(0);
    let payload = &digits[digits.len().saturating_sub(payload_digits)..];
    let mut text = String::new();
    for pair in payload.chunks(2).take(PREVIEW_BYTES) {
        let high = hex_value(pair[0]);
        let low = pair.get(1).map_or(0, |&digit| hex_value(digit));
        match high * 16 + low {
            10 => text.push_str("\\n"),
            13 => text.push_str("\\r"),
            byte @ 32..=126 => text.push(char::from(byte as u8)),
            _ => text.push('.'),
        }
    }
    let more = if size > PREVIEW_BYTES as i64 { "..." } else { "" };
    format!("\"{text}{more}\"")
}

/// A hex digit's value (tcpdump writes them in lower case); -1 for anything else.
fn hex_value(digit: char) -> i32 {
    digit.to_digit(16).filter(|_| !digit.is_ascii_uppercase()).map_or(-1, |value| value as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORT: u16 = 9000;

    fn described(tcpdump_output: &str) -> Vec<String> {
        packets(tcpdump_output, PORT).iter().map(Packet::describe).collect()
    }

    #[test]
    fn a_handshake_is_told_by_its_flags_and_its_direction_by_the_servers_port() {
        let handshake = "\
1.000001 IP 127.0.0.1.5555 > 127.0.0.1.9000: Flags [S], seq 1, win 65495, length 0
1.000002 IP 127.0.0.1.9000 > 127.0.0.1.5555: Flags [S.], seq 2, ack 2, win 65483, length 0
1.000003 IP 127.0.0.1.5555 > 127.0.0.1.9000: Flags [.], ack 1, win 64, length 0";
        let expected = ["client > server  SYN", "server > client  SYN-ACK", "client > server  ACK"];
        assert_eq!(described(handshake), expected);
        assert_eq!(packets(handshake, PORT)[2].at, 1_000_003);
    }

    #[test]
    fn a_reset_is_said_in_words() {
        let reset = "1.5 IP6 ::1.5555 > ::1.9000: Flags [R.], seq 18, ack 386, win 64, length 0";
        assert_eq!(described(reset), ["client > server  RST (reset)"]);
        assert_eq!(packets(reset, PORT)[0].kind, PacketKind::Reset);
    }

    #[test]
    fn a_udp_datagram_shows_its_payload_the_last_bytes_of_the_packet() {
        let datagram = "\
1796158627.160443 IP 127.0.0.1.53243 > 127.0.0.1.9000: UDP, length 5
\t0x0000:  4500 0021 c4b6 4000 4011 780d 7f00 0001  E..!..@.@.x.....
\t0x0010:  7f00 0001 cffb 2328 000d fe20 6865 6c6c  ......#(....hell
\t0x0020:  6f                                       o";
        assert_eq!(described(datagram), ["client > server  UDP datagram 5 bytes \"hello\""]);
    }

    #[test]
    fn a_fin_can_carry_data_and_line_ends_are_written_as_escapes() {
        let fin = "\
2.0 IP 127.0.0.1.9000 > 127.0.0.1.5555: Flags [FP.], seq 1:4, ack 1, win 64, length 3
\t0x0000:  4500 0037 0000 4000 4006 3cba 7f00 0001  E..7..@.@.<.....
\t0x0010:  6f6b 0a                                  ok.";
        assert_eq!(described(fin), ["server > client  FIN and data 3 bytes \"ok\\n\""]);
    }

    #[test]
    fn a_preview_shows_40_bytes_then_dots_and_a_dot_for_each_unprintable_byte() {
        let hex = "00".repeat(20) + &"41".repeat(45);
        assert_eq!(preview(&hex, 45), format!("\"{}...\"", "A".repeat(40)));
        assert_eq!(preview(&"41".repeat(40), 40), format!("\"{}\"", "A".repeat(40)), "all there");
        assert_eq!(preview(&"41".repeat(41), 41), format!("\"{}...\"", "A".repeat(40)));
        assert_eq!(preview("ff0d41", 3), "\".\\rA\"");
        assert_eq!(preview("41", 5), "\"A\"", "a capture cut short shows what it has");
    }

    #[test]
    fn other_lines_are_skipped_and_none_panics() {
        let output = "tcpdump: verbose output suppressed\n\t0x0000:  4500\n\
                      1.0 IP 127.0.0.1.9000 > 127.0.0.1.5555: Flags [S.], seq 1\n\
                      \t0xzz:  4500\n\t0x0010:  é\n1.x IP\n3 packets captured";
        assert_eq!(described(output), ["server > client  SYN-ACK"]);
    }
}
