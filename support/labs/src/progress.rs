//! Progress guarantees, measured: what the other threads get done while one thread stalls.
//!
//! Two threads on two cores. Thread A stops for a few milliseconds (it sleeps: a stand-in
//! for being preempted, taking a page fault or waiting for an interrupt) at the worst
//! moment for the structure under test. Thread B keeps operating on the same structure,
//! and the figure is how many operations B *completed* during A's stall, per millisecond:
//!
//! - std `Mutex` and a test-and-test-and-set spinlock: A stalls while holding the lock.
//!   Blocking: B completes nothing until A runs again (the mutex's waiter sleeps in the
//!   kernel meanwhile, the spinlock's burns its core).
//! - seqlock: A is the writer and stalls between its two sequence increments. The readers
//!   take no lock, yet they are blocked as surely: every read sees an odd sequence and
//!   retries.
//! - lock-free CAS loop: A has loaded the counter and stalls before its compare-exchange.
//!   B's compare-exchanges keep succeeding; A's will fail once and retry when it wakes.
//! - RCU-style pointer swap: A is the writer and stalls after building the new version and
//!   before publishing it. Readers keep reading the old version.
//!
//! The note says how busy B's core was meanwhile.

use std::hint::black_box;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering, fence};
use std::time::{Duration, Instant};

use course_testkit::rounds::{Better, note};
use course_testkit::team::run_team;
use crossbeam_utils::CachePadded;

use crate::chart;
use crate::ctx::Ctx;
use crate::locks::{Spin, Style};
use crate::util::{spin_until, thread_cpu_time};

#[derive(Clone, Copy)]
enum Structure {
    LockFree,
    Rcu,
    Mutex,
    Spinlock,
    Seqlock,
}

/// A four-word seqlock: the sequence is odd while a write is in progress.
struct SeqLock {
    seq: AtomicU64,
    words: [AtomicU64; 4],
}

impl SeqLock {
    /// The writer's first half: the sequence becomes odd.
    fn begin_write(&self) {
        // Relaxed: there is one writer, so the load reads its own last store; the fence
        // below, not these orderings, orders the odd sequence before the data.
        let s = self.seq.load(Ordering::Relaxed);
        self.seq.store(s + 1, Ordering::Relaxed);
        // Release fence: the odd sequence is ordered before the data stores below (a reader
        // that sees a new word also sees the odd sequence, or a later value).
        fence(Ordering::Release);
    }

    /// The writer's second half: new data, then an even sequence.
    fn end_write(&self, v: u64) {
        for w in &self.words {
            // Relaxed: the Release store of the even sequence below publishes these; a
            // reader that sees one early is caught by the fence pair (the Release fence in
            // `begin_write`, the reader's Acquire fence).
            w.store(v, Ordering::Relaxed);
        }
        // Relaxed: one writer, so this reads its own last store.
        let s = self.seq.load(Ordering::Relaxed);
        // Release: the data stores happen before the even sequence a reader validates.
        self.seq.store(s + 1, Ordering::Release);
    }

    /// One consistent read: retries while a write is in progress or happened meanwhile.
    fn read(&self) -> u64 {
        loop {
            // Acquire: pairs with the writer's Release store of an even sequence.
            let s1 = self.seq.load(Ordering::Acquire);
            if s1 % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            // Relaxed: the Acquire load of `s1` above orders these after it; a torn read is
            // caught by the re-check below, not prevented.
            let sum = self
                .words
                .iter()
                .fold(0u64, |a, w| a.wrapping_add(w.load(Ordering::Relaxed)));
            // Acquire fence: the data loads above are ordered before the re-check below.
            fence(Ordering::Acquire);
            // Relaxed: the Acquire fence above does the ordering; with the writer's Release
            // fence it makes data from a newer write imply a newer sequence here.
            if self.seq.load(Ordering::Relaxed) == s1 {
                return sum;
            }
        }
    }
}

