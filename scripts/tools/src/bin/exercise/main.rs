//! exercise: the tester of scripts/exercise.sh. It plays the other side of a learner's program,
//! as the network would (in pieces, late, twice, from an impostor), and says what it sent, what
//! came back, and whether that was right, check by check, with a hint when it was not.
//!
//!     exercise                       the exercises, in order, each with its status
//!     exercise NAME                  check your own copy (the first run makes it)
//!     exercise NAME EXAMPLE          check a cargo example of this workspace
//!     exercise NAME -- COMMAND...    check any program, in any language
//!     exercise NAME --hint           what to write;  exercise NAME --solution: a solution
//!
//! The tester appends `127.0.0.1 PORT` to the program's command line, and what the exercise
//! names after them (a message, a path). `--seed N` replays a run: the random pieces and pauses
//! come from it. Exit status: 0 when every check passed, 1 when one failed, 2 for a usage error.

mod chat;
mod datagrams;
mod length_prefix;
mod lines;
mod redirect;
mod retry;
mod send;
mod tester;
mod threads;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use tester::{Outcome, Program, Tester};

/// One exercise: what to do, where it starts, where the learner's copy goes, how it is checked.
pub struct Exercise {
    pub name: &'static str,
    pub task: &'static str,       // one line, for the list
    pub run_as: &'static str,     // the command line it is checked with
    pub start: &'static str,      // the starting file, from the workspace's top folder
    pub copy: &'static str,       // the learner's own copy there, a cargo example
    pub solution: &'static str,   // a reference solution, shown by --solution
    pub hints: [&'static str; 2], // where to look; then what to write
    pub checks: fn(&mut Tester) -> Outcome,
}

/// The exercises, in the order a learner takes them: the notebook's cells, then beyond.
const EXERCISES: &[Exercise] = &[
    send::EXERCISE,
    threads::EXERCISE,
    datagrams::EXERCISE,
    retry::EXERCISE,
    redirect::EXERCISE,
    lines::EXERCISE,
    length_prefix::EXERCISE,
    chat::EXERCISE,
];

fn main() -> ExitCode {
    let request = match parse_args() {
        Ok(request) => request,
        Err(exit_code) => return exit_code,
    };
    let Some(exercise) = request.exercise else {
        list();
        return ExitCode::SUCCESS;
    };
    match request.show {
        Some(Show::Hints) => {
            println!("exercise {}: {}\n", exercise.name, exercise.task);
            println!(
                "where to look: {}\n\nwhat to write: {}",
                exercise.hints[0], exercise.hints[1]
            );
            return ExitCode::SUCCESS;
        }
        Some(Show::Solution) => return show_solution(exercise),
        None => {}
    }
    let own_copy = matches!(request.target, Target::OwnCopy);
    let program = match program_for(exercise, request.target) {
        Ok(program) => program,
        Err(problem) => {
            eprintln!("exercise: {problem}");
            return ExitCode::FAILURE;
        }
    };
    println!("exercise {}: {}", exercise.name, exercise.task);
    println!("checking: {}, run as: {}", program.shown, exercise.run_as);
    println!("seed: {} (--seed {} replays this run)", request.seed, request.seed);
    let mut tester = Tester::new(program, request.seed);
    let outcome = (exercise.checks)(&mut tester);
    println!();
    if outcome.is_err() {
        let plural = if tester.passed == 1 { "" } else { "s" };
        println!("{} check{plural} passed, then this one failed.", tester.passed);
        println!("hint: {}", exercise.hints[0]);
        println!("(scripts/exercise.sh {} --hint says what to write)", exercise.name);
        return ExitCode::FAILURE;
    }
    println!("All {} checks passed.", tester.passed);
    if own_copy {
        record_done(exercise); // for the list's status
    }
    ExitCode::SUCCESS
}

// ---- The program to check: the learner's copy, a cargo example, or any command ----

enum Target {
    OwnCopy,
    Example(String),
    Command(Vec<OsString>),
}

fn program_for(exercise: &Exercise, target: Target) -> Result<Program, String> {
    match target {
        Target::Command(command) => {
            let shown = command.iter().map(|word| word.to_string_lossy()).collect::<Vec<_>>();
            Ok(Program { shown: shown.join(" "), command })
        }
        Target::Example(name) => {
            let path = build_example(&name, None)?;
            Ok(Program { command: vec![path.into()], shown: format!("the example {name}") })
        }
        Target::OwnCopy => {
            let copy = root().join(exercise.copy);
            if !copy.exists() {
                make_copy(exercise, &copy)?;
            }
            let name = example_name(exercise);
            let path = build_example(&name, Some(exercise))?;
            let shown = format!("your copy, {} (cargo run --example {name})", exercise.copy);
            Ok(Program { command: vec![path.into()], shown })
        }
    }
}

/// The learner's copy of the starting file, made once, never overwritten, never committed
/// (`.gitignore` has `*/examples/my-*.rs`).
fn make_copy(exercise: &Exercise, copy: &Path) -> Result<(), String> {
    let start = fs::read_to_string(root().join(exercise.start))
        .map_err(|error| format!("cannot read {}: {error}", exercise.start))?;
    let header = format!(
        "// Your copy, for the exercise `{}`: {}\n// Check it with scripts/exercise.sh {} (in PowerShell: cargo run -q -p tools --bin exercise -- {}).\n",
        exercise.name, exercise.task, exercise.name, exercise.name
    );
    fs::write(copy, header + &start)
        .map_err(|error| format!("cannot write {}: {error}", exercise.copy))?;
    println!("Made your copy: {}, from {}.", exercise.copy, exercise.start);
    println!("Edit it, then run scripts/exercise.sh {} again to check it.", exercise.name);
    println!("(It is yours: the project never commits or overwrites it. cargo test builds every");
    println!(
        "example, so while your copy does not compile, cargo test fails too: `cargo test --tests`"
    );
    println!("runs the project's tests without building examples.)\n");
    Ok(())
}

/// The cargo example's name for the learner's copy: `my-send` for tcp-client/examples/my-send.rs.
fn example_name(exercise: &Exercise) -> String {
    let file = Path::new(exercise.copy).file_stem().map(|stem| stem.to_string_lossy().into_owned());
    file.unwrap_or_default()
}

/// Build the cargo example NAME, and say where cargo put it. Its compiler errors go to the
/// learner's terminal as they are.
fn build_example(name: &str, exercise: Option<&Exercise>) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--quiet", "--example", name, "--message-format=json-render-diagnostics"])
        .current_dir(root())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if !output.status.success() {
        let mut problem = format!("{name} does not build yet: cargo said why, above");
        if let Some(exercise) = exercise {
            problem += &format!(
                ".\nFix {} and run scripts/exercise.sh {} again. (Meanwhile cargo test fails \
                 too, as it builds every example: `cargo test --tests` does not.)",
                exercise.copy, exercise.name
            );
        }
        return Err(problem);
    }
    let json = String::from_utf8_lossy(&output.stdout);
    let line = json.lines().find(|line| {
        line.contains("\"executable\":\"") && line.contains(&format!("\"name\":\"{name}\""))
    });
    let path = line.and_then(|line| line.split("\"executable\":\"").nth(1)?.split('"').next());
    path.map(PathBuf::from).ok_or(format!("cargo built no example named {name}"))
}

