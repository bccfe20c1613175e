//! `length-prefix`: a server of binary messages, each a 4-byte big-endian length and that many
//! bytes, answered in the same framing, in ASCII upper case. The tester splits headers, sends an
//! empty message, a long one in pieces, a thousand in one write, a length too big, and one whole
//! message with most of the next behind it.

use crate::Exercise;
use crate::tester::server_starts;
use crate::tester::{Ending, Failure, Outcome, Running, Tester, quote, read_exactly, read_to_end};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

pub const EXERCISE: Exercise = Exercise {
    name: "length-prefix",
    task: "answer each message (a 4-byte big-endian length, then its bytes) in upper case, framed so",
    run_as: "PROGRAM 127.0.0.1 PORT",
    start: "tcp-server/examples/minimal-tcp-server.rs",
    copy: "tcp-server/examples/my-length-prefix.rs",
    solution: "tcp-server/examples/length-prefix-server.rs",
    hints: [
        "a message ends where its length says, whatever the reads: read exactly 4 bytes, then \
         exactly that many, in a thread per client",
        "reader.read_exact(&mut header) with let mut header = [0; 4]; u32::from_be_bytes(header) \
         is the length (over 1,048,576: close the connection); read_exact into a Vec of that \
         length; write (length as u32).to_be_bytes() and the bytes in upper case; flush once \
         nothing more is buffered. An end of file before a header: the client is done.",
    ],
    checks,
};

const WAIT: Duration = Duration::from_secs(2);

fn checks(t: &mut Tester) -> Outcome {
    let (mut server, address, _port) = server_starts(t)?;
    t.check("a message whose header comes as 1 byte, then 3, and then its body", |t| {
        let mut client = connect(address)?;
        client.set_nodelay(true)?;
        let message = framed("¡hola!".as_bytes());
        for piece in [&message[..1], &message[1..4], &message[4..]] {
            t.log(format!("a client sent {}", bytes(piece)));
            client.write_all(piece)?;
            thread::sleep(crate::tester::PAUSE);
        }
        expect(t, &client, &framed("¡HOLA!".as_bytes()), &mut server)
    })?;
    t.check("a message of no bytes at all: a header of 0, answered with a header of 0", |t| {
        let mut client = connect(address)?;
        t.log(format!("a client sent {}", bytes(&framed(b""))));
        client.write_all(&framed(b""))?;
        expect(t, &client, &framed(b""), &mut server)
    })?;
    t.check("a message of 100,000 bytes, every byte value among them, in pieces", |t| {
        let mut client = connect(address)?;
        let body: Vec<u8> = (0..100_000).map(|_| t.rng.next() as u8).collect();
        let message = framed(&body);
        t.send_in_pieces(&mut client, &message, "a client", 5)?;
        expect(t, &client, &framed(&body.to_ascii_uppercase()), &mut server)
    })?;
    t.check("1,000 messages in one write: 1,000 answers, in order", |t| {
        let mut client = connect(address)?;
        let bodies: Vec<Vec<u8>> = (0..1000).map(|n| format!("mensaje {n}").into_bytes()).collect();
        let all: Vec<u8> = bodies.iter().flat_map(|body| framed(body)).collect();
        t.log(format!("a client sent {} bytes, 1,000 messages, in one write", all.len()));
        client.write_all(&all)?;
        let answers: Vec<u8> =
            bodies.iter().flat_map(|body| framed(&body.to_ascii_uppercase())).collect();
        expect(t, &client, &answers, &mut server)
    })?;
    t.check(
        "a length of 2 MiB, over the 1 MiB allowed, closes that connection; others go on",
        |t| {
            let other = connect(address)?;
            let mut greedy = connect(address)?;
            let header = (2u32 << 20).to_be_bytes();
            t.log(format!("a client sent the header {}, and a few bytes", bytes(&header)));
            let _ = greedy.write_all(&[&header[..], b"xyz"].concat());
            let (_, ending) = read_to_end(&greedy, WAIT);
            if ending == Ending::TimedOut {
                return Err(Failure::expected(
                    "the server to close that connection",
                    "it kept it open, as if to read 2 MiB",
                ));
            }
            t.log("the server closed that connection");
            t.log(format!("another client sent {}", bytes(&framed(b"sigo"))));
            (&other).write_all(&framed(b"sigo"))?;
            expect(t, &other, &framed(b"SIGO"), &mut server)
        },
    )?;
    t.check("a whole message is answered at once, though most of the next came with it", |t| {
        let mut client = connect(address)?;
        let next = framed(b"mundo!!!!!");
        let (most, rest) = next.split_at(next.len() - 3);
        let sent = [framed(b"hola"), most.to_vec()].concat();
        t.log(format!("a client sent {}, and waits for its answer", bytes(&sent)));
        client.write_all(&sent)?;
        expect(t, &client, &framed(b"HOLA"), &mut server).map_err(|failure| {
            failure.if_unanswered(
                "a server that answers only once its buffer is empty, or counts the header \
                 among the bytes it holds, keeps this one",
            )
        })?;
        t.log(format!("it sent the last 3 bytes, {}", bytes(rest)));
        client.write_all(rest)?;
        expect(t, &client, &framed(b"MUNDO!!!!!"), &mut server)
    })
}

