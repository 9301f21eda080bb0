//! Integration tests of the runner: each builds a small throwaway course in a temporary
//! folder (a workspace, a catalogue, a book skeleton, and one exercise scaffolded by
//! `cargo xtask new`) and runs the real binary on it.
//!
//! The throwaway courses share one cargo target folder (`target/xtask-tests`), so their
//! common dependencies are compiled once.

mod harness;

use std::time::{Duration, Instant};

use harness::{Course, text};

#[test]
fn an_unknown_id_suggests_the_nearest() {
    let c = Course::new();
    let out = c.xtask(&["check", "01-mailbx"]);
    assert_eq!(out.status.code(), Some(2));
    let t = text(&out);
    assert!(
        t.contains("no exercise `01-mailbx`") && t.contains("Did you mean `01-mailbox`"),
        "{t}"
    );
    // A number or a bare slug is understood.
    let out = c.xtask(&["hint", "1"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_malformed_catalogue_is_refused_with_file_line_and_field() {
    let c = Course::new();
    c.edit("course.toml", |s| s.replace("points =", "poinst ="));
    let out = c.xtask(&["list"]);
    assert_eq!(out.status.code(), Some(2));
    let t = text(&out);
    let line = std::fs::read_to_string(c.path("course.toml"))
        .unwrap()
        .lines()
        .position(|l| l.starts_with("poinst"))
        .unwrap()
        + 1;
    assert!(t.contains(&format!("course.toml:{line}:")), "{t}");
    assert!(t.contains("poinst"), "{t}");

    // A semantic error (an unknown tier) is located too.
    let c = Course::new();
    c.edit("course.toml", |s| {
        s.replace("tier = \"easy\"", "tier = \"eazy\"")
    });
    let t = text(&c.xtask(&["list"]));
    assert!(
        t.contains("unknown tier `eazy`") && t.contains("course.toml:"),
        "{t}"
    );
}

#[test]
fn reset_backs_up_the_learners_work_and_restores_the_stub() {
    let c = Course::new();
    let lib = "exercises/01-mailbox/src/lib.rs";
    let stub = std::fs::read_to_string(c.path(lib)).unwrap();
    c.edit(lib, |s| s + "\n// my precious work\n");
    let out = c.xtask(&["reset", "01-mailbox"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(c.path(lib)).unwrap(), stub);
    let backups: Vec<_> = std::fs::read_dir(c.path(".course/backups/01-mailbox"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(backups.len(), 1);
    let saved = std::fs::read_to_string(backups[0].path().join("src/lib.rs")).unwrap();
    assert!(saved.contains("my precious work"));
    assert!(
        text(&out).contains(".course/backups/01-mailbox/"),
        "{}",
        text(&out)
    );
}

#[test]
fn check_fails_the_stub_by_stage_and_passes_the_solution() {
    let c = Course::new();
    let out = c.xtask(&["check", "01-mailbox", "--no-loom"]);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(t.contains("✓ build"), "{t}");
    assert!(t.contains("✗ properties"), "{t}");
    assert!(t.contains("skipped: --no-loom"), "{t}");
    assert!(t.contains("First failure: visible › visible::"), "{t}");
    assert!(t.contains("not yet implemented"), "{t}");
    assert!(t.contains("cargo xtask hint 01-mailbox"), "{t}");

    let out = c.xtask(&["check", "01-mailbox", "--no-loom", "--solution"]);
    assert!(out.status.success(), "{}", text(&out));

    // `list` shows the failed check.
    let t = text(&c.xtask(&["list"]));
    assert!(t.contains("failing at visible"), "{t}");
}

#[test]
fn a_stub_that_does_not_compile_shows_the_compilers_message() {
    let c = Course::new();
    c.edit("exercises/01-mailbox/src/lib.rs", |s| {
        s.replace(
            "pub fn new() -> Self {",
            "pub fn new() -> Self { let x: u32 = \"nope\";",
        )
    });
    let out = c.xtask(&["check", "01-mailbox", "--no-loom"]);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(
        t.contains("error[E0308]") && t.contains("mismatched types"),
        "{t}"
    );
    assert!(t.contains("Your crate does not compile"), "{t}");
    assert!(t.contains("skipped: the build failed"), "{t}");
    assert!(
        !t.contains("RUST_BACKTRACE") && !t.contains("xtask/src"),
        "{t}"
    );
}

#[test]
fn a_hanging_test_is_killed_and_reported_by_name() {
    let c = Course::new();
    c.edit("course.toml", |s| s + "timeouts = { stress = 3 }\n");
    c.edit("graders/01-mailbox/tests/stress.rs", |s| {
        s + "\n#[test]\nfn waits_forever() {\n    loop {\n        std::thread::sleep(std::time::Duration::from_millis(10));\n    }\n}\n"
    });
    let started = Instant::now();
    let out = c.xtask(&["check", "01-mailbox", "--no-loom", "--solution"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("waits_forever") && t.contains("timed out after 3s"),
        "{t}"
    );
    // The build is shared and warm in most runs; the bound only rules out a hang.
    assert!(started.elapsed() < Duration::from_secs(240));
}

#[test]
fn verify_catches_a_grader_that_passes_on_the_untouched_stub() {
    let c = Course::new();
    let out = c.xtask(&["verify", "01-mailbox", "--no-loom"]);
    assert!(
        out.status.success(),
        "the fresh scaffold must verify:\n{}",
        text(&out)
    );
    assert!(text(&out).contains("passed, 0 failed"), "{}", text(&out));

    c.edit("graders/01-mailbox/tests/properties.rs", |s| {
        s + "\n#[test]\nfn proves_nothing() {\n    assert_eq!(1 + 1, 2);\n}\n"
    });
    let out = c.xtask(&["verify", "01-mailbox", "--no-loom"]);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(
        t.contains("`proves_nothing` passes on the untouched stub"),
        "{t}"
    );
}

#[test]
fn hints_come_one_at_a_time() {
    let c = Course::new();
    let t1 = text(&c.xtask(&["hint", "01-mailbox"]));
    assert!(t1.contains("hint 1 of 2"), "{t1}");
    let t2 = text(&c.xtask(&["hint", "01-mailbox"]));
    assert!(
        t2.contains("hint 2 of 2") && t2.contains("last hint"),
        "{t2}"
    );
    let t3 = text(&c.xtask(&["hint", "01-mailbox"]));
    assert!(t3.contains("hint 2 of 2"), "{t3}");
    let all = text(&c.xtask(&["hint", "01-mailbox", "--all"]));
    assert!(
        all.contains("Hint 1 of 2") && all.contains("Hint 2 of 2"),
        "{all}"
    );
}

#[test]
fn new_refuses_to_overwrite_or_reuse_a_number() {
    let c = Course::new();
    let t = text(&c.xtask(&["new", "01-other"]));
    assert!(t.contains("already uses the number 01"), "{t}");
    let t = text(&c.xtask(&["new", "2-bad"]));
    assert!(t.contains("not a valid id"), "{t}");
}
