//! Loom models: in every interleaving of two threads (up to the preemption bound), the
//! lock excludes, and the writes one owner makes under the lock are visible to the next.
//!
//! The last test proves the models have teeth: small broken locks defined below must fail
//! them (a lock whose lock or unlock is `Relaxed` fails the visibility model with loom's
//! "Causality violation"; a lock that tests and sets in two steps fails mutual exclusion),
//! while yours passes both.
//!
//! Compiled only under `--cfg loom` (`cargo xtask check` builds it that way).
#![cfg(loom)]

use std::ops::DerefMut;

use course_sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use course_sync::sync::Arc;
use course_sync::{model, thread};
use spinlock_grader::imp::SpinLock;

/// What the models need from a lock, so that the same model runs on the crate under test
/// and on the broken variant.
trait Lock: Send + Sync + 'static {
    type Guard<'a>: DerefMut<Target = (u64, u64)>
    where
        Self: 'a;
    fn new(value: (u64, u64)) -> Self;
    fn lock(&self) -> Self::Guard<'_>;
    fn try_lock(&self) -> Option<Self::Guard<'_>>;
}

impl Lock for SpinLock<(u64, u64)> {
    type Guard<'a> = spinlock_grader::imp::SpinGuard<'a, (u64, u64)>;
    fn new(value: (u64, u64)) -> Self {
        SpinLock::new(value)
    }
    fn lock(&self) -> Self::Guard<'_> {
        SpinLock::lock(self)
    }
    fn try_lock(&self) -> Option<Self::Guard<'_>> {
        SpinLock::try_lock(self)
    }
}

/// Marks a critical section: panics if two threads are inside at once. A separate
/// witness, so that a lock that does not exclude fails even where the data accesses
/// happen not to overlap.
struct Inside(AtomicUsize);

