//! The exercise tester (scripts/exercise.sh, scripts/tools/src/bin/exercise/) held to its word.
//! Each reference solution passes its exercise. Each starting file, and each of the notebook's
//! cells, fails it at the check that shows its mistake. And for every check of every exercise,
//! a program with one mistake a learner makes fails that check, for the reason it names (and
//! with the pitfall it names), after passing every check before it.
//!
//! The wrong programs are the catalogue of those mistakes: each is a reference solution with a
//! few lines changed, a table of (old text, new text) below, or, where the mistake is the shape
//! of the program, a small file of its own in tests/exercises/. Each run has its `--seed`, so
//! the tester's pieces and pauses are the same every time. The learner's own copy (made at the
//! first run, built by cargo, its status in the list) is tried in a copy of the workspace.

mod common;

use common::*;
use std::ffi::OsString;
use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

// ---- What the tester said: each check, ✓ or ✗ and why ----

/// One check as the tester reported it.
struct Check {
    title: String,
    passed: bool,
    said: String,            // the ✗ line and the lines under it (expected/got, stderr)
    pitfall: Option<String>, // the scripts/pitfalls.sh lesson it pointed to
}

/// One run of the tester: its exit status, its report, and that report read check by check.
struct Report {
    code: Option<i32>,
    transcript: String,
    checks: Vec<Check>,
    elapsed: Duration,
}

const PITFALL: &str = "     the same mistake, shown live: scripts/pitfalls.sh ";

impl Report {
    fn of(output: Output) -> Report {
        let transcript = output.stdout_text() + &output.stderr;
        let mut checks: Vec<Check> = Vec::new();
        let mut in_failure = false;
        for line in transcript.lines() {
            let numbered = line.split_once(". ").filter(|(n, _)| n.parse::<usize>().is_ok());
            if let Some((_, title)) = numbered {
                let check =
                    Check { title: title.into(), passed: false, said: "".into(), pitfall: None };
                checks.push(check);
                in_failure = false;
            } else if let Some(check) = checks.last_mut() {
                if line == "   ✓" {
                    check.passed = true;
                } else if let Some(said) = line.strip_prefix("   ✗ ") {
                    check.said = said.into();
                    in_failure = true;
                } else if let Some(pitfall) = line.strip_prefix(PITFALL) {
                    check.pitfall = Some(pitfall.into());
                } else if in_failure && line.starts_with("     ") {
                    check.said = format!("{}\n{line}", check.said);
                } else {
                    in_failure = false;
                }
            }
        }
        Report { code: output.code(), transcript, checks, elapsed: output.elapsed }
    }

    /// Every check passed, and the tester said so and exited 0.
    fn passes(&self) {
        let all = format!("All {} checks passed.", self.checks.len());
        assert!(self.transcript.contains(&all), "{}", self.transcript);
        assert!(self.checks.iter().all(|check| check.passed), "{}", self.transcript);
        assert_eq!(self.code, Some(0), "{}", self.transcript);
    }

    /// The report of a failure ends in the exercise's first hint, the one `--hint` gives under
    /// "where to look", and says where the second is.
    fn hints_where_to_look(&self, exercise: &str) {
        let hints = self::exercise(&[exercise, "--hint"]).stdout_text();
        let look = hints.split_once("where to look: ").map_or("", |(_, rest)| rest);
        let look = look.split_once("\n\nwhat to write: ").map_or("", |(look, _)| look);
        assert!(look.len() > 40, "{hints}");
        let transcript = &self.transcript;
        assert!(transcript.contains(&format!("\nhint: {look}\n")), "{hints}\n{transcript}");
        let more = format!("(scripts/exercise.sh {exercise} --hint says what to write)\n");
        assert!(transcript.ends_with(&more), "{transcript}");
    }

    /// Check `n` (from 1) failed, saying each of `said`, naming `pitfall`; every check before it
    /// passed, none was run after it, and the tester exited 1.
    fn fails_at(&self, n: usize, said: &[&str], pitfall: Option<&str>) {
        let transcript = &self.transcript;
        assert_eq!(self.checks.len(), n, "it should stop at check {n}:\n{transcript}");
        assert!(self.checks[..n - 1].iter().all(|check| check.passed), "{transcript}");
        let failed = &self.checks[n - 1];
        assert!(!failed.passed && !failed.said.is_empty(), "{transcript}");
        for words in said {
            let title = &failed.title;
            assert!(
                failed.said.contains(words),
                "{n}. {title}: should say {words:?}:\n{transcript}"
            );
        }
        assert_eq!(failed.pitfall.as_deref(), pitfall, "the pitfall named:\n{transcript}");
        let plural = if n == 2 { "" } else { "s" };
        let summary = format!("{} check{plural} passed, then this one failed.", n - 1);
        assert!(transcript.contains(&summary), "{transcript}");
        assert_eq!(self.code, Some(1), "{transcript}");
    }
}

/// Run the tester on EXERCISE, checking `program` (a command line), replaying `seed`.
fn tester(exercise: &str, seed: u64, program: &[OsString]) -> Report {
    let mut command = Command::new(bin("exercise"));
    command.args([exercise, "--seed", &seed.to_string(), "--"]).args(program);
    command.env("PYTHONIOENCODING", "utf-8"); // the notebook's cells print Spanish
    Report::of(run_within(TESTER_DEADLINE, command, None))
}

/// The longest run of the tester here takes 32 s (chat, held up): one this long has hung.
const TESTER_DEADLINE: Duration = Duration::from_secs(50);

// ---- The programs it checks: ours, the notebook's, and the wrong ones ----

/// A reference solution, built by cargo as an example of the workspace.
fn solution(exercise: &str) -> Vec<OsString> {
    let name = match exercise {
        "lines" | "length-prefix" | "chat" => format!("{exercise}-server"),
        _ => format!("solution-{exercise}"),
    };
    vec![bin_dir().join("examples").join(name).into()]
}

/// Where the solution's source is, from the workspace's top folder.
fn solution_source(exercise: &str) -> String {
    match exercise {
        "lines" | "length-prefix" | "chat" => format!("tcp-server/examples/{exercise}-server.rs"),
        _ => format!("scripts/exercises/solutions/{exercise}.rs"),
    }
}

/// The program the exercise starts from, a minimal one.
fn starting_file(exercise: &str) -> Vec<OsString> {
    let program = match exercise {
        "send" => "tcp-client",
        "datagrams" | "retry" => "udp-client",
        "redirect" => "http-get",
        _ => "tcp-server",
    };
    vec![bin_dir().join("examples").join(format!("minimal-{program}")).into()]
}

/// One of the notebook's cells, run by python3 (None: there is no python3 here).
fn notebook_cell(cell: &str) -> Option<Vec<OsString>> {
    if !have("python3") {
        skip("no python3 to run the notebook's cells");
        return None;
    }
    let path = workspace_root().join("tests/notebook").join(format!("{cell}.py"));
    Some(vec!["python3".into(), "-u".into(), path.into()])
}

/// A wrong program, built: the command that runs it, and the folder it was built in.
struct Wrong {
    command: Vec<OsString>,
    _folder: TempDir,
}

/// EXERCISE's reference solution with a learner's mistake in it: each (old, new) replaces text
/// that occurs exactly once in the solution's source.
fn mistaken(exercise: &str, edits: &[(&str, &str)]) -> Wrong {
    let path = solution_source(exercise);
    let mut source = fs::read_to_string(workspace_root().join(&path)).expect("read a solution");
    for (old, new) in edits {
        let found = source.matches(old).count();
        assert_eq!(found, 1, "{old:?} should be in {path} once, not {found} times");
        source = source.replacen(old, new, 1);
    }
    build(&source)
}

