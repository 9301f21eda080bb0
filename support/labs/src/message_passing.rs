//! Message passing (MP): the pattern every lock-free structure is built on.
//!
//! ```text
//! thread 0: data = 1; flag = 1        thread 1: if flag == 1 { r = data }
//! ```
//!
//! With a Release store of the flag and an Acquire load of it, seeing the flag means seeing
//! the data: `r` is 1. With Relaxed, Rust promises nothing, yet on x86-64 the hardware
//! never shows the stale value (x86-TSO keeps stores in order and loads in order), so a
//! test on x86 cannot find the bug; an ARM or POWER machine can, and loom always does.
//!
//! A control case writes the flag *before* the data (a bug in program order, which any
//! machine shows): it proves the harness can see stale data when stale data can happen.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use course_testkit::rounds::{Better, note};
use course_testkit::team::run_team;
use crossbeam_utils::CachePadded;

use crate::chart;
use crate::ctx::Ctx;
use crate::util::{percent, spin_until};

/// Runs `trials` MP trials; returns the percentage where the reader saw the flag but not
/// the data.
fn trials(trials: usize, store: Ordering, load: Ordering, flag_first: bool) -> f64 {
    let data: Vec<AtomicU32> = (0..trials).map(|_| AtomicU32::new(0)).collect();
    let flag: Vec<AtomicU32> = (0..trials).map(|_| AtomicU32::new(0)).collect();
    let stale = AtomicUsize::new(0);
    let saw_flag = AtomicUsize::new(0);
    let arrived = [
        CachePadded::new(AtomicUsize::new(0)),
        CachePadded::new(AtomicUsize::new(0)),
    ];
    run_team(2, true, |t| {
        let (mut stale_here, mut flag_here) = (0, 0);
        for i in 0..trials {
            // The barrier. Release/Acquire: only keeps the trials apart; it orders nothing
            // inside one (each trial has its own `data[i]` and `flag[i]`).
            arrived[t].store(i + 1, Ordering::Release);
            spin_until(|| arrived[1 - t].load(Ordering::Acquire) > i);
            if t == 0 {
                // Relaxed data stores: the data is the message; whether the reader sees it
                // depends on the flag's ordering (`store`), which is the variable under test.
                if flag_first {
                    flag[i].store(1, store);
                    data[i].store(1, Ordering::Relaxed);
                } else {
                    data[i].store(1, Ordering::Relaxed);
                    flag[i].store(1, store);
                }
            } else {
                // Poll the flag a little, so most trials see it set.
                let mut f = 0;
                for _ in 0..200 {
                    f = flag[i].load(load);
                    if f == 1 {
                        break;
                    }
                    std::hint::spin_loop();
                }
                if f == 1 {
                    flag_here += 1;
                    // Relaxed: an Acquire (or SeqCst) flag load above orders this load after
                    // it; a Relaxed one does not, which is the bug the lab looks for.
                    if data[i].load(Ordering::Relaxed) == 0 {
                        stale_here += 1;
                    }
                }
            }
        }
        // Relaxed: statistics read only after run_team has joined the threads.
        stale.fetch_add(stale_here, Ordering::Relaxed);
        saw_flag.fetch_add(flag_here, Ordering::Relaxed);
    });
    note(
        "reader saw the flag (%)",
        percent(saw_flag.into_inner(), trials),
    );
    percent(stale.into_inner(), trials)
}

pub fn run(ctx: &Ctx) {
    let n = ctx.size(100_000, 2_000);
    use Ordering::*;
    let report = ctx
        .experiment(
            "message passing: flag seen, data stale",
            "% of trials",
            Better::Lower,
        )
        // The orderings below are the experiment's variants for the flag's store and load
        // (the module docs say what each one promises); they pair only within a trial.
        .case("control: flag stored before data (a bug)", move || {
            trials(n, Release, Acquire, true)
        })
        .case("Relaxed flag store and load", move || {
            trials(n, Relaxed, Relaxed, false)
        })
        .case("Release store, Acquire load", move || {
            trials(n, Release, Acquire, false)
        })
        .case("SeqCst store and load", move || {
            trials(n, SeqCst, SeqCst, false)
        })
        .run();
    if let Some(r) = report {
        println!("{n} trials per round.");
        chart::bars(
            ctx,
            "message-passing.svg",
            "Message passing: reader saw the flag but stale data",
            "% of trials",
            &chart::bars_of(&r),
        );
    }
}