fn connect(address: SocketAddr) -> Result<TcpStream, Failure> {
    TcpStream::connect_timeout(&address, WAIT)
        .map_err(|error| Failure::said(format!("cannot connect to your server: {error}")))
}

/// A message as it goes on the wire: its length in 4 bytes, big-endian, then its bytes.
fn framed(body: &[u8]) -> Vec<u8> {
    [&(body.len() as u32).to_be_bytes()[..], body].concat()
}

/// Binary bytes as a learner reads them: a short run in hex, its text if it has any.
fn bytes(data: &[u8]) -> String {
    let hex: Vec<String> = data.iter().take(8).map(|byte| format!("{byte:02x}")).collect();
    let more = if data.len() > 8 { format!(" ... ({} bytes)", data.len()) } else { String::new() };
    format!("[{}]{more}", hex.join(" "))
}

/// Read exactly what `expected` holds, within WAIT (longer for much), and compare.
fn expect(t: &mut Tester, client: &TcpStream, expected: &[u8], server: &mut Running) -> Outcome {
    let bound = WAIT + Duration::from_secs(expected.len() as u64 / 1_000_000);
    let (got, ending) = read_exactly(client, expected.len(), bound);
    t.log(format!(
        "it got {} {}",
        bytes(&got),
        if got.len() <= 40 { quote(&got) } else { String::new() }
    ));
    if got == expected {
        return Ok(());
    }
    if got.is_empty() && server.exited().is_some() {
        return Err(server.ended_early("while a client waited for its answer"));
    }
    if got.len() < expected.len() && ending != Ending::TimedOut {
        let why = format!(
            "your server closed the connection after {} of the {} bytes",
            got.len(),
            expected.len()
        );
        return Err(Failure::said(why));
    }
    if got.len() < expected.len() && expected.starts_with(&got) {
        let said = format!(
            "no answer within {} s: {} of the {} bytes came",
            bound.as_secs(),
            got.len(),
            expected.len()
        );
        let failure = Failure::said(said);
        return Err(if got.is_empty() { failure } else { failure.pitfall("framing") });
    }
    Err(Failure::expected(
        format!("{} {}", bytes(expected), quote(&expected[..expected.len().min(40)])),
        format!("{} {}", bytes(&got), quote(&got[..got.len().min(40)])),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_framed_by_its_length_in_four_big_endian_bytes() {
        assert_eq!(framed(b"hola"), [0, 0, 0, 4, b'h', b'o', b'l', b'a']);
        assert_eq!(framed(b""), [0, 0, 0, 0]);
        assert_eq!(&framed(&[7; 300])[..4], [0, 0, 1, 44]);
        assert_eq!(bytes(&[0, 0, 0, 4]), "[00 00 00 04]");
        assert_eq!(bytes(&[1; 9]), "[01 01 01 01 01 01 01 01] ... (9 bytes)");
    }
}