/// A wrong program with a file of its own, tests/exercises/NAME.rs.
fn own_file(name: &str) -> Wrong {
    let path = workspace_root().join("tests/exercises").join(format!("{name}.rs"));
    build(&fs::read_to_string(&path).expect("read a wrong program"))
}

/// Build one file of Rust, std only, as cargo would build an example (warnings are the learner's).
fn build(source: &str) -> Wrong {
    let folder = TempDir::new("exercise-wrong");
    let (file, program) = (folder.0.join("wrong.rs"), folder.0.join("wrong"));
    fs::write(&file, source).expect("write the wrong program");
    let mut rustc = Command::new(std::env::var_os("RUSTC").unwrap_or("rustc".into()));
    rustc.args(["--edition", "2024", "-A", "warnings", "-o"]).arg(&program).arg(&file);
    let output = run(rustc, None);
    assert_eq!(output.code(), Some(0), "the wrong program does not build:\n{}", output.stderr);
    Wrong { command: vec![program.into()], _folder: folder }
}

// ---- Every reference solution passes, every starting file fails ----

#[test]
fn every_reference_solution_passes_its_exercise() {
    for exercise in EXERCISES {
        tester(exercise, 1, &solution(exercise)).passes();
    }
}

const EXERCISES: [&str; 8] =
    ["send", "threads", "datagrams", "retry", "redirect", "lines", "length-prefix", "chat"];

#[test]
fn send_the_starting_client_sends_no_message_and_fails_check_1() {
    let report = tester("send", 1, &starting_file("send"));
    report.hints_where_to_look("send");
    report.fails_at(1, &["expected you to send \"hola\"\n     got \"\""], None);
}

#[test]
fn threads_the_starting_server_greets_without_the_name_and_fails_check_2() {
    let report = tester("threads", 1, &starting_file("threads"));
    report.hints_where_to_look("threads");
    let said =
        "expected \"Gracias por conectarte, Ana\\n\"\n     got \"Gracias por conectarte\\n\"";
    report.fails_at(2, &[said], None);
}

#[test]
fn datagrams_the_starting_client_sends_its_own_message_and_fails_check_1() {
    let report = tester("datagrams", 1, &starting_file("datagrams"));
    report.hints_where_to_look("datagrams");
    let said = ["expected stdout \"respuesta a: hola\\n\"", "got \"respuesta a: Hola, simplemente"];
    report.fails_at(1, &said, None);
}

#[test]
fn retry_the_starting_client_sends_once_and_fails_check_1() {
    let report = tester("retry", 1, &starting_file("retry"));
    report.hints_where_to_look("retry");
    let said = "expected stdout \"respuesta a: ¿hay alguien ahí?\\n\"\n     got \"\"";
    report.fails_at(1, &[said], None);
}

#[test]
fn redirect_the_starting_client_asks_for_slash_and_fails_check_1() {
    let report = tester("redirect", 1, &starting_file("redirect"));
    report.hints_where_to_look("redirect");
    report.fails_at(1, &["expected requests for /c\n     got /"], None);
}

#[test]
fn lines_the_starting_server_greets_instead_of_answering_and_fails_check_2() {
    let report = tester("lines", 1, &starting_file("lines"));
    report.hints_where_to_look("lines");
    let said =
        ["expected \"HOLA\\n¡QUé TAL!\\nADIóS, SEñOR\\n\"", "got \"Gracias por conectarte\\n\""];
    report.fails_at(2, &said, None);
}

#[test]
fn length_prefix_the_starting_server_closes_on_unread_bytes_and_fails_check_2() {
    let report = tester("length-prefix", 1, &starting_file("length-prefix"));
    report.hints_where_to_look("length-prefix");
    report.fails_at(2, &["your program reset the connection"], Some("reset"));
}

#[test]
fn chat_the_starting_server_greets_instead_of_passing_lines_on_and_fails_check_2() {
    // It greets, and closes without reading: the first client's line meets a reset.
    let report = tester("chat", 1, &starting_file("chat"));
    report.hints_where_to_look("chat");
    report.fails_at(2, &["your program reset the connection"], Some("reset"));
}

// ---- The notebook's cells fail at the checks that show their mistakes ----

#[test]
fn send_the_notebooks_client_sends_nothing_and_fails_check_1() {
    let Some(cell) = notebook_cell("tcp_client") else { return };
    let report = tester("send", 1, &cell);
    report.fails_at(1, &["expected you to send \"hola\"\n     got \"\""], None);
}

#[test]
fn threads_the_notebooks_server_greets_without_the_name_and_fails_check_2() {
    let Some(cell) = notebook_cell("tcp_server") else { return };
    let report = tester("threads", 1, &cell);
    let said =
        "expected \"Gracias por conectarte, Ana\\n\"\n     got \"Gracias por conectarte\\n\"";
    report.fails_at(2, &[said], None);
}

#[test]
fn datagrams_the_notebooks_client_sends_its_own_message_and_fails_check_1() {
    let Some(cell) = notebook_cell("udp_client") else { return };
    let report = tester("datagrams", 1, &cell);
    let said = ["expected stdout \"respuesta a: hola\\n\"", "got \"respuesta a: Hola, simplemente"];
    report.fails_at(1, &said, None);
}

#[test]
fn retry_the_notebooks_client_waits_forever_for_a_lost_reply_and_fails_check_1() {
    let Some(cell) = notebook_cell("udp_client") else { return };
    let report = tester("retry", 1, &cell);
    let said = "no answer within 5 s: your program never gave up: without a read timeout";
    report.fails_at(1, &[said], Some("no-timeout"));
}

#[test]
fn redirect_the_notebooks_client_ends_its_lines_in_lf_and_fails_check_1() {
    let Some(cell) = notebook_cell("http_get") else { return };
    let report = tester("redirect", 1, &cell);
    let said = [
        "the server answered 400 Bad Request: a line of the request does not end in CRLF",
        "and the request has no Host header",
    ];
    report.fails_at(1, &said, Some("no-host"));
}

// ---- send: a client that sends MESSAGE, shuts down its sending half, prints all it gets ----

/// The message goes, but never the FIN: the server reads to the end before it answers. (This
/// one waits for the answer as long as it takes. With the starting file's 5 s read timeout
/// kept, it would give up as the tester does, and its exit's FIN could come first.)
#[test]
fn send_a_client_that_never_shuts_down_fails_check_1_the_server_waiting_for_its_fin() {
    let wrong = mistaken(
        "send",
        &[
            ("    stream.set_read_timeout(Some(Duration::from_secs(5)))?;\n", ""),
            ("    stream.shutdown(Shutdown::Write)?;\n", ""),
        ],
    );
    let said = "the server is still waiting for you to finish sending: shutdown(Shutdown::Write)";
    tester("send", 1, &wrong.command).fails_at(1, &[said], None);
}

/// One read, as the notebook's recv(4096): what has come so far, the greeting's first piece.
#[test]
fn send_a_client_that_reads_once_fails_check_1_closing_on_what_is_still_coming() {
    let wrong = mistaken(
        "send",
        &[
            (
                "use std::io::{self, ErrorKind, Write};",
                "use std::io::{self, ErrorKind, Read, Write};",
            ),
            (
                SEND_READ_ALL,
                "    let mut reply = [0; 4096];\n    let size = stream.read(&mut reply)?; // Python: sock.recv(4096)\n    io::stdout().write_all(&reply[..size])\n",
            ),
        ],
    );
    // Seed 8 cuts the greeting in two: the one read gets the first piece, and the echo comes
    // after a pause, first byte alone, so no seed lets one read have it all.
    let said = ["expected stdout \"Gracias por conectarte\\nhola\"", "got \"G\""];
    tester("send", 8, &wrong.command).fails_at(1, &said, Some("recv"));
}

