//! The documentation says what the programs really do: each program's header commands print what
//! the header says, the README's transcripts print what they show, every line the README links to
//! does what its row says, the diagrams carry the bytes the programs send, and the Spanish README
//! keeps the same commands and programs as the English one.
//!
//! Documented commands use the programs' default ports (9000, 15000, 8000) and `cargo run`. Here
//! `cargo run -q -p NAME --` becomes the built binary, and a documented server is started on port
//! 0 instead of its default: the port it announces then takes the default's place in the commands
//! and output that follow. A default port no server has taken yet becomes a reserved port where
//! nothing listens. One of our programs given no address gets `127.0.0.1` and the moved port,
//! which is what its defaults would have meant.

mod common;

use common::*;
use std::net::{SocketAddr, UdpSocket};
use std::process::Command;
use std::time::Duration;

const PROGRAMS: [&str; 5] = ["tcp-server", "tcp-client", "udp-server", "udp-client", "http-get"];
/// The examples beyond the notebook: servers of ours too, on port 9000 by default.
const BEYOND: [&str; 3] = ["lines-server", "length-prefix-server", "chat-server"];
/// The programs' default ports, and 50000, the chat transcript's fixed client port (`nc -p`).
const DEFAULT_PORTS: [&str; 4] = ["9000", "15000", "8000", "50000"];

fn read(relative: &str) -> String {
    std::fs::read_to_string(workspace_root().join(relative)).expect("read a documentation file")
}

/// Each default port of the documentation, and the port that stands for it here.
struct Ports {
    moved: Vec<(&'static str, String)>,
    _nobody: Port, // where the defaults point until a server takes them
}

impl Ports {
    fn new() -> Ports {
        let nobody = reserved_port();
        let moved = DEFAULT_PORTS.iter().map(|&default| (default, nobody.to_string())).collect();
        Ports { moved, _nobody: nobody }
    }

    /// A server started in place of `default` announced `port`.
    fn take(&mut self, default: &str, port: u16) {
        let entry = self.moved.iter_mut().find(|(known, _)| *known == default);
        entry.expect("a default port").1 = port.to_string();
    }

    fn of(&self, default: &str) -> &str {
        &self.moved.iter().find(|(known, _)| *known == default).expect("a default port").1
    }

    /// `text` with each default port (a whole number, not part of a longer one) moved.
    fn apply(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (default, port) in &self.moved {
            text = replace_number(&text, default, port);
        }
        text
    }
}

/// `text` with the whole number `from` (not a part of a longer one) replaced by `to`.
fn replace_number(text: &str, from: &str, to: &str) -> String {
    let mut replaced = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().last().is_some_and(|c| c.is_ascii_digit());
        let after = rest[at + from.len()..].starts_with(|c: char| c.is_ascii_digit());
        replaced.push_str(&rest[..at]);
        replaced.push_str(if before || after { from } else { to });
        rest = &rest[at + from.len()..];
    }
    replaced.push_str(rest);
    replaced
}

/// A documented command, made runnable here (see the top of this file). A server is given port
/// 0 in place of its default port, which is returned with it.
fn adapt(command: &str, ports: &Ports) -> (String, Option<&'static str>) {
    let command = command.replace("cargo run -q -p ", "").replace("cargo run -p ", "");
    let command =
        command.replace("cargo run -q --example ", "").replace("cargo run --example ", "");
    let mut command = command.replace(" -- ", " ");
    let last = command.rsplit('|').next().unwrap_or("").trim().to_string();
    let mut words = last.split_whitespace();
    let program = words.next().unwrap_or("").to_string();
    let has_address = words.any(|word| word.contains(['.', ':']));
    let name = program.strip_prefix("minimal-").unwrap_or(&program);
    let ours = (PROGRAMS.contains(&name) && program != "http-get") || BEYOND.contains(&name);
    let own_default = match name {
        "udp-server" | "udp-client" => "15000",
        "http-get" => "8000",
        _ => "9000",
    };
    if is_server(&command) {
        let named =
            DEFAULT_PORTS.iter().find(|&&port| replace_number(&command, port, "") != command);
        if let Some(&default) = named {
            return (replace_number(&command, default, "0"), Some(default));
        }
        assert!(ours && !has_address, "a documented server with an address names its port");
        return (format!("{command} 127.0.0.1 0"), Some(own_default));
    }
    command = ports.apply(&command);
    if ours && !has_address {
        command.push_str(&format!(" 127.0.0.1 {}", ports.of(own_default)));
    }
    (command, None)
}

