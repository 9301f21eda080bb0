//! Interleaved, multi-process measurement: the way to compare cross-core code on a noisy
//! machine.
//!
//! Criterion measures one benchmark after another. That is fine for single-threaded code,
//! but cross-core figures on shared or virtual machines drift over seconds (neighbours'
//! jobs, the host moving vCPUs) and differ from process to process (where the buffers landed
//! in memory). Measured one after the other, two variants can differ by 2× for reasons that
//! have nothing to do with them. So an [`Experiment`]:
//!
//! - runs its cases **interleaved**: round 1 runs case A, B, C; round 2 runs A, B, C again;
//!   and so on, after warm-up rounds that are discarded;
//! - repeats the whole thing in **several processes** (the bench binary re-executes itself),
//!   so that per-process effects show up as spread instead of as a result;
//! - reports, per case, the **median** over all rounds with min, max and the p25–p75 range,
//!   the median per process, and the **ratio** to the baseline case computed round by round
//!   (the median of case/baseline within the same round) and its range over processes.
//!
//! A bench that uses it is a `harness = false` bench target:
//!
//! ```no_run
//! use course_testkit::rounds::{Experiment, Better};
//! use std::time::Instant;
//!
//! fn main() {
//!     Experiment::new("push+pop, 1 thread", "ns per pair", Better::Lower)
//!         .rounds(15)
//!         .processes(3)
//!         .case("peer: VecDeque", || {
//!             let mut q = std::collections::VecDeque::with_capacity(1024);
//!             let t = Instant::now();
//!             for i in 0..1_000_000u64 { q.push_back(i); std::hint::black_box(q.pop_front()); }
//!             t.elapsed().as_nanos() as f64 / 1e6
//!         })
//!         .baseline("peer: VecDeque")
//!         .run();
//! }
//! ```
//!
//! A case may also record secondary figures with [`note`] (say, failed CAS attempts per
//! increment next to the time per increment): each named note gets a column of medians.
//!
//! `cargo bench --bench <name>` prints the table. Environment knobs: `COURSE_ROUNDS`,
//! `COURSE_PROCESSES` (override the experiment's counts), `COURSE_ROUNDS_JSON=<file>`
//! (also append the aggregated result as one JSON line, for tooling and the book).

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::Command;

/// Which direction is better for the measured unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Times, latencies.
    Lower,
    /// Throughputs.
    Higher,
}

type CaseFn<'a> = Box<dyn FnMut() -> f64 + 'a>;

/// A set of cases measured interleaved, in several processes. See the module docs.
#[must_use = "an experiment does nothing until `.run()`"]
pub struct Experiment<'a> {
    name: String,
    unit: String,
    better: Better,
    rounds: usize,
    warmup: usize,
    processes: usize,
    baseline: Option<String>,
    cases: Vec<(String, CaseFn<'a>)>,
}

impl std::fmt::Debug for Experiment<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Experiment")
            .field("name", &self.name)
            .field("rounds", &self.rounds)
            .field("processes", &self.processes)
            .finish()
    }
}

/// One case's results.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// Every measured round, all processes together.
    pub values: Vec<f64>,
    /// The median of each process's rounds.
    pub process_medians: Vec<f64>,
    /// Ratio to the baseline: the median over all rounds of (case / baseline) in the same
    /// round; 1.0 for the baseline itself.
    pub ratio: f64,
    /// That ratio computed per process (min and max over processes).
    pub ratio_range: (f64, f64),
    /// Secondary figures the case recorded with [`note`]: name and every round's value.
    pub notes: Vec<(String, Vec<f64>)>,
}

impl CaseResult {
    /// The median over all rounds.
    pub fn median(&self) -> f64 {
        quantile(&self.values, 0.5)
    }

    /// The `q` quantile over all rounds (0 = min, 1 = max).
    pub fn quantile(&self, q: f64) -> f64 {
        quantile(&self.values, q)
    }

    /// The median of the note `name` over all rounds, if the case recorded it.
    pub fn note(&self, name: &str) -> Option<f64> {
        self.notes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| quantile(v, 0.5))
    }
}

