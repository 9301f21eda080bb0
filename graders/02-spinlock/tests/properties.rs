//! Property tests: random sequences of `lock`, `try_lock`, unlock, reads and writes on one
//! thread must agree with a sequential model of the lock; random per-thread sequences on
//! several threads must add up exactly; the value is dropped exactly once; a panic inside
//! a critical section releases the lock; `Send` and `Sync` are what they must be.

use std::cell::Cell;
use std::rc::Rc;

use course_testkit::drops::DropTracker;
use proptest::prelude::*;
use spinlock_grader::imp::{SpinGuard, SpinLock};

/// One step of a single-threaded sequence.
#[derive(Debug, Clone)]
enum Op {
    /// `lock()` if the model says the lock is free; otherwise (it would wait forever on
    /// this thread) `try_lock()`, which must fail.
    Lock,
    /// `try_lock()`: succeeds exactly when the model says the lock is free.
    TryLock,
    /// Drops the guard, if one is held.
    Unlock,
    /// Writes through the held guard, or in a `lock()`-write-unlock of its own.
    Write(u64),
    /// Adds (wrapping) through the held guard, or in a critical section of its own.
    Add(u64),
    /// Reads and compares with the model.
    Read,
    /// `is_locked()` must match the model.
    IsLocked,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Lock),
        3 => Just(Op::TryLock),
        3 => Just(Op::Unlock),
        2 => any::<u64>().prop_map(Op::Write),
        2 => any::<u64>().prop_map(Op::Add),
        2 => Just(Op::Read),
        1 => Just(Op::IsLocked),
    ]
}

/// The sequential model: is a guard held, and what does the lock hold.
#[derive(Debug, Default)]
struct Model {
    held: bool,
    value: u64,
}

fn run_sequence(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut lock = SpinLock::new(0u64);
    let mut model = Model::default();
    {
        let mut guard: Option<SpinGuard<'_, u64>> = None;
        for (i, op) in ops.iter().enumerate() {
            match op {
                Op::Lock | Op::TryLock if model.held => {
                    prop_assert!(
                        lock.try_lock().is_none(),
                        "step {i}: try_lock() succeeded while a guard was alive"
                    );
                }
                Op::Lock => {
                    let g = lock.lock();
                    prop_assert_eq!(*g, model.value, "step {}: lock() saw a wrong value", i);
                    guard = Some(g);
                    model.held = true;
                }
                Op::TryLock => {
                    let g = lock.try_lock();
                    prop_assert!(g.is_some(), "step {i}: try_lock() failed on a free lock");
                    let g = g.unwrap();
                    prop_assert_eq!(*g, model.value, "step {}: try_lock() saw a wrong value", i);
                    guard = Some(g);
                    model.held = true;
                }
                Op::Unlock => {
                    guard = None;
                    model.held = false;
                }
                Op::Write(v) => {
                    match guard.as_mut() {
                        Some(g) => **g = *v,
                        None => *lock.lock() = *v,
                    }
                    model.value = *v;
                }
                Op::Add(n) => {
                    match guard.as_mut() {
                        Some(g) => **g = g.wrapping_add(*n),
                        None => {
                            let mut g = lock.lock();
                            *g = g.wrapping_add(*n);
                        }
                    }
                    model.value = model.value.wrapping_add(*n);
                }
                Op::Read => {
                    let seen = match guard.as_ref() {
                        Some(g) => **g,
                        None => *lock.lock(),
                    };
                    prop_assert_eq!(seen, model.value, "step {}: read a wrong value", i);
                }
                Op::IsLocked => {
                    prop_assert_eq!(
                        lock.is_locked(),
                        model.held,
                        "step {}: is_locked() disagrees with whether a guard is alive",
                        i
                    );
                }
            }
            // After every step, a free lock must be free and a held one held.
            if !model.held {
                prop_assert!(
                    !lock.is_locked(),
                    "step {i}: the lock stayed locked after its guard was dropped"
                );
            }
        }
    }
    // All guards are gone: `&mut` access needs no locking, and the value is the model's.
    prop_assert_eq!(*lock.get_mut(), model.value);
    *lock.get_mut() = lock.get_mut().wrapping_add(1);
    prop_assert_eq!(lock.into_inner(), model.value.wrapping_add(1));
    Ok(())
}

