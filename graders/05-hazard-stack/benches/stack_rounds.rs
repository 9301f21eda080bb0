//! Bench, interleaved (`course_testkit::rounds`): push+pop pairs on one thread and on two
//! threads (pinned to the two cores), every case measured once per round, rounds
//! interleaved, in several processes. Cross-core figures on a shared VM swing from process
//! to process; this is how the chapter's tables are measured.
//!
//! `cargo bench -p hazard-stack-grader --no-default-features --features bench,solution
//! --bench stack_rounds`. Knobs: `COURSE_ROUNDS`, `COURSE_PROCESSES`,
//! `COURSE_ROUNDS_JSON=<file>`, `COURSE_BENCH_NO_PIN=1`.

use std::hint::black_box;
use std::sync::Mutex;

use course_testkit::rounds::{Better, Experiment};
use course_testkit::team::run_team;
use hazard_stack_grader::peers::BenchStack;
use hazard_stack_grader::peers::epoch::EpochStack;
use hazard_stack_grader::peers::haphazard_stack::HaphazardStack;
use hazard_stack_grader::{UNDER_TEST, imp};

/// Pairs per thread in one measurement.
const PAIRS: u64 = 100_000;

fn pinned() -> bool {
    std::env::var_os("COURSE_BENCH_NO_PIN").is_none()
}

/// ns per push+pop pair, `threads` threads each doing `PAIRS` pairs on one fresh stack.
fn measure<S: BenchStack>(threads: usize) -> f64 {
    let stack = S::new_stack();
    let elapsed = run_team(threads, pinned(), |t| {
        let base = t as u64 * PAIRS;
        for i in 0..PAIRS {
            stack.push_value(base + i);
            black_box(stack.pop_value());
        }
    });
    elapsed.as_nanos() as f64 / (threads as u64 * PAIRS) as f64
}

fn experiment(threads: usize) {
    let under_test = format!("{UNDER_TEST}: Stack");
    let e = Experiment::new(
        format!("push+pop pair, {threads} thread(s)"),
        "ns per pair (whole team)",
        Better::Lower,
    )
    .case("Mutex<Vec>", move || measure::<Mutex<Vec<u64>>>(threads))
    .case("crossbeam-epoch", move || {
        measure::<EpochStack<u64>>(threads)
    })
    .case("haphazard", move || measure::<HaphazardStack<u64>>(threads))
    .case(under_test, move || measure::<imp::Stack<u64>>(threads));
    #[cfg(all(feature = "reference", not(feature = "solution")))]
    let e = e.case("reference: Stack", move || {
        measure::<hazard_stack_grader::peers::Reference>(threads)
    });
    e.baseline("Mutex<Vec>").run();
}

fn main() {
    experiment(1);
    experiment(2);
}