/// A lock-free increment: a CAS loop that starts from the value `seen` (read earlier) and
/// retries from whatever value beat it. Relaxed: the counter publishes nothing.
fn increment_from(counter: &AtomicU64, mut seen: u64) {
    while let Err(now) =
        counter.compare_exchange_weak(seen, seen + 1, Ordering::Relaxed, Ordering::Relaxed)
    {
        seen = now;
    }
}

/// `stalls` stalls of `stall` each; returns B's completed operations per ms of stall.
fn measure(structure: Structure, stalls: u32, stall: Duration) -> f64 {
    let counter = CachePadded::new(AtomicU64::new(0));
    let mutex = CachePadded::new(Mutex::new(0u64));
    let spin = CachePadded::new(Spin::new());
    let seqlock = CachePadded::new(SeqLock {
        seq: AtomicU64::new(0),
        words: Default::default(),
    });
    let version = AtomicPtr::new(Box::into_raw(Box::new([0u64; 16])));
    // Replaced versions, freed at the end. (An `AtomicPtr` is `Send` and `Sync` whatever it
    // points to, which is what lets the list be shared; a raw pointer is neither.)
    let retired: Mutex<Vec<AtomicPtr<[u64; 16]>>> = Mutex::new(Vec::new());

    // `stalling` is raised by A once it is in position; `over` once its stall has ended
    // (before it releases anything), so B counts only operations completed during the stall.
    let stalling = CachePadded::new(AtomicBool::new(false));
    let over = CachePadded::new(AtomicBool::new(false));
    let done_by_b = AtomicU64::new(0);
    let stalled_ns = AtomicU64::new(0);
    let b_cpu_ns = AtomicU64::new(0);

    run_team(2, true, |t| {
        for _ in 0..stalls {
            if t == 0 {
                // Thread A: get into position, stall, then finish the operation.
                let stall_now = || {
                    // Release: pairs with B's Acquire wait for `stalling`: what A did to get
                    // into position (took the lock, made the sequence odd, loaded the
                    // counter) happens before B's first operation.
                    stalling.store(true, Ordering::Release);
                    let t0 = Instant::now();
                    std::thread::sleep(stall);
                    // Relaxed: a statistic read only after run_team has joined the
                    // threads; the join orders it.
                    stalled_ns.fetch_add(t0.elapsed().as_nanos() as u64, Ordering::Relaxed);
                    // Release: pairs with B's Acquire load of `over` (see there).
                    over.store(true, Ordering::Release);
                };
                match structure {
                    Structure::LockFree => {
                        // Relaxed: the counter publishes nothing. The Release store of
                        // `stalling` orders this load before B's increments, so it is stale
                        // by the time A wakes.
                        let seen = counter.load(Ordering::Relaxed);
                        stall_now();
                        // The first CAS now fails (B moved the counter) and is retried.
                        increment_from(&counter, seen);
                    }
                    Structure::Rcu => {
                        let next = Box::into_raw(Box::new([1u64; 16]));
                        stall_now();
                        // Release: the new version's contents happen before readers that
                        // load the pointer with Acquire. The old version is freed only
                        // after both threads have finished (see below).
                        let old = version.swap(next, Ordering::AcqRel);
                        retired.lock().unwrap().push(AtomicPtr::new(old));
                    }
                    Structure::Mutex => {
                        let mut g = mutex.lock().unwrap();
                        stall_now();
                        *g += 1;
                    }
                    Structure::Spinlock => spin.with(Style::Ttas, |v| {
                        stall_now();
                        *v += 1;
                    }),
                    Structure::Seqlock => {
                        seqlock.begin_write();
                        stall_now();
                        seqlock.end_write(1);
                    }
                }
                // Wait for B to notice the end of this stall before the next one.
                // Acquire: pairs with B's Release store of `false`, made after B reset
                // `over`: A's next `over = true` then comes after that reset.
                spin_until(|| !stalling.load(Ordering::Acquire));
            } else {
                // Thread B: operate until A's stall is over.
                // Acquire: pairs with A's Release store of `stalling` in `stall_now`.
                spin_until(|| stalling.load(Ordering::Acquire));
                let cpu0 = thread_cpu_time();
                let mut done = 0u64;
                loop {
                    match structure {
                        Structure::LockFree => {
                            // Relaxed: the counter publishes nothing.
                            increment_from(&counter, counter.load(Ordering::Relaxed));
                        }
                        Structure::Rcu => {
                            // Acquire: pairs with the writer's swap; the version is never
                            // freed while this thread runs.
                            let p = version.load(Ordering::Acquire);
                            // SAFETY: versions are freed only after both threads finished.
                            black_box(unsafe { (*p)[3] });
                        }
                        Structure::Mutex => *mutex.lock().unwrap() += 1,
                        Structure::Spinlock => spin.with(Style::Ttas, |v| *v += 1),
                        Structure::Seqlock => {
                            black_box(seqlock.read());
                        }
                    }
                    // Acquire: pairs with A's Release store of `over`, which A makes before
                    // releasing the lock (or finishing the write) that this operation waited
                    // for: an operation that had to wait for A sees `over` and is not counted.
                    if over.load(Ordering::Acquire) {
                        break;
                    }
                    done += 1;
                }
                // Relaxed: statistics read only after run_team has joined the threads;
                // the join orders them.
                b_cpu_ns.fetch_add(
                    thread_cpu_time().saturating_sub(cpu0).as_nanos() as u64,
                    Ordering::Relaxed,
                );
                done_by_b.fetch_add(done, Ordering::Relaxed);
                // Relaxed, then Release: the Release store of `stalling` publishes the
                // reset of `over` to A's Acquire wait for `false`.
                over.store(false, Ordering::Relaxed);
                stalling.store(false, Ordering::Release);
            }
        }
    });
    let replaced = retired.into_inner().unwrap();
    for p in replaced
        .into_iter()
        .chain([version])
        .map(AtomicPtr::into_inner)
    {
        // SAFETY: both threads have finished; each version was allocated by Box and is freed
        // once (the retired list holds replaced versions, `version` the last one).
        drop(unsafe { Box::from_raw(p) });
    }
    let stalled_ms = stalled_ns.into_inner() as f64 / 1e6;
    note(
        "core of B busy (%)",
        100.0 * b_cpu_ns.into_inner() as f64 / 1e6 / stalled_ms,
    );
    done_by_b.into_inner() as f64 / stalled_ms
}

