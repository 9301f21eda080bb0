//! Exercise 02: a spinlock with an RAII guard.
//!
//! Read the chapter first: `cargo xtask book --open`, then "02 Spinlock".
//!
//! You build [`SpinLock<T>`]: a lock that owns a `T` and hands out access to it one thread
//! at a time. `lock()` returns a [`SpinGuard`] that dereferences to the value and unlocks
//! when it is dropped. Waiting threads *test* the flag with plain loads and only then try
//! to *set* it (test-and-test-and-set), spin a bounded number of times, and then yield.
//!
//! Given: the two structs and their fields, `Debug`, `Default` and `From`, and a
//! placeholder `Sync` impl that is sound but too strict. Yours: every `todo!()`, the
//! orderings, the backoff, and the right `Send`/`Sync` for both types.
//!
//! Check your work with `cargo xtask check 02-spinlock`; ask for a hint with
//! `cargo xtask hint 02-spinlock`.

#![warn(missing_docs)]
// The stub compiles before you have written anything; this keeps the compiler quiet about
// the fields you have not used yet. Delete it when you are done.
#![allow(dead_code)]

use std::fmt;
use std::ops::{Deref, DerefMut};

// Use the course's facade, not `std`: these are std's types normally and loom's when the
// grader model-checks your code. You will also want `course_sync::hint::spin_loop` and
// `course_sync::thread::yield_now`.
use course_sync::atomic::{AtomicBool, Ordering};
use course_sync::cell::UnsafeCell;

/// A mutual-exclusion lock that waits by spinning and then yielding, never by sleeping in
/// the kernel.
///
/// ```no_run
/// use spinlock::SpinLock;
///
/// let lock = SpinLock::new(vec![1, 2]);
/// lock.lock().push(3);
/// assert_eq!(*lock.lock(), [1, 2, 3]);
/// ```
pub struct SpinLock<T> {
    /// `true` while a [`SpinGuard`] exists.
    locked: AtomicBool,
    /// The protected value. Read it with `data.with(|p| ...)` and write it with
    /// `data.with_mut(|p| ...)`: `p` is a raw pointer, and dereferencing it is `unsafe`.
    data: UnsafeCell<T>,
}

// TODO: which `T` may a `SpinLock<T>` be shared between threads for? This placeholder
// asks for `T: Send + Sync`, which is sound but too strict: the point of a lock is that
// `SpinLock<Cell<u64>>` can be shared although `Cell<u64>` cannot. Find the right bound
// (the chapter's "Send and Sync" section), and write down in the SAFETY comment why it is
// enough. Then look at what your change does to `SpinGuard`'s auto traits.
//
// SAFETY: with `T: Sync`, even simultaneous `&T`s in several threads would be fine; the
// lock hands out at most one `&mut T` at a time (once you have written it).
unsafe impl<T: Send + Sync> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A new, unlocked lock holding `value`.
    pub fn new(value: T) -> Self {
        // TODO
        let _ = value;
        todo!("SpinLock::new")
    }

    /// Waits until the lock is free, takes it, and returns the guard that gives access to
    /// the value and unlocks when dropped.
    ///
    /// The lock is not reentrant: calling `lock` again on the same thread while its guard
    /// is alive waits forever.
    pub fn lock(&self) -> SpinGuard<'_, T> {
        // TODO: take the lock with one atomic read-modify-write, a `compare_exchange` from
        // `false` to `true` (not a `swap`: the chapter's section "Under loom" says why). If
        // the lock was taken, wait: test with plain loads until it looks free, backing off
        // between loads (spin a bounded number of times, then yield), and then try the
        // compare-exchange again. Which ordering makes the previous owner's writes visible
        // to you?
        let _ = Ordering::Acquire;
        todo!("SpinLock::lock")
    }

    /// Takes the lock if it is free right now; never waits.
    ///
    /// Returns `None` if another guard exists (on this thread or another). Must not fail
    /// spuriously: on a free lock it returns `Some`.
    pub fn try_lock(&self) -> Option<SpinGuard<'_, T>> {
        // TODO
        todo!("SpinLock::try_lock")
    }

    /// Whether some guard holds the lock at this instant. Only a hint: the answer may be
    /// stale by the time the caller looks at it.
    pub fn is_locked(&self) -> bool {
        // TODO
        todo!("SpinLock::is_locked")
    }

    /// The value, through a unique borrow of the lock: no guard can exist, so no locking
    /// is needed.
    pub fn get_mut(&mut self) -> &mut T {
        // TODO
        todo!("SpinLock::get_mut")
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        // TODO
        todo!("SpinLock::into_inner")
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
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
    // TODO: a `&SpinGuard` gives out `&T`. So in which case may a guard be shared between
    // threads (`Sync`)? Compare with what this struct's auto traits are once you have
    // fixed `SpinLock`'s `Sync` bound. (You may add fields.)
}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // TODO: `self.lock.data.with(...)`, with a SAFETY comment saying why nobody else
        // is accessing the data.
        todo!("SpinGuard::deref")
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // TODO: `self.lock.data.with_mut(...)`.
        todo!("SpinGuard::deref_mut")
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        // TODO: unlock. Which ordering makes your writes visible to the next owner?
        todo!("SpinGuard::drop")
    }
}

impl<T: fmt::Debug> fmt::Debug for SpinGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
