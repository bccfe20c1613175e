//! The scripts' library, scripts/lib/common.sh, does what its usage lines say: each helper run
//! in bash, alone, and checked. Its port reservation runs the same algorithm as the Rust one
//! (scripts/tools/src/ports.rs, which tests/common uses): the same first port for a process,
//! and the same ports passed over, locked or in use.

mod common;

use common::*;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Run `script` in bash after sourcing the library (which moves to the workspace's top folder).
fn with_lib(script: &str) -> Output {
    let lib = workspace_root().join("scripts/lib/common.sh");
    let mut command = Command::new("bash");
    command.args(["-c", &format!("source {}\n{script}", lib.display())]);
    run(command, None)
}

fn stdout_of(script: &str) -> String {
    let output = with_lib(script);
    assert_eq!(output.code(), Some(0), "{script}: {}{}", output.stdout_text(), output.stderr);
    output.stdout_text()
}

#[test]
fn say_and_section_print_narration_and_titles() {
    assert_eq!(stdout_of("say one two; section Title here"), "# one two\n\n## Title here\n");
}

#[test]
fn show_prints_the_command_its_output_and_a_status_that_is_not_0() {
    let printed = stdout_of(r#"show "printf 'a|b\n' | tr '|' ' '"; echo "[$out] $status""#);
    assert_eq!(printed, "$ printf 'a|b\\n' | tr '|' ' '\na b\n[a b] 0\n");
    let printed = stdout_of(r#"show "echo oops >&2; exit 3"; echo "[$out] $status""#);
    assert_eq!(printed, "$ echo oops >&2; exit 3\noops\n(exit status 3)\n[oops] 3\n");
    let printed = stdout_of(r#"show true; echo "[$out]""#); // no output: no empty line
    assert_eq!(printed, "$ true\n[]\n");
}

#[test]
fn show_via_runs_the_command_under_its_runner_and_shows_its_prompt() {
    let printed =
        stdout_of(r#"show_via '[box]#' env GREETING=hola -- 'echo $GREETING'; echo $status"#);
    assert_eq!(printed, "[box]# echo $GREETING\nhola\n0\n");
}

#[test]
fn expect_counts_a_failed_check_and_says_what_should_have_happened() {
    let script = r#"out=5; expect '[[ $out == 5 ]]' "five"; expect '((out > 9))' "over nine"
        printf '%s\n' "${#problems[@]}" "${problems[@]}""#;
    assert_eq!(stdout_of(script), "1\nover nine\n");
}

#[test]
fn start_server_reads_the_port_from_the_first_line_ours_or_pythons() {
    let ours = r#"start_server bash -c 'echo listening on 127.0.0.1:4242; sleep 30'
        echo "port=$port"; kill -0 "$pid" && echo alive"#;
    let printed = stdout_of(ours);
    let expected = "$ bash -c echo listening on 127.0.0.1:4242; sleep 30 &\nlistening on \
                    127.0.0.1:4242\nport=4242\nalive\n";
    assert_eq!(printed, expected);
    let python = r#"start_server --show '$ web &' bash -c 'echo "Serving HTTP on 0.0.0.0 port 8123 (http://0.0.0.0:8123/) ..."; sleep 30'
        echo "port=$port""#;
    assert!(stdout_of(python).ends_with(
        "$ web &\nServing HTTP on 0.0.0.0 port 8123 (http://0.0.0.0:8123/) ...\nport=8123\n"
    ));
    let folder = stdout_of(r#"start_server --in /tmp bash -c 'echo "listening on $PWD:1"'"#);
    assert!(folder.ends_with("listening on /tmp:1\n"), "{folder}");
}

#[test]
fn start_server_gives_up_on_a_server_that_says_nothing_and_says_so() {
    let output = with_lib("start_server --wait 1 sleep 30 || echo returned $?");
    assert!(output.stdout_text().ends_with("(it printed nothing within 1 s)\nreturned 1\n"));
    assert!(output.elapsed < Duration::from_secs(10), "took {:?}", output.elapsed);
}

#[test]
fn server_says_prints_the_next_lines_and_cuts_a_long_one() {
    let script = r#"start_server bash -c 'echo listening on 127.0.0.1:1; echo one; printf "%0300d\n" 0; sleep 30' > /dev/null
        server_says "$server_log" 2; printf '%s' "$said" | wc -l"#;
    let printed = stdout_of(script);
    let long = format!("    server: {}... (a line of 300 characters)", "0".repeat(40));
    assert_eq!(printed, format!("    server: one\n{long}\n2\n"));
}

#[test]
fn what_a_script_tracks_is_stopped_at_exit_and_its_exit_commands_and_work_folder_go() {
    let folder = TempDir::new("lib-exit");
    let marker = folder.0.join("at-exit-ran");
    let script = format!(
        r#"make_work; echo "$work"; sleep 300 & track $!; echo $!
        setsid sleep 300 & track --group $!; echo $!
        at_exit 'touch {}'"#,
        marker.display()
    );
    let printed = stdout_of(&script);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 3, "{printed}");
    assert!(!std::path::Path::new(lines[0]).exists(), "the work folder {} is left", lines[0]);
    for pid in &lines[1..] {
        let alive = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            !stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z'))
        });
        assert!(!alive, "process {pid} outlived the script");
    }
    assert!(marker.exists(), "the at_exit command did not run");
}

#[test]
fn build_to_path_puts_our_programs_and_examples_first_on_path() {
    let printed =
        stdout_of("build_to_path; command -v tcp-server minimal-udp-client; echo ${PATH%%:*}");
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 3, "{printed}");
    assert!(lines[2].ends_with("/debug") || lines[2].ends_with("/debug/examples"), "{printed}");
    assert!(lines[0].ends_with("/debug/tcp-server"), "{printed}");
    assert!(lines[1].ends_with("/debug/examples/minimal-udp-client"), "{printed}");
}

#[test]
fn connected_to_and_until_connected_count_established_connections() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let connections: Vec<TcpStream> =
        (0..3).map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect")).collect();
    // One has closed its sending half, as `nc -N` does at the end of its input: it still counts.
    connections[2].shutdown(Shutdown::Write).expect("half-close");
    let script =
        format!(r#"connected_to {port}; until_connected {port} 3; echo "${{#problems[@]}}""#);
    assert_eq!(stdout_of(&script), "3\n0\n");
    let script = format!(r#"until_connected {port} 2; echo "${{#problems[@]}}""#);
    assert_eq!(stdout_of(&script), "0\n", "at least 2: three are");
    let script = format!(r#"until_connected {port} 4; echo "${{problems[@]}}""#);
    let output = with_lib(&script);
    assert_eq!(output.stdout_text(), "only 3 of 4 clients connected\n");
}

#[test]
fn exited_waits_for_a_process_that_ends_and_fails_one_that_does_not() {
    assert_eq!(stdout_of(r#"sleep 0.3 & exited $!; echo "${#problems[@]}""#), "0\n");
    let printed = stdout_of(r#"sleep 30 & track $!; exited $!; echo "${problems[@]}""#);
    assert!(printed.ends_with("did not exit after its clients\n"), "{printed}");
}

#[test]
fn the_peer_probes_answer_for_what_is_there_and_what_is_not() {
    assert_eq!(stdout_of("have sh && echo yes; have no-such-tool-here || echo no"), "yes\nno\n");
    let root = std::fs::read_to_string("/proc/self/status")
        .is_ok_and(|status| status.lines().any(|l| l.starts_with("Uid:\t0\t")));
    assert_eq!(
        stdout_of("is_root && echo root || echo user"),
        if root { "root\n" } else { "user\n" }
    );
    let openbsd = Command::new("nc").arg("-h").output();
    let openbsd = openbsd.is_ok_and(|help| String::from_utf8_lossy(&help.stderr).contains("-N"));
    let probed = stdout_of("have_nc_half_close && echo yes || echo no");
    assert_eq!(probed, if openbsd { "yes\n" } else { "no\n" });
    // A fake nc that knows no -N: it names it, as no option line of its own.
    let folder = TempDir::new("fake-nc");
    let fake = folder.0.join("nc");
    std::fs::write(&fake, "#!/bin/sh\necho 'GNU netcat 0.7.1: no -N, Netcat says' >&2\n")
        .expect("write");
    Command::new("chmod").arg("755").arg(&fake).status().expect("chmod");
    let script =
        format!("PATH={}:$PATH; have_nc_half_close && echo yes || echo no", folder.0.display());
    assert_eq!(stdout_of(&script), "no\n");
}

#[test]
fn apt_install_says_so_when_it_cannot_install() {
    let printed = stdout_of("PATH=/nonexistent; apt_install some-package || echo returned $?");
    assert_eq!(printed, "# cannot install some-package: no apt-get, or not root\nreturned 1\n");
}

#[test]
fn python_as_itself_puts_the_real_interpreter_first_on_path() {
    if !have("python3") {
        return skip("python3 is not installed");
    }
    let printed = stdout_of(
        "make_work; python_as_itself; command -v python3; readlink -f \"$(command -v python3)\"",
    );
    let lines: Vec<&str> = printed.lines().collect();
    assert!(lines[0].ends_with("/bin/python3") && lines[0].starts_with("/tmp"), "{printed}");
    let real = lines.last().expect("a path");
    let head = std::fs::read(real).expect("read the interpreter");
    assert!(head.starts_with(b"\x7fELF"), "{real} is no interpreter binary, but a script?");
}

#[test]
fn nginx_serving_serves_the_folder_on_the_port() {
    if !have("nginx") && !std::path::Path::new("/usr/sbin/nginx").exists() {
        return skip("nginx is not installed (Debian: nginx-light)");
    }
    let port = reserved_port();
    let script = format!(
        r#"make_work; mkdir "$work/www"; echo hola > "$work/www/index.html"
        nginx_serving "$work/www" {port}; exec 3<>/dev/tcp/127.0.0.1/{port}
        printf 'GET / HTTP/1.0\r\n\r\n' >&3; tail -n 1 <&3"#
    );
    drop(port); // nginx binds it now: no other test can be handed it in between, as it is locked
    assert_eq!(stdout_of(&script), "hola\n");
}

#[test]
fn edit_and_build_shows_the_edit_builds_the_copy_and_refuses_a_line_not_there() {
    let folder = TempDir::new("edit");
    let source = folder.0.join("hello.rs");
    std::fs::write(&source, "fn main() {\n    println!(\"hola\");\n}\n").expect("write");
    let script = format!(
        r#"make_work; edit_and_build {} '"hola"' '"adiós"' > /dev/null; "$edited"
        edit_and_build {} 'not there' x || echo "${{problems[@]}}""#,
        source.display(),
        source.display()
    );
    let printed = stdout_of(&script);
    assert!(printed.starts_with("adiós\n"), "{printed}");
    assert!(
        printed.ends_with(&format!(
            "the line to edit is no longer in {}: not there\n",
            source.display()
        ))
    );
}

// ---- The port reservation: the same algorithm in bash and in Rust ----

/// The ports a process with this pid tries, in order, for its first reservation: as
/// scripts/tools/src/ports.rs computes them.
fn first_tries(pid: u32, count: usize) -> Vec<u16> {
    let ports = reservable_ports();
    let start = pid as usize * 7;
    (0..count).map(|offset| ports.start + ((start + offset) % ports.len()) as u16).collect()
}

#[test]
fn bash_reserves_the_port_rust_would_and_passes_over_those_locked_or_in_use() {
    // A bash that says its pid, waits for a word from us, then reserves.
    let lib = workspace_root().join("scripts/lib/common.sh");
    let mut command = Command::new("bash");
    let script = format!(
        "source {} && echo $$ && read -r _ && reserve_port && echo $reserved",
        lib.display()
    );
    command.args(["-c", &script]).stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut bash = Process::spawn(&mut command);
    let mut stdin = bash.take_stdin().expect("stdin");
    let mut lines = BufReader::new(bash.take_stdout().expect("stdout")).lines();
    let pid: u32 = lines.next().expect("its pid").expect("read").parse().expect("a pid");
    // Its first try: in use (a listener of ours). Its second: locked (as Rust's reserve locks).
    // Its third, if free and unlocked, is the one it must take.
    let tries = first_tries(pid, 3);
    let _in_use = TcpListener::bind(("127.0.0.1", tries[0]));
    let lock_path = port_lock_dir().join(tries[1].to_string());
    let lock = File::open(&lock_path).or_else(|_| File::create(&lock_path)).expect("lock file");
    let locked_by_us = lock.try_lock().is_ok();
    let third_free = !port_in_use(tries[2]);
    writeln!(stdin, "go").expect("tell it to go on");
    let reserved: u16 = lines.next().expect("a port").expect("read").parse().expect("a port");
    assert!(
        reservable_ports().contains(&reserved),
        "{reserved} is outside {:?}",
        reservable_ports()
    );
    assert_ne!(reserved, tries[0], "bash took a port in use");
    if locked_by_us {
        assert_ne!(reserved, tries[1], "bash took a port locked by Rust");
    }
    if locked_by_us && third_free {
        assert_eq!(reserved, tries[2], "bash and Rust try ports in a different order: {tries:?}");
    }
    drop(stdin);
    bash.wait(DEADLINE);
}

#[test]
fn rust_passes_over_a_port_bash_holds() {
    // bash reserves and holds; every reservation Rust makes meanwhile is another port.
    let lib = workspace_root().join("scripts/lib/common.sh");
    let mut command = Command::new("bash");
    let script = format!("source {} && reserve_port && echo $reserved && read -r _", lib.display());
    command.args(["-c", &script]).stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut bash = Process::spawn(&mut command);
    let stdin = bash.take_stdin().expect("stdin");
    let mut lines = BufReader::new(bash.take_stdout().expect("stdout")).lines();
    let held: u16 = lines.next().expect("a port").expect("read").parse().expect("a port");
    let ours: Vec<Port> = (0..50).map(|_| reserved_port()).collect();
    assert!(ours.iter().all(|port| port.number != held), "Rust took {held}, which bash holds");
    drop(stdin);
    bash.wait(DEADLINE);
}

#[test]
fn a_port_with_a_connection_in_time_wait_counts_as_in_use() {
    // The server side closes first, so its end waits in TIME_WAIT on the listener's port.
    let port = reserved_port();
    let number = port.number;
    drop(port);
    let listener = TcpListener::bind(("127.0.0.1", number)).expect("bind the freed port");
    let client = TcpStream::connect(("127.0.0.1", number)).expect("connect");
    let (accepted, _) = listener.accept().expect("accept");
    drop(accepted); // the server closes first: TIME_WAIT on its side
    std::thread::sleep(Duration::from_millis(100));
    drop(client);
    drop(listener);
    std::thread::sleep(Duration::from_millis(100));
    assert!(port_in_use(number), "Rust: {number} is free, with a connection in TIME_WAIT");
    let script = format!("port_in_use {number} && echo in-use");
    assert_eq!(stdout_of(&script), "in-use\n", "bash: {number} is free");
}
