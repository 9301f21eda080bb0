//! Reference solution for exercise 02: a test-and-test-and-set spinlock with an RAII guard.
//!
//! A [`SpinLock<T>`] owns a `T` and hands out access to it one thread at a time. It is one
//! `AtomicBool` (`locked`) next to the data in an `UnsafeCell`:
//!
//! - [`SpinLock::lock`] turns `locked` from `false` to `true` with an atomic
//!   read-modify-write (a `compare_exchange`), retrying until it is the thread that made
//!   the change;
//! - the returned [`SpinGuard`] dereferences to the data; dropping it stores `false`.
//!
//! # Invariant
//!
//! At most one [`SpinGuard`] of a lock exists at any time, and every access to the data
//! goes through a guard (or through `&mut SpinLock`, which excludes guards altogether).
//! A guard exists exactly between the compare-exchange that changed `locked` from `false`
//! to `true` and the `store(false)` in its `drop`. Because the compare-exchange is one
//! indivisible step, two threads cannot both see `false` and both write `true`: the
//! modification order of `locked` alternates `true` (a lock) and `false` (an unlock), one
//! owner at a time.
//!
//! # Orderings
//!
//! Mutual exclusion needs only the atomicity of the compare-exchange. What the orderings
//! add is *visibility*: the next owner must see every write the previous owner made to the
//! data. The unlock is a `Release` store and the winning lock a compare-exchange with
//! `Acquire`, so the lock that reads the `false` written by an unlock *synchronizes with*
//! it, and everything the previous owner did before unlocking happens-before everything
//! the new owner does after locking. With either side `Relaxed`, the new owner could read
//! stale data; the grader's loom model shows it ("Causality violation").
//!
//! # Waiting: test-and-test-and-set, bounded spinning, then yielding
//!
//! A waiting thread does not retry the read-modify-write in a loop: every attempt, even a
//! failing one, needs the cache line in the Modified state, so two waiters retrying would
//! bounce the line between their cores and slow down the owner, who needs the same line
//! to unlock. Instead a waiter *tests* with plain loads, which are served from its own
//! cache in the Shared state and cost the owner nothing, and only tries the
//! compare-exchange again after a load saw `false`.
//!
//! Between loads it backs off: `spin_loop()` (x86 `pause`) a number of times that doubles
//! from 1 up to `1 << SPIN_LIMIT`, then it yields the rest of its time slice with
//! `yield_now()` at every further check. The yield is what keeps a spinlock usable when
//! there are more runnable threads than cores: an owner that was preempted in its critical
//! section cannot unlock until it runs again, and a waiter that only spins burns the CPU
//! the owner needs. Yielding is still not blocking: a spinlock never sleeps in the kernel,
//! which is why it belongs to short critical sections on threads that are not preempted
//! (see the chapter).
//!
//! # Why `compare_exchange` and not `swap`
//!
//! `swap(true)` would take the lock as well, and on x86-64 costs the same (`xchg` versus
//! `lock cmpxchg`: both lock the line). The difference is in the memory model: a failed
//! compare-exchange is only a *load*, while a swap that finds the lock taken still
//! *writes* `true`. Nothing breaks on real hardware, but loom 0.7 lets a thread keep
//! reading its own stale `true` after such a write while it spins, and gives up on the
//! model ("exceeded maximum number of branches"). With `compare_exchange` the model
//! terminates.
//!
//! # No poisoning
//!
//! Like `parking_lot::Mutex` and unlike `std::sync::Mutex`, a guard dropped during a
//! panic unlocks normally; the lock does not remember the panic.

#![warn(missing_docs)]

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use course_sync::atomic::{AtomicBool, Ordering};
use course_sync::cell::UnsafeCell;
use course_sync::hint::spin_loop;
use course_sync::thread::yield_now;

/// Waiters spin `1, 2, 4, ..., 1 << SPIN_LIMIT` times between loads (127 `spin_loop()`s
/// in all) before they start yielding.
const SPIN_LIMIT: u32 = 6;

