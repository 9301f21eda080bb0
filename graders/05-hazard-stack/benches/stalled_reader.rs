//! Lab: how much memory a stalled reader holds back.
//!
//! One worker thread does `PAIRS` push+pop pairs while another thread is "stalled in the
//! middle of a read": for hazard pointers it holds a hazard that protects one object; for
//! epochs it holds a pinned guard. We count the heap blocks the worker allocated and did
//! not free during its run (course_testkit's counting allocator): for these stacks that is
//! popped nodes still waiting to be freed, plus a little bookkeeping. Then the same run
//! without the stalled reader.
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
/// the worker is done. Returns the blocks the worker left allocated.
fn run<S, G>(stack: &S, stall: Option<&(dyn Fn() -> G + Sync)>) -> i64
where
    S: BenchStack,
{
    // Warm up: first-use allocations (thread registration, slot lists) are not the point.
    for i in 0..1_000 {
        stack.push_value(i);
        stack.pop_value();
    }
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
        let ((), stats) = count(|| {
            for i in 0..PAIRS {
                stack.push_value(i);
                stack.pop_value();
            }
        });
        done.store(true, Ordering::Release);
        stats.allocations as i64 - stats.deallocations as i64
    })
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    assert!(course_testkit::alloc::is_installed());
    println!("\n### Popped nodes left unfreed after {PAIRS} push+pop pairs on one thread\n");
    println!("| stack | no other thread | a reader stalled mid-read |");
    println!("|---|---:|---:|");

    let ours = || imp::Stack::<u64>::new();
    let (free_run, stalled_run) = {
        let a = ours();
        let free_run = run::<_, ()>(&a, None);
        let b = ours();
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
            "| {UNDER_TEST}: hazard pointers (retired() = {} / {}; bound {bound}) | {free_run} | {stalled_run} |",
            a.domain().retired(),
            b.domain().retired()
        );
        (free_run, stalled_run)
    };
    let _ = (free_run, stalled_run);

    {
        let a = HaphazardStack::<u64>::new();
        let free_run = run::<_, ()>(&a, None);
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
