//! Bounded-time stress runs: many threads hammer a structure, and the run either finishes
//! within its deadline or fails with a message naming the threads that did not.
//!
//! A deadlocked or livelocked lock-free structure does not crash: it spins. A plain
//! `#[test]` that joins its threads would then hang until someone kills it, and the report
//! would say nothing about where. [`Stress`] watches its threads from the test thread:
//!
//! - a thread that panics fails the run at once, with its name and message (the others are
//!   not waited for: they may be blocked on the thread that died);
//! - a thread still running at the deadline fails the run with its name and its progress
//!   counter (how far it got, and how long ago it last advanced);
//! - optionally, a run in which no thread advanced its progress for a stall period fails
//!   early: the signature of a deadlock or a livelock.
//!
//! ```
//! use course_testkit::stress::Stress;
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use std::sync::Arc;
//!
//! let counter = Arc::new(AtomicU64::new(0));
//! let results = Stress::new("counter")
//!     .threads(4, "adder", {
//!         let counter = counter.clone();
//!         move |_i, progress| {
//!             for _ in 0..1000 {
//!                 counter.fetch_add(1, Ordering::Relaxed);
//!                 progress.tick();
//!             }
//!             1000u64
//!         }
//!     })
//!     .run();
//! assert_eq!(results.iter().sum::<u64>(), counter.load(Ordering::Relaxed));
//! ```
//!
//! Threads that are still stuck when a run fails are left running; the test process ends
//! them when it exits (`cargo xtask check` runs every test in a process of its own).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::panic_message;
use crate::pin;

/// Multiplier for every stress deadline, from `COURSE_TIMEOUT_SCALE` (default 1). A slow or
/// loaded CI machine can raise it instead of editing tests.
pub fn timeout_scale() -> f64 {
    env_f64("COURSE_TIMEOUT_SCALE").unwrap_or(1.0).max(0.01)
}

/// Scales an iteration count by `COURSE_STRESS_SCALE` (default 1; at least 1 is returned),
/// so that a grader can run longer or shorter stress tests without editing them.
pub fn scaled(n: u64) -> u64 {
    let s = env_f64("COURSE_STRESS_SCALE").unwrap_or(1.0).max(0.0);
    ((n as f64 * s) as u64).max(1)
}

fn env_f64(name: &str) -> Option<f64> {
    std::env::var(name).ok()?.trim().parse().ok()
}

/// A worker's progress counter, shared with the watchdog.
#[derive(Debug)]
pub struct Progress {
    local: Cell<u64>,
    shared: Arc<AtomicU64>,
}

impl Progress {
    /// Records one unit of progress (an item pushed, a lock taken). Cheap: a plain store.
    #[inline]
    pub fn tick(&self) {
        self.add(1);
    }

    /// Records `n` units of progress.
    #[inline]
    pub fn add(&self, n: u64) {
        let v = self.local.get() + n;
        self.local.set(v);
        // Relaxed: the watchdog only needs to see the counter move eventually; it reads no
        // other data through it.
        self.shared.store(v, Ordering::Relaxed);
    }

    /// The progress recorded so far.
    pub fn get(&self) -> u64 {
        self.local.get()
    }
}

type Work<T> = Box<dyn FnOnce(&Progress) -> T + Send>;

/// A stress run under construction; see the [module docs](self).
#[must_use = "a stress run does nothing until `.run()`"]
pub struct Stress<T> {
    name: String,
    deadline: Duration,
    stall: Option<Duration>,
    pinned: bool,
    workers: Vec<(String, Work<T>)>,
}

impl<T> std::fmt::Debug for Stress<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stress")
            .field("name", &self.name)
            .field("deadline", &self.deadline)
            .field("threads", &self.workers.len())
            .finish()
    }
}

