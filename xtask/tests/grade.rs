//! Integration tests of `cargo xtask grade` and `cargo xtask export`, on throwaway courses
//! (see `harness/`): scores from one run in every format, the JUnit schema, the Classroom
//! shape, tampering named by file, `--repeat`, and a student copy that builds, holds no
//! solution code and checks.

mod harness;

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use harness::{Course, cargo, repo_root, text};
use serde_json::Value;

fn json(path: &Path) -> Value {
    let s = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("{} is not JSON: {e}\n{s}", path.display()))
}

fn exercise<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in the report"))
}

fn stage<'a>(exercise: &'a Value, name: &str) -> &'a Value {
    exercise["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no stage {name}"))
}

/// Validates the JUnit report against the vendored schema with xmllint. Without xmllint,
/// fails when `COURSE_REQUIRE_XMLLINT` is set (as `.ci/run` does) and otherwise says so.
fn validate_junit(file: &Path) {
    let xsd = repo_root().join("xtask/tests/data/JUnit.xsd");
    match Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(file)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "the JUnit report does not validate against {}:\n{}\n{}",
            xsd.display(),
            text(&out),
            std::fs::read_to_string(file).unwrap()
        ),
        Err(_) if std::env::var_os("COURSE_REQUIRE_XMLLINT").is_none() => {
            eprintln!(
                "note: xmllint not found (apt-get install libxml2-utils); JUnit schema validation skipped"
            );
        }
        Err(e) => panic!("xmllint is required (COURSE_REQUIRE_XMLLINT) but cannot run: {e}"),
    }
}

/// Validates the JSON report against its JSON Schema, when Python's `jsonschema` is
/// installed.
fn validate_json_schema(file: &Path) {
    let schema = repo_root().join("xtask/schemas/grade-report.v1.schema.json");
    let script = "import json,sys,jsonschema\n\
                  s=json.load(open(sys.argv[1]));d=json.load(open(sys.argv[2]))\n\
                  jsonschema.Draft202012Validator.check_schema(s)\n\
                  jsonschema.Draft202012Validator(s).validate(d)\n";
    let Ok(out) = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(file)
        .output()
    else {
        eprintln!("note: python3 not found; JSON Schema validation skipped");
        return;
    };
    if String::from_utf8_lossy(&out.stderr).contains("No module named 'jsonschema'") {
        eprintln!("note: python3 has no jsonschema module; JSON Schema validation skipped");
        return;
    }
    assert!(
        out.status.success(),
        "the JSON report does not match {}:\n{}",
        schema.display(),
        text(&out)
    );
}

