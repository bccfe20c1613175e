//! `lines`: a server that answers each line a client sends, in ASCII upper case, as long as the
//! client stays. The tester sends lines together, in pieces, by the ten thousand, from two
//! clients at once, one too long, and one with the start of the next behind it.

use crate::Exercise;
use crate::tester::{Ending, Failure, Outcome, Running, Tester, quote, read_exactly, read_line};
use crate::tester::{read_to_end, server_starts};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

pub const EXERCISE: Exercise = Exercise {
    name: "lines",
    task: "answer each line a client sends, in upper case, until it closes; many clients at once",
    run_as: "PROGRAM 127.0.0.1 PORT",
    start: "tcp-server/examples/minimal-tcp-server.rs",
    copy: "tcp-server/examples/my-lines.rs",
    solution: "tcp-server/examples/lines-server.rs",
    hints: [
        "a message is a line, and a read is not a line: one read may hold three lines, or a third \
         of one. Read through a buffer, line by line, in a thread per client",
        "a thread per client; in it, BufReader::new(&stream) and read_until(b'\\n', ...) through \
         .take(65_537) (a line over 64 KiB: close); write line.to_ascii_uppercase() (with its \
         \\n) and flush once no whole line is left in the reader's buffer; loop until read_until \
         returns 0.",
    ],
    checks,
};

const WAIT: Duration = Duration::from_secs(2);
const LIMIT: usize = 65_536;

fn checks(t: &mut Tester) -> Outcome {
    let (mut server, address, _port) = server_starts(t)?;
    t.check("three lines in one write get three replies", |t| {
        let mut client = connect(address)?;
        let lines = "hola\n¡qué tal!\nadiós, señor\n";
        t.log(format!("a client sent {} in one write", quote(lines.as_bytes())));
        client.write_all(lines.as_bytes())?;
        expect(t, &client, &upper(lines), &mut server)
    })?;
    t.check("one line in three pieces, 200 ms apart, gets one reply, after the last piece", |t| {
        let mut client = connect(address)?;
        client.set_nodelay(true)?;
        for piece in ["ho", "la, ", "mundo\n"] {
            if piece.ends_with('\n') {
                t.log(format!("a client sent {}", quote(piece.as_bytes())));
                client.write_all(piece.as_bytes())?;
                break;
            }
            t.log(format!("a client sent {}", quote(piece.as_bytes())));
            client.write_all(piece.as_bytes())?;
            let (early, _) = read_exactly(&client, 1, Duration::from_millis(200));
            if !early.is_empty() {
                return Err(Failure::said(format!(
                    "a reply came before the line had ended: {}",
                    quote(&early)
                ))
                .pitfall("framing"));
            }
        }
        expect(t, &client, "HOLA, MUNDO\n", &mut server)
            .map_err(|failure| failure.pitfall("framing"))
    })?;
    t.check("10,000 lines sent as fast as the tester can, while it reads: every reply, in order", |t| {
        let lines: String = (1..=10_000).map(|n| format!("línea {n:05} de diez mil\n")).collect();
        let mut client = connect(address)?;
        let mut writer = client.try_clone()?;
        let sent = lines.clone();
        let feeder = thread::spawn(move || writer.write_all(sent.as_bytes()));
        t.log(format!("a client sends {} bytes of lines, while it reads", lines.len()));
        let wanted = upper(&lines);
        let (got, ending) = read_exactly(&client, wanted.len(), Duration::from_secs(10));
        let _ = client.flush();
        let _ = feeder.join();
        t.log(format!("it got {} bytes back", got.len()));
        if got.len() < wanted.len() && ending != Ending::TimedOut {
            let why = format!("your server closed the connection after {} of the {} bytes", got.len(), wanted.len());
            return Err(Failure::said(why));
        }
        if got.len() < wanted.len() {
            return Err(Failure::said(format!(
                "no answer within 10 s: {} of the {} bytes came back (a server that writes only \
                 once it has read everything, or reads only when it is done writing, stalls)",
                got.len(),
                wanted.len()
            )));
        }
        compare(wanted.as_bytes(), &got)
    })?;
    t.check("two clients, their lines interleaved, are each answered", |t| {
        let (first, second) = (connect(address)?, connect(address)?);
        for (client, who, line) in [
            (&first, "client A", "a1\n"),
            (&second, "client B", "b1\n"),
            (&first, "client A", "a2\n"),
            (&second, "client B", "b2\n"),
        ] {
            t.log(format!("{who} sent {}", quote(line.as_bytes())));
            (&*client).write_all(line.as_bytes())?;
            expect(t, client, &upper(line), &mut server)?;
        }
        Ok(())
    })?;
    t.check(
        "a line over 64 KiB closes its connection, with a word on stderr; others go on",
        |t| {
            let other = connect(address)?;
            let mut long = connect(address)?;
            let before = server.stderr_len();
            t.log(format!("a client sent {} bytes, and no \\n", LIMIT + 1));
            let _ = long.write_all(&vec![b'x'; LIMIT + 1]); // the server may close mid-way
            let (_, ending) = read_to_end(&long, WAIT);
            if ending == Ending::TimedOut {
                return Err(Failure::expected(
                    "the server to close that connection",
                    "it kept it open",
                ));
            }
            t.log("the server closed that connection");
            thread::sleep(Duration::from_millis(100));
            let said = server.stderr_since(before);
            if said.trim().is_empty() {
                return Err(Failure::expected("a line on stderr about it", "nothing"));
            }
            t.log(format!("your server said on stderr {}", quote(said.trim_end().as_bytes())));
            t.log("another client sent \"sigo aquí\\n\"");
            (&other).write_all("sigo aquí\n".as_bytes())?;
            expect(t, &other, "SIGO AQUí\n", &mut server)
        },
    )?;
    t.check("a whole line is answered at once, though the start of the next came with it", |t| {
        let mut client = connect(address)?;
        t.log("a client sent \"hola\\nmun\" in one write, and waits for its answer");
        client.write_all(b"hola\nmun")?;
        expect(t, &client, "HOLA\n", &mut server).map_err(|failure| {
            failure.if_unanswered(
                "a server that sends its answers only once its buffer is empty holds this one \
                 until the next line ends",
            )
        })?;
        t.log("it sent \"do\\n\"");
        client.write_all(b"do\n")?;
        expect(t, &client, "MUNDO\n", &mut server)
    })
}