impl Inside {
    fn enter(&self) {
        // SeqCst is modelled as AcqRel by loom, which is plenty for a counter of one.
        let before = self.0.fetch_add(1, Ordering::SeqCst);
        assert_eq!(
            before, 0,
            "two threads are inside the critical section at once"
        );
    }
    fn leave(&self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs a loom model. If loom gives up because a thread spun without ever seeing a change,
/// adds what usually causes that in this exercise.
fn checked(model_it: impl FnOnce() + std::panic::UnwindSafe) {
    if let Err(payload) = std::panic::catch_unwind(model_it) {
        let message = course_testkit::panic_message(&*payload);
        if message.contains("maximum number of branches") {
            panic!(
                "{message}\n\nloom gave up: a thread kept spinning without seeing the lock \
                 change. In this exercise the usual cause is taking the lock with \
                 `swap(true, ..)` and then spinning on a load: under loom 0.7 a thread keeps \
                 reading the `true` that its own failed swap wrote. Take the lock with \
                 `compare_exchange(false, true, ..)`, which writes nothing when it fails \
                 (the chapter's section \"Under loom\" says more). Every spin loop must also \
                 call `spin_loop()` or `yield_now()`."
            );
        }
        std::panic::resume_unwind(payload);
    }
}

/// Two threads each lock, read-modify-write both fields, and unlock: no update is lost,
/// the critical sections never overlap, and the fields never disagree.
fn mutual_exclusion<L: Lock>() {
    checked(|| {
        model(|| {
            let lock = Arc::new(L::new((0, 0)));
            let inside = Arc::new(Inside(AtomicUsize::new(0)));
            let add = |lock: &L, inside: &Inside, n: u64| {
                let mut g = lock.lock();
                inside.enter();
                let (a, b) = *g;
                assert_eq!(a, b, "a critical section saw the fields disagree");
                *g = (a + n, b + n);
                inside.leave();
            };
            let other = {
                let (lock, inside) = (lock.clone(), inside.clone());
                thread::spawn(move || add(&lock, &inside, 1))
            };
            add(&lock, &inside, 10);
            other.join().unwrap();
            assert_eq!(*lock.lock(), (11, 11), "an update under the lock was lost");
        })
    });
}

/// One thread writes under the lock, field by field; another locks and reads. The reader
/// sees either nothing or both writes, and loom checks that its reads are ordered after
/// the writes they see.
fn visibility<L: Lock>() {
    checked(|| {
        model(|| {
            let lock = Arc::new(L::new((0, 0)));
            let writer = {
                let lock = lock.clone();
                thread::spawn(move || {
                    let mut g = lock.lock();
                    g.0 = 1;
                    g.1 = 1;
                })
            };
            let seen = *lock.lock();
            assert!(
                seen == (0, 0) || seen == (1, 1),
                "the reader saw half a critical section: {seen:?}"
            );
            writer.join().unwrap();
            assert_eq!(*lock.lock(), (1, 1));
        })
    });
}

#[test]
fn two_threads_never_hold_the_lock_at_once() {
    mutual_exclusion::<SpinLock<(u64, u64)>>();
}

#[test]
fn writes_under_the_lock_are_visible_to_the_next_owner() {
    visibility::<SpinLock<(u64, u64)>>();
}

#[test]
fn try_lock_succeeds_only_when_the_lock_is_free() {
    checked(|| {
        model(|| {
            let lock = Arc::new(SpinLock::new((0u64, 0u64)));
            let inside = Arc::new(Inside(AtomicUsize::new(0)));
            let trier = {
                let (lock, inside) = (lock.clone(), inside.clone());
                thread::spawn(move || {
                    if let Some(mut g) = lock.try_lock() {
                        inside.enter();
                        g.0 += 1;
                        g.1 += 1;
                        inside.leave();
                        true
                    } else {
                        false
                    }
                })
            };
            {
                let mut g = lock.lock();
                inside.enter();
                g.0 += 10;
                g.1 += 10;
                inside.leave();
            }
            let tried = trier.join().unwrap();
            let expected = if tried { (11, 11) } else { (10, 10) };
            assert_eq!(*lock.lock(), expected);
            // Once everyone has unlocked, try_lock must succeed (it may not fail spuriously).
            assert!(lock.try_lock().is_some(), "try_lock failed on a free lock");
        })
    });
}

#[test]
fn broken_locks_fail_these_models_and_yours_passes() {
    // Yours first: on the stub this panics with `todo!()`, and the test fails as it must.
    visibility::<SpinLock<(u64, u64)>>();
    mutual_exclusion::<SpinLock<(u64, u64)>>();

    use broken::{ACQUIRE_RELAXED_UNLOCK, Broken, LOAD_THEN_STORE, RELAXED_LOCK_RELEASE};
    // (the broken lock, the model it must fail, the model, what the failure must say)
    let cases: [(&str, &str, fn(), &[&str]); 3] = [
        (
            "a lock with a Relaxed lock and a Release unlock",
            "visibility",
            visibility::<Broken<RELAXED_LOCK_RELEASE>>,
            &["Causality violation"],
        ),
        (
            "a lock with an Acquire lock and a Relaxed unlock",
            "visibility",
            visibility::<Broken<ACQUIRE_RELAXED_UNLOCK>>,
            &["Causality violation"],
        ),
        (
            "a lock that loads `false` and then stores `true` in two steps",
            "mutual-exclusion",
            mutual_exclusion::<Broken<LOAD_THEN_STORE>>,
            &["Causality violation", "two threads are inside"],
        ),
    ];
    for (lock, model_name, model_it, expected) in cases {
        let message = match std::panic::catch_unwind(model_it) {
            Ok(()) => panic!(
                "the {model_name} model passed on {lock}: it cannot tell a correct lock from \
                 a broken one"
            ),
            Err(payload) => course_testkit::panic_message(&*payload),
        };
        assert!(
            expected.iter().any(|e| message.contains(e)),
            "the {model_name} model failed on {lock}, but not in the expected way \
             ({expected:?}): {message}"
        );
        eprintln!("(the panic above is expected: {lock} fails the {model_name} model)");
    }
}

/// Deliberately broken spinlocks, each wrong in one way.
mod broken {
    use super::*;
    use course_sync::cell::UnsafeCell;
    use std::ops::Deref;

    /// Locks with a Relaxed compare-exchange, unlocks with a Release store.
    pub const RELAXED_LOCK_RELEASE: u8 = 0;
    /// Locks with an Acquire compare-exchange, unlocks with a Relaxed store.
    pub const ACQUIRE_RELAXED_UNLOCK: u8 = 1;
    /// Acquire/Release, but "locks" with a load of `false` followed by a separate store of
    /// `true`: two threads can both see `false`.
    pub const LOAD_THEN_STORE: u8 = 2;

    pub struct Broken<const KIND: u8> {
        locked: AtomicBool,
        data: UnsafeCell<(u64, u64)>,
    }

    // SAFETY: not actually sound (that is the point); only ever used inside a loom model,
    // which reports the race instead of letting it happen.
    unsafe impl<const KIND: u8> Sync for Broken<KIND> {}

    pub struct Guard<'a, const KIND: u8>(&'a Broken<KIND>);

    impl<const KIND: u8> Lock for Broken<KIND> {
        type Guard<'a> = Guard<'a, KIND>;

        fn new(value: (u64, u64)) -> Self {
            Self {
                locked: AtomicBool::new(false),
                data: UnsafeCell::new(value),
            }
        }

        fn lock(&self) -> Guard<'_, KIND> {
            loop {
                if let Some(g) = self.try_lock() {
                    return g;
                }
                course_sync::hint::spin_loop();
            }
        }

        fn try_lock(&self) -> Option<Guard<'_, KIND>> {
            match KIND {
                LOAD_THEN_STORE => {
                    if self.locked.load(Ordering::Acquire) {
                        return None;
                    }
                    self.locked.store(true, Ordering::Relaxed);
                    Some(Guard(self))
                }
                _ => {
                    let order = if KIND == RELAXED_LOCK_RELEASE {
                        Ordering::Relaxed
                    } else {
                        Ordering::Acquire
                    };
                    self.locked
                        .compare_exchange(false, true, order, Ordering::Relaxed)
                        .ok()
                        .map(|_| Guard(self))
                }
            }
        }
    }

    impl<const KIND: u8> Deref for Guard<'_, KIND> {
        type Target = (u64, u64);
        fn deref(&self) -> &(u64, u64) {
            // SAFETY: none in general; loom checks this access and reports the race.
            self.0.data.with(|p| unsafe { &*p })
        }
    }

    impl<const KIND: u8> DerefMut for Guard<'_, KIND> {
        fn deref_mut(&mut self) -> &mut (u64, u64) {
            // SAFETY: as in `deref`.
            self.0.data.with_mut(|p| unsafe { &mut *p })
        }
    }

    impl<const KIND: u8> Drop for Guard<'_, KIND> {
        fn drop(&mut self) {
            let order = if KIND == ACQUIRE_RELAXED_UNLOCK {
                Ordering::Relaxed
            } else {
                Ordering::Release
            };
            self.0.locked.store(false, order);
        }
    }
}