#[test]
fn grade_scores_full_partial_and_zero_in_every_format_and_names_tampered_files() {
    let c = Course::with_exercises(&["02-relay", "03-beacon"]);
    c.commit_all();
    // 01 solved; 02 half-solved: every ordering Relaxed, so it builds and its property
    // tests pass, but loom finds the unsynchronised read; 03 untouched.
    c.solve_with("01-mailbox", |s| s);
    c.solve_with("02-relay", |s| {
        s.replace("Ordering::Release", "Ordering::Relaxed")
            .replace("Ordering::Acquire", "Ordering::Relaxed")
    });

    let reports = c.path("reports");
    let out = c.xtask(&[
        "grade",
        "--all",
        "--reference",
        "HEAD",
        "--format",
        "json",
        "--format",
        "junit",
        "--format",
        "markdown",
        "--format",
        "human",
        "--out",
        "classroom=reports/classroom.json",
        "--out-dir",
        "reports",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");

    let report = json(&reports.join("grade.json"));
    assert_eq!(report["format"], "course-grade", "{report:#}");
    assert_eq!(report["version"], 1);
    assert_eq!(report["integrity"]["mode"], "reference");
    assert_eq!(
        report["integrity"]["differences"],
        Value::Array(vec![]),
        "{report:#}"
    );

    let full = exercise(&report, "01-mailbox");
    assert_eq!(
        (&full["status"], &full["score"], &full["max_score"]),
        (&"passed".into(), &10.into(), &10.into()),
        "{full:#}"
    );

    let half = exercise(&report, "02-relay");
    assert_eq!(half["status"], "partial", "{half:#}");
    assert_eq!(
        half["score"], 7,
        "visible 1 + properties 3 + stress 3: {half:#}"
    );
    assert_eq!(stage(half, "properties")["status"], "passed");
    let loom = stage(half, "loom");
    assert_eq!(
        (&loom["status"], &loom["points"], &loom["max"]),
        (&"failed".into(), &0.into(), &3.into()),
        "{loom:#}"
    );
    let failing = loom["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["status"] != "passed")
        .expect("a failing loom test");
    assert_eq!(failing["name"], "a_racing_reader_sees_none_or_the_value");
    assert!(!failing["message"].as_str().unwrap().is_empty());

    let zero = exercise(&report, "03-beacon");
    assert_eq!(
        (&zero["status"], &zero["score"]),
        (&"untouched".into(), &0.into()),
        "{zero:#}"
    );
    assert_eq!(
        (&report["score"], &report["max_score"]),
        (&17.into(), &30.into())
    );
    validate_json_schema(&reports.join("grade.json"));

    // JUnit: valid against the schema; the loom failure carries the test's name.
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    validate_junit(&reports.join("junit.xml"));
    assert!(
        junit.contains(
            "<testcase name=\"a_racing_reader_sees_none_or_the_value\" classname=\"02-relay.loom\""
        ),
        "{junit}"
    );

    // Classroom: the reporter's shape, and its points are the grade.
    let classroom = json(&reports.join("classroom.json"));
    assert_eq!(classroom["version"], 1);
    assert_eq!(classroom["status"], "fail");
    assert_eq!(classroom["max_score"], 30);
    let tests = classroom["tests"].as_array().unwrap();
    let keys: HashSet<&str> = [
        "name",
        "status",
        "score",
        "message",
        "test_code",
        "filename",
        "line_no",
        "duration",
    ]
    .into();
    for t in tests {
        let got: HashSet<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(got, keys, "{t:#}");
        assert!(["pass", "fail", "error"].contains(&t["status"].as_str().unwrap()));
        assert_eq!(
            t["line_no"], 0,
            "the reporter prints `line {{line_no}}` unless it is 0"
        );
    }
    let points: u64 = tests.iter().map(|t| t["score"].as_u64().unwrap()).sum();
    assert_eq!(points, 17);
    assert_eq!(tests.len(), 12, "one test per graded stage: {classroom:#}");

    // Markdown and human: the same totals.
    let md = std::fs::read_to_string(reports.join("summary.md")).unwrap();
    assert!(md.starts_with("## Grade: 17 / 30 points"), "{md}");
    assert!(
        md.contains("| 02-relay | 7 / 10 | ✅ | ✅ 1/1 | ✅ 3/3 | ❌ 0/3 | ✅ 3/3 |"),
        "{md}"
    );
    assert!(md.contains("| 03-beacon | 0 / 10 | not attempted"), "{md}");
    let human = std::fs::read_to_string(reports.join("grade.txt")).unwrap();
    assert!(human.contains("Grade: 17 / 30 points"), "{human}");
    assert!(
        t.contains("Grade: 17 / 30 points"),
        "the human report goes to stdout too:\n{t}"
    );

    // Editing a grader file: 02 scores 0 and the report names the file; the others keep
    // their grades, and the reports are still written.
    c.edit("graders/02-relay/tests/stress.rs", |s| {
        s + "\n// made easier\n"
    });
    let out = c.xtask(&[
        "grade",
        "--all",
        "--reference",
        "HEAD",
        "--no-loom",
        "--format",
        "json",
        "--out",
        "reports/tampered.json",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "tampering exits with 1:\n{t}");
    assert!(t.contains("graders/02-relay/tests/stress.rs"), "{t}");
    let report = json(&reports.join("tampered.json"));
    assert_eq!(
        report["integrity"]["differences"],
        serde_json::json!([{
            "path": "graders/02-relay/tests/stress.rs",
            "change": "modified",
            "scope": "exercise",
            "exercise": "02-relay"
        }])
    );
    let tampered = exercise(&report, "02-relay");
    assert_eq!(
        (&tampered["status"], &tampered["score"]),
        (&"tampered".into(), &0.into()),
        "{tampered:#}"
    );
    assert!(
        tampered["reason"]
            .as_str()
            .unwrap()
            .contains("graders/02-relay/tests/stress.rs (modified)")
    );
    let full = exercise(&report, "01-mailbox");
    assert_eq!(
        (&full["status"], &full["score"], &full["max_score"]),
        (&"passed".into(), &7.into(), &7.into()),
        "--no-loom leaves loom out of the maximum: {full:#}"
    );
    assert_eq!(stage(full, "loom")["graded"], false);

    // --repeat: a stress test that fails on its second run fails the stage, by name and
    // run, and is not run a third time.
    c.edit("graders/01-mailbox/tests/stress.rs", |s| {
        s + r#"
#[test]
fn passes_only_the_first_time() {
    let file = std::path::Path::new(&std::env::var("COURSE_ROOT").unwrap()).join("runs.txt");
    let runs = std::fs::read_to_string(&file).map_or(0, |s| s.len());
    std::fs::write(&file, "x".repeat(runs + 1)).unwrap();
    assert!(runs == 0, "failed on purpose");
}
"#
    });
    let out = c.xtask(&[
        "grade",
        "01-mailbox",
        "--no-loom",
        "--repeat",
        "3",
        "--format",
        "json",
        "--out",
        "reports/repeat.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json(&reports.join("repeat.json"));
    assert_eq!(report["integrity"]["mode"], "none");
    let stress = stage(exercise(&report, "01-mailbox"), "stress");
    assert_eq!(
        (&stress["status"], &stress["runs"], &stress["points"]),
        (&"failed".into(), &3.into(), &0.into()),
        "{stress:#}"
    );
    let flaky = stress["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "passes_only_the_first_time")
        .unwrap();
    assert_eq!(flaky["status"], "failed");
    assert!(
        flaky["message"]
            .as_str()
            .unwrap()
            .contains("failed on run 2 of 3"),
        "{flaky:#}"
    );
    assert_eq!(
        std::fs::read_to_string(c.path("runs.txt")).unwrap(),
        "xx",
        "stopped after the failing run"
    );
    let steady = stress["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "readers_see_only_published_values")
        .unwrap();
    assert_eq!(steady["status"], "passed");
}

/// Trimmed lines of the solutions (24 characters or more) found in no grader: the code a
/// student copy must not contain.
fn solution_only_lines(course: &Path) -> HashSet<String> {
    fn lines_under(dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                lines_under(&p, out);
            } else if let Ok(s) = std::fs::read_to_string(&p) {
                out.extend(s.lines().map(|l| l.trim().to_string()));
            }
        }
    }
    let (mut solution, mut graders) = (Vec::new(), Vec::new());
    lines_under(&course.join("solutions"), &mut solution);
    lines_under(&course.join("graders"), &mut graders);
    let graders: HashSet<String> = graders.into_iter().collect();
    solution
        .into_iter()
        .filter(|l| l.len() >= 24 && !graders.contains(l))
        .collect()
}

#[test]
fn export_makes_a_student_copy_that_builds_checks_and_detects_tampering() {
    let c = Course::new();
    c.add_runner();
    let student = tempfile::tempdir().unwrap();
    let dest = student.path().join("starter");
    let dest_s = dest.to_str().unwrap();

    let out = c.xtask(&["export", dest_s]);
    assert!(out.status.success(), "{}", text(&out));
    // Never into a non-empty folder without --force.
    let out = c.xtask(&["export", dest_s]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("is not empty; `--force`"),
        "{}",
        text(&out)
    );
    let out = c.xtask(&[
        "export",
        dest_s,
        "--force",
        "--ci",
        "github",
        "--ci",
        "classroom",
        "--ci",
        "gitlab",
    ]);
    assert!(out.status.success(), "{}", text(&out));

    // No solutions: no folder, no dependency, no feature, no line of solution code.
    assert!(!dest.join("solutions").exists());
    let forbidden = solution_only_lines(c.dir.path());
    assert!(
        !forbidden.is_empty(),
        "the scaffold's solution has distinctive lines"
    );
    let mut stack = vec![dest.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(s) = std::fs::read_to_string(&p) else {
                continue;
            };
            for (n, line) in s.lines().enumerate() {
                assert!(
                    !forbidden.contains(line.trim()),
                    "{}:{} is solution code: {line}",
                    p.display(),
                    n + 1
                );
            }
            // Every manifest of the workspace (the runner's templates for `new` are text).
            if p.file_name().unwrap() == "Cargo.toml"
                && !p.starts_with(dest.join("xtask/templates"))
            {
                assert!(
                    !s.contains("-solution") && !s.contains("solutions/"),
                    "{}:\n{s}",
                    p.display()
                );
                assert!(
                    !s.contains("\nsolution =") && !s.contains("\nreference ="),
                    "{}:\n{s}",
                    p.display()
                );
            }
        }
    }
    // The exercise is the pristine stub, the README is the student's, CI is in place.
    assert_eq!(
        std::fs::read(dest.join("exercises/01-mailbox/src/lib.rs")).unwrap(),
        std::fs::read(c.path("graders/01-mailbox/stub/src/lib.rs")).unwrap()
    );
    let readme = std::fs::read_to_string(dest.join("README.md")).unwrap();
    assert!(
        readme.contains("`exercises/01-mailbox/src/lib.rs`"),
        "{readme}"
    );
    for wf in [
        ".github/workflows/grade.yml",
        ".github/workflows/classroom.yml",
    ] {
        let y = std::fs::read_to_string(dest.join(wf)).unwrap();
        assert!(
            y.contains("pull_request") || wf.contains("classroom"),
            "{y}"
        );
        assert!(
            !y.contains("pull_request_target:") && !y.contains("{{ secrets."),
            "{wf}: no secrets, no pull_request_target"
        );
        assert!(y.contains("cargo xtask grade --all"), "{y}");
        assert!(!y.contains("__RUST__"), "{y}");
    }
    let classroom = std::fs::read_to_string(dest.join(".github/workflows/classroom.yml")).unwrap();
    assert!(
        classroom.contains("classroom-resources/autograding-grading-reporter@v1")
            && classroom.contains("GRADE_RESULTS")
    );
    assert!(
        std::fs::read_to_string(dest.join(".gitlab-ci.yml"))
            .unwrap()
            .contains("junit: grade-reports/junit.xml")
    );

    // The manifest is sha256sum's format.
    if let Ok(out) = Command::new("sha256sum")
        .args(["--check", "--quiet", "MANIFEST.sha256"])
        .current_dir(&dest)
        .output()
    {
        assert!(out.status.success(), "sha256sum -c: {}", text(&out));
    }

    // It builds, and its own runner checks (the stub fails, by stage).
    let out = cargo(&dest, &["build", "--workspace", "--quiet"]);
    assert!(
        out.status.success(),
        "the export does not build:\n{}",
        text(&out)
    );
    let out = cargo(&dest, &["xtask", "check", "01-mailbox", "--no-loom"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("✓ build") && t.contains("✗ properties"), "{t}");
    // `cargo xtask grade` in the copy (it checks MANIFEST.sha256): exit code, log, report.
    let grade = || {
        let args = [
            "xtask",
            "grade",
            "--all",
            "--no-loom",
            "--format",
            "json",
            "--out",
            "r.json",
        ];
        let out = cargo(&dest, &args);
        (out.status.code(), text(&out), json(&dest.join("r.json")))
    };
    // Building and checking changed no protected file (cargo did not rewrite Cargo.lock).
    let (code, log, report) = grade();
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(report["integrity"]["mode"], "manifest", "{report:#}");
    assert_eq!(
        report["integrity"]["differences"],
        serde_json::json!([]),
        "{report:#}"
    );
    assert_eq!(exercise(&report, "01-mailbox")["status"], "untouched");

    // What needs the solutions says so.
    for args in [
        &["xtask", "check", "01-mailbox", "--solution"][..],
        &["xtask", "verify"][..],
    ] {
        let out = cargo(&dest, args);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains("student copy"), "{}", text(&out));
    }

    // Solved in the copy, with a test of the learner's own: full marks, and no tampering
    // (grading never compiles the learner's tests). A changed grader: tampering, by name.
    std::fs::copy(
        c.path("solutions/01-mailbox/src/lib.rs"),
        dest.join("exercises/01-mailbox/src/lib.rs"),
    )
    .unwrap();
    let mine = dest.join("exercises/01-mailbox/tests/visible.rs");
    let s = std::fs::read_to_string(&mine).unwrap();
    std::fs::write(&mine, s + "\n#[test]\nfn my_own() {}\n").unwrap();
    let (code, log, solved) = grade();
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(
        solved["integrity"]["differences"],
        serde_json::json!([]),
        "{log}"
    );
    let e = exercise(&solved, "01-mailbox");
    assert_eq!(
        (&e["status"], &e["score"]),
        (&"passed".into(), &7.into()),
        "{e:#}"
    );

    let grader = dest.join("graders/01-mailbox/tests/properties.rs");
    let s = std::fs::read_to_string(&grader).unwrap();
    std::fs::write(&grader, s.replace("cases: 64", "cases: 1")).unwrap();
    let (code, t, report) = grade();
    assert_eq!(code, Some(1), "{t}");
    assert!(t.contains("graders/01-mailbox/tests/properties.rs"), "{t}");
    let e = exercise(&report, "01-mailbox");
    assert_eq!(
        (&e["status"], &e["score"]),
        (&"tampered".into(), &0.into()),
        "{e:#}"
    );
    assert!(
        e["reason"]
            .as_str()
            .unwrap()
            .contains("graders/01-mailbox/tests/properties.rs (modified)")
    );
}