pub fn run(ctx: &Ctx) {
    let stalls = ctx.size(5, 1) as u32;
    let stall = Duration::from_millis(ctx.size(10, 2) as u64);
    let report = ctx
        .experiment(
            "work the other thread completes while one thread stalls",
            "operations completed per ms of stall",
            Better::Higher,
        )
        .case(
            "lock-free CAS loop: stalled between load and CAS",
            move || measure(Structure::LockFree, stalls, stall),
        )
        .case("RCU pointer: writer stalled before publishing", move || {
            measure(Structure::Rcu, stalls, stall)
        })
        .case("std Mutex: holder stalled in critical section", move || {
            measure(Structure::Mutex, stalls, stall)
        })
        .case("TTAS spinlock: holder stalled", move || {
            measure(Structure::Spinlock, stalls, stall)
        })
        .case("seqlock: writer stalled mid-write (readers)", move || {
            measure(Structure::Seqlock, stalls, stall)
        })
        .run();
    if let Some(r) = report {
        println!(
            "{stalls} stalls of {} ms per round; the stalled thread sleeps.",
            stall.as_millis()
        );
        chart::bars(
            ctx,
            "progress.svg",
            "Operations another thread completes while one thread is stalled",
            "operations per ms of stall",
            &chart::bars_of(&r),
        );
    }
}