/// Everything an experiment measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// The experiment's name.
    pub name: String,
    /// The unit of every value.
    pub unit: String,
    /// Which direction is better.
    pub better: Better,
    /// The baseline case's name.
    pub baseline: String,
    /// Rounds per process (after warm-up).
    pub rounds: usize,
    /// Processes.
    pub processes: usize,
    /// One entry per case, in the order added.
    pub cases: Vec<CaseResult>,
}

const CHILD_ENV: &str = "COURSE_ROUNDS_CHILD";

thread_local! {
    static NOTES: RefCell<Vec<(String, f64)>> = const { RefCell::new(Vec::new()) };
}

/// Records a secondary figure for the round being measured, from inside a case's closure
/// (on the thread that runs the closure): e.g. `note("failed CAS per op", f)`. The report
/// shows the median of each named note as an extra column. Notes recorded outside a case
/// are ignored.
pub fn note(name: &str, value: f64) {
    NOTES.with(|n| n.borrow_mut().push((name.to_string(), value)));
}

/// True in a process that [`Experiment::run`] started to measure one experiment. Code
/// around the experiments (printing, drawing charts) can skip its work there.
pub fn is_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

impl<'a> Experiment<'a> {
    /// An experiment measuring `unit` (e.g. "ns per op", "M items/s").
    pub fn new(name: impl Into<String>, unit: impl Into<String>, better: Better) -> Self {
        Self {
            name: name.into(),
            unit: unit.into(),
            better,
            rounds: 15,
            warmup: 1,
            processes: 3,
            baseline: None,
            cases: Vec::new(),
        }
    }

    /// Measured rounds per process (default 15; `COURSE_ROUNDS` overrides).
    pub fn rounds(mut self, n: usize) -> Self {
        self.rounds = n.max(1);
        self
    }

    /// Discarded warm-up rounds per process (default 1).
    pub fn warmup(mut self, n: usize) -> Self {
        self.warmup = n;
        self
    }

    /// Processes (default 3; `COURSE_PROCESSES` overrides).
    pub fn processes(mut self, n: usize) -> Self {
        self.processes = n.max(1);
        self
    }

    /// Adds a case: `measure` runs it once and returns one value in the experiment's unit.
    pub fn case(mut self, name: impl Into<String>, measure: impl FnMut() -> f64 + 'a) -> Self {
        self.cases.push((name.into(), Box::new(measure)));
        self
    }

    /// The case the ratios are relative to (default: the first).
    pub fn baseline(mut self, name: impl Into<String>) -> Self {
        self.baseline = Some(name.into());
        self
    }