/// A mutual-exclusion lock that waits by spinning (test-and-test-and-set) and then
/// yielding, never by sleeping in the kernel.
///
/// ```
/// use spinlock_solution::SpinLock;
///
/// let lock = SpinLock::new(vec![1, 2]);
/// lock.lock().push(3);
/// assert_eq!(*lock.lock(), [1, 2, 3]);
/// ```
// `repr(C)` keeps the flag first, as declared. The default layout would put the `u64` of a
// `SpinLock<u64>` first; the flag-first layout measured about 1 ns (9%) faster per
// uncontended lock+unlock in the course's bench (interleaved A/B runs), with the same
// instructions in a different order. Without hardware counters on that machine we cannot
// say why, so treat it as a measured detail, not a rule.
#[repr(C)]
pub struct SpinLock<T> {
    /// `true` while a [`SpinGuard`] exists.
    locked: AtomicBool,
    /// The protected value; only ever accessed by the guard's owner (or via `&mut self`).
    data: UnsafeCell<T>,
}

// `SpinLock<T>` is `Send` automatically when `T: Send` (it owns a `T` and an atomic).
//
// SAFETY: sharing `&SpinLock<T>` between threads lets each of them obtain `&mut T` in turn,
// never at the same time (the invariant in the crate docs), and each handover is ordered
// by the unlock's Release and the next lock's Acquire. Handing `&mut T` to another thread
// is exactly what `T: Send` allows. `T: Sync` is not needed: no two threads ever hold a
// `&T` at once. (That is the point of a lock: `SpinLock<Cell<u64>>` is `Sync` although
// `Cell<u64>` is not.) `T: Send` *is* needed: a `SpinLock<Rc<u8>>` shared between threads
// would let two threads each clone the same `Rc`, one after the other, and then drop their
// clones concurrently, racing on the non-atomic count.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A new, unlocked lock holding `value`.
    ///
    /// Not a `const fn`: loom's atomics (which the course's facade uses under the model
    /// checker) cannot be created in a constant. A `static` spinlock would wrap this in a
    /// `std::sync::LazyLock`.
    pub fn new(value: T) -> Self {
        Self {
            locked: AtomicBool::new(false),
            data: UnsafeCell::new(value),
        }
    }

    /// Waits until the lock is free, takes it, and returns the guard that gives access to
    /// the value and unlocks when dropped.
    ///
    /// The lock is not reentrant: calling `lock` again on the same thread while its guard
    /// is alive waits forever.
    #[inline]
    pub fn lock(&self) -> SpinGuard<'_, T> {
        // Fast path, one read-modify-write: if the lock is free, this compare-exchange
        // takes it. Success ordering Acquire: the CAS reads the `false` stored by the
        // previous owner's unlock (Release, in `SpinGuard::drop`) and so synchronizes with
        // it: the previous owner's writes to the data happen-before ours. Relaxed here would
        // let us read the data as it was before the previous owner's critical section.
        // Failure ordering Relaxed: a failed attempt reads nothing we act on except "busy".
        if self
            .locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
        SpinGuard::new(self)
    }

    /// The slow path of [`lock`](Self::lock), kept out of line so that the fast path
    /// inlines to one `lock cmpxchg`.
    #[cold]
    #[inline(never)]
    fn lock_contended(&self) {
        let mut step = 0;
        loop {
            // Test: wait with plain loads until the lock looks free. Relaxed: this load
            // only decides when to try again; it synchronizes with nothing, because the
            // data is not read until the compare-exchange below has succeeded, and that is
            // the Acquire. An Acquire load here would be correct but would order nothing
            // useful.
            while self.locked.load(Ordering::Relaxed) {
                backoff(&mut step);
            }
            // ...and set: the same compare-exchange as the fast path, for the same reasons.
            // Another waiter may have won the race since our load: then we wait again.
            if self
                .locked
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Takes the lock if it is free right now; never waits.
    ///
    /// Returns `None` if another guard exists (on this thread or another).
    #[inline]
    pub fn try_lock(&self) -> Option<SpinGuard<'_, T>> {
        // Test first: a lock that is held stays in our cache in the Shared state and the
        // failed attempt writes nothing, so polling with `try_lock` does not slow the
        // owner. Relaxed, as in `lock_contended`: nothing is read through this load.
        if self.locked.load(Ordering::Relaxed) {
            return None;
        }
        // Orderings as in `lock`. The strong compare-exchange, not `_weak`: the weak one may
        // fail spuriously (on LL/SC machines), and `try_lock` on a free lock must succeed.
        self.locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| SpinGuard::new(self))
    }

    /// Whether some guard holds the lock at this instant. Only a hint: by the time the
    /// caller looks at the answer it may be stale. Never use it to decide whether to
    /// access the data; use [`try_lock`](Self::try_lock).
    pub fn is_locked(&self) -> bool {
        // Relaxed: a snapshot with no data attached.
        self.locked.load(Ordering::Relaxed)
    }

    /// The value, through a unique borrow of the lock: no guard can exist, so no locking
    /// is needed.
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` guarantees that no guard (which borrows `self`) exists and no
        // other thread can reach the lock, so this is the only access to the data.
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

/// Waits a little: `spin_loop()` `1 << step` times while `step <= SPIN_LIMIT`, then
/// `yield_now()`. Exponential: the longer the lock has been held, the less often it is
/// worth looking.
#[inline]
fn backoff(step: &mut u32) {
    if *step <= SPIN_LIMIT {
        for _ in 0..1u32 << *step {
            spin_loop();
        }
        *step += 1;
    } else {
        // The owner has held the lock for longer than a short critical section should
        // take: it has probably been preempted. Give our time slice to a thread that can
        // make progress, perhaps the owner.
        yield_now();
    }
}

impl<T: Default> Default for SpinLock<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for SpinLock<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for SpinLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("SpinLock");
        match self.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Access to the value of a locked [`SpinLock`]; unlocks when dropped.
///
/// `Deref`s to `&T` and `DerefMut`s to `&mut T`. Its auto traits are those of a `&mut T`:
/// `Send` if `T: Send`, `Sync` only if `T: Sync` (see the field `_not_sync_unless_t_is`).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
    // A guard gives out `&T` to whoever holds a `&SpinGuard`, so sharing a guard between
    // threads shares `&T`: the guard may be `Sync` only if `T: Sync`. The reference above
    // alone would make the guard `Sync` whenever `SpinLock<T>` is, i.e. whenever
    // `T: Send`, and then `&SpinGuard<Cell<u64>>` sent to two threads would race on the
    // `Cell` (std had exactly this bug: rust-lang/rust#41622). `&'a mut T` is `Sync` iff
    // `T: Sync` and `Send` iff `T: Send`, which is what a guard is.
    _not_sync_unless_t_is: PhantomData<&'a mut T>,
}

impl<'a, T> SpinGuard<'a, T> {
    /// Only called by a thread that has just changed `locked` from `false` to `true`.
    #[inline]
    fn new(lock: &'a SpinLock<T>) -> Self {
        Self {
            lock,
            _not_sync_unless_t_is: PhantomData,
        }
    }
}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: this guard exists, so by the crate invariant no other guard does and no
        // `&mut SpinLock` exists: nobody else accesses the data while `self` is borrowed,
        // and the returned reference cannot outlive that borrow. The Acquire that created
        // this guard makes the previous owner's writes visible.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` also excludes the guard's own shared borrows,
        // so this is the only reference to the data.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Release: pairs with the Acquire compare-exchange of whichever thread locks next
        // and reads this `false`. Everything this owner wrote to the data happens-before
        // that thread's critical section. Relaxed here would let the next owner read the
        // data without our writes. A plain store, not a read-modify-write: only the owner
        // writes `false`, so there is nothing to read, and on x86-64 this is an ordinary
        // `mov`, which is why unlocking is almost free.
        self.lock.locked.store(false, Ordering::Release);
    }
}

impl<T: fmt::Debug> fmt::Debug for SpinGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for SpinGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
