//! `send`: a client that sends a message, says it is done, and prints the whole answer. The
//! tester is the server: it greets, reads until the client's FIN, echoes the message back in
//! pieces, and closes.

use crate::Exercise;
use crate::tester::{Ending, Failure, Outcome, Tester, accept_from, quote, read_to_end};
use std::net::TcpListener;
use std::thread;
use std::time::Duration;

pub const EXERCISE: Exercise = Exercise {
    name: "send",
    task: "send MESSAGE, say you are done sending, print all the server sends",
    run_as: "PROGRAM 127.0.0.1 PORT MESSAGE",
    start: "tcp-client/examples/minimal-tcp-client.rs",
    copy: "tcp-client/examples/my-send.rs",
    solution: "scripts/exercises/solutions/send.rs",
    hints: [
        "the lines between connect and the read: what goes to the server, and how it learns you are done",
        "write_all(message.as_bytes()), then shutdown(Shutdown::Write), which sends your FIN; keep \
         io::copy, which reads until the server closes. The message is the third argument.",
    ],
    checks,
};

const GREETING: &str = "Gracias por conectarte\n";
const WAIT: Duration = Duration::from_secs(5);
const FIN_WAIT: Duration = Duration::from_secs(3);

fn checks(t: &mut Tester) -> Outcome {
    let long = t.rng.text(20_000);
    t.check("a short message: the greeting, then the message echoed back, printed", |t| {
        exchange(t, "hola")
    })?;
    t.check(
        "a message in Spanish, not ASCII, echoed back in pieces, one cut inside a 'ñ'",
        |t| exchange(t, "¡Hola, señor! ¿Qué tal el ñandú?"),
    )?;
    t.check("a message of 20 KB, its echo in pieces, 50 ms or more apart", |t| exchange(t, &long))
}

fn exchange(t: &mut Tester, message: &str) -> Outcome {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port().to_string();
    let mut program = t.start(&["127.0.0.1".into(), port, message.into()])?;
    let mut stream = accept_from(&listener, &mut program, WAIT)?;
    t.log("the tester, the server, accepted your connection");
    t.send_in_pieces(&mut stream, GREETING.as_bytes(), "the server", 2)?;
    // At most 3 s: less than the 5 s a starting file waits for data, so that a client that
    // never finishes its sending half is told so before its own timeout closes the connection.
    let (received, ending) = read_to_end(&stream, FIN_WAIT);
    match ending {
        Ending::Closed => t.log(format!("you sent {}, then your FIN", quote(&received))),
        Ending::TimedOut => {
            t.log(format!("you sent {}, and no FIN within 3 s", quote(&received)));
            return Err(Failure::said(
                "the server is still waiting for you to finish sending: shutdown(Shutdown::Write)",
            ));
        }
        Ending::Reset => {
            t.log(format!("you sent {}, then a reset", quote(&received)));
            return Err(Failure::said(
                "your side reset the connection: a socket closed with bytes still unread (the \
                 greeting) resets it. Read all the server sends, then close",
            ));
        }
    }
    if received != message.as_bytes() {
        return Err(Failure::expected(
            format!("you to send {}", quote(message.as_bytes())),
            quote(&received).to_string(),
        ));
    }
    // The echo in pieces: its first byte alone, then the rest, so that no one read can get it
    // all. A cut inside a character, when there is one: no piece need be whole text.
    let bytes = message.as_bytes();
    let first = match message.char_indices().find(|(_, c)| c.len_utf8() > 1) {
        Some((at, _)) if at > 0 => at + 1, // in the middle of the first character of 2 bytes or more
        _ => 1,
    };
    let _ = t.send_in_pieces(&mut stream, &bytes[..first], "the server", 1); // it may have gone
    thread::sleep(crate::tester::PAUSE);
    let _ = t.send_in_pieces(&mut stream, &bytes[first..], "the server", 4);
    drop(stream); // the server closes: the answer is all sent
    t.log("the server closed the connection");
    let Some(status) = program.wait(WAIT) else {
        return Err(program.silent("your program did not exit once the server had closed", WAIT));
    };
    let printed = program.stdout();
    t.log(format!(
        "your program printed {} and {}",
        quote(&printed),
        crate::tester::describe(status)
    ));
    let expected = format!("{GREETING}{message}");
    if printed != expected.as_bytes() {
        let failure = Failure::expected(
            format!("stdout {}", quote(expected.as_bytes())),
            quote(&printed).to_string(),
        );
        // Fewer bytes than were sent, in the order sent: one read got what had come so far.
        let cut_short = printed.len() < expected.len() && expected.as_bytes().starts_with(&printed);
        return Err(if cut_short { failure.pitfall("recv") } else { failure });
    }
    if !status.success() {
        return Err(program.ended_early("after printing it all (expected exit status 0)"));
    }
    Ok(())
}
