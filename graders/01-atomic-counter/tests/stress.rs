//! Stress tests: many threads, exact totals, within a deadline.

use std::time::Duration;

use atomic_counter_grader::imp::{AtomicCounter, Counter, ShardedCounter};
use course_testkit::stress::{Stress, scaled};

const THREADS: usize = 4;

fn hammer<C: Counter + 'static>(name: &str, counter: C) {
    let per_thread = scaled(500_000);
    let counter = std::sync::Arc::new(counter);
    Stress::new(name)
        .deadline(Duration::from_secs(30))
        .threads(THREADS, "adder", {
            let counter = counter.clone();
            move |i, progress| {
                for k in 0..per_thread {
                    if k % 2 == 0 {
                        counter.increment();
                    } else {
                        counter.add(i as u64 + 1);
                    }
                    progress.tick();
                }
            }
        })
        .run();
    let odd = per_thread / 2;
    let even = per_thread - odd;
    let expected: u64 = (0..THREADS as u64).map(|i| even + odd * (i + 1)).sum();
    assert_eq!(
        counter.sum(),
        expected,
        "{name}: increments were lost or invented"
    );
}

#[test]
fn atomic_counter_four_threads() {
    hammer("atomic counter, 4 threads", AtomicCounter::new());
}

#[test]
fn sharded_counter_four_threads() {
    hammer(
        "sharded counter, 4 threads, 4 shards",
        ShardedCounter::new(4),
    );
}

#[test]
fn sharded_counter_more_threads_than_shards() {
    hammer(
        "sharded counter, 4 threads, 1 shard",
        ShardedCounter::new(1),
    );
}

#[test]
fn concurrent_sums_never_decrease() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let per_thread = scaled(200_000);
    let counter = Arc::new(ShardedCounter::new(2));
    let adders_done = Arc::new(AtomicUsize::new(0));
    let (c, d) = (counter.clone(), adders_done.clone());
    Stress::new("sum while adding")
        .deadline(Duration::from_secs(30))
        .threads(2, "adder", {
            let (counter, adders_done) = (counter.clone(), adders_done.clone());
            move |_, _| {
                for _ in 0..per_thread {
                    counter.increment();
                }
                // Release/Acquire (with the reader's load) so that the reader's last sum,
                // taken after it sees both adders done, must include every increment.
                adders_done.fetch_add(1, Ordering::Release);
            }
        })
        .thread("reader", move |_| {
            let mut last = 0;
            loop {
                let finished = d.load(Ordering::Acquire) == 2;
                let now = c.sum();
                assert!(now >= last, "sum() went backwards: {last} then {now}");
                assert!(
                    now <= 2 * per_thread,
                    "sum() returned {now}, more than was ever added"
                );
                last = now;
                if finished {
                    assert_eq!(
                        now,
                        2 * per_thread,
                        "after both adders finished, sum() must see all their increments"
                    );
                    break;
                }
            }
        })
        .run();
    assert_eq!(counter.sum(), 2 * per_thread);
}