/// The message sent as a line, with a `\n` the task never asked for: the server gets more.
#[test]
fn send_a_client_that_adds_a_line_end_fails_check_1_sending_more_than_its_message() {
    let wrong = mistaken(
        "send",
        &[(
            "    stream.write_all(message.as_bytes())?;\n",
            "    stream.write_all(format!(\"{message}\\n\").as_bytes())?; // a line, as print() ends one\n",
        )],
    );
    let said = "expected you to send \"hola\"\n     got \"hola\\n\"";
    tester("send", 1, &wrong.command).fails_at(1, &[said], None);
}

/// All of the answer printed, then a failure: the exit status is part of what a client says.
#[test]
fn send_a_client_that_prints_the_whole_answer_and_exits_1_fails_check_1() {
    let wrong = mistaken("send", &[("    ExitCode::SUCCESS\n}", "    ExitCode::FAILURE\n}")]);
    let said = "after printing it all (expected exit status 0)";
    tester("send", 1, &wrong.command).fails_at(1, &[said], None);
}

/// Each read turned into text on its own: a piece that ends inside a character, "ñ" cut in its
/// two bytes, becomes "�". ASCII never is.
#[test]
fn send_a_client_that_decodes_each_read_as_text_fails_check_2_where_a_piece_cuts_a_character() {
    let wrong = mistaken(
        "send",
        &[
            (
                "use std::io::{self, ErrorKind, Write};",
                "use std::io::{self, ErrorKind, Read, Write};",
            ),
            (
                SEND_READ_ALL,
                "    let mut reply = [0; 4096];\n    loop {\n        let size = stream.read(&mut reply)?;\n        if size == 0 {\n            return Ok(());\n        }\n        print!(\"{}\", String::from_utf8_lossy(&reply[..size])); // Python: .decode()\n    }\n",
            ),
        ],
    );
    // The echo's first piece ends inside its first character of two bytes, the "¡": whatever
    // the seed, that read is "\xc2" alone, and becomes "�".
    let said = [
        "expected stdout \"Gracias por conectarte\\n¡Hola, señor!",
        "got \"Gracias por conectarte\\n\u{fffd}\u{fffd}Hola, señor!",
    ];
    tester("send", 6, &wrong.command).fails_at(2, &said, None);
}

/// Reads on until the server closes, but into a buffer "big enough for any answer": 16 KiB.
#[test]
fn send_a_client_with_a_16_kib_buffer_fails_check_3_its_20_kb_echo_cut_short() {
    let wrong = mistaken(
        "send",
        &[
            (
                "use std::io::{self, ErrorKind, Write};",
                "use std::io::{self, ErrorKind, Read, Write};",
            ),
            (
                SEND_READ_ALL,
                "    let mut reply = [0; 16 * 1024]; // room for any answer\n    let mut size = 0;\n    loop {\n        let count = stream.read(&mut reply[size..])?;\n        if count == 0 {\n            break;\n        }\n        size += count;\n    }\n    io::stdout().write_all(&reply[..size])\n",
            ),
        ],
    );
    tester("send", 1, &wrong.command).fails_at(
        3,
        &["expected stdout \"Gracias por conectarte\\n"],
        Some("recv"),
    );
}

/// The solution's read: everything until the server closes.
const SEND_READ_ALL: &str = "    match io::copy(&mut stream, &mut io::stdout()) {
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(()), // `| head` closed stdout
        result => result.map(drop),
    }
";

// ---- threads: a server that answers each client's name, clients at the same time ----

/// Run as `threads PORT`, as many servers are: the HOST the tester gives is taken for the port.
#[test]
fn threads_a_server_that_takes_its_first_argument_for_the_port_fails_check_1_exiting_at_once() {
    let wrong = mistaken(
        "threads",
        &[(
            "    let host = args.next().unwrap_or(String::from(\"127.0.0.1\"));\n    let port = args.next().unwrap_or(String::from(\"9000\"));\n",
            "    let port = args.next().unwrap_or(String::from(\"9000\"));\n    let host = String::from(\"127.0.0.1\");\n",
        )],
    );
    let said = [
        "your program exited with status 1 before it accepted connections on 127.0.0.1:",
        "stderr: threads: cannot listen on 127.0.0.1 port 127.0.0.1: invalid digit",
    ];
    tester("threads", 1, &wrong.command).fails_at(1, &said, None);
}

/// One client at a time, as the notebook's server: the silent one holds up all the others.
#[test]
fn threads_a_serial_server_fails_check_2_the_silent_client_holding_up_the_others() {
    let wrong = mistaken(
        "threads",
        &[(
            "            thread::spawn(move || {\n                if answer(stream).is_ok() {\n                    let _ = answered.send(()); // (ignored: after five, nobody counts any more)\n                }\n            });\n",
            "            if answer(stream).is_ok() {\n                let _ = answered.send(());\n            }\n",
        )],
    );
    let said =
        "no answer within 1 s: client 2 got no answer; is another client holding your server up?";
    tester("threads", 1, &wrong.command).fails_at(2, &[said], None);
}

/// The name taken from one read: a name sent in two pieces is answered by its first byte.
#[test]
fn threads_a_server_that_reads_the_name_once_fails_check_2_at_the_name_sent_in_two_pieces() {
    let wrong = mistaken(
        "threads",
        &[
            (
                "use std::io::{self, BufRead, BufReader, Write};",
                "use std::io::{self, Read, Write};",
            ),
            (
                "    BufReader::new(&stream).read_line(&mut name)?; // the whole line, however it was split\n",
                "    let mut buffer = [0; 1024];\n    let size = (&stream).read(&mut buffer)?; // Python: conn.recv(1024)\n    name.push_str(&String::from_utf8_lossy(&buffer[..size]));\n",
            ),
        ],
    );
    // Seed 1 sends the name of client 5 in two pieces: the one read gets its first byte.
    let said = "expected \"Gracias por conectarte, Darío Núñez\\n\"\n     got \"Gracias por conectarte, D\\n\"";
    tester("threads", 1, &wrong.command).fails_at(2, &[said], Some("recv"));
}

/// After its answer, it reads again, for more from a client that has said all: the connection
/// stays open until the server's 10 s timeout, where the client waits for the close.
#[test]
fn threads_a_server_that_reads_again_after_answering_fails_check_2_never_closing() {
    let wrong = mistaken(
        "threads",
        &[(
            "    (&stream).write_all(format!(\"Gracias por conectarte, {}\\n\", name.trim_end()).as_bytes())\n",
            "    (&stream).write_all(format!(\"Gracias por conectarte, {}\\n\", name.trim_end()).as_bytes())?;\n    BufReader::new(&stream).read_line(&mut name).map(drop) // anything more?\n",
        )],
    );
    let said = "expected the server to close the connection after its answer";
    tester("threads", 1, &wrong.command).fails_at(2, &[said], None);
}

/// The name greeted with its `\n` still on it: the greeting's line is followed by an empty one.
#[test]
fn threads_a_server_that_keeps_the_names_line_end_fails_check_2_sending_more_after_its_answer() {
    let wrong = mistaken("threads", &[(", name.trim_end())", ", name)")]);
    let said =
        "expected the server to close the connection after its answer\n     got \"\\n\" more";
    tester("threads", 1, &wrong.command).fails_at(2, &[said], None);
}

/// Counts connections, not answers: the tester's first, silent connection was one of its five.
#[test]
fn threads_a_server_that_counts_connections_fails_check_2_its_fifth_client_never_answered() {
    let wrong = own_file("threads-five-connections");
    let said = "no answer within 1 s: client 5 got no answer";
    tester("threads", 1, &wrong.command).fails_at(2, &[said], None);
}

