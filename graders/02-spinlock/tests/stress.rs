//! Stress tests: many threads increment plain (non-atomic) counters under the lock, and
//! the totals are exact; more threads than cores still finish; `try_lock` pollers and
//! lockers mix; values pushed under the lock are all there exactly once. Every run has a
//! deadline and names the thread that did not finish.

use std::sync::Arc;
use std::time::Duration;

use course_testkit::drops::DropTracker;
use course_testkit::stress::{Stress, scaled};
use spinlock_grader::imp::SpinLock;

/// `threads` threads each add 1 to a plain `u64` under the lock `per_thread` times.
fn count(name: &str, threads: usize, per_thread: u64) {
    let lock = Arc::new(SpinLock::new(0u64));
    Stress::new(name)
        .deadline(Duration::from_secs(60))
        .threads(threads, "incrementer", {
            let lock = lock.clone();
            move |_, progress| {
                for _ in 0..per_thread {
                    *lock.lock() += 1;
                    progress.tick();
                }
            }
        })
        .run();
    let total = *lock.lock();
    assert_eq!(
        total,
        threads as u64 * per_thread,
        "{name}: {} increments were made under the lock, the counter says {total}: \
         two threads were inside at once, or a write was not visible to the next owner",
        threads as u64 * per_thread
    );
}

#[test]
fn two_threads_count_exactly() {
    count("2 threads × lock/increment/unlock", 2, scaled(1_000_000));
}

#[test]
fn four_threads_count_exactly() {
    count("4 threads × lock/increment/unlock", 4, scaled(500_000));
}

#[test]
fn more_threads_than_cores_still_finish() {
    // Eight threads on (typically) two cores: owners are preempted inside the critical
    // section all the time. A lock that only spins still finishes, slowly; the deadline
    // is generous. What it checks is the count, and that nobody starves forever.
    count("8 threads (oversubscribed)", 8, scaled(100_000));
}

#[test]
fn a_multi_word_value_never_tears() {
    // Writers keep `a == b` (updating them one after the other, with a pause between);
    // readers lock and check. Any reader seeing `a != b` was inside at the same time as a
    // writer.
    let lock = Arc::new(SpinLock::new((0u64, 0u64)));
    let per_thread = scaled(200_000);
    Stress::new("2 writers + 2 readers on (a, b)")
        .deadline(Duration::from_secs(60))
        .threads(2, "writer", {
            let lock = lock.clone();
            move |_, progress| {
                for _ in 0..per_thread {
                    let mut g = lock.lock();
                    g.0 += 1;
                    std::hint::spin_loop();
                    g.1 += 1;
                    drop(g);
                    progress.tick();
                }
            }
        })
        .threads(2, "reader", {
            let lock = lock.clone();
            move |_, progress| {
                for _ in 0..per_thread {
                    let g = lock.lock();
                    assert_eq!(g.0, g.1, "a reader saw a writer's half-done update");
                    drop(g);
                    progress.tick();
                }
            }
        })
        .run();
    assert_eq!(*lock.lock(), (2 * per_thread, 2 * per_thread));
}

#[test]
fn try_lock_pollers_and_lockers_add_up() {
    let lock = Arc::new(SpinLock::new(0u64));
    let per_thread = scaled(300_000);
    let results = Stress::new("2 lockers + 2 try_lock pollers")
        .deadline(Duration::from_secs(60))
        .threads(2, "locker", {
            let lock = lock.clone();
            move |_, progress| {
                for _ in 0..per_thread {
                    *lock.lock() += 1;
                    progress.tick();
                }
                per_thread
            }
        })
        .threads(2, "poller", {
            let lock = lock.clone();
            move |_, progress| {
                let mut succeeded = 0;
                for _ in 0..per_thread {
                    if let Some(mut g) = lock.try_lock() {
                        *g += 1;
                        succeeded += 1;
                    }
                    progress.tick();
                }
                succeeded
            }
        })
        .run();
    let expected: u64 = results.iter().sum();
    assert_eq!(
        *lock.lock(),
        expected,
        "lockers made {} increments and pollers {} (their successful try_locks); the counter disagrees",
        2 * per_thread,
        expected - 2 * per_thread
    );
}

#[test]
fn values_pushed_under_the_lock_are_all_there_once() {
    // Heap writes (a growing `Vec`) made by one owner must be visible to the next: on a
    // weakly ordered CPU a lock without Acquire/Release would lose or garble them.
    let threads = 4;
    let per_thread = scaled(50_000) as usize;
    let tracker = DropTracker::new(threads * per_thread);
    let lock = Arc::new(SpinLock::new(Vec::new()));
    Stress::new("4 threads push tracked values")
        .deadline(Duration::from_secs(60))
        .threads(threads, "pusher", {
            let (lock, tracker) = (lock.clone(), tracker.clone());
            move |t, progress| {
                for i in 0..per_thread {
                    let item = tracker.track((t, i));
                    lock.lock().push(item);
                    progress.tick();
                }
            }
        })
        .run();
    let values = Arc::try_unwrap(lock)
        .expect("every pusher has finished")
        .into_inner();
    assert_eq!(values.len(), threads * per_thread, "pushes were lost");
    let mut seen = vec![vec![false; per_thread]; threads];
    let mut next = vec![0usize; threads];
    for v in &values {
        let (t, i) = *v.get();
        assert!(!seen[t][i], "({t}, {i}) is in the vector twice");
        seen[t][i] = true;
        assert_eq!(i, next[t], "thread {t}'s pushes are out of order");
        next[t] += 1;
    }
    drop(values);
    tracker.assert_all_dropped();
}