/// The workspace's top folder.
fn root() -> PathBuf {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")); // scripts/tools
    tools.ancestors().nth(2).unwrap_or(tools).to_path_buf()
}

// ---- The list, and what a learner has done ----

/// Where a passed copy is recorded: beside our build, in `TARGET/exercises/NAME.passed`, which
/// holds the copy as it was when it passed (edited since, it is "not yet" again).
fn record_of(exercise: &Exercise) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?; // TARGET/debug/exercise
    let target = exe.parent()?.parent()?;
    Some(target.join("exercises").join(format!("{}.passed", exercise.name)))
}

fn record_done(exercise: &Exercise) {
    let (Some(record), Ok(copy)) = (record_of(exercise), fs::read(root().join(exercise.copy)))
    else {
        return;
    };
    if let Some(folder) = record.parent() {
        let _ = fs::create_dir_all(folder);
    }
    let _ = fs::write(record, copy); // a status that cannot be saved is only a status
}

fn status(exercise: &Exercise) -> &'static str {
    let Ok(copy) = fs::read(root().join(exercise.copy)) else { return "not started" };
    let passed = record_of(exercise).and_then(|record| fs::read(record).ok());
    if passed.is_some_and(|passed| passed == copy) { "done" } else { "not yet" }
}

fn list() {
    println!("The exercises, in order (scripts/exercise.sh NAME checks your copy of its start):");
    for (n, exercise) in EXERCISES.iter().enumerate() {
        println!("  {}. {:<13} {:<12} {}", n + 1, exercise.name, status(exercise), exercise.task);
    }
    println!("Each starts from a program of ours: your copy of it is made at the first run.");
    println!(
        "NAME --hint says what to write, NAME --solution shows a solution; README.md has more."
    );
}