/// Why a command cannot run on this machine, if it cannot.
fn missing_peer(command: &str) -> Option<&'static str> {
    let openbsd_nc = || {
        let help = Command::new("nc").arg("-h").output();
        help.is_ok_and(|help| String::from_utf8_lossy(&help.stderr).contains("-N"))
    };
    if command.contains("nc -") && !openbsd_nc() {
        return Some("nc (Debian's netcat-openbsd) is not installed");
    }
    if command.contains("python3") && !have("python3") {
        return Some("python3 is not installed");
    }
    if command.starts_with("curl") && !have("curl") {
        return Some("curl is not installed");
    }
    None
}

fn shell(command: &str) -> Command {
    let (bins, path) = (bin_dir().display(), std::env::var("PATH").unwrap_or_default());
    let path = format!("{bins}:{bins}/examples:{path}");
    let mut shell = Command::new("bash");
    shell.args(["-c", command]).env("PATH", path).env("PYTHONUNBUFFERED", "1");
    shell.current_dir(workspace_root());
    shell
}

/// Where a documented server says it listens: `listening on ADDR` (ours), or
/// `Serving HTTP on HOST port PORT (http://HOST:PORT/) ...` (Python's web server).
fn announced(line: &str) -> Option<SocketAddr> {
    listening_on(line).or_else(|| python_serving_on(line))
}

/// Start a documented server on port 0, let its announced port stand for its default, and
/// return it with its first `lines` lines of output (stdout and stderr together).
fn start_server(
    command: &str,
    default: &str,
    ports: &mut Ports,
    lines: usize,
) -> (Server, Vec<String>) {
    let server = Server::start_announced(shell(&format!("exec {command} 2>&1")), announced);
    ports.take(default, server.port());
    let mut first = vec![server.announcement.clone()];
    first.extend((1..lines).map_while(|_| server.next_line()));
    (server, first)
}

fn is_server(command: &str) -> bool {
    command.split_whitespace().any(|word| word.ends_with("-server") || word == "http.server")
}

/// `\n`, `\"` and `\\` in a header's quoted output, as the characters they stand for.
fn unescape(text: &str) -> String {
    text.replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\")
}

#[test]
fn every_header_command_prints_what_its_header_says() {
    let full = PROGRAMS.map(|program| format!("{program}/src/main.rs"));
    let minimal = PROGRAMS.map(|program| format!("{program}/examples/minimal-{program}.rs"));
    for program in full.iter().chain(&minimal) {
        let source = read(program);
        let examples: Vec<(&str, &str)> = source
            .lines()
            .filter_map(|line| line.strip_prefix("//!     "))
            .filter_map(|line| line.split_once("# prints "))
            .map(|(command, expected)| (command.trim(), expected.trim()))
            .collect();
        assert!(examples.len() >= 2, "{program}: its header shows how to try it, with output");
        let mut ports = Ports::new();
        let (mut servers, mut previous) = (Vec::new(), String::new());
        for (command, expected) in examples {
            let (runnable, server_of) = adapt(command, &ports);
            if let Some(reason) = missing_peer(&runnable) {
                skip(&format!("{program}'s header: `{command}`: {reason}"));
                if is_server(command) {
                    break;
                }
                continue;
            }
            let printed = if let Some(default) = server_of {
                let (server, first) = start_server(&runnable, default, &mut ports, 1);
                servers.push(server);
                first.join("\n")
            } else {
                let output = run(shell(&runnable), None);
                assert_eq!(output.code(), Some(0), "{program}: `{runnable}`: {}", output.stderr);
                output.stdout_text()
            };
            let expected = if expected == "the same" {
                previous.clone()
            } else {
                let quoted = expected.strip_prefix('"').and_then(|e| e.strip_suffix('"'));
                ports.apply(&unescape(quoted.expect("# prints \"...\" or # prints the same")))
            };
            let matches = match expected.strip_suffix("...") {
                Some(prefix) => printed.starts_with(prefix.trim_end()),
                None => printed.trim_end() == expected.trim_end(),
            };
            assert!(matches, "{program}: `{runnable}` printed {printed:?}, header: {expected:?}");
            previous = printed;
        }
    }
}