/// Waits for every thread before it exits, the one that accepts too, which never ends.
#[test]
fn threads_a_server_that_joins_its_accepting_thread_fails_check_3_never_exiting() {
    let wrong = mistaken(
        "threads",
        &[
            (
                "    thread::spawn(move || {\n        for stream",
                "    let acceptor = thread::spawn(move || {\n        for stream",
            ),
            (
                "        answers.recv().map_err(io::Error::other)?; // waits for the next answer\n    }\n",
                "        answers.recv().map_err(io::Error::other)?; // waits for the next answer\n    }\n    let _ = acceptor.join(); // every thread done before we exit\n",
            ),
        ],
    );
    let said = "no answer within 2 s: your server should have exited after answering five clients (it was stopped)";
    tester("threads", 1, &wrong.command).fails_at(3, &[said], None);
}

// ---- datagrams: a UDP client that sends each message, and prints the reply to each, in order ----

/// The reply's bytes written as they came: no line end after it.
#[test]
fn datagrams_a_client_that_prints_no_line_end_fails_check_1() {
    let wrong = mistaken(
        "datagrams",
        &[("writeln!(io::stdout(), \"{expected}\")?;", "write!(io::stdout(), \"{expected}\")?;")],
    );
    let said = "expected stdout \"respuesta a: hola\\n\"\n     got \"respuesta a: hola\"";
    tester("datagrams", 1, &wrong.command).fails_at(1, &[said], None);
}

/// Every reply printed, and then a word more: stdout is the replies, and nothing else.
#[test]
fn datagrams_a_client_that_prints_a_line_more_fails_check_1() {
    let wrong = mistaken(
        "datagrams",
        &[(
            "        writeln!(io::stdout(), \"{expected}\")?;\n    }\n    Ok(())\n",
            "        writeln!(io::stdout(), \"{expected}\")?;\n    }\n    writeln!(io::stdout(), \"fin\")?; // all done\n    Ok(())\n",
        )],
    );
    let said = "expected stdout \"respuesta a: hola\\n\"\n     got \"respuesta a: hola\\nfin\\n\"";
    tester("datagrams", 1, &wrong.command).fails_at(1, &[said], None);
}

/// Every reply printed, then a failure: the exit status is part of what a client says.
#[test]
fn datagrams_a_client_that_prints_every_reply_and_exits_1_fails_check_1() {
    let wrong = mistaken("datagrams", &[("    ExitCode::SUCCESS\n}", "    ExitCode::FAILURE\n}")]);
    let said = "after printing every reply (expected exit status 0)";
    tester("datagrams", 1, &wrong.command).fails_at(1, &[said], None);
}

/// Sends every message first, then waits for each reply in its turn: the replies that came out
/// of turn were passed over, and are gone.
#[test]
fn datagrams_a_client_that_sends_all_before_reading_fails_check_2_replies_out_of_turn_lost() {
    let wrong = mistaken(
        "datagrams",
        &[(
            "    for message in messages {\n        socket.send(message.as_bytes())?;\n",
            "    for message in messages {\n        socket.send(message.as_bytes())?;\n    }\n    for message in messages {\n",
        )],
    );
    let said = "(75 bytes)\n     got \"respuesta a: uno\\n\"";
    tester("datagrams", 1, &wrong.command).fails_at(2, &[said], None);
}

/// The notebook's client in a loop: no connect(), and whatever datagram comes next is printed
/// as the reply, a copy of the last one or an impostor's.
#[test]
fn datagrams_a_client_that_prints_any_datagram_fails_check_3_printing_the_impostors() {
    let wrong = mistaken(
        "datagrams",
        &[
            (
                "    socket.connect(server)?; // the OS passes us only the server's datagrams: no impostor's\n",
                "",
            ),
            ("socket.send(message.as_bytes())?;", "socket.send_to(message.as_bytes(), server)?;"),
            (
                DATAGRAMS_WAIT_FOR_ITS_REPLY,
                "        let (size, _) = socket.recv_from(&mut reply)?; // Python: sock.recvfrom(65535)\n        writeln!(io::stdout(), \"{}\", String::from_utf8_lossy(&reply[..size]))?;\n",
            ),
        ],
    );
    let said = [
        "expected stdout \"respuesta a: uno\\nrespuesta a: dos\\nrespuesta a: tres\\n\"",
        "got \"respuesta a: uno\\nrespuesta a: uno\\nesto no es una respuesta, ",
    ];
    tester("datagrams", 1, &wrong.command).fails_at(3, &said, Some("impostor"));
}