fn connect(address: SocketAddr) -> Result<TcpStream, Failure> {
    TcpStream::connect_timeout(&address, WAIT)
        .map_err(|error| Failure::said(format!("cannot connect to your server: {error}")))
}

/// Text in ASCII upper case: "¡qué!" is "¡QUé!".
fn upper(text: &str) -> String {
    text.to_ascii_uppercase()
}

/// Read as many lines as `expected` holds, within WAIT, and compare.
fn expect(t: &mut Tester, client: &TcpStream, expected: &str, server: &mut Running) -> Outcome {
    let mut got = Vec::new();
    let mut rest = Vec::new();
    let mut closed = false;
    for _ in 0..expected.matches('\n').count() {
        let (line, ending) = read_line(client, &mut rest, WAIT);
        closed = ending != Ending::TimedOut && !line.ends_with(b"\n");
        got.extend_from_slice(&line);
        if ending != Ending::Closed || line.is_empty() {
            break;
        }
    }
    got.extend_from_slice(&rest);
    t.log(format!("it got {}", quote(&got)));
    if got.is_empty() && server.exited().is_some() {
        return Err(server.ended_early("while a client waited for its answer"));
    }
    if got.is_empty() && closed {
        return Err(Failure::said("your server closed the connection without an answer"));
    }
    if got.is_empty() {
        return Err(Failure::said("no answer within 2 s"));
    }
    compare(expected.as_bytes(), &got)
}

fn compare(expected: &[u8], got: &[u8]) -> Outcome {
    if got == expected {
        return Ok(());
    }
    let at = expected.iter().zip(got).take_while(|(a, b)| a == b).count();
    let line = expected[..at].iter().filter(|&&byte| byte == b'\n').count() + 1;
    let failure = Failure::expected(quote(expected), quote(got));
    let failure = Failure::said(format!("{} (they differ from line {line} on)", failure.said));
    // The right text, cut into other lines, or some of it missing: reads taken for lines.
    let text =
        |bytes: &[u8]| bytes.iter().filter(|&&byte| byte != b'\n').copied().collect::<Vec<u8>>();
    let framing = !got.is_empty() && text(expected).starts_with(&text(got));
    Err(if framing { failure.pitfall("framing") } else { failure })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_cut_into_other_lines_are_called_a_framing_mistake_and_others_not() {
        assert!(compare(b"HOLA\n", b"HOLA\n").is_ok());
        let halves = compare(b"HOLA, MUNDO\n", b"HO\nLA, MUNDO\n").unwrap_err();
        assert_eq!(halves.pitfall, Some("framing"));
        let first_only = compare(b"HOLA\nMUNDO\n", b"HOLA\n").unwrap_err();
        assert_eq!(first_only.pitfall, Some("framing"));
        let other = compare(b"HOLA\n", b"Gracias por conectarte\n").unwrap_err();
        assert_eq!(other.pitfall, None);
        assert!(other.said.contains("from line 1 on"), "{}", other.said);
        assert_eq!(upper("¡qué tal!"), "¡QUé TAL!", "ASCII letters only");
    }
}
