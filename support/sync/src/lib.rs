//! The course's std/loom facade.
//!
//! Every exercise that has a loom model imports its synchronisation primitives from here
//! instead of from `std`:
//!
//! ```
//! use course_sync::atomic::{AtomicUsize, Ordering};
//! use course_sync::cell::UnsafeCell;
//!
//! let n = AtomicUsize::new(0);
//! n.fetch_add(1, Ordering::Relaxed);
//! let cell = UnsafeCell::new(5);
//! // SAFETY: nothing else can reach `cell`, so this read races with no write.
//! assert_eq!(cell.with(|p| unsafe { *p }), 5);
//! ```
//!
//! Compiled normally, each name is std's own type (or, for [`cell::UnsafeCell`], a zero-cost
//! wrapper around it), so the facade costs nothing. Compiled with `RUSTFLAGS="--cfg loom"`,
//! the same names resolve to [loom](https://docs.rs/loom)'s instrumented versions, and a
//! test wrapped in [`model`] runs once for every interleaving loom chooses to explore.
//! `cargo xtask check` builds the loom stage that way, in its own target directory
//! (`target/loom`), so switching does not invalidate the normal build.
//!
//! This is the pattern of tokio's `src/loom/` module, shared by every crate of the course
//! instead of copied into each.
//!
//! # What differs under loom
//!
//! - Loom's atomics and cells are not `const`-constructible, so they cannot live in a
//!   `static`. Keep shared state in the structure under test.
//! - [`cell::UnsafeCell`] must be accessed through [`with`](cell::UnsafeCell::with) and
//!   [`with_mut`](cell::UnsafeCell::with_mut): loom uses those calls to detect a read and a
//!   write that are not ordered by happens-before ("Causality violation").
//! - Loom 0.7 models `SeqCst` *accesses* as `AcqRel`; only `fence(SeqCst)` is exact. A
//!   store-buffering (Dekker) model that relies on SeqCst loads and stores alone is reported
//!   as failing although it is correct. Model such code with a `SeqCst` fence.
//! - A spin loop must call [`hint::spin_loop`] (or [`thread::yield_now`]): under loom that
//!   yields to the scheduler, which lets the model make progress and prunes the loop.
//! - [`atomic::compiler_fence`] is a no-op under loom: it constrains the compiler, not the
//!   inter-thread happens-before relation that loom checks.
//! - [`reclaim`] (pin, retire) is crossbeam-epoch normally and, under loom, an exact model
//!   of the grace-period contract that is small enough to explore with several threads.

#![warn(missing_docs)]

/// Atomic types, [`Ordering`](atomic::Ordering) and fences.
pub mod atomic {
    #[cfg(loom)]
    pub use loom::sync::atomic::{
        AtomicBool, AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr, AtomicU8,
        AtomicU16, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
    };
    #[cfg(not(loom))]
    pub use std::sync::atomic::{
        AtomicBool, AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr, AtomicU8,
        AtomicU16, AtomicU32, AtomicU64, AtomicUsize, Ordering, compiler_fence, fence,
    };

    /// Under loom a compiler fence constrains nothing loom models, so it is a no-op.
    #[cfg(loom)]
    #[inline(always)]
    pub fn compiler_fence(order: Ordering) {
        let _ = order;
    }
}

pub mod reclaim;

/// Interior mutability with access that loom can check.
pub mod cell {
    #[cfg(loom)]
    pub use loom::cell::UnsafeCell;

    /// `std::cell::UnsafeCell` behind the closure-based access API of loom's `UnsafeCell`.
    ///
    /// [`with`](UnsafeCell::with) lends a `*const T` and [`with_mut`](UnsafeCell::with_mut)
    /// a `*mut T`. Under std both compile to a plain pointer access; under loom they record
    /// the access so that a read racing with a write is reported.
    ///
    /// Layout (std builds only, and a promise code may rely on): `repr(transparent)` over
    /// `std::cell::UnsafeCell<T>`, so it has `T`'s size and alignment and a slice of cells
    /// has the layout of a slice of `T`. Under loom the cell carries tracking state and
    /// promises nothing.
    #[cfg(not(loom))]
    #[derive(Debug, Default)]
    #[repr(transparent)]
    pub struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

    #[cfg(not(loom))]
    impl<T> UnsafeCell<T> {
        /// Wraps `data`.
        #[inline(always)]
        pub const fn new(data: T) -> Self {
            Self(std::cell::UnsafeCell::new(data))
        }

        /// Unwraps the value.
        #[inline(always)]
        pub fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }

