//! Loom models with a payload of two words: in every interleaving loom explores (up to the
//! preemption bound), a read returns a value some write stored in full, never a mix; a
//! read that starts after a write completed sees it; writers are serialized; `try_read`
//! gives up rather than wait. Under loom the payload words are the stub's given stand-in
//! (loom cannot model `atomic-maybe-uninit`'s inline assembly): loom chooses, word by
//! word, which write each `Relaxed` load observes, so a torn copy is possible and only the
//! sequence protocol can reject it.
//!
//! Compiled only under `--cfg loom` (`cargo xtask check` builds it that way).
#![cfg(loom)]

use course_sync::atomic::{AtomicBool, AtomicU64, Ordering};
use course_sync::sync::Arc;
use course_sync::{model, thread};
use seqlock_grader::imp::SeqLock;

type Pair = [u64; 2];

fn assert_whole(v: Pair, allowed: &[u64]) {
    assert_eq!(v[0], v[1], "torn read: {v:?} mixes two writes");
    assert!(allowed.contains(&v[0]), "read {v:?}, which no write stored");
}

#[test]
fn a_read_racing_a_write_is_old_or_new_never_torn() {
    model(|| {
        let lock = Arc::new(SeqLock::new([0u64, 0]));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || lock.write([1, 1]))
        };
        assert_whole(lock.read(), &[0, 1]);
        writer.join().unwrap();
        assert_eq!(
            lock.read(),
            [1, 1],
            "after the writer joined, read() must see its write"
        );
    });
}

#[test]
fn a_read_after_a_completed_write_sees_it() {
    model(|| {
        let lock = Arc::new(SeqLock::new([0u64, 0]));
        let published = Arc::new(AtomicBool::new(false));
        let writer = {
            let (lock, published) = (lock.clone(), published.clone());
            thread::spawn(move || {
                lock.write([1, 1]);
                published.store(true, Ordering::Release);
            })
        };
        if published.load(Ordering::Acquire) {
            assert_eq!(
                lock.read(),
                [1, 1],
                "the write completed before this read began, yet the read returned older data"
            );
        } else {
            assert_whole(lock.read(), &[0, 1]);
        }
        writer.join().unwrap();
    });
}

#[test]
fn two_writers_are_serialized() {
    model(|| {
        let lock = Arc::new(SeqLock::new([0u64, 0]));
        let writers: Vec<_> = [1u64, 2]
            .into_iter()
            .map(|v| {
                let lock = lock.clone();
                thread::spawn(move || lock.write([v, v]))
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        // Interleaved word stores of two unserialized writers would leave [1, 2] or [2, 1].
        assert_whole(lock.read(), &[1, 2]);
    });
}

#[test]
fn a_reader_between_two_writers() {
    model(|| {
        let lock = Arc::new(SeqLock::new([0u64, 0]));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || {
                lock.write([1, 1]);
                lock.update(|v| *v = [v[0] + 1, v[1] + 1]);
            })
        };
        let first = lock.read();
        assert_whole(first, &[0, 1, 2]);
        let second = lock.read();
        assert_whole(second, &[0, 1, 2]);
        assert!(
            second[0] >= first[0],
            "read {first:?} and then the older {second:?}"
        );
        writer.join().unwrap();
        assert_eq!(lock.read(), [2, 2]);
    });
}

#[test]
fn try_read_gives_up_and_never_returns_a_torn_value() {
    use std::sync::atomic::{AtomicBool as StdBool, Ordering as StdOrdering};
    // Set by any execution in which try_read(0) gave up (read outside the model).
    static GAVE_UP: StdBool = StdBool::new(false);
    model(|| {
        let lock = Arc::new(SeqLock::new([0u64, 0]));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || lock.write([1, 1]))
        };
        match lock.try_read(0) {
            Some(v) => assert_whole(v, &[0, 1]),
            None => GAVE_UP.store(true, StdOrdering::Relaxed),
        }
        writer.join().unwrap();
        assert_eq!(
            lock.try_read(0),
            Some([1, 1]),
            "no writer is running: one attempt must succeed"
        );
    });
    assert!(
        GAVE_UP.load(StdOrdering::Relaxed),
        "in no interleaving did try_read(0) give up, even when it started during a write: \
         it must make one attempt and return None, not wait for the writer"
    );
}

/// A seqlock with every access `Relaxed` and no fences: the shape of the protocol without
/// the orderings that make it work. The model must catch it (and the crate under test
/// must pass the same model): this shows the loom model is strong enough to see a tear.
struct NoFences {
    seq: AtomicU64,
    words: [AtomicU64; 2],
}

impl NoFences {
    fn new() -> Self {
        Self {
            seq: AtomicU64::new(0),
            words: [AtomicU64::new(0), AtomicU64::new(0)],
        }
    }
    fn write(&self, v: u64) {
        let s = self.seq.load(Ordering::Relaxed);
        self.seq.store(s + 1, Ordering::Relaxed);
        for w in &self.words {
            w.store(v, Ordering::Relaxed);
        }
        self.seq.store(s + 2, Ordering::Relaxed);
    }
    fn read(&self) -> Pair {
        loop {
            let before = self.seq.load(Ordering::Relaxed);
            let v = [
                self.words[0].load(Ordering::Relaxed),
                self.words[1].load(Ordering::Relaxed),
            ];
            let after = self.seq.load(Ordering::Relaxed);
            if before == after && before.is_multiple_of(2) {
                return v;
            }
            thread::yield_now();
        }
    }
}

fn racing_write_then_read<L: Send + Sync + 'static>(
    make: fn() -> L,
    write: fn(&L),
    read: fn(&L) -> Pair,
) {
    model(move || {
        let lock = Arc::new(make());
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || write(&lock))
        };
        assert_whole(read(&lock), &[0, 1]);
        writer.join().unwrap();
    });
}

#[test]
fn the_model_catches_a_seqlock_without_fences_and_passes_yours() {
    // Keep the expected failure quiet: loom prints the panic of the failing execution.
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let broken = std::panic::catch_unwind(|| {
        racing_write_then_read(NoFences::new, |l| l.write(1), NoFences::read)
    });
    std::panic::set_hook(quiet);
    let message = match broken {
        Ok(()) => panic!("the model found no torn read in a seqlock without fences"),
        Err(payload) => course_testkit::panic_message(&*payload),
    };
    assert!(
        message.contains("torn read"),
        "the broken seqlock failed for another reason: {message}"
    );
    // The same model, on the crate under test, must pass.
    racing_write_then_read(
        || SeqLock::new([0u64, 0]),
        |l| l.write([1, 1]),
        SeqLock::read,
    );
}
