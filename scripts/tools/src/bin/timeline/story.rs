//! What the closing sentences say: the moments and counts they need, kept as the timeline is
//! told, and the sentences themselves.

use crate::notes;
use crate::numbers::{leading_number, millis};
use crate::strace::Call;
use crate::tcpdump::{Packet, PacketKind};
use crate::{Micros, Variant, Who};

#[derive(Default)]
pub struct Story {
    connect_started: Option<Micros>,
    accept_returned: Option<Micros>,
    client_shutdown_started: Option<Micros>,
    server_read_returned: Option<Micros>,
    syn: Option<Micros>,
    syn_ack_seen: bool,
    handshake_done: Option<Micros>,
    client_fin: Option<Micros>,
    first_datagram_up: Option<Micros>,
    /// Payload bytes, and the packets that carried them, up (client to server) and down. Sums
    /// saturate: a capture's absurd length must not overflow them.
    bytes_up: i64,
    bytes_down: i64,
    packets_up: i64,
    packets_down: i64,
    client_reads: i64,
    bytes_read_by_client: i64,
    calls_by_client: i64,
    calls_by_server: i64,
    /// The last packet's text that carries a GET line, from its opening quote.
    request: Option<String>,
}

impl Story {
    /// A call, once its result is known.
    pub fn call(&mut self, call: &Call) {
        let is_client = call.who == Who::Client;
        if is_client {
            self.calls_by_client += 1;
        } else {
            self.calls_by_server += 1;
        }
        let name = call.name.as_str();
        let returned_a_number = call.result.starts_with(|c: char| c.is_ascii_digit());
        if (name == "accept" || name == "accept4") && returned_a_number {
            self.accept_returned.get_or_insert(call.returned);
        }
        if name == "connect" {
            self.connect_started.get_or_insert(call.started);
        }
        if name == "shutdown" && call.args.contains("SHUT_WR") && is_client {
            self.client_shutdown_started.get_or_insert(call.started);
        }
        if name == "recvfrom" && notes::read_bytes(call) {
            if is_client {
                self.client_reads += 1;
                self.bytes_read_by_client =
                    self.bytes_read_by_client.saturating_add(leading_number(&call.result));
            } else {
                self.server_read_returned.get_or_insert(call.returned);
            }
        }
    }

    /// A packet, and its text as the timeline shows it.
    pub fn packet(&mut self, packet: &Packet, text: &str) {
        let from_client = packet.sender == Who::Client;
        match packet.kind {
            PacketKind::Syn => {
                self.syn.get_or_insert(packet.at);
            }
            PacketKind::SynAck => self.syn_ack_seen = true,
            PacketKind::Ack if from_client && self.syn_ack_seen => {
                self.handshake_done.get_or_insert(packet.at);
            }
            PacketKind::Fin if from_client => {
                self.client_fin.get_or_insert(packet.at);
            }
            _ => {}
        }
        if !packet.shows_payload() {
            return;
        }
        if from_client {
            self.bytes_up = self.bytes_up.saturating_add(packet.size);
            self.packets_up += 1;
            if packet.kind == PacketKind::Datagram {
                self.first_datagram_up.get_or_insert(packet.at);
            }
        } else {
            self.bytes_down = self.bytes_down.saturating_add(packet.size);
            self.packets_down += 1;
        }
        if text.contains("\"GET ") {
            self.request = text.find('"').map(|quote| text[quote..].to_string());
        }
    }

    /// The closing sentences, after a blank line. `first` is the first event's moment.
    pub fn sentences(&self, first: Micros, variant: Variant) -> Vec<String> {
        let mut said = vec![String::new(), "# What it showed:".to_string()];
        if let Some(syn) = self.syn {
            said.extend(self.connection(syn, first));
        } else if let Some(datagram) = self.first_datagram_up {
            said.extend(self.datagrams(datagram, first));
        }
        said.extend(self.request.as_deref().map(request));
        said.extend(self.same_calls(variant));
        said
    }

