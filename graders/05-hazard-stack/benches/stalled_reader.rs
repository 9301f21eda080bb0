//! Lab: how much memory a stalled reader holds back.
//!
//! One worker thread does `PAIRS` push+pop pairs while another thread is "stalled in the
//! middle of a read": for hazard pointers it holds a hazard that protects one object; for
//! epochs it holds a pinned guard. We count the heap blocks the worker allocated and did
//! not free during its run (course_testkit's counting allocator, `live_blocks`): for these
//! stacks that is popped nodes still waiting to be freed, plus a little bookkeeping. Then
//! the same run without the stalled reader. Each run has a fresh worker thread and a fresh
//! stack.
//!
//! `cargo bench -p hazard-stack-grader --no-default-features --features bench,solution
//! --bench stalled_reader`. Deterministic up to scheduling: run it twice and compare.

use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};

use course_testkit::alloc::{CountingAllocator, count};
use hazard_stack_grader::peers::BenchStack;
use hazard_stack_grader::peers::epoch::EpochStack;
use hazard_stack_grader::peers::haphazard_stack::HaphazardStack;
use hazard_stack_grader::{UNDER_TEST, imp, retired_bound};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

const PAIRS: u64 = 100_000;

/// Runs the worker with (or without) a stalled thread that holds `stall()`'s result until
/// the worker is done. Returns the heap blocks the worker allocated and did not free, from
/// its first operation on the stack (so first-use bookkeeping counts too: a handful).
fn run<S, G>(stack: &S, stall: Option<&(dyn Fn() -> G + Sync)>) -> i64
where
    S: BenchStack,
{
    let done = AtomicBool::new(false);
    let stalled = Barrier::new(2);
    std::thread::scope(|s| {
        if let Some(stall) = stall {
            let (done, stalled) = (&done, &stalled);
            s.spawn(move || {
                let held = stall();
                stalled.wait();
                while !done.load(Ordering::Acquire) {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                drop(held);
            });
            stalled.wait();
        }
        let worker = s.spawn(|| {
            let ((), stats) = count(|| {
                for i in 0..PAIRS {
                    stack.push_value(i);
                    stack.pop_value();
                }
            });
            stats.live_blocks()
        });
        let live = worker.join().expect("the worker panicked");
        done.store(true, Ordering::Release);
        live
    })
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    assert!(course_testkit::alloc::is_installed());
    println!("\n### Popped nodes left unfreed after {PAIRS} push+pop pairs on one thread\n");
    println!("| stack | no other thread | a reader stalled mid-read |");
    println!("|---|---:|---:|");

    {
        let a = imp::Stack::<u64>::new();
        let free_run = run::<_, ()>(&a, None);
        let b = imp::Stack::<u64>::new();
        let target = Box::leak(Box::new(0u64)) as *mut u64;
        let source = course_sync::atomic::AtomicPtr::new(target);
        let stall = || {
            let mut hazard = b.domain().hazard();
            hazard.protect(&source);
            hazard
        };
        let stalled_run = run(&b, Some(&stall));
        let bound = retired_bound(b.domain().slots(), b.domain().threshold());
        println!(
            "| {UNDER_TEST}: hazard pointers (`retired()` {} / {}; bound {bound}) | {free_run} | {stalled_run} |",
            a.domain().retired(),
            b.domain().retired()
        );
    }

    {
        // The global domain outlives each stack: start each run with its backlog empty, so
        // that a run is not credited with freeing the previous run's nodes.
        let global = haphazard::Domain::global();
        global.eager_reclaim();
        let a = HaphazardStack::<u64>::new();
        let free_run = run::<_, ()>(&a, None);
        global.eager_reclaim();
        let b = HaphazardStack::<u64>::new();
        let target = Box::leak(Box::new(0u64)) as *mut u64;
        let source = std::sync::atomic::AtomicPtr::new(target);
        let stall = || {
            let mut hazard = haphazard::HazardPointer::new();
            hazard.protect_ptr(&source);
            hazard
        };
        let stalled_run = run(&b, Some(&stall));
        println!("| haphazard (global domain) | {free_run} | {stalled_run} |");
    }

    {
        let a = EpochStack::<u64>::new();
        let free_run = run::<_, ()>(&a, None);
        let b = EpochStack::<u64>::new();
        let stall = crossbeam_epoch::pin;
        let stalled_run = run(&b, Some(&stall));
        println!("| crossbeam-epoch (global collector) | {free_run} | {stalled_run} |");
    }
    println!();
}