/// The solution's wait for the reply to `message`, passing over any other datagram.
const DATAGRAMS_WAIT_FOR_ITS_REPLY: &str = "        let expected = format!(\"respuesta a: {message}\");
        loop {
            let size = socket.recv(&mut reply).map_err(|error| match error.kind() {
                ErrorKind::WouldBlock | ErrorKind::TimedOut => io::Error::other(\"no reply in 2 s\"),
                _ => error,
            })?;
            if reply[..size] == *expected.as_bytes() {
                break;
            }
        }
        writeln!(io::stdout(), \"{expected}\")?;
";

// ---- retry: a UDP client that sends again after 1 s without a reply, three sends at most ----

/// No read timeout: the first datagram lost, recv waits for its reply forever.
#[test]
fn retry_a_client_without_a_read_timeout_fails_check_1_waiting_forever() {
    let wrong = mistaken(
        "retry",
        &[(
            "    socket.set_read_timeout(Some(Duration::from_secs(1)))?; // each wait: 1 s at most\n",
            "",
        )],
    );
    let said = "no answer within 5 s: your program never gave up: without a read timeout, recv waits forever (it was stopped)";
    tester("retry", 1, &wrong.command).fails_at(1, &[said], Some("no-timeout"));
}

/// A timeout of 100 ms, "the server is right here": three sends in a fifth of a second.
#[test]
fn retry_a_client_that_waits_100_ms_fails_check_1_its_sends_too_close_together() {
    let wrong =
        mistaken("retry", &[("Some(Duration::from_secs(1))", "Some(Duration::from_millis(100))")]);
    let said = "expected each send about 1 s after the one before\n     got one 1";
    tester("retry", 1, &wrong.command).fails_at(1, &[said, " ms after"], None);
}

/// Gives up after three sends, but quietly, as if all went well: exit 0.
#[test]
fn retry_a_client_that_exits_0_when_no_reply_came_fails_check_2() {
    let wrong = mistaken(
        "retry",
        &[(
            "    Err(io::Error::other(\"no reply to 3 datagrams, sent 1 s apart\"))\n",
            "    Ok(()) // no reply: nothing to print\n",
        )],
    );
    let said = "expected exit status 1\n     got exited with status 0";
    tester("retry", 1, &wrong.command).fails_at(2, &[said], None);
}

/// Sends again for as long as no reply comes: no limit. The tester stops it after 5 s, when it has
/// sent five datagrams.
#[test]
fn retry_a_client_with_no_retry_limit_fails_check_2_never_giving_up() {
    let wrong = mistaken("retry", &[("    for _ in 0..3 {\n", "    loop {\n")]);
    let said = "your program sent 5 datagrams, and was still sending: three at most";
    tester("retry", 1, &wrong.command).fails_at(2, &[said], None);
}

/// Three sends, whatever comes back: a reply does not stop it, so a resend is answered too.
/// One send too many: four datagrams where three at most may go.
#[test]
fn retry_a_client_that_sends_four_times_fails_check_2() {
    let wrong = mistaken("retry", &[("    for _ in 0..3 {\n", "    for _ in 0..4 {\n")]);
    tester("retry", 1, &wrong.command).fails_at(2, &["expected 3 datagrams\n     got 4"], None);
}

#[test]
fn retry_a_client_that_goes_on_sending_after_a_reply_fails_check_3_printing_two() {
    let wrong = mistaken(
        "retry",
        &[
            ("    for _ in 0..3 {\n", "    let mut answered = false;\n    for _ in 0..3 {\n"),
            (
                "                return Ok(()); // one reply printed, however many more may come\n",
                "                answered = true;\n",
            ),
            (
                "    Err(io::Error::other(\"no reply to 3 datagrams, sent 1 s apart\"))\n",
                "    if answered { Ok(()) } else { Err(io::Error::other(\"no reply to 3 datagrams, sent 1 s apart\")) }\n",
            ),
        ],
    );
    let said = "expected stdout \"respuesta a: ¿hay alguien ahí?\\n\"\n     got \"respuesta a: ¿hay alguien ahí?\\nrespuesta a: ¿hay alguien ahí\"... (66 bytes)";
    tester("retry", 1, &wrong.command).fails_at(3, &[said], None);
}

// ---- redirect: an HTTP client that follows redirects, five at most, and prints the body ----

/// The request without Host, as the notebook's: HTTP/1.1 requires it.
#[test]
fn redirect_a_request_without_host_fails_check_1_with_a_400() {
    let wrong = mistaken(
        "redirect",
        &[("HTTP/1.1\\r\\nHost: {server}\\r\\nConnection", "HTTP/1.1\\r\\nConnection")],
    );
    let said = "the server answered 400 Bad Request: the request has no Host header, which HTTP/1.1 requires";
    tester("redirect", 1, &wrong.command).fails_at(1, &[said], Some("no-host"));
}

/// The request's lines ended in "\n" alone, as the notebook's: HTTP wants "\r\n".
#[test]
fn redirect_a_request_with_lf_line_ends_fails_check_1_with_a_400() {
    let wrong = mistaken(
        "redirect",
        &[(
            "\"GET {path} HTTP/1.1\\r\\nHost: {server}\\r\\nConnection: close\\r\\n\\r\\n\"",
            "\"GET {path} HTTP/1.1\\nHost: {server}\\nConnection: close\\n\\n\"",
        )],
    );
    let said = "the server answered 400 Bad Request: a line of the request does not end in CRLF";
    tester("redirect", 1, &wrong.command).fails_at(1, &[said], None);
}

/// The body taken from one read: what had come of it so far.
#[test]
fn redirect_a_client_that_reads_the_body_once_fails_check_1_its_body_cut_short() {
    let wrong = mistaken(
        "redirect",
        &[
            (
                "use std::io::{self, BufRead, BufReader, Write};",
                "use std::io::{self, BufRead, BufReader, Read, Write};",
            ),
            (
                "        io::copy(&mut reader, &mut io::stdout())?; // the body, until the server closes\n",
                "        let mut body = [0; 4096];\n        let size = reader.read(&mut body)?; // Python: sock.recv(4096)\n        io::stdout().write_all(&body[..size])?;\n",
            ),
        ],
    );
    tester("redirect", 1, &wrong.command).fails_at(1, &["expected stdout \""], Some("recv"));
}

/// Location ignored: a 301 is taken for a failure, as any status but 200.
#[test]
fn redirect_a_client_that_ignores_location_fails_check_2_asking_once() {
    let wrong = mistaken(
        "redirect",
        &[(
            "            (301 | 302 | 303 | 307 | 308, Some(next)) if next.starts_with('/') => path = next,\n",
            "",
        )],
    );
    let said = "expected requests for /a, then /b, then /c\n     got /a";
    tester("redirect", 1, &wrong.command).fails_at(2, &[said], None);
}

/// Follows redirects for as long as they come.
#[test]
fn redirect_a_client_with_no_redirect_limit_fails_check_3_following_a_loop_forever() {
    let wrong = mistaken("redirect", &[("    for _ in 0..=5 {\n", "    loop {\n")]);
    let said = "seven requests, and still going: you follow redirects forever";
    tester("redirect", 1, &wrong.command).fails_at(3, &[said], None);
}

/// One redirect fewer than allowed: `0..5` where five redirects take six requests.
#[test]
fn redirect_a_client_that_stops_after_four_redirects_fails_check_5_at_the_fifth() {
    let wrong = mistaken("redirect", &[("    for _ in 0..=5 {\n", "    for _ in 0..5 {\n")]);
    let said = "expected requests for /r5, then /r4, then /r3, then /r2, then /r1, then /c\n     \
                got /r5, then /r4, then /r3, then /r2, then /r1";
    tester("redirect", 1, &wrong.command).fails_at(5, &[said], None);
}

/// Only 301 and 302 taken for redirects, the two everyone knows: a 303 ends the chain.
#[test]
fn redirect_a_client_that_knows_only_301_and_302_fails_check_5_at_the_303() {
    let wrong = mistaken(
        "redirect",
        &[("(301 | 302 | 303 | 307 | 308, Some(next))", "(301 | 302, Some(next))")],
    );
    let said = "expected requests for /r5, then /r4, then /r3, then /r2, then /r1, then /c\n     \
                got /r5";
    tester("redirect", 1, &wrong.command).fails_at(5, &[said], None);
}

/// Any response that is no redirect taken for success: the 404's page printed, exit 0.
#[test]
fn redirect_a_client_that_exits_0_on_a_404_fails_check_4() {
    let wrong = mistaken(
        "redirect",
        &[(
            "            _ => return ExitCode::FAILURE, // another status, or a redirect elsewhere\n",
            "            _ => return ExitCode::SUCCESS, // a page came: done\n",
        )],
    );
    let said = "expected exit status 1\n     got exited with status 0";
    tester("redirect", 1, &wrong.command).fails_at(4, &[said], None);
}

// ---- lines: a server that answers each line in ASCII upper case, many clients at once ----

/// Never listens, nor exits: the tester stops it after 5 s (see also the hung programs, below).
#[test]
fn lines_a_server_that_never_listens_fails_check_1_and_is_stopped_after_5_s() {
    let hung = Hung::new();
    let report = tester("lines", 1, &hung.command);
    let said = "no answer within 5 s: nothing accepted connections on 127.0.0.1:";
    report.fails_at(1, &[said, "(it was stopped)"], None);
    hung.assert_stopped(&report);
}

/// Upper case as Unicode has it: "é" becomes "É", where the exercise asks for ASCII letters only.
#[test]
fn lines_a_server_that_upper_cases_unicode_fails_check_2_at_its_second_line() {
    let wrong = mistaken(
        "lines",
        &[(
            "        line.make_ascii_uppercase();\n",
            "        line = String::from_utf8_lossy(&line).to_uppercase().into_bytes();\n",
        )],
    );
    let said = [
        "expected \"HOLA\\n¡QUé TAL!\\nADIóS, SEñOR\\n\"",
        "got \"HOLA\\n¡QUÉ TAL!\\nADIÓS, SEÑOR\\n\" (they differ from line 2 on)",
    ];
    tester("lines", 1, &wrong.command).fails_at(2, &said, None);
}

/// Each read taken for a line, as the framing pitfall's server: "ho" is answered "HO".
#[test]
fn lines_a_server_that_takes_each_read_for_a_line_fails_check_3_answering_a_piece() {
    let wrong = mistaken(
        "lines",
        &[(
            LINES_READ_A_LINE,
            "        line.resize(4096, 0);\n        let count = reader.read(&mut line)?; // Python: conn.recv(4096), taken for a line\n        line.truncate(count);\n",
        )],
    );
    let said = "a reply came before the line had ended: \"H\"";
    tester("lines", 1, &wrong.command).fails_at(3, &[said], Some("framing"));
}

/// The 64 KiB limit put on the connection instead of on each line: `.take()` once, outside the
/// loop. After 64 KiB of lines, the reader says the client has closed.
#[test]
fn lines_a_server_that_limits_the_connection_to_64_kib_fails_check_4_stopping_after_64_kib() {
    let wrong = mistaken(
        "lines",
        &[
            (
                "    let mut reader = BufReader::new(stream);\n",
                "    let mut reader = BufReader::new(stream).take(LINE_LIMIT as u64 + 1); // no line over 64 KiB\n",
            ),
            (LINES_READ_A_LINE, "        let count = reader.read_until(b'\\n', &mut line)?;\n"),
            (
                "        if !reader.buffer().contains(&b'\\n') {\n",
                "        if !reader.get_ref().buffer().contains(&b'\\n') {\n",
            ),
        ],
    );
    let said = ["your server closed the connection after ", " of the 250000 bytes"];
    tester("lines", 1, &wrong.command).fails_at(4, &said, None);
}

/// One client at a time, to its end: the second client waits for the first to leave.
#[test]
fn lines_a_serial_server_fails_check_5_the_second_client_unanswered() {
    let wrong = mistaken(
        "lines",
        &[(
            "                let spawned = thread::Builder::new().spawn(move || handle_client(stream, peer));\n                if let Err(error) = spawned {\n                    let _ = writeln!(io::stderr(), \"lines-server: {peer}: no thread: {error}\");\n                }\n",
            "                handle_client(stream, peer); // one client at a time\n",
        )],
    );
    tester("lines", 1, &wrong.command).fails_at(5, &["no answer within 2 s"], None);
}

/// No limit on a line: a client that never sends "\n" is read from forever.
#[test]
fn lines_a_server_with_no_line_limit_fails_check_6_keeping_the_endless_line_open() {
    let wrong = mistaken(
        "lines",
        &[(LINES_READ_A_LINE, "        let count = reader.read_until(b'\\n', &mut line)?;\n")],
    );
    let said = "expected the server to close that connection\n     got it kept it open";
    tester("lines", 1, &wrong.command).fails_at(6, &[said], None);
}

/// Answers sent only once the reader's buffer is empty: "hola\nmun" leaves "mun" in it, and the
/// answer to "hola" waits for the end of a line the client will send only once it has that answer.
#[test]
fn lines_a_server_that_flushes_only_an_empty_buffer_fails_check_7_holding_a_whole_lines_answer() {
    let wrong = mistaken(
        "lines",
        &[(
            "        if !reader.buffer().contains(&b'\\n') {\n",
            "        if reader.buffer().is_empty() {\n",
        )],
    );
    let said = "no answer within 2 s (a server that sends its answers only once its buffer is";
    tester("lines", 1, &wrong.command).fails_at(7, &[said], None);
}

/// lines-server's read of one line, 64 KiB at most.
const LINES_READ_A_LINE: &str = "        let count = reader.by_ref().take(LINE_LIMIT as u64 + 1).read_until(b'\\n', &mut line)?;\n";

// ---- A program that hangs is stopped, and nothing of it is left running ----

/// A program that never exits, never connects, never listens: `sh -c 'sleep ...'` (sleep alone
/// would refuse the `127.0.0.1 PORT` the tester appends, and exit at once). Its sleep has a
/// length of its own, to be found, or not, once the tester has stopped it.
struct Hung {
    command: Vec<OsString>,
    sleep: String,
}

impl Hung {
    fn new() -> Hung {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let sleep = format!("300.{}{n}", std::process::id()); // seconds
        let script = format!("sleep {sleep}; echo never");
        let command = ["sh", "-c", &script, "hung"].map(OsString::from).to_vec();
        Hung { command, sleep }
    }

    /// The tester's run took well under 30 s, and left no sleep of ours behind.
    fn assert_stopped(&self, report: &Report) {
        assert!(report.elapsed < Duration::from_secs(30), "took {:?}", report.elapsed);
        let ours = format!("sleep\0{}\0", self.sleep);
        let left = fs::read_dir("/proc").expect("/proc").flatten().any(|process| {
            fs::read(process.path().join("cmdline")).is_ok_and(|line| line == ours.as_bytes())
        });
        assert!(!left, "the tester left `sleep {}` running:\n{}", self.sleep, report.transcript);
    }
}

#[test]
fn send_a_client_that_never_connects_is_stopped_after_5_s_and_fails_check_1() {
    let hung = Hung::new();
    let report = tester("send", 1, &hung.command);
    let said = "no answer within 5 s: it never connected to 127.0.0.1:";
    report.fails_at(1, &[said, "(it was stopped)"], None);
    hung.assert_stopped(&report);
}

#[test]
fn redirect_a_client_that_never_connects_is_stopped_after_5_s_and_fails_check_1() {
    let hung = Hung::new();
    let report = tester("redirect", 1, &hung.command);
    report.fails_at(
        1,
        &["no answer within 5 s: your program neither sent a request nor exited"],
        None,
    );
    hung.assert_stopped(&report);
}

// ---- length-prefix: messages framed by a 4-byte big-endian length, answered so ----

/// Exits at once: nothing ever accepts the tester's connection.
#[test]
fn length_prefix_a_program_that_exits_at_once_fails_check_1() {
    let report = tester("length-prefix", 1, &["true".into()]);
    let said = "your program exited with status 0 before it accepted connections on 127.0.0.1:";
    report.fails_at(1, &[said], None);
}

/// The header taken from one read, as Python's recv(4) may return it: 1 byte of the 4.
#[test]
fn length_prefix_a_server_that_reads_the_header_once_fails_check_2_its_header_in_two_pieces() {
    let wrong = mistaken(
        "length-prefix",
        &[(
            "        reader.read_exact(&mut length)?;\n",
            "        reader.read(&mut length)?; // Python: conn.recv(4)\n",
        )],
    );
    let said = ["expected [00 00 00 07 c2 a1 48 4f] ... (11 bytes)", "got [00 00 00 00]"];
    tester("length-prefix", 1, &wrong.command).fails_at(2, &said, None);
}

/// The length read little-endian, as the machine's own integers: 7 is taken for 117,440,512,
/// over the limit, and the connection is closed. (The tester says "no answer within 2 s" of a
/// connection closed at once, and names the framing pitfall.)
#[test]
fn length_prefix_a_server_that_reads_the_length_little_endian_fails_check_2() {
    let wrong = mistaken(
        "length-prefix",
        &[("let size = u32::from_be_bytes(length);", "let size = u32::from_le_bytes(length);")],
    );
    // [00 00 00 01] read little-endian is 16 MiB: over the limit, the server closes.
    let said = "your server closed the connection after 0 of the 11 bytes";
    tester("length-prefix", 1, &wrong.command).fails_at(2, &[said], None);
}

/// An empty message passed over, "nothing to answer": the client waits for its header of 0.
#[test]
fn length_prefix_a_server_that_skips_empty_messages_fails_check_3() {
    let wrong = mistaken(
        "length-prefix",
        &[(
            "        message.resize(size as usize, 0);\n",
            "        if size == 0 {\n            continue; // nothing to answer\n        }\n        message.resize(size as usize, 0);\n",
        )],
    );
    let said = "no answer within 2 s: 0 of the 4 bytes came";
    tester("length-prefix", 1, &wrong.command).fails_at(3, &[said], None);
}

/// The bytes taken for text: what is no UTF-8 becomes "�", and the message grows.
#[test]
fn length_prefix_a_server_that_takes_the_bytes_for_text_fails_check_4_at_bytes_of_every_value() {
    let wrong = mistaken(
        "length-prefix",
        &[
            (
                "        message.make_ascii_uppercase();\n",
                "        message = String::from_utf8_lossy(&message).to_ascii_uppercase().into_bytes();\n",
            ),
            (
                "        writer.write_all(&length)?; // the same length: upper case changes no byte count\n",
                "        writer.write_all(&(message.len() as u32).to_be_bytes())?;\n",
            ),
        ],
    );
    let said = ["expected [00 01 86 a0 ", "got [00 0"];
    tester("length-prefix", 1, &wrong.command).fails_at(4, &said, None);
}

/// One message, one answer, then the connection closed, as the notebook's server does.
#[test]
fn length_prefix_a_server_that_answers_one_message_per_connection_fails_check_5() {
    let wrong = mistaken(
        "length-prefix",
        &[(
            "        writer.write_all(&message)?;\n    }\n",
            "        writer.write_all(&message)?;\n        return writer.flush(); // answered: done\n    }\n",
        )],
    );
    let said = ["your server closed the connection after 13 of the 14890 bytes"];
    tester("length-prefix", 1, &wrong.command).fails_at(5, &said, None);
}

/// No limit on a length: a header of 2 MiB is believed, and 2 MiB waited for.
#[test]
fn length_prefix_a_server_with_no_length_limit_fails_check_6_waiting_for_2_mib() {
    let wrong = mistaken(
        "length-prefix",
        &[(
            "        if size > MESSAGE_LIMIT {\n            return Err(io::Error::new(\n                InvalidData,\n                format!(\"a message of {size} bytes, over {MESSAGE_LIMIT}\"),\n            ));\n        }\n",
            "",
        )],
    );
    let said = "expected the server to close that connection\n     got it kept it open, as if to read 2 MiB";
    tester("length-prefix", 1, &wrong.command).fails_at(6, &[said], None);
}

/// The header counted among the message's bytes: a message 4 bytes short of whole is taken for
/// whole, and the answers before it wait for those 4 bytes.
#[test]
fn length_prefix_a_server_that_counts_the_header_as_body_fails_check_7_holding_an_answer() {
    let wrong = mistaken(
        "length-prefix",
        &[(
            "        Some(&length) => buffered.len() - 4 >= u32::from_be_bytes(length) as usize,\n",
            "        Some(&length) => buffered.len() >= u32::from_be_bytes(length) as usize,\n",
        )],
    );
    let said = "no answer within 2 s: 0 of the 8 bytes came";
    tester("length-prefix", 1, &wrong.command).fails_at(7, &[said, "counts the header"], None);
}

/// Answers sent only once the reader's buffer is empty: part of a next message in it holds them.
#[test]
fn length_prefix_a_server_that_flushes_only_an_empty_buffer_fails_check_7_holding_an_answer() {
    let wrong = mistaken(
        "length-prefix",
        &[(
            "        if !holds_a_message(reader.buffer()) {\n",
            "        if reader.buffer().is_empty() {\n",
        )],
    );
    let said = "no answer within 2 s: 0 of the 8 bytes came (a server that answers only once its";
    tester("length-prefix", 1, &wrong.command).fails_at(7, &[said], None);
}

// ---- chat: a server that passes each client's lines to every other client ----

/// Run as `chat-server PORT`: the HOST the tester gives is taken for the port.
#[test]
fn chat_a_server_that_takes_its_first_argument_for_the_port_fails_check_1() {
    let wrong = mistaken(
        "chat",
        &[(
            "        [host, port] => (host.as_str(), port.as_str()),\n",
            "        [port, host] => (host.as_str(), port.as_str()),\n",
        )],
    );
    let said = [
        "your program exited with status 2 before it accepted connections",
        "bad port \"127.0.0.1\"",
    ];
    tester("chat", 1, &wrong.command).fails_at(1, &said, None);
}

/// Every line to every client, its sender too.
#[test]
fn chat_a_server_that_sends_a_line_back_to_its_sender_fails_check_2() {
    let wrong = mistaken(
        "chat",
        &[("        if peer == sender {\n            continue;\n        }\n", "")],
    );
    let said = ["hola a todos\\n\"", "expected \"127.0.0.1:", "got \"127.0.0.1:"];
    tester("chat", 1, &wrong.command).fails_at(2, &said, None);
}

/// Each read passed on as a line: a line that came in pieces reaches the others in pieces.
#[test]
fn chat_a_server_that_takes_each_read_for_a_line_fails_check_2_passing_on_pieces() {
    let wrong = mistaken(
        "chat",
        &[(
            LINES_READ_A_LINE,
            "        let mut piece = [0; 4096];\n        let count = reader.read(&mut piece)?; // Python: conn.recv(4096), taken for a line\n        line.extend_from_slice(&piece[..count]);\n",
        )],
    );
    tester("chat", 1, &wrong.command).fails_at(2, &["expected \"127.0.0.1:"], Some("framing"));
}

/// Queues without a bound: the client that stopped reading is never dropped, its queue grows.
#[test]
fn chat_a_server_with_no_bound_on_a_clients_queue_fails_check_3_keeping_the_stopped_client() {
    let wrong = mistaken(
        "chat",
        &[(
            "    client.queued.load(Relaxed) + line.len() <= QUEUE_LIMIT\n",
            "    true // a queue takes every line: it grows for as long as it must\n",
        )],
    );
    let said = "expected the client that stopped reading to be dropped (its queue passed 1 MiB)\n     got it was kept";
    tester("chat", 1, &wrong.command).fails_at(3, &[said], None);
}

/// No queues: each line written to each client from its sender's thread. Once the client that
/// stopped reading has its buffers full, that write waits, and every line with it.
#[test]
fn chat_a_server_that_writes_from_the_senders_thread_fails_check_3_held_up_by_the_stopped_client() {
    let wrong = mistaken(
        "chat",
        &[(
            "    client.queued.fetch_add(line.len(), Relaxed);\n    let _ = client.queue.send(Arc::clone(line)); // fails only once its writer has ended\n",
            "    let _ = (&client.stream).write_all(line); // straight to the client\n",
        )],
    );
    let said = ["no answer within 1 s: probe ", " never reached the client at 127.0.0.1:"];
    tester("chat", 1, &wrong.command).fails_at(3, &said, None);
}

/// It waits for room for the stopped client with the clients' lock held: for that long, every
/// other line waits too, the probes among them. They come, late.
#[test]
fn chat_a_server_that_waits_for_room_holding_the_lock_fails_check_3_its_probes_late() {
    let wrong = mistaken(
        "chat",
        &[(
            "        if has_room(client, &line) {\n            queue(client, &line);\n        } else {\n            full.push((peer, Arc::clone(client)));\n        }\n",
            "        let deadline = Instant::now() + Duration::from_millis(1500);\n        while !has_room(client, &line) && Instant::now() < deadline {\n            thread::sleep(Duration::from_millis(1)); // the lock held: the others wait too\n        }\n        full.push((peer, Arc::clone(client)));\n",
        )],
    );
    let said = "expected each probe within 1 s\n     got one took ";
    tester("chat", 1, &wrong.command).fails_at(3, &[said], None);
}

/// A room of ten seats, where a seat is taken at joining and never given back: by check 4, the
/// tester's eight earlier clients have taken eight, and the eleventh client is turned away.
#[test]
fn chat_a_server_that_never_frees_a_seat_when_a_client_leaves_fails_check_4() {
    let wrong = mistaken(
        "chat",
        &[(
            "    let clients = Clients::default();\n    loop {\n        match listener.accept() {\n            Ok((stream, peer)) => {\n",
            "    let clients = Clients::default();\n    let mut seats = 0; // a room of ten\n    loop {\n        match listener.accept() {\n            Ok((stream, _)) if seats == 10 => drop(stream), // the room is full\n            Ok((stream, peer)) => {\n                seats += 1;\n",
        )],
    );
    tester("chat", 1, &wrong.command).fails_at(
        4,
        &["no answer within 1 s: the client at 127.0.0.1:", " heard nothing"],
        None,
    );
}

// ---- The learner's side: the list, their own copy, hints, solutions, usage errors ----

/// The workspace as a learner's clone, with its own target folder: the tester's status records
/// go there, and cargo builds the learner's copy there.
struct Clone {
    root: TempDir,
}

impl Clone {
    fn new() -> Clone {
        let root = TempDir::new("exercise-clone");
        copy_workspace(&workspace_root(), &root.0);
        Clone { root }
    }

    /// scripts/exercise.sh ARGS, as a learner runs it: cargo builds the tester, then the copy.
    fn exercise(&self, args: &[&str]) -> Output {
        let mut command = Command::new("bash");
        command.arg(self.root.0.join("scripts/exercise.sh")).args(args);
        command.env("CARGO_TARGET_DIR", self.root.0.join("target"));
        command.current_dir(&self.root.0);
        run(command, None)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.root.0.join(file)
    }

    /// The status of each exercise in the list, in its order.
    fn statuses(&self) -> Vec<(String, String)> {
        let output = self.exercise(&[]);
        assert_eq!(output.code(), Some(0), "{}{}", output.stdout_text(), output.stderr);
        let listed = output.stdout_text();
        let rows = listed.lines().filter_map(|line| {
            let (number, rest) = line.trim_start().split_once(". ")?;
            number.parse::<usize>().ok()?;
            let mut words = rest.split_whitespace();
            let name = words.next()?.to_string();
            let status = if rest.contains("not started") {
                "not started"
            } else if rest.contains("not yet") {
                "not yet"
            } else if words.next() == Some("done") {
                "done"
            } else {
                "?"
            };
            Some((name, status.to_string()))
        });
        rows.collect()
    }

    fn status_of(&self, exercise: &str) -> String {
        let statuses = self.statuses();
        let found = statuses.iter().find(|(name, _)| name == exercise);
        found.map(|(_, status)| status.clone()).unwrap_or_else(|| panic!("{statuses:?}"))
    }
}

#[test]
fn the_learners_copy_is_made_at_the_first_run_kept_ever_after_and_its_status_follows_it() {
    let clone = Clone::new();
    let statuses = clone.statuses();
    let names: Vec<&str> = statuses.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, EXERCISES, "the eight exercises, in order");
    assert!(statuses.iter().all(|(_, status)| status == "not started"), "{statuses:?}");

    // The first run makes the copy from the starting file, says where, and checks it: it fails.
    let copy = clone.path("tcp-client/examples/my-send.rs");
    let first = clone.exercise(&["send", "--seed", "1"]);
    let said = first.stdout_text();
    let made = "Made your copy: tcp-client/examples/my-send.rs, from tcp-client/examples/minimal-tcp-client.rs.";
    assert!(said.contains(made), "{said}{}", first.stderr);
    let start =
        fs::read_to_string(clone.path("tcp-client/examples/minimal-tcp-client.rs")).expect("start");
    let made = fs::read_to_string(&copy).expect("the copy was made");
    assert!(
        made.ends_with(&start) && made.starts_with("// Your copy, for the exercise `send`"),
        "{made}"
    );
    assert!(said.contains("expected you to send \"hola\""), "{said}");
    assert_eq!(first.code(), Some(1), "{said}");
    assert_eq!(clone.status_of("send"), "not yet");
    assert_eq!(clone.status_of("threads"), "not started");

    // The reference solution, written into the copy, passes; the list says so.
    let solution =
        fs::read_to_string(workspace_root().join(solution_source("send"))).expect("read");
    fs::write(&copy, &solution).expect("write the copy");
    let passed = clone.exercise(&["send", "--seed", "1"]);
    let said = passed.stdout_text();
    assert!(said.contains("All 3 checks passed.") && !said.contains("Made your copy"), "{said}");
    assert_eq!(passed.code(), Some(0), "{said}{}", passed.stderr);
    assert_eq!(fs::read_to_string(&copy).expect("read"), solution, "never overwritten");
    assert_eq!(clone.status_of("send"), "done");

    // Edited since it passed: not yet, again.
    fs::write(&copy, format!("{solution}// an edit\n")).expect("write the copy");
    assert_eq!(clone.status_of("send"), "not yet");

    // A copy that does not compile: the tester says so, and that cargo test fails meanwhile.
    let broken = format!("{solution}this is not Rust\n");
    fs::write(&copy, &broken).expect("write the copy");
    let failed = clone.exercise(&["send", "--seed", "1"]);
    let said = failed.stdout_text() + &failed.stderr;
    assert!(said.contains("my-send does not build yet: cargo said why, above"), "{said}");
    assert!(
        said.contains("Fix tcp-client/examples/my-send.rs") && said.contains("cargo test"),
        "{said}"
    );
    assert_eq!(failed.code(), Some(1), "{said}");
    assert_eq!(fs::read_to_string(&copy).expect("read"), broken, "never overwritten");
    assert_eq!(clone.status_of("send"), "not yet");
}

/// Run the tester's binary with ARGS (never a bare NAME here: that would make a learner's copy
/// in this workspace).
fn exercise(args: &[&str]) -> Output {
    let mut command = Command::new(bin("exercise"));
    command.args(args);
    run(command, None)
}

#[test]
fn a_usage_error_says_what_is_wrong_and_exits_2() {
    for (args, problem) in [
        (&["no-such-exercise"][..], "exercise: no exercise no-such-exercise"),
        (&["send", "--frobnicate"], "exercise: unknown option --frobnicate"),
        (&["send", "--seed", "many"], "exercise: --seed needs a whole number"),
        (&["send", "--seed"], "exercise: --seed needs a whole number"),
        (&["send", "--"], "exercise: -- needs a command"),
        (&["send", "solution-send", "solution-threads"], "exercise: one program at a time"),
        (&["--", "true"], "exercise: name the exercise first"),
    ] {
        let output = exercise(args);
        assert!(output.stderr.starts_with(problem), "{args:?}: {}", output.stderr);
        assert!(
            output.stderr.contains("usage: scripts/exercise.sh"),
            "{args:?}: {}",
            output.stderr
        );
        assert_eq!(output.code(), Some(2), "{args:?}: {}", output.stderr);
    }
}

#[test]
fn hint_says_where_to_look_and_what_to_write_for_every_exercise() {
    for name in EXERCISES {
        let output = exercise(&[name, "--hint"]);
        let said = output.stdout_text();
        assert!(said.starts_with(&format!("exercise {name}: ")), "{said}");
        let look = said.split_once("where to look: ").map(|(_, rest)| rest).unwrap_or("");
        let write = said.split_once("what to write: ").map(|(_, rest)| rest).unwrap_or("");
        assert!(look.len() > 40 && write.len() > 40, "both hints, at some length: {said}");
        assert_eq!(output.code(), Some(0), "{said}{}", output.stderr);
    }
}

#[test]
fn solution_shows_the_reference_solution_of_every_exercise() {
    for name in EXERCISES {
        let output = exercise(&[name, "--solution"]);
        let said = output.stdout_text();
        let path = solution_source(name);
        let source = fs::read_to_string(workspace_root().join(&path)).expect("read a solution");
        let header = format!("// {path}: a solution. Yours may differ, and pass all the same.\n\n");
        assert_eq!(said, header + &source, "{name}");
        assert_eq!(output.code(), Some(0), "{name}: {}", output.stderr);
    }
}
