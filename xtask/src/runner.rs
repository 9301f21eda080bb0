//! Runs tests one process each, with a timeout per test.
//!
//! libtest runs all of a binary's tests in one process. For lock-free code that is the
//! wrong unit: a deadlocked test hangs the whole binary, and a use after free that aborts
//! the process takes every other test's result with it. So, as cargo-nextest does, the
//! runner lists a test binary's tests and runs each one alone (`<binary> --exact <name>`),
//! kills it when it overruns its timeout, and attributes crashes and hangs to it by name.
//! (nextest itself is not required: learners would have to install it, and only this
//! small part of it is needed.)

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::ProgressBar;
use serde::Serialize;
use wait_timeout::ChildExt;

/// One test to run.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub binary: PathBuf,
    pub name: String,
}

/// How a test ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed { message: String },
    TimedOut { seconds: u64 },
    Crashed { message: String },
}

impl Outcome {
    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Passed)
    }

    /// A one-paragraph explanation for a report.
    pub fn message(&self) -> String {
        match self {
            Outcome::Passed => String::new(),
            Outcome::Failed { message } | Outcome::Crashed { message } => message.clone(),
            Outcome::TimedOut { seconds } => format!(
                "timed out after {seconds}s and was killed: a deadlock or a livelock \
                 (a thread spinning on a condition that never becomes true)?"
            ),
        }
    }
}

/// A finished test.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub name: String,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// The tests of a libtest binary: (to run, ignored).
pub fn list_tests(binary: &Path) -> Result<(Vec<String>, Vec<String>)> {
    let list = |extra: &[&str]| -> Result<Vec<String>> {
        let out = Command::new(binary)
            .args(["--list", "--format", "terse"])
            .args(extra)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("cannot run {}", binary.display()))?;
        if !out.status.success() {
            bail!(
                "{} --list failed: {}",
                binary.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_suffix(": test"))
            .map(str::to_string)
            .collect())
    };
    let all = list(&[])?;
    let ignored = list(&["--ignored"])?;
    let to_run = all.into_iter().filter(|t| !ignored.contains(t)).collect();
    Ok((to_run, ignored))
}