/// One thread's part of a concurrent run.
#[derive(Debug, Clone)]
enum ThreadOp {
    /// `lock()` and add `n` to both fields.
    Lock(u64),
    /// `try_lock()`; if it succeeds, add `n` to both fields.
    TryLock(u64),
}

fn per_thread_ops() -> impl Strategy<Value = Vec<Vec<ThreadOp>>> {
    let op = prop_oneof![
        (0u64..1000).prop_map(ThreadOp::Lock),
        (0u64..1000).prop_map(ThreadOp::TryLock),
    ];
    prop::collection::vec(prop::collection::vec(op, 0..400), 1..5)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Never write regression files into the grader: it must stay pristine.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn single_thread_sequences_match_the_model(ops in prop::collection::vec(op(), 0..60)) {
        run_sequence(&ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn concurrent_sequences_add_up_and_never_tear(ops in per_thread_ops()) {
        let lock = SpinLock::new((0u64, 0u64));
        // Each thread returns the sum it added: every `lock` op, and the `try_lock` ops
        // that succeeded.
        let added: Vec<u64> = std::thread::scope(|s| {
            let handles: Vec<_> = ops
                .iter()
                .map(|thread_ops| {
                    let lock = &lock;
                    s.spawn(move || {
                        let mut added = 0;
                        for op in thread_ops {
                            let (guard, n) = match *op {
                                ThreadOp::Lock(n) => (Some(lock.lock()), n),
                                ThreadOp::TryLock(n) => (lock.try_lock(), n),
                            };
                            if let Some(mut g) = guard {
                                let (a, b) = *g;
                                assert_eq!(a, b, "a critical section saw another one's half-done update");
                                g.0 = a + n;
                                std::hint::spin_loop();
                                g.1 = b + n;
                                added += n;
                            }
                        }
                        added
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let total: u64 = added.iter().sum();
        prop_assert_eq!(lock.into_inner(), (total, total));
    }
}

#[test]
fn the_value_is_dropped_exactly_once() {
    let tracker = DropTracker::new(4);
    let lock = SpinLock::new(tracker.track(vec![1, 2, 3]));
    {
        let g = lock.lock();
        assert_eq!(g.get(), &[1, 2, 3]);
    }
    assert!(lock.try_lock().is_some());
    tracker.assert_alive(1);
    drop(lock);
    tracker.assert_all_dropped();

    // `into_inner` hands the value back without dropping it.
    let lock = SpinLock::new(tracker.track(7u8));
    let value = lock.into_inner();
    tracker.assert_alive(1);
    assert_eq!(*value.get(), 7);
    drop(value);
    tracker.assert_all_dropped();

    // Replacing the value through a guard drops the old one at once.
    let lock = SpinLock::new(tracker.track(1u8));
    *lock.lock() = tracker.track(2u8);
    tracker.assert_alive(1);
    drop(lock);
    tracker.assert_all_dropped();
}

#[test]
fn a_panic_inside_the_critical_section_releases_the_lock() {
    let lock = SpinLock::new(0u64);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut g = lock.lock();
        *g += 1;
        panic!("boom inside the critical section");
    }));
    let message = course_testkit::panic_message(&*result.unwrap_err());
    assert_eq!(
        message, "boom inside the critical section",
        "the critical section panicked with something else"
    );
    assert!(
        !lock.is_locked(),
        "the guard dropped during the panic did not unlock"
    );
    let g = lock
        .try_lock()
        .expect("the lock is free again after the panic");
    assert_eq!(
        *g, 1,
        "the write made before the panic is kept (no poisoning)"
    );
}

#[test]
fn guards_on_different_locks_are_independent() {
    let a = SpinLock::new(1u32);
    let b = SpinLock::new(2u32);
    let ga = a.lock();
    let mut gb = b.try_lock().expect("locking `a` must not lock `b`");
    *gb += *ga;
    assert!(a.try_lock().is_none());
    drop(ga);
    assert!(a.try_lock().is_some());
    drop(gb);
    assert_eq!(b.into_inner(), 3);
}

// ---- Send and Sync --------------------------------------------------------------------
//
// A runtime probe of whether a type implements an auto trait ("autoref specialization"):
// the method found first, on `Probe<T>` itself, exists only when `T: Sync`; otherwise
// method lookup falls back to the one on `&Probe<T>`. It only works on concrete types,
// which is all these tests need, and it lets the grader compile against any answer.

struct Probe<T: ?Sized>(std::marker::PhantomData<T>);

fn probe<T: ?Sized>() -> &'static Probe<T> {
    &Probe(std::marker::PhantomData)
}

trait SyncYes {
    fn is_sync(&self) -> bool {
        true
    }
}
impl<T: ?Sized + Sync> SyncYes for Probe<T> {}
trait SyncNo {
    fn is_sync(&self) -> bool {
        false
    }
}
impl<T: ?Sized> SyncNo for &Probe<T> {}

trait SendYes {
    fn is_send(&self) -> bool {
        true
    }
}
impl<T: ?Sized + Send> SendYes for Probe<T> {}
trait SendNo {
    fn is_send(&self) -> bool {
        false
    }
}
impl<T: ?Sized> SendNo for &Probe<T> {}

#[test]
fn the_probe_itself_works() {
    assert!(probe::<u64>().is_sync());
    assert!(!probe::<Cell<u64>>().is_sync());
    assert!(probe::<Cell<u64>>().is_send());
    assert!(!probe::<Rc<u64>>().is_send());
    // ... and the lock under test is usable at all (every hidden test must fail on the
    // untouched stub, and so does this one).
    assert_eq!(*SpinLock::new(5u8).lock(), 5);
}

#[test]
fn a_spinlock_is_sync_exactly_when_its_value_is_send() {
    assert!(
        probe::<SpinLock<Cell<u64>>>().is_sync(),
        "SpinLock<Cell<u64>> must be Sync: Cell is Send, and the lock hands it to one thread at a time"
    );
    assert!(probe::<SpinLock<u64>>().is_sync());
    assert!(
        !probe::<SpinLock<Rc<u64>>>().is_sync(),
        "SpinLock<Rc<u64>> must not be Sync: Rc is not Send, so its clones must stay on one thread"
    );
    assert!(probe::<SpinLock<Cell<u64>>>().is_send());
    assert!(!probe::<SpinLock<Rc<u64>>>().is_send());
    // ... and the lock works.
    let lock = SpinLock::new(1u64);
    std::thread::scope(|s| {
        s.spawn(|| *lock.lock() = 2);
    });
    assert_eq!(*lock.lock(), 2);
}

#[test]
fn a_guard_is_sync_only_when_its_value_is_sync() {
    assert!(
        !probe::<SpinGuard<'static, Cell<u64>>>().is_sync(),
        "SpinGuard<Cell<u64>> must not be Sync: two threads sharing &guard would share &Cell \
         (std's MutexGuard had this bug: rust-lang/rust#41622)"
    );
    assert!(probe::<SpinGuard<'static, u64>>().is_sync());
    assert!(
        !probe::<SpinGuard<'static, Rc<u64>>>().is_send(),
        "SpinGuard<Rc<u64>> must not be Send"
    );
    // ... and a guard can be shared when it should be.
    let lock = SpinLock::new(41u64);
    let g = lock.lock();
    let seen = std::thread::scope(|s| s.spawn(|| *g + 1).join().unwrap());
    assert_eq!(seen, 42);
}