    /// Runs the experiment. In the parent process: re-executes this binary once per process
    /// and aggregates; in a child: measures and prints the rounds for the parent. Returns
    /// the report in the parent (and prints it); `None` in a child.
    pub fn run(mut self) -> Option<Report> {
        let rounds = env_usize("COURSE_ROUNDS").unwrap_or(self.rounds);
        let processes = env_usize("COURSE_PROCESSES").unwrap_or(self.processes);
        assert!(
            !self.cases.is_empty(),
            "experiment '{}' has no cases",
            self.name
        );
        let baseline = self
            .baseline
            .clone()
            .unwrap_or_else(|| self.cases[0].0.clone());
        assert!(
            self.cases.iter().any(|(n, _)| *n == baseline),
            "experiment '{}': no case named '{baseline}'",
            self.name
        );

        if let Ok(which) = std::env::var(CHILD_ENV) {
            // A child measures only the experiment it was started for.
            if which == self.name {
                let (values, notes) = self.measure(rounds);
                let mut out = std::io::stdout().lock();
                for (i, (name, _)) in self.cases.iter().enumerate() {
                    let joined: Vec<String> = values.iter().map(|r| r[i].to_string()).collect();
                    let _ = writeln!(out, "@@round {}\t{}", name, joined.join(","));
                    for (note, vals) in &notes[i] {
                        let joined: Vec<String> = vals.iter().map(f64::to_string).collect();
                        let _ = writeln!(out, "@@note {name}\t{note}\t{}", joined.join(","));
                    }
                }
            }
            return None;
        }

        eprintln!(
            "{}: {} case(s) × {rounds} interleaved rounds × {processes} process(es) ...",
            self.name,
            self.cases.len()
        );
        // Per process: per case: the rounds.
        let mut per_process: Vec<Vec<Vec<f64>>> = Vec::new();
        // Per case: per note: every round's value, all processes together.
        let mut notes: Vec<Vec<(String, Vec<f64>)>> = vec![Vec::new(); self.cases.len()];
        for p in 0..processes {
            let exe = std::env::current_exe().expect("the bench knows its own path");
            let out = Command::new(exe)
                .args(std::env::args().skip(1).filter(|a| a != "--bench"))
                .env(CHILD_ENV, &self.name)
                .env("COURSE_ROUNDS", rounds.to_string())
                .output()
                .expect("re-executing the bench binary");
            assert!(
                out.status.success(),
                "process {p} of '{}' failed:\n{}",
                self.name,
                String::from_utf8_lossy(&out.stderr)
            );
            // A child's warnings (e.g. a bench noting that its writer fell behind) go on
            // to the parent's stderr.
            let warnings = String::from_utf8_lossy(&out.stderr);
            if !warnings.trim().is_empty() {
                eprint!("process {p}: {warnings}");
            }
            let text = String::from_utf8_lossy(&out.stdout);
            let mut cases = vec![Vec::new(); self.cases.len()];
            for line in text.lines().filter_map(|l| l.strip_prefix("@@round ")) {
                let (name, vals) = line.split_once('\t').expect("well-formed child output");
                if let Some(i) = self.cases.iter().position(|(n, _)| n == name) {
                    cases[i] = vals.split(',').filter_map(|v| v.parse().ok()).collect();
                }
            }
            for line in text.lines().filter_map(|l| l.strip_prefix("@@note ")) {
                let mut parts = line.splitn(3, '\t');
                let (Some(name), Some(note), Some(vals)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                if let Some(i) = self.cases.iter().position(|(n, _)| n == name) {
                    let vals = vals.split(',').filter_map(|v| v.parse::<f64>().ok());
                    match notes[i].iter_mut().find(|(n, _)| n == note) {
                        Some((_, all)) => all.extend(vals),
                        None => notes[i].push((note.to_string(), vals.collect())),
                    }
                }
            }
            per_process.push(cases);
        }
        let mut report = aggregate(&self, &baseline, rounds, processes, &per_process);
        for (case, notes) in report.cases.iter_mut().zip(notes) {
            case.notes = notes;
        }
        print!("{}", report.table());
        if let Ok(path) = std::env::var("COURSE_ROUNDS_JSON")
            && let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
        {
            let _ = writeln!(f, "{}", report.json());
        }
        Some(report)
    }

    /// Every round's value per case, and per case the notes it recorded, round by round.
    #[allow(clippy::type_complexity)]
    fn measure(&mut self, rounds: usize) -> (Vec<Vec<f64>>, Vec<Vec<(String, Vec<f64>)>>) {
        let mut out = Vec::with_capacity(rounds);
        let mut notes: Vec<Vec<(String, Vec<f64>)>> = vec![Vec::new(); self.cases.len()];
        for r in 0..self.warmup + rounds {
            let mut row = Vec::with_capacity(self.cases.len());
            for (i, (_, f)) in self.cases.iter_mut().enumerate() {
                NOTES.with(|n| n.borrow_mut().clear());
                row.push(f());
                let recorded = NOTES.with(|n| std::mem::take(&mut *n.borrow_mut()));
                if r < self.warmup {
                    continue;
                }
                for (name, v) in recorded {
                    match notes[i].iter_mut().find(|(n, _)| *n == name) {
                        Some((_, vals)) => vals.push(v),
                        None => notes[i].push((name, vec![v])),
                    }
                }
            }
            if r >= self.warmup {
                out.push(row);
            }
        }
        (out, notes)
    }
}

fn aggregate(
    exp: &Experiment<'_>,
    baseline: &str,
    rounds: usize,
    processes: usize,
    per_process: &[Vec<Vec<f64>>],
) -> Report {
    let b = exp
        .cases
        .iter()
        .position(|(n, _)| n == baseline)
        .expect("checked in run");
    let cases = exp
        .cases
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let values: Vec<f64> = per_process
                .iter()
                .flat_map(|p| p[i].iter().copied())
                .collect();
            let process_medians: Vec<f64> =
                per_process.iter().map(|p| quantile(&p[i], 0.5)).collect();
            // A round whose baseline is zero (a litmus test that saw nothing) has no ratio.
            let round_ratios = |p: &Vec<Vec<f64>>| -> Vec<f64> {
                p[i].iter()
                    .zip(&p[b])
                    .map(|(v, base)| v / base)
                    .filter(|r| r.is_finite())
                    .collect()
            };
            let all_ratios: Vec<f64> = per_process.iter().flat_map(round_ratios).collect();
            let per_proc_ratio: Vec<f64> = per_process
                .iter()
                .map(|p| quantile(&round_ratios(p), 0.5))
                .filter(|r| !r.is_nan())
                .collect();
            CaseResult {
                name: name.clone(),
                values,
                process_medians,
                ratio: quantile(&all_ratios, 0.5),
                ratio_range: (
                    per_proc_ratio.iter().copied().fold(f64::NAN, f64::min),
                    per_proc_ratio.iter().copied().fold(f64::NAN, f64::max),
                ),
                notes: Vec::new(),
            }
        })
        .collect();
    Report {
        name: exp.name.clone(),
        unit: exp.unit.clone(),
        better: exp.better,
        baseline: baseline.to_string(),
        rounds,
        processes,
        cases,
    }
}

