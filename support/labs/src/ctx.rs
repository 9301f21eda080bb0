//! What every lab needs: how long to run, where charts go, and how to say where and how a
//! figure was measured.

use std::path::{Path, PathBuf};

use course_testkit::rounds::{Better, Experiment};

use crate::machine;

/// The run's settings, handed to a lab.
#[derive(Debug)]
pub struct Ctx {
    /// The lab's name.
    pub name: &'static str,
    /// A fast, rough run: few rounds, one process, small sizes (proves the lab works).
    pub quick: bool,
    /// Threads run in the real-time class (`--realtime`, when permitted).
    pub realtime: bool,
    svg_dir: PathBuf,
}

impl Ctx {
    pub fn new(name: &'static str, quick: bool, realtime: bool, svg_dir: PathBuf) -> Self {
        Self {
            name,
            quick,
            realtime,
            svg_dir,
        }
    }

    /// `full` normally, `quick` in a quick run.
    pub fn size(&self, full: usize, quick: usize) -> usize {
        if self.quick { quick } else { full }
    }

    /// An experiment with the lab's defaults: 10 rounds in 3 processes (2 rounds in one
    /// process when quick). `COURSE_ROUNDS`/`COURSE_PROCESSES` still override.
    pub fn experiment(&self, title: &str, unit: &str, better: Better) -> Experiment<'static> {
        let e = Experiment::new(title, unit, better);
        if self.quick {
            e.rounds(2).processes(1).warmup(0)
        } else {
            e.rounds(10).processes(3).warmup(1)
        }
    }

    /// The command that reproduces this run.
    pub fn command(&self) -> String {
        format!(
            "cargo xtask lab {}{}{}",
            self.name,
            if self.quick { " --quick" } else { "" },
            if self.realtime { " --realtime" } else { "" }
        )
    }

    /// Two lines saying what ran where.
    pub fn header(&self) -> String {
        format!(
            "machine: {}\nload average at start: {} (other programs running; see `--realtime`)\nplacement probe: one cache line's round trip between the first two cores: {}\ncommand: `{}` ({})\n",
            machine::describe(),
            machine::load_average(),
            machine::probe_round_trip_ns()
                .map_or("n/a (one core)".to_string(), |ns| format!("{ns:.0} ns")),
            self.command(),
            machine::today()
        )
    }

    /// The caption every chart carries: machine, command, date.
    pub fn caption(&self) -> String {
        format!(
            "{} · `{}` · {}",
            machine::describe(),
            self.command(),
            machine::today()
        )
    }

    /// Where a chart named `file` goes (the folder is created).
    pub fn svg_path(&self, file: &str) -> PathBuf {
        let _ = std::fs::create_dir_all(&self.svg_dir);
        self.svg_dir.join(file)
    }

    /// Reports a written chart.
    pub fn wrote(&self, path: &Path) {
        println!("chart: {}", path.display());
    }
}