/// The README's ```console blocks: `$ command` lines, each followed by what it prints (stdout and
/// stderr together); `$ command &` starts a server, and the lines after it are its first ones.
fn console_blocks(readme: &str) -> Vec<Vec<(String, Vec<String>)>> {
    let mut blocks = Vec::new();
    let mut rest = readme;
    while let Some(start) = rest.find("```console\n") {
        let body = &rest[start + "```console\n".len()..];
        let end = body.find("```").expect("a closed block");
        let mut steps: Vec<(String, Vec<String>)> = Vec::new();
        for line in body[..end].lines() {
            match line.strip_prefix("$ ") {
                Some(command) => steps.push((command.to_string(), Vec::new())),
                None => steps.last_mut().expect("a command first").1.push(line.to_string()),
            }
        }
        blocks.push(steps);
        rest = &body[end..];
    }
    blocks
}

fn check_transcripts(readme: &str) {
    let blocks = console_blocks(&read(readme));
    assert!(blocks.len() >= 4, "{readme}: the transcripts are there");
    for steps in blocks {
        let mut ports = Ports::new();
        let mut servers = Vec::new();
        for (command, expected) in steps {
            let background = command.strip_suffix(" &");
            let (runnable, server_of) = adapt(background.unwrap_or(&command), &ports);
            if let Some(reason) = missing_peer(&runnable) {
                skip(&format!("{readme}: `{command}`: {reason}"));
                if background.is_some() {
                    break;
                }
                continue;
            }
            let printed = match (background, server_of) {
                (Some(_), Some(default)) => {
                    let (server, first) =
                        start_server(&runnable, default, &mut ports, expected.len());
                    servers.push(server);
                    first
                }
                (None, None) => {
                    let output = run(shell(&format!("{runnable} 2>&1")), None);
                    output.stdout_text().lines().map(|line| line.trim_end().to_string()).collect()
                }
                _ => panic!(
                    "{readme}: `{command}`: a server runs in the background (&), and only a server"
                ),
            };
            let expected: Vec<String> = expected.iter().map(|line| ports.apply(line)).collect();
            assert_eq!(printed, expected, "{readme}: `{runnable}`");
        }
    }
}

#[test]
fn the_readme_transcripts_print_what_they_show() {
    check_transcripts("README.md");
}

#[test]
fn the_spanish_readme_transcripts_print_what_they_show() {
    check_transcripts("README.es.md");
}

/// Rows of the README's tables that link to lines of our code: (row, file, line number).
fn linked_lines(readme: &str) -> Vec<(String, String, usize)> {
    let mut links = Vec::new();
    for row in readme.lines().filter(|line| line.starts_with('|')) {
        let mut rest = row;
        while let Some(at) = rest.find("](") {
            let target = &rest[at + 2..rest[at..].find(')').map_or(rest.len(), |end| at + end)];
            let shown = &rest[rest[..at].rfind('[').expect("a link")..at];
            if let Some((file, line)) = target.split_once("#L") {
                let number: usize = line.parse().expect("a line number");
                assert_eq!(shown, format!("[{file}:{number}"), "the text names the line it links");
                links.push((row.to_string(), file.to_string(), number));
            }
            rest = &rest[at + 2..];
        }
    }
    links
}

/// The code of a line of Rust, without its `//` comment (a `//` inside a string stays).
fn code_of(line: &str) -> &str {
    let (mut in_string, mut escaped) = (false, false);
    for (at, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '/' if !in_string && line[at + 1..].starts_with('/') => return &line[..at],
            _ => {}
        }
    }
    line
}