impl Report {
    /// The case named `name`.
    pub fn case(&self, name: &str) -> Option<&CaseResult> {
        self.cases.iter().find(|c| c.name == name)
    }

    /// A Markdown table: median [min–max] (p25–p75), per-process medians, and the
    /// round-by-round ratio to the baseline with its range over processes.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "\n### {}\n\n{} rounds × {} processes, interleaved; unit: {} ({} is better); ratio = case ÷ `{}`, per round, median (range of per-process medians)\n",
            self.name,
            self.rounds,
            self.processes,
            self.unit,
            if self.better == Better::Lower {
                "lower"
            } else {
                "higher"
            },
            self.baseline
        );
        let note_names = self.note_names();
        let _ = write!(
            s,
            "| case | median | min–max | p25–p75 | per-process medians | ratio |"
        );
        for n in &note_names {
            let _ = write!(s, " {n} (median) |");
        }
        let _ = write!(s, "\n|---|---:|---:|---:|---:|---:|");
        for _ in &note_names {
            let _ = write!(s, "---:|");
        }
        let _ = writeln!(s);
        for c in &self.cases {
            let ratio = if c.ratio.is_nan() {
                "–".to_string()
            } else {
                format!(
                    "{:.2}× ({:.2}–{:.2})",
                    c.ratio, c.ratio_range.0, c.ratio_range.1
                )
            };
            let _ = write!(
                s,
                "| {} | {} | {}–{} | {}–{} | {} | {ratio} |",
                c.name,
                fmt(c.median()),
                fmt(quantile(&c.values, 0.0)),
                fmt(quantile(&c.values, 1.0)),
                fmt(quantile(&c.values, 0.25)),
                fmt(quantile(&c.values, 0.75)),
                c.process_medians
                    .iter()
                    .map(|v| fmt(*v))
                    .collect::<Vec<_>>()
                    .join(" / "),
            );
            for n in &note_names {
                let cell = c.note(n).map_or("–".to_string(), fmt);
                let _ = write!(s, " {cell} |");
            }
            let _ = writeln!(s);
        }
        s
    }

    /// Every note name recorded by any case, in order of first appearance.
    pub fn note_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for c in &self.cases {
            for (n, _) in &c.notes {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
        names
    }

    /// The report as one line of JSON (no dependency on serde: the format is tiny).
    pub fn json(&self) -> String {
        let cases: Vec<String> = self
            .cases
            .iter()
            .map(|c| {
                let notes: Vec<String> = c
                    .notes
                    .iter()
                    .map(|(n, v)| format!("{n:?}:{}", json_num(quantile(v, 0.5))))
                    .collect();
                format!(
                    "{{\"name\":{:?},\"median\":{},\"min\":{},\"max\":{},\"process_medians\":[{}],\"ratio\":{},\"ratio_min\":{},\"ratio_max\":{},\"notes\":{{{}}}}}",
                    c.name,
                    json_num(c.median()),
                    json_num(quantile(&c.values, 0.0)),
                    json_num(quantile(&c.values, 1.0)),
                    c.process_medians.iter().map(|v| json_num(*v)).collect::<Vec<_>>().join(","),
                    json_num(c.ratio),
                    json_num(c.ratio_range.0),
                    json_num(c.ratio_range.1),
                    notes.join(",")
                )
            })
            .collect();
        format!(
            "{{\"experiment\":{:?},\"unit\":{:?},\"baseline\":{:?},\"rounds\":{},\"processes\":{},\"cases\":[{}]}}",
            self.name,
            self.unit,
            self.baseline,
            self.rounds,
            self.processes,
            cases.join(",")
        )
    }
}

