//! Stress tests: a writer stores 128-byte values whose 16 words all derive from one
//! counter; readers on other threads check every value they get, within a deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use course_testkit::stress::{Stress, scaled};
use seqlock_grader::Snapshot;
use seqlock_grader::imp::SeqLock;

/// Readers run until the writers are done, then check that they see the final value.
fn readers_never_see_a_mix(name: &str, writers: usize, readers: usize, bounded: bool) {
    let per_writer = scaled(200_000);
    let lock = Arc::new(SeqLock::new(Snapshot::of(0)));
    let done = Arc::new(AtomicBool::new(false));
    let mut run = Stress::new(name).deadline(Duration::from_secs(60));
    for w in 0..writers as u64 {
        let (lock, done) = (lock.clone(), done.clone());
        run = run.thread(format!("writer-{w}"), move |progress| {
            // Writer w stores w+1, w+1+W, w+1+2W, ...: distinct numbers, increasing per writer.
            for k in 0..per_writer {
                lock.write(Snapshot::of(1 + w + k * writers as u64));
                progress.tick();
            }
            // Release: the readers' Acquire load of `done` then happens after every write.
            if w == 0 {
                done.store(true, Ordering::Release);
            }
            (0, 0)
        });
    }
    for r in 0..readers {
        let (lock, done) = (lock.clone(), done.clone());
        run = run.thread(format!("reader-{r}"), move |progress| {
            let (mut reads, mut gave_up) = (0u64, 0u64);
            // The last number each writer was seen to write: a single writer's values must
            // never go backwards (a read must not return a value older than one already
            // returned).
            let mut last_seen = vec![0u64; writers];
            loop {
                let finished = done.load(Ordering::Acquire);
                let got = if bounded {
                    lock.try_read(2)
                } else {
                    Some(lock.read())
                };
                match got {
                    None => gave_up += 1,
                    Some(snapshot) => {
                        let n = snapshot.check().unwrap_or_else(|e| panic!("{e}"));
                        if n > 0 {
                            let w = ((n - 1) % writers as u64) as usize;
                            assert!(
                                n >= last_seen[w],
                                "went back in time: saw write {} of writer {w}, then the older write {n}",
                                last_seen[w]
                            );
                            last_seen[w] = n;
                        }
                        reads += 1;
                    }
                }
                progress.tick();
                if finished && writers == 1 {
                    break;
                }
                if finished && reads > 0 {
                    break;
                }
            }
            (reads, gave_up)
        });
    }
    let results = run.run();
    let final_value = lock.read().check().expect("the final value is torn");
    assert!(
        final_value > 0,
        "no write is visible after every writer finished"
    );
    if writers == 1 {
        assert_eq!(
            final_value, per_writer,
            "after the writer finished, read() must return its last write"
        );
    }
    let reads: u64 = results.iter().map(|r| r.0).sum();
    assert!(reads > 0, "the readers completed no read at all");
}

#[test]
fn one_writer_two_readers() {
    readers_never_see_a_mix("1 writer, 2 readers, read()", 1, 2, false);
}

#[test]
fn two_writers_two_readers() {
    readers_never_see_a_mix("2 writers, 2 readers, read()", 2, 2, false);
}

#[test]
fn try_read_under_writes() {
    readers_never_see_a_mix("1 writer, 2 readers, try_read(2)", 1, 2, true);
}

/// A padded payload: (u32, [u8; 3]) has a byte of padding the copy must carry soundly.
#[test]
fn padded_values_are_never_torn() {
    let n = scaled(300_000) as u32;
    let lock = Arc::new(SeqLock::new((0u32, [0u8; 3])));
    let done = Arc::new(AtomicBool::new(false));
    Stress::new("padded (u32, [u8; 3])")
        .deadline(Duration::from_secs(60))
        .thread("writer", {
            let (lock, done) = (lock.clone(), done.clone());
            move |p| {
                for i in 1..=n {
                    let b = i.to_le_bytes();
                    lock.write((i, [b[0], b[1], b[2]]));
                    p.tick();
                }
                done.store(true, Ordering::Release);
            }
        })
        .threads(2, "reader", {
            let (lock, done) = (lock.clone(), done.clone());
            move |_, p| {
                while !done.load(Ordering::Acquire) {
                    let (i, bytes) = lock.read();
                    let b = i.to_le_bytes();
                    assert_eq!(bytes, [b[0], b[1], b[2]], "torn read of ({i}, {bytes:?})");
                    p.tick();
                }
            }
        })
        .run();
    assert_eq!(lock.read().0, n);
}

/// Concurrent `update`s are serialized: none is lost.
#[test]
fn concurrent_updates_lose_nothing() {
    let per_thread = scaled(100_000);
    let lock = Arc::new(SeqLock::new(Snapshot::of(0)));
    Stress::new("4 threads update(+1)")
        .deadline(Duration::from_secs(60))
        .threads(4, "updater", {
            let lock = lock.clone();
            move |_, p| {
                for _ in 0..per_thread {
                    lock.update(|s| {
                        let n = s.check().unwrap_or_else(|e| panic!("update saw {e}"));
                        *s = Snapshot::of(n + 1);
                    });
                    p.tick();
                }
            }
        })
        .run();
    assert_eq!(lock.read().check(), Ok(4 * per_thread), "updates were lost");
}