fn show_solution(exercise: &Exercise) -> ExitCode {
    match fs::read_to_string(root().join(exercise.solution)) {
        Ok(solution) => {
            println!(
                "// {}: a solution. Yours may differ, and pass all the same.\n",
                exercise.solution
            );
            print!("{solution}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("exercise: cannot read {}: {error}", exercise.solution);
            ExitCode::FAILURE
        }
    }
}

// ---- Command line ----

const USAGE: &str = "\
usage: scripts/exercise.sh [NAME [--seed N] [--hint | --solution] [EXAMPLE | -- COMMAND ARGS...]]
  no NAME       list the exercises, in order, each with its status
  NAME          check your own copy of its starting program (made at the first run)
  EXAMPLE       check this cargo example of the workspace instead
  -- COMMAND    check any program instead; the tester appends 127.0.0.1 PORT and more
  --seed N      replay a run: the same pieces, pauses and messages
  --hint        what to write;  --solution: show a solution
";

struct Request {
    exercise: Option<&'static Exercise>,
    target: Target,
    seed: u64,
    show: Option<Show>,
}

enum Show {
    Hints,
    Solution,
}

fn parse_args() -> Result<Request, ExitCode> {
    let mut args = std::env::args_os().skip(1);
    let mut request =
        Request { exercise: None, target: Target::OwnCopy, seed: fresh_seed(), show: None };
    while let Some(arg) = args.next() {
        match arg.to_string_lossy().as_ref() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Err(ExitCode::SUCCESS);
            }
            "--hint" => request.show = Some(Show::Hints),
            "--solution" => request.show = Some(Show::Solution),
            "--seed" => {
                let seed = args.next().and_then(|seed| seed.to_string_lossy().parse().ok());
                request.seed = seed.ok_or_else(|| usage("--seed needs a whole number"))?;
            }
            "--" => request.target = Target::Command(args.by_ref().collect()),
            option if option.starts_with('-') => {
                return Err(usage(&format!("unknown option {option}")));
            }
            name if request.exercise.is_none() => {
                let found = EXERCISES.iter().find(|exercise| exercise.name == name);
                request.exercise =
                    Some(found.ok_or_else(|| usage(&format!("no exercise {name}")))?);
            }
            example if matches!(request.target, Target::OwnCopy) => {
                request.target = Target::Example(example.to_string());
            }
            extra => return Err(usage(&format!("one program at a time: {extra}"))),
        }
    }
    if matches!(&request.target, Target::Command(command) if command.is_empty()) {
        return Err(usage("-- needs a command"));
    }
    if request.exercise.is_none() && !matches!(request.target, Target::OwnCopy) {
        return Err(usage("name the exercise first"));
    }
    Ok(request)
}

/// A seed of its own for each run, from the clock: `--seed` replays one.
fn fresh_seed() -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map_or(1, |since| since.as_nanos() as u64 % 1_000_000)
}

fn usage(problem: &str) -> ExitCode {
    eprint!("exercise: {problem}\n{USAGE}");
    ExitCode::from(2)
}

/// A port for the learner's server, where it is told to listen: reserved (no other program of
/// ours, and no port-0 bind, can be handed it), until the value is dropped.
pub fn tester_port() -> Result<tools::ports::Port, tester::Failure> {
    tools::ports::reserve()
        .map_err(|error| tester::Failure::said(format!("no port to offer: {error}")))
}