/// A number as JSON: NaN and infinities (undefined ratios) become `null`.
fn json_num(v: f64) -> String {
    if v.is_finite() {
        v.to_string()
    } else {
        "null".to_string()
    }
}

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok()?.trim().parse().ok()
}

/// Linear-interpolated quantile `q` in [0, 1] of `values` (NaN if empty).
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

/// A value as the tables print it: 3 significant digits or so (`0.81`, `14.7`, `492`).
pub fn format_value(v: f64) -> String {
    fmt(v)
}

fn fmt(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles() {
        let v = [3.0, 1.0, 2.0, 4.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert_eq!(quantile(&v, 0.5), 2.5);
    }

    #[test]
    fn aggregates_ratios_round_by_round() {
        let exp = Experiment::new("t", "ns", Better::Lower)
            .case("a", || 1.0)
            .case("b", || 2.0);
        // Two processes; in the second everything is 10x slower, but b/a stays 2.
        let pp = vec![
            vec![vec![1.0, 1.0, 1.0], vec![2.0, 2.0, 2.0]],
            vec![vec![10.0, 10.0, 10.0], vec![20.0, 20.0, 20.0]],
        ];
        let r = aggregate(&exp, "a", 3, 2, &pp);
        assert_eq!(r.case("b").unwrap().ratio, 2.0);
        assert_eq!(r.case("b").unwrap().ratio_range, (2.0, 2.0));
        assert_eq!(r.case("a").unwrap().process_medians, vec![1.0, 10.0]);
        assert!(r.table().contains("| b |"));
        assert!(r.json().starts_with("{\"experiment\":\"t\""));
    }

    #[test]
    fn a_zero_baseline_gives_no_ratio_instead_of_infinity() {
        let exp = Experiment::new("litmus", "%", Better::Lower)
            .case("relaxed", || 0.0)
            .case("seqcst", || 0.0);
        let pp = vec![vec![vec![0.0, 1.0], vec![0.0, 0.0]]];
        let r = aggregate(&exp, "relaxed", 2, 1, &pp);
        // Round 1 has no ratio (0/0); round 2 gives 0/1 = 0.
        assert_eq!(r.case("seqcst").unwrap().ratio, 0.0);
        let pp = vec![vec![vec![0.0, 0.0], vec![0.0, 0.0]]];
        let r = aggregate(&exp, "relaxed", 2, 1, &pp);
        assert!(r.case("seqcst").unwrap().ratio.is_nan());
        assert!(r.table().contains("| – |"), "{}", r.table());
        assert!(r.json().contains("\"ratio\":null"));
    }

    #[test]
    fn notes_are_collected_per_case_and_shown_as_columns() {
        let mut exp = Experiment::new("t", "ns", Better::Lower)
            .warmup(1)
            .case("a", || {
                note("retries", 3.0);
                1.0
            })
            .case("b", || 2.0);
        let (values, notes) = exp.measure(2);
        assert_eq!(values, vec![vec![1.0, 2.0], vec![1.0, 2.0]]);
        // The warm-up round's note is discarded with its value.
        assert_eq!(notes[0], vec![("retries".to_string(), vec![3.0, 3.0])]);
        assert!(notes[1].is_empty());
        let mut r = aggregate(
            &exp,
            "a",
            2,
            1,
            &[values
                .iter()
                .fold(vec![Vec::new(), Vec::new()], |mut acc, row| {
                    acc[0].push(row[0]);
                    acc[1].push(row[1]);
                    acc
                })],
        );
        r.cases[0].notes = notes[0].clone();
        assert_eq!(r.case("a").unwrap().note("retries"), Some(3.0));
        assert_eq!(r.note_names(), vec!["retries".to_string()]);
        let table = r.table();
        assert!(table.contains("retries (median)"), "{table}");
        assert!(table.contains("| 3.00 |"), "{table}");
        assert!(r.json().contains("\"notes\":{\"retries\":3}"));
    }
}