/// Runs `cases` with at most `jobs` at a time; each is killed after `timeout`.
pub fn run_tests(
    cases: &[TestCase],
    jobs: usize,
    timeout: Duration,
    env: &[(String, String)],
    cwd: &Path,
    pb: &ProgressBar,
) -> Vec<TestResult> {
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<(usize, TestResult)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(cases.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(case) = cases.get(i) else { break };
                    pb.set_message(case.name.clone());
                    let result = run_one(case, timeout, env, cwd);
                    pb.inc(1);
                    results.lock().unwrap().push((i, result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn run_one(case: &TestCase, timeout: Duration, env: &[(String, String)], cwd: &Path) -> TestResult {
    let started = Instant::now();
    let mut cmd = Command::new(&case.binary);
    cmd.args(["--exact", &case.name, "--test-threads", "1"])
        .current_dir(cwd)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return TestResult {
                name: case.name.clone(),
                outcome: Outcome::Crashed {
                    message: format!("could not start {}: {e}", case.binary.display()),
                },
                duration: started.elapsed(),
            };
        }
    };
    // Drain both pipes while waiting, so a chatty test cannot block on a full pipe.
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let status = child.wait_timeout(timeout).ok().flatten();
    let outcome = match status {
        None => {
            let _ = child.kill();
            let _ = child.wait();
            Outcome::TimedOut {
                seconds: timeout.as_secs(),
            }
        }
        Some(status) => {
            let stdout =
                String::from_utf8_lossy(&out_thread.join().unwrap_or_default()).into_owned();
            let stderr =
                String::from_utf8_lossy(&err_thread.join().unwrap_or_default()).into_owned();
            classify(&case.name, status, &stdout, &stderr)
        }
    };
    TestResult {
        name: case.name.clone(),
        outcome,
        duration: started.elapsed(),
    }
}

fn classify(name: &str, status: ExitStatus, stdout: &str, stderr: &str) -> Outcome {
    if status.success() {
        // `--exact` with a name that matched nothing also exits 0: make sure it ran.
        if stdout.contains("running 0 tests") {
            return Outcome::Failed {
                message: format!("the test binary did not run `{name}` (no test of that name)"),
            };
        }
        // A process that exits with success before libtest reports the result (code
        // under test calling `std::process::exit(0)`) has not passed.
        if !stdout.contains("test result: ok.") {
            return Outcome::Failed {
                message: "the test process exited with success before the test finished \
                          (does the code call `std::process::exit`?)"
                    .to_string(),
            };
        }
        return Outcome::Passed;
    }
    if let Some(signal) = signal_of(status) {
        let what = match signal {
            11 => "SIGSEGV: an invalid memory access, e.g. a use after free or a dangling pointer",
            6 => {
                "SIGABRT: the process aborted, e.g. a double free caught by the allocator, or a panic while panicking"
            }
            7 => "SIGBUS: a misaligned or unmapped access",
            4 => {
                "SIGILL: an illegal instruction (a failed `unreachable_unchecked`, or a stack overflow guard)"
            }
            8 => "SIGFPE: an arithmetic fault",
            9 => "SIGKILL: killed from outside (out of memory?)",
            _ => "a signal",
        };
        let tail = last_lines(stderr, 8);
        let panic = extract_panic(name, stdout);
        let mut message = format!("crashed with signal {signal} ({what})");
        if let Some(p) = panic {
            message.push('\n');
            message.push_str(&p);
        }
        if !tail.is_empty() {
            message.push_str("\nstderr:\n");
            message.push_str(&tail);
        }
        return Outcome::Crashed { message };
    }
    let message = extract_panic(name, stdout)
        .or_else(|| {
            let t = last_lines(stderr, 12);
            (!t.is_empty()).then_some(t)
        })
        .unwrap_or_else(|| format!("exited with {status}"));
    Outcome::Failed { message }
}

#[cfg(unix)]
fn signal_of(status: ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

#[cfg(not(unix))]
fn signal_of(_status: ExitStatus) -> Option<i32> {
    None
}

/// The captured output libtest prints for a failed test, between `---- name stdout ----`
/// and the `failures:` list, without the backtrace note.
pub fn extract_panic(name: &str, stdout: &str) -> Option<String> {
    let marker = format!("---- {name} stdout ----\n");
    let start = stdout.find(&marker)? + marker.len();
    let rest = &stdout[start..];
    let end = rest.find("\nfailures:\n").unwrap_or(rest.len());
    let text: Vec<&str> = rest[..end]
        .lines()
        .filter(|l| !l.starts_with("note: run with `RUST_BACKTRACE=1`"))
        .collect();
    let text = text.join("\n").trim().to_string();
    (!text.is_empty()).then(|| truncate_lines(&text, 40))
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn truncate_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= n {
        text.to_string()
    } else {
        format!(
            "{}\n... ({} more lines)",
            lines[..n].join("\n"),
            lines.len() - n
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_success_without_libtests_result_is_a_failure() {
        use std::os::unix::process::ExitStatusExt;
        let ok = ExitStatus::from_raw(0);
        let done = "\nrunning 1 test\ntest a ... ok\n\ntest result: ok. 1 passed; 0 failed;";
        assert_eq!(classify("a", ok, done, ""), Outcome::Passed);
        let cut = "\nrunning 1 test\n";
        assert!(
            matches!(classify("a", ok, cut, ""), Outcome::Failed { message } if message.contains("process::exit"))
        );
    }

    #[test]
    fn extracts_the_panic_of_one_test() {
        let out = "\nrunning 1 test\ntest a::b ... FAILED\n\nfailures:\n\n---- a::b stdout ----\n\
                   \nthread 'a::b' panicked at src/lib.rs:3:5:\nnot yet implemented: X\n\
                   note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
                   \n\nfailures:\n    a::b\n\ntest result: FAILED.";
        let p = extract_panic("a::b", out).unwrap();
        assert_eq!(
            p,
            "thread 'a::b' panicked at src/lib.rs:3:5:\nnot yet implemented: X"
        );
    }
}