/// Whether `code` calls `name`: `name(` with no letter, digit or `_` just before it.
fn calls(code: &str, name: &str) -> bool {
    code.match_indices(&format!("{name}("))
        .any(|(at, _)| !code[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
}

/// The code spans of the column that says what a linked line does: the Rust of "From the
/// notebook to Rust", what ours does in "What the notebook gets wrong". A span written as a
/// call, `write_all()` or `TcpStream::connect_timeout()`, names that call; others (`"127.0.0.1"`,
/// `?`) name what the line holds.
fn tables_with_links(readme: &str) -> Vec<(String, Vec<String>)> {
    let mut rows = Vec::new();
    let mut column = None;
    let mut previous_was_table = false;
    for line in readme.lines() {
        let is_table = line.starts_with('|');
        if is_table && !previous_was_table {
            let header: Vec<&str> = line.split('|').collect();
            let names = |cell: &&str| {
                ["Rust (", "ours does", "hace el nuestro"].iter().any(|w| cell.contains(w))
            };
            column = header.iter().position(names);
        } else if is_table && line.contains("](") && line.contains("#L") {
            let column =
                column.unwrap_or_else(|| panic!("a table of links names no column: {line}"));
            let cell = line.split('|').nth(column).unwrap_or("");
            let spans = cell.split('`').skip(1).step_by(2).map(String::from).collect();
            rows.push((line.to_string(), spans));
        }
        previous_was_table = is_table;
    }
    rows
}

fn check_links(readme: &str) {
    let text = read(readme);
    let links = linked_lines(&text);
    assert!(links.len() >= 40, "{readme}: the tables link to our code");
    let rows = tables_with_links(&text);
    for (row, file, number) in links {
        let source = read(&file);
        let line = source.lines().nth(number - 1).unwrap_or_else(|| panic!("{file}:{number}"));
        let code = code_of(line);
        let (_, spans) = rows.iter().find(|(known, _)| *known == row).expect("its table");
        // `TcpStream::connect_timeout()` names connect_timeout, `take(4096)` take.
        let called: Vec<&str> = spans
            .iter()
            .filter_map(|span| span.strip_suffix(')')?.split_once('('))
            .map(|(path, _)| path.rsplit("::").next().unwrap_or(path))
            .filter(|name| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
            .collect();
        let does = if called.is_empty() {
            spans.iter().any(|span| code.contains(span.as_str()))
        } else {
            called.iter().any(|name| calls(code, name))
        };
        let names =
            if called.is_empty() { format!("{spans:?}") } else { format!("the calls {called:?}") };
        assert!(does, "{readme}: {file}:{number} is {line:?}, but its row names {names}");
    }
}

#[test]
fn every_line_the_readme_links_to_does_what_its_row_says() {
    check_links("README.md");
}

#[test]
fn every_line_the_spanish_readme_links_to_does_what_its_row_says() {
    check_links("README.es.md");
}

/// The README's code blocks, without the comments of `sh` and `powershell` blocks (translated),
/// and without its mermaid diagrams, whose notes are translated too (their messages are checked
/// apart).
fn code_blocks(readme: &str) -> Vec<String> {
    let without_comment =
        |line: &str| line.split("  #").next().unwrap_or("").trim_end().to_string();
    let blocks =
        readme.split("```").skip(1).step_by(2).filter(|block| !block.starts_with("mermaid"));
    let normalize =
        |block: &str| match block.strip_prefix("sh\n").or(block.strip_prefix("powershell\n")) {
            Some(commands) => commands.lines().map(without_comment).collect::<Vec<_>>().join("\n"),
            None => block.to_string(),
        };
    blocks.map(normalize).collect()
}

#[test]
fn the_spanish_readme_keeps_the_same_commands_and_programs() {
    let (english, spanish) = (read("README.md"), read("README.es.md"));
    assert!(english.contains("[Leer en español](README.es.md)"), "README.md links to it");
    assert_eq!(code_blocks(&english), code_blocks(&spanish), "the same code blocks, in order");
    let programs = |readme: &str| -> Vec<String> {
        let rows = readme.lines().filter(|line| line.starts_with("| [`"));
        rows.map(|row| row.split('|').nth(1).unwrap_or("").trim().to_string()).collect()
    };
    assert_eq!(programs(&english), programs(&spanish));
    assert_eq!(programs(&english).len(), PROGRAMS.len() + BEYOND.len());
    let (english_links, spanish_links) = (linked_lines(&english), linked_lines(&spanish));
    let places = |links: Vec<(String, String, usize)>| -> Vec<(String, usize)> {
        links.into_iter().map(|(_, file, line)| (file, line)).collect()
    };
    assert_eq!(places(english_links), places(spanish_links), "the same lines linked");
    // Every link to our code, in order: the programs, the minimal programs, their lines.
    let code_links = |readme: &str| -> Vec<String> {
        let targets = readme.split("](").skip(1).filter_map(|rest| rest.split(')').next());
        targets.filter(|target| !target.ends_with(".md")).map(String::from).collect()
    };
    assert_eq!(code_links(&english), code_links(&spanish), "the same code linked, in order");
}

/// The quoted messages of the README's diagrams.
fn diagram_messages(readme: &str) -> Vec<Vec<String>> {
    let blocks = readme.split("```mermaid\n").skip(1);
    let bodies = blocks.map(|block| block.split("```").next().unwrap_or("").to_string());
    let quoted = |body: String| -> Vec<String> {
        body.split('"').skip(1).step_by(2).map(unescape).collect()
    };
    bodies.map(quoted).collect()
}

#[test]
fn the_diagrams_carry_the_bytes_the_programs_send() {
    let diagrams = diagram_messages(&read("README.md"));
    assert_eq!(diagrams.len(), 3, "a TCP, a UDP and a chat diagram");
    assert_eq!(diagrams, diagram_messages(&read("README.es.md")), "the same in Spanish");

    // TCP, as drawn: tcp-client --send hello against tcp-server.
    let server = Server::start("tcp-server", &["--clients", "1", "127.0.0.1", "0"]);
    let mut client = our("tcp-client");
    client.args(["--send", "hello", "127.0.0.1", &server.port().to_string()]);
    let tcp = run(client, None).stdout_text();
    for message in &diagrams[0] {
        assert!(tcp.contains(message.as_str()), "the TCP diagram's {message:?} is not in {tcp:?}");
    }

    // UDP, as drawn: one exchange, then a datagram that gets no reply, with the default timeout.
    let server = Server::start("udp-server", &["--count", "1", "127.0.0.1", "0"]);
    let mut client = our("udp-client");
    client.args(["--send", "hello", "127.0.0.1", &server.port().to_string()]);
    let answered = run(client, None);
    let silent = UdpSocket::bind("127.0.0.1:0").expect("bind a silent peer");
    let silent_port = silent.local_addr().expect("addr").port().to_string();
    let mut client = our("udp-client");
    client.args(["--send", "hello", "127.0.0.1", &silent_port]);
    let lost = run(client, None);
    let udp = format!("{}{}", answered.stdout_text(), lost.stderr).replace(&silent_port, "15000");
    let mut sent = [0; 16];
    silent.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let size = silent.recv(&mut sent).expect("the 'lost' datagram arrived at the silent peer");
    for message in &diagrams[1] {
        let carried = message.as_bytes() == &sent[..size] || udp.contains(message.as_str());
        assert!(carried, "the UDP diagram's {message:?} is neither sent nor in {udp:?}");
    }

    // The chat, as drawn: client A says a line, B and C hear it with A's address, as 50000.
    let chat = Server::start_announced(example_on_port_0("chat-server"), listening_on);
    let clients: Vec<std::net::TcpStream> =
        (0..3).map(|_| std::net::TcpStream::connect(chat.addr).expect("connect")).collect();
    std::thread::sleep(Duration::from_millis(200)); // counted in by the server
    let said = "hola a todos\n";
    std::io::Write::write_all(&mut &clients[0], said.as_bytes()).expect("say");
    let a_port = clients[0].local_addr().expect("addr").port().to_string();
    let mut heard = vec![said.to_string()];
    for client in &clients[1..] {
        client.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(client), &mut line).expect("hear");
        heard.push(line.replace(&a_port, "50000"));
    }
    for message in &diagrams[2] {
        let carried = heard.iter().any(|text| text == message) || message.contains("50000");
        assert!(carried, "the chat diagram's {message:?} is not in {heard:?}");
    }
}

/// One of the examples beyond the notebook, to listen on port 0.
fn example_on_port_0(name: &str) -> Command {
    let mut command = example(name);
    command.args(["127.0.0.1", "0"]);
    command
}

/// The sections of scripts/pitfalls.sh, in its order.
fn pitfalls() -> Vec<String> {
    let script = read("scripts/pitfalls.sh");
    let all = script.lines().find_map(|line| line.strip_prefix("all=(")).expect("all=(...)");
    all.trim_end_matches(')').split_whitespace().map(String::from).collect()
}

#[test]
fn the_mistakes_table_has_a_row_for_each_section_of_pitfalls_sh_in_its_order() {
    for readme in ["README.md", "README.es.md"] {
        let text = read(readme);
        let shown: Vec<String> = text
            .lines()
            .filter(|line| line.starts_with('|'))
            .filter_map(|row| row.split("`scripts/pitfalls.sh ").nth(1)?.split('`').next())
            .map(String::from)
            .collect();
        assert_eq!(shown, pitfalls(), "{readme}: one row per mistake, in the script's order");
    }
}

/// The numbers of a text, each as one word: `10,000`, `10 000` and `65_535` are 10000 and 65535;
/// `1.5`, `0,2` (Spanish) and `127.0.1.1` keep their points, a decimal comma becoming a point.
fn numbers(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        if !chars[at].is_ascii_digit() || (at > 0 && chars[at - 1].is_ascii_alphabetic()) {
            at += 1;
            continue;
        }
        let mut number = String::new();
        while at < chars.len() {
            let c = chars[at];
            let digits_after = chars[at + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if c.is_ascii_digit() {
                number.push(c);
            } else if [',', '_', ' '].contains(&c) && digits_after == 3 && number.len() <= 3 {
                // a thousands separator: three digits follow, and no more
            } else if ['.', ','].contains(&c) && digits_after > 0 {
                number.push('.');
            } else {
                break;
            }
            at += 1;
        }
        found.push(number);
    }
    found
}

#[test]
fn numbers_are_read_as_one_word_each() {
    assert_eq!(
        numbers("10,000 and 10 000, 65_535; 1.5 s, 0,2 s"),
        ["10000", "10000", "65535", "1.5", "0.2"]
    );
    assert_eq!(
        numbers("127.0.1.1 recv(4096) HTTP/1.1 [Errno 98]"),
        ["127.0.1.1", "4096", "1.1", "98"]
    );
    assert_eq!(numbers("line 0082: x2 3, 4"), ["0082", "3", "4"]);
}

#[test]
fn each_number_and_message_of_the_mistakes_table_is_in_its_lesson_or_its_code() {
    for readme in ["README.md", "README.es.md"] {
        let text = read(readme);
        let rows = text
            .lines()
            .filter(|line| line.starts_with('|') && line.contains("`scripts/pitfalls.sh "));
        for row in rows {
            let cells: Vec<&str> = row.split(" | ").collect();
            let name = cells[0]
                .split("`scripts/pitfalls.sh ")
                .nth(1)
                .and_then(|rest| rest.split('`').next());
            let name = name.expect("the lesson's name");
            // What the claims may rest on: the lesson, its stand-in peers, and the linked code.
            let mut sources = read(&format!("scripts/pitfalls/{name}.sh"));
            for (_, file, _) in linked_lines(row) {
                sources.push_str(&read(&file));
            }
            let known = numbers(&sources);
            for cell in &cells[1..3] {
                for number in numbers(cell) {
                    let found = known.contains(&number);
                    assert!(
                        found,
                        "{readme}, row {name}: {number} is in neither its lesson nor its code: {cell}"
                    );
                }
            }
            // A message quoted in what ours does ("no reply within 2 s") is one ours prints.
            for message in cells[2].split('"').skip(1).step_by(2) {
                let found = sources.contains(message);
                assert!(
                    found,
                    "{readme}, row {name}: \"{message}\" is in neither its lesson nor its code"
                );
            }
        }
    }
}

#[test]
fn each_minimal_header_names_mistakes_that_pitfalls_sh_shows() {
    let sections = pitfalls();
    for program in PROGRAMS {
        let source = read(&format!("{program}/examples/minimal-{program}.rs"));
        let header = source.lines().take_while(|line| line.starts_with("//!"));
        let named: Vec<&str> = header
            .filter_map(|line| line.split("scripts/pitfalls.sh ").nth(1))
            .flat_map(str::split_whitespace)
            .collect();
        assert!(!named.is_empty(), "minimal-{program} names the mistakes it avoids");
        for name in named {
            assert!(sections.iter().any(|section| section == name), "minimal-{program}: {name}");
        }
    }
}