impl<T: Send + 'static> Stress<T> {
    /// A run named `name` (the name appears in every failure message), with a 20 s
    /// deadline.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            deadline: Duration::from_secs(20),
            stall: None,
            pinned: false,
            workers: Vec::new(),
        }
    }

    /// Fails the run if any thread is still running `deadline` after the start (scaled by
    /// [`timeout_scale`]).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Fails the run early if no unfinished thread advanced its [`Progress`] for `stall`
    /// (scaled by [`timeout_scale`]). Only for workers that tick regularly.
    pub fn stall_after(mut self, stall: Duration) -> Self {
        self.stall = Some(stall);
        self
    }

    /// Pins worker `i` to the `i % n`-th of the `n` cores this process may run on. A pin
    /// that the OS refuses is reported on stderr and the run continues unpinned.
    pub fn pinned(mut self) -> Self {
        self.pinned = true;
        self
    }

    /// Adds one worker thread.
    pub fn thread(
        mut self,
        name: impl Into<String>,
        work: impl FnOnce(&Progress) -> T + Send + 'static,
    ) -> Self {
        self.workers.push((name.into(), Box::new(work)));
        self
    }

    /// Adds `count` workers named `prefix-0`, `prefix-1`, ...; worker `i` runs
    /// `work(i, progress)`.
    pub fn threads<F>(mut self, count: usize, prefix: &str, work: F) -> Self
    where
        F: Fn(usize, &Progress) -> T + Clone + Send + 'static,
    {
        for i in 0..count {
            let work = work.clone();
            self = self.thread(format!("{prefix}-{i}"), move |p: &Progress| work(i, p));
        }
        self
    }

    /// Starts every worker at once (behind a barrier), watches them, and returns their
    /// results in the order they were added.
    ///
    /// # Panics
    ///
    /// If a worker panics, or misses the deadline, or (with [`stall_after`](Self::stall_after))
    /// the run stalls. The message names the run and the thread(s).
    #[track_caller]
    pub fn run(self) -> Vec<T> {
        let scale = timeout_scale();
        let deadline = self.deadline.mul_f64(scale);
        let stall = self.stall.map(|s| s.mul_f64(scale));
        let start_line = Arc::new(Barrier::new(self.workers.len() + 1));
        let cores = if self.pinned {
            pin::cores()
        } else {
            Vec::new()
        };

        struct Watched<T> {
            name: String,
            handle: Option<JoinHandle<T>>,
            progress: Arc<AtomicU64>,
            result: Option<T>,
            last_seen: u64,
            last_change: Instant,
        }

        let mut watched: Vec<Watched<T>> = Vec::with_capacity(self.workers.len());
        for (i, (name, work)) in self.workers.into_iter().enumerate() {
            let shared = Arc::new(AtomicU64::new(0));
            let progress = Progress {
                local: Cell::new(0),
                shared: shared.clone(),
            };
            let start_line = start_line.clone();
            let core = (!cores.is_empty()).then(|| cores[i % cores.len()]);
            let run_name = self.name.clone();
            let handle = thread::Builder::new()
                .name(name.clone())
                .spawn(move || {
                    if let Some(core) = core
                        && let Err(e) = pin::pin_current(core)
                    {
                        eprintln!("stress run '{run_name}': {e}; continuing unpinned");
                    }
                    start_line.wait();
                    work(&progress)
                })
                .unwrap_or_else(|e| panic!("stress run '{}': cannot spawn {name}: {e}", self.name));
            watched.push(Watched {
                name,
                handle: Some(handle),
                progress: shared,
                result: None,
                last_seen: 0,
                last_change: Instant::now(),
            });
        }
        start_line.wait();
        let started = Instant::now();

        loop {
            let mut running = 0;
            for w in watched.iter_mut() {
                let Some(handle) = w.handle.as_ref() else {
                    continue;
                };
                if handle.is_finished() {
                    match w.handle.take().expect("checked above").join() {
                        Ok(value) => w.result = Some(value),
                        Err(payload) => panic!(
                            "stress run '{}': thread '{}' panicked: {}",
                            self.name,
                            w.name,
                            panic_message(&*payload)
                        ),
                    }
                } else {
                    running += 1;
                    let now = w.progress.load(Ordering::Relaxed);
                    if now != w.last_seen {
                        w.last_seen = now;
                        w.last_change = Instant::now();
                    }
                }
            }
            if running == 0 {
                break;
            }
            let elapsed = started.elapsed();
            let stuck = || {
                watched
                    .iter()
                    .filter(|w| w.handle.is_some())
                    .map(|w| {
                        format!(
                            "'{}' (progress {}, last advanced {:.1}s ago)",
                            w.name,
                            w.last_seen,
                            w.last_change.elapsed().as_secs_f64()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if elapsed > deadline {
                panic!(
                    "stress run '{}' did not finish within {:.1}s: still running: {}. \
                     A deadlock or livelock (or a machine far slower than expected: \
                     raise COURSE_TIMEOUT_SCALE)",
                    self.name,
                    deadline.as_secs_f64(),
                    stuck()
                );
            }
            if let Some(stall) = stall {
                let freshest = watched
                    .iter()
                    .filter(|w| w.handle.is_some())
                    .map(|w| w.last_change.elapsed())
                    .min()
                    .unwrap_or_default();
                if freshest > stall {
                    panic!(
                        "stress run '{}': no thread made progress for {:.1}s: {}. \
                         A deadlock or livelock",
                        self.name,
                        stall.as_secs_f64(),
                        stuck()
                    );
                }
            }
            thread::sleep(Duration::from_millis(10));
        }

        watched
            .into_iter()
            .map(|w| w.result.expect("every worker was joined"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[test]
    fn returns_results_in_order() {
        let r = Stress::new("order").threads(3, "w", |i, _| i * 10).run();
        assert_eq!(r, vec![0, 10, 20]);
    }

    #[test]
    fn names_a_panicking_thread() {
        let err = std::panic::catch_unwind(|| {
            Stress::new("boom")
                .thread("fine", |_| ())
                .thread("broken", |_| panic!("kaput"))
                .run()
        })
        .unwrap_err();
        let msg = panic_message(&*err);
        assert!(msg.contains("'broken' panicked: kaput"), "{msg}");
    }

    #[test]
    fn names_a_stuck_thread_at_the_deadline() {
        let release = Arc::new(AtomicBool::new(false));
        let r2 = release.clone();
        let err = std::panic::catch_unwind(move || {
            Stress::new("hang")
                .deadline(Duration::from_millis(200))
                .thread("quick", |_| ())
                .thread("spinner", move |p| {
                    p.tick();
                    while !r2.load(Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
                .run()
        })
        .unwrap_err();
        release.store(true, Ordering::Relaxed);
        let msg = panic_message(&*err);
        assert!(
            msg.contains("did not finish") && msg.contains("'spinner' (progress 1"),
            "{msg}"
        );
        assert!(!msg.contains("'quick'"), "{msg}");
    }

    #[test]
    fn stall_fails_early() {
        let release = Arc::new(AtomicBool::new(false));
        let r2 = release.clone();
        let t0 = Instant::now();
        let err = std::panic::catch_unwind(move || {
            Stress::new("stall")
                .deadline(Duration::from_secs(30))
                .stall_after(Duration::from_millis(200))
                .thread("stuck", move |_| {
                    while !r2.load(Ordering::Relaxed) {
                        thread::sleep(Duration::from_millis(1));
                    }
                })
                .run()
        })
        .unwrap_err();
        release.store(true, Ordering::Relaxed);
        assert!(t0.elapsed() < Duration::from_secs(10));
        assert!(panic_message(&*err).contains("no thread made progress"));
    }
}