    /// TCP: the handshake, before accept returned; the bytes each way; the client's FIN.
    fn connection(&self, syn: Micros, first: Micros) -> Vec<String> {
        let handshake = millis(self.handshake_done.unwrap_or(0) - syn);
        let connect = since(first, self.connect_started);
        let accept = since(first, self.accept_returned);
        let sent = if self.bytes_up != 0 {
            let bytes = plural(self.bytes_up, "byte");
            format!("{bytes} went to the server in {}", plural(self.packets_up, "data packet"))
        } else {
            "the client sent nothing".to_string()
        };
        let (came_back, packets) =
            (plural(self.bytes_down, "byte"), plural(self.packets_down, "packet"));
        let read = if self.bytes_read_by_client == self.bytes_down {
            "all".to_string()
        } else {
            self.bytes_read_by_client.to_string()
        };
        let reads = plural(self.client_reads, "recvfrom call");
        let mut last = format!("# the client read {read} of them, in {reads}.");
        if let Some(shutdown) = self.client_shutdown_started {
            let (shutdown, fin) = (since(first, Some(shutdown)), since(first, self.client_fin));
            last += &format!(" Its shutdown (at {shutdown}) sent its FIN at {fin}.");
        }
        vec![
            format!(
                "# The client's connect (at {connect}) sent the SYN; SYN, SYN-ACK and ACK took \
                 {handshake} ms, and the"
            ),
            format!(
                "# server's accept4 returned at {accept}, after them: accept takes a connection \
                 the kernel has made."
            ),
            format!("# Then {sent}, and {came_back} came back in {packets};"),
            last,
        ]
    }

    /// UDP: one datagram, no handshake, received whole.
    fn datagrams(&self, datagram: Micros, first: Micros) -> Vec<String> {
        let (sent, received) =
            (since(first, Some(datagram)), since(first, self.server_read_returned));
        let (up, down) = (plural(self.bytes_up, "byte"), plural(self.bytes_down, "byte"));
        vec![
            format!(
                "# No handshake and no FIN: the client's sendto put one datagram on the wire at \
                 {sent}, and the"
            ),
            format!(
                "# server's recvfrom returned it whole, sender's address included, at {received}. \
                 The reply went"
            ),
            format!("# back the same way: {up} one way, {down} the other."),
        ]
    }

    fn same_calls(&self, variant: Variant) -> [String; 2] {
        let (client, server) = (self.calls_by_client, self.calls_by_server);
        let others = match variant {
            Variant::Python => "without --python",
            Variant::Minimal => "with --python",
            Variant::Full => "with --python or --minimal",
        };
        [
            format!(
                "# Socket calls: {client} by the client, {server} by the server. The same calls \
                 whatever the language:"
            ),
            format!(
                "# the interface is the operating system's, not Rust's or Python's (try {others})."
            ),
        ]
    }
}

/// The GET request as the wire showed it (quoted, escaped), and whether it is HTTP/1.1's.
fn request(request: &str) -> String {
    let verdict = match (request.contains("\\r\\n"), request.contains("Host: ")) {
        (true, true) => "lines ending in CRLF and a Host header, as HTTP/1.1 asks.",
        (true, false) => "lines ending in CRLF, but without the Host header HTTP/1.1 requires.",
        (false, true) => "with a Host header, but lines ending in LF, not the CRLF HTTP/1.1 asks.",
        (false, false) => "with neither the Host header HTTP/1.1 requires nor CRLF line ends.",
    };
    format!("# The request as sent: {request}, {verdict}")
}

/// A moment as the timeline writes it, `+122.038 ms`. One the story needed and never saw shows
/// as time 0, far before the first event, so that it cannot pass for a real one.
fn since(first: Micros, moment: Option<Micros>) -> String {
    format!("+{} ms", millis(moment.unwrap_or(0) - first))
}

fn plural(count: i64, word: &str) -> String {
    format!("{count} {word}{}", if count == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_told_what_of_http_1_1_it_has_and_what_it_lacks() {
        let says =
            |sent: &str| request(sent).split_once(", ").map(|(_, verdict)| verdict.to_string());
        let both = says(r#""GET / HTTP/1.1\r\nHost: a\r\n\r\n""#).unwrap_or_default();
        assert_eq!(both, "lines ending in CRLF and a Host header, as HTTP/1.1 asks.");
        let no_host = says(r#""GET / HTTP/1.1\r\n\r\n""#).unwrap_or_default();
        assert!(no_host.starts_with("lines ending in CRLF, but without the Host"), "{no_host}");
        let lf = says(r#""GET / HTTP/1.1\nHost: a\n\n""#).unwrap_or_default();
        assert!(lf.starts_with("with a Host header, but lines ending in LF"), "{lf}");
        let neither = says(r#""GET / HTTP/1.1\n\n\n""#).unwrap_or_default();
        assert!(neither.starts_with("with neither the Host header"), "{neither}");
    }
}
