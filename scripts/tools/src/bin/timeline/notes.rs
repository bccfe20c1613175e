//! The notes: a `#` line under an event of the timeline, saying what it teaches. Each is said
//! once, under the first event it applies to; when one event has several, they come in the
//! table's order. To teach one more thing is to add a row.

use crate::Protocol;
use crate::strace::Call;
use crate::tcpdump::{Packet, PacketKind};

pub struct Note {
    pub applies_to: AppliesTo,
    pub text: &'static str,
}

pub enum AppliesTo {
    /// A call of one of these names, where it returned, if the condition holds.
    Call(&'static [&'static str], When),
    /// A packet of this kind.
    Packet(PacketKind),
}

pub enum When {
    Always,
    /// It returned a number: for accept, the new connection's fd.
    ReturnedANumber,
    ResultIs(&'static str),
    ResultHas(&'static str),
    ArgsHave(&'static str),
    /// It read one byte or more from a socket of this protocol.
    ReadBytesOn(Protocol),
}

pub const NOTES: &[Note] = &[
    Note {
        applies_to: AppliesTo::Call(&["listen"], When::Always),
        text: "the backlog: how many connections the kernel completes before accept takes them \
               (std: 128)",
    },
    Note {
        applies_to: AppliesTo::Call(&["accept", "accept4"], When::ReturnedANumber),
        text: "the handshake (SYN, SYN-ACK, ACK) was done by the kernel before accept returned",
    },
    Note {
        applies_to: AppliesTo::Call(&["connect"], When::ResultHas("EINPROGRESS")),
        text: "connect_timeout: a connect that does not wait (EINPROGRESS); poll then waits, at \
               most the timeout",
    },
    Note {
        applies_to: AppliesTo::Call(&["sendto"], When::ArgsHave("MSG_NOSIGNAL")),
        text: "MSG_NOSIGNAL: if the peer has gone, this send fails with an error instead of \
               killing us (SIGPIPE)",
    },
    Note {
        applies_to: AppliesTo::Call(&["shutdown"], When::ArgsHave("SHUT_WR")),
        text: "shutdown(SHUT_WR) is the FIN: nothing more from this side, and it can still read",
    },
    Note {
        applies_to: AppliesTo::Call(&["recvfrom"], When::ResultIs("0")),
        text: "a read of 0 bytes: the peer's FIN; the stream is over",
    },
    Note {
        applies_to: AppliesTo::Call(&["recvfrom"], When::ResultHas("EAGAIN")),
        text: "EAGAIN: nothing waiting yet. udp-server writes its log out now, then waits for the \
               next datagram",
    },
    Note {
        applies_to: AppliesTo::Call(&["recvfrom"], When::ReadBytesOn(Protocol::Tcp)),
        text: "one recvfrom returns what has arrived so far, not \"the message\"",
    },
    Note {
        applies_to: AppliesTo::Call(&["recvfrom"], When::ReadBytesOn(Protocol::Udp)),
        text: "a datagram arrives whole, with its sender's address: one recvfrom, one datagram",
    },
    Note {
        applies_to: AppliesTo::Packet(PacketKind::Reset),
        text: "RST: a side closed with data it had not read, so its kernel reset the connection",
    },
];

impl Note {
    pub fn applies_to_call(&self, call: &Call) -> bool {
        match &self.applies_to {
            AppliesTo::Call(names, when) => names.contains(&call.name.as_str()) && when.holds(call),
            AppliesTo::Packet(_) => false,
        }
    }

    pub fn applies_to_packet(&self, packet: &Packet) -> bool {
        matches!(self.applies_to, AppliesTo::Packet(kind) if kind == packet.kind)
    }
}

impl When {
    fn holds(&self, call: &Call) -> bool {
        match self {
            When::Always => true,
            When::ReturnedANumber => call.result.starts_with(|c: char| c.is_ascii_digit()),
            When::ResultIs(result) => call.result == *result,
            When::ResultHas(part) => call.result.contains(part),
            When::ArgsHave(part) => call.args.contains(part),
            When::ReadBytesOn(protocol) => call.protocol == *protocol && read_bytes(call),
        }
    }
}

/// Whether a call returned a count of one or more: `= 22`, not `= 0` nor `= -1 EAGAIN`.
pub fn read_bytes(call: &Call) -> bool {
    call.result.starts_with(|c: char| ('1'..='9').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Who;

    fn call(name: &str, args: &str, result: &str, protocol: Protocol) -> Call {
        let (pid, who, started, returned) = (200, Who::Client, 0, 0);
        let (name, fd, args, result) = (name.into(), "3".into(), args.into(), result.into());
        Call { pid, who, started, returned, name, fd, args, result, protocol }
    }

    fn notes_on(call: &Call) -> Vec<&'static str> {
        NOTES.iter().filter(|note| note.applies_to_call(call)).map(|note| note.text).collect()
    }

    #[test]
    fn the_connect_timeout_note_is_for_a_connect_that_did_not_wait() {
        let address = "3, 127.0.0.1:9000, 16";
        let waiting =
            call("connect", address, "-1 EINPROGRESS (Operation now in progress)", Protocol::Tcp);
        assert!(notes_on(&waiting)[0].starts_with("connect_timeout: "));
        assert!(notes_on(&call("connect", address, "0", Protocol::Tcp)).is_empty());
    }

    #[test]
    fn a_read_is_noted_as_tcps_stream_or_as_a_whole_datagram() {
        let args = "3, \"hello\", 65536, 0, NULL, NULL";
        let on_tcp = notes_on(&call("recvfrom", args, "5", Protocol::Tcp));
        let on_udp = notes_on(&call("recvfrom", args, "5", Protocol::Udp));
        assert_eq!(on_tcp, ["one recvfrom returns what has arrived so far, not \"the message\""]);
        assert!(on_udp[0].starts_with("a datagram arrives whole"));
        let end = notes_on(&call("recvfrom", "3, \"\", 65536, 0, NULL, NULL", "0", Protocol::Tcp));
        assert_eq!(end, ["a read of 0 bytes: the peer's FIN; the stream is over"]);
    }

    #[test]
    fn the_reset_note_is_for_an_rst_packet_only() {
        let reset = Packet {
            at: 0,
            sender: Who::Client,
            kind: PacketKind::Reset,
            size: 0,
            preview: String::new(),
        };
        let data =
            Packet { kind: PacketKind::Data, size: 3, preview: "\"RST\"".into(), ..reset.clone() };
        let on =
            |packet: &Packet| NOTES.iter().filter(|note| note.applies_to_packet(packet)).count();
        assert_eq!((on(&reset), on(&data)), (1, 0));
    }
}