    #[cfg(not(loom))]
    impl<T: ?Sized> UnsafeCell<T> {
        /// Calls `f` with a shared pointer to the contents. Dereferencing it is `unsafe`:
        /// the caller must know that no write to the contents happens concurrently.
        #[inline(always)]
        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Calls `f` with a mutable pointer to the contents. Dereferencing it is `unsafe`:
        /// the caller must know that no other access to the contents happens concurrently.
        #[inline(always)]
        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

/// Shared ownership and blocking locks.
pub mod sync {
    #[cfg(loom)]
    pub use loom::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
    #[cfg(not(loom))]
    pub use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
}

/// Threads.
pub mod thread {
    #[cfg(loom)]
    pub use loom::thread::{JoinHandle, Thread, ThreadId, current, park, spawn, yield_now};
    #[cfg(not(loom))]
    pub use std::thread::{JoinHandle, Thread, ThreadId, current, park, spawn, yield_now};
}

/// Hints to the processor (and, under loom, to the model's scheduler).
pub mod hint {
    #[cfg(loom)]
    pub use loom::hint::spin_loop;
    #[cfg(not(loom))]
    pub use std::hint::spin_loop;
}

/// Bounded exponential backoff for spin loops that works under loom too.
///
/// Under std this is [`crossbeam_utils::Backoff`]'s algorithm in miniature: [`spin`]
/// issues `2^step` [`hint::spin_loop`]s (step capped at 6), and [`snooze`] spins the same way
/// until step 6, then yields the thread. Under loom every call yields to the model's
/// scheduler, because a real spin would only multiply the states loom explores.
///
/// [`crossbeam_utils::Backoff`]: https://docs.rs/crossbeam-utils/latest/crossbeam_utils/struct.Backoff.html
/// [`spin`]: Backoff::spin
/// [`snooze`]: Backoff::snooze
#[derive(Debug, Default)]
pub struct Backoff {
    step: std::cell::Cell<u32>,
}

impl Backoff {
    const SPIN_LIMIT: u32 = 6;
    const YIELD_LIMIT: u32 = 10;

    /// A backoff at its first step.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts over from the first step (call it after the contended operation succeeded).
    pub fn reset(&self) {
        self.step.set(0);
    }

    /// Backs off in a lock-free loop, where another thread's progress is guaranteed and a
    /// retry may succeed at once: spins only, never yields.
    pub fn spin(&self) {
        #[cfg(not(loom))]
        for _ in 0..1u32 << self.step.get().min(Self::SPIN_LIMIT) {
            hint::spin_loop();
        }
        #[cfg(loom)]
        hint::spin_loop();
        if self.step.get() <= Self::SPIN_LIMIT {
            self.step.set(self.step.get() + 1);
        }
    }

    /// Backs off while waiting for another thread (a lock holder, a producer): spins at
    /// first, then yields the processor so that the thread being waited for can run.
    pub fn snooze(&self) {
        let step = self.step.get();
        #[cfg(not(loom))]
        if step <= Self::SPIN_LIMIT {
            for _ in 0..1u32 << step {
                hint::spin_loop();
            }
        } else {
            thread::yield_now();
        }
        #[cfg(loom)]
        {
            let _ = step;
            thread::yield_now();
        }
        if self.step.get() <= Self::YIELD_LIMIT {
            self.step.set(self.step.get() + 1);
        }
    }

    /// Whether backing off has gone on long enough that blocking (parking) would be
    /// better than further spinning or yielding.
    pub fn is_completed(&self) -> bool {
        self.step.get() > Self::YIELD_LIMIT
    }
}

/// Declares a thread-local: `std::thread_local!` normally, `loom::thread_local!` under loom
/// (where every modelled thread has its own value and the value is reset between
/// executions).
#[macro_export]
macro_rules! thread_local {
    ($($tt:tt)*) => { $crate::__thread_local_impl! { $($tt)* } };
}

#[cfg(not(loom))]
#[doc(hidden)]
pub use std::thread_local as __thread_local_impl;

#[cfg(loom)]
#[doc(hidden)]
pub use loom::thread_local as __thread_local_impl;

/// Whether this build is a loom model (`--cfg loom`).
pub const LOOM: bool = cfg!(loom);

/// Runs `f` as a model check: under loom, once per interleaving that loom explores (bounded
/// by `LOOM_MAX_PREEMPTIONS`, which `cargo xtask check` sets from the catalogue); under
/// std, once.
///
/// ```
/// course_sync::model(|| {
///     let flag = course_sync::sync::Arc::new(course_sync::atomic::AtomicBool::new(false));
///     let f = flag.clone();
///     let t = course_sync::thread::spawn(move || f.store(true, course_sync::atomic::Ordering::Release));
///     t.join().unwrap();
///     assert!(flag.load(course_sync::atomic::Ordering::Acquire));
/// });
/// ```
pub fn model<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    #[cfg(loom)]
    loom::model(f);
    #[cfg(not(loom))]
    f();
}

/// Loom itself, for models that need more than [`model`] (e.g. `loom::model::Builder`).
#[cfg(loom)]
pub use loom;
