//! `Rcu<T>`: a shared value that readers load without ever blocking and that writers
//! replace atomically.
//!
//! # The scheme: reader counts in two phases
//!
//! The current value is an `Arc<Node<T>>` whose raw pointer (from `Arc::into_raw`) sits in
//! an `AtomicPtr`; the `Rcu` owns that one strong count. A reader must turn the pointer
//! into a strong reference of its own (`Arc::increment_strong_count`), and the danger is
//! the window between loading the pointer and incrementing the count: a writer that swaps
//! the pointer out and drops its reference in that window frees the node under the
//! reader. So readers *announce* themselves in a counter for the duration of the window,
//! and a writer, after unpublishing the old pointer, waits until it has seen every
//! counter a reader might have announced itself in at zero (a *grace period*) before it
//! drops the old value. A reader that announced itself after the writer looked at its
//! counter is guaranteed to load the new pointer, so it never needed protecting.
//!
//! There are two counters, and a `phase` that tells readers which one to use. A writer
//! flips the phase, waits for the counter readers have just stopped using to drain, flips
//! the phase back and waits for the other. Each counter it waits on receives new readers
//! only from stragglers that read the phase before the flip, so the wait ends even when
//! readers arrive continuously: with a single counter, a steady stream of overlapping
//! readers could keep it above zero forever.
//!
//! # Invariant
//!
//! A node is freed only after (1) it was swapped out of `ptr` and (2) every reader that
//! could have loaded it has incremented its strong count. (2) holds because every reader's
//! `load` of `ptr` lies inside its announcement, and the writer observes both counters at
//! zero after (1). Freeing itself is `Arc`'s: the last strong reference frees the node,
//! whether that is the writer's or a reader's.
//!
//! # Progress
//!
//! `load` is wait-free: five atomic operations, no loop, no lock, whatever other threads
//! do. Writers are serialized by a mutex and wait for grace periods, so a writer can be
//! delayed by a reader that is preempted inside its announcement (a few instructions long).

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use course_sync::Backoff;
use course_sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use course_sync::sync::{Arc, Mutex};

/// What the `AtomicPtr` points to: the value and the version it was published as.
struct Node<T> {
    version: u64,
    value: T,
}

/// A reader counter on a 128-byte block of its own: readers write it on every load.
#[repr(align(128))]
struct ReaderCount(AtomicUsize);

/// A shared value of type `T`: readers [`load`](Rcu::load) it without blocking and keep
/// what they loaded for as long as they like; writers replace it with
/// [`store`](Rcu::store) or [`update`](Rcu::update).
///
/// ```
/// use rcu_config_solution::Rcu;
///
/// let limits = Rcu::new(100u32);
/// let before = limits.load();
/// limits.update(|n| n * 2);
/// assert_eq!((*before, *limits.load(), limits.version()), (100, 200, 1));
/// ```
pub struct Rcu<T> {
    /// The current node, from `Arc::into_raw`; the `Rcu` owns one strong count of it.
    ptr: AtomicPtr<Node<T>>,
    /// Which of `readers` new readers announce themselves in (0 or 1).
    phase: AtomicUsize,
    /// The version of the current node, for [`Rcu::version`].
    version: AtomicU64,
    /// Readers inside `load`'s window, per phase.
    readers: [ReaderCount; 2],
    /// Serializes writers.
    writer: Mutex<()>,
    /// `AtomicPtr<Node<T>>` is `Send + Sync` for every `T`; this marker makes `Rcu<T>`
    /// exactly as thread-safe as the `Arc<Node<T>>` it logically owns: `Send + Sync` when
    /// `T: Send + Sync`, and neither otherwise.
    _owns: PhantomData<Arc<Node<T>>>,
}

/// A value loaded from an [`Rcu`]: keeps it alive however many stores happen meanwhile.
/// Dereferences to `T`; cloning it is cheap (a reference count).
pub struct Guard<T> {
    node: Arc<Node<T>>,
}

impl<T> Guard<T> {
    /// The version of this value: 0 for the value the `Rcu` was created with, then one
    /// more for each store. An associated function (call it as `Guard::version(&g)`) so
    /// that it cannot hide a method of `T`.
    pub fn version(this: &Self) -> u64 {
        this.node.version
    }
}

impl<T> Deref for Guard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.node.value
    }
}

impl<T> Clone for Guard<T> {
    fn clone(&self) -> Self {
        Self {
            node: self.node.clone(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Guard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("version", &self.node.version)
            .field("value", &self.node.value)
            .finish()
    }
}

impl<T> Rcu<T> {
    /// An `Rcu` holding `value` as version 0.
    pub fn new(value: T) -> Self {
        let node = Arc::new(Node { version: 0, value });
        Self {
            ptr: AtomicPtr::new(Arc::into_raw(node).cast_mut()),
            phase: AtomicUsize::new(0),
            version: AtomicU64::new(0),
            readers: [
                ReaderCount(AtomicUsize::new(0)),
                ReaderCount(AtomicUsize::new(0)),
            ],
            writer: Mutex::new(()),
            _owns: PhantomData,
        }
    }

    /// The current value. Wait-free: never blocks, never takes a lock, never retries.
    pub fn load(&self) -> Guard<T> {
        // Relaxed: the phase only spreads readers over the two counters so that writers
        // finish; the writer checks both counters, so either choice is safe.
        let phase = self.phase.load(Ordering::Relaxed) & 1;
        let count = &self.readers[phase].0;
        // Announce. Acquire: if this increment comes after a writer's check of this
        // counter (its `fetch_add(0, AcqRel)` in `wait_for_readers`), it reads from that
        // Release RMW, so the writer's swap of `ptr` happens-before the load below, which
        // then cannot return the unpublished pointer. Relaxed would allow exactly the
        // use-after-free this scheme exists to prevent.
        count.fetch_add(1, Ordering::Acquire);
        // Acquire: pairs with the writer's Release swap, so the node's contents (written
        // before it was published) are visible here.
        let ptr = self.ptr.load(Ordering::Acquire);
        // SAFETY: `ptr` came from `Arc::into_raw` and its node is still alive: a writer
        // that unpublishes it drops its strong count only after seeing this counter at
        // zero, which cannot happen before our decrement below (see the module docs).
        let node = unsafe {
            Arc::increment_strong_count(ptr);
            Arc::from_raw(ptr)
        };
        // Done. Release: pairs with the writer's Acquire reads of the counter, so our
        // strong-count increment happens-before the writer drops its reference.
        count.fetch_sub(1, Ordering::Release);
        Guard { node }
    }

    /// Replaces the value. Readers that loaded the old value keep it; new loads return
    /// `value`. Blocks while another writer is active and for a grace period.
    pub fn store(&self, value: T) {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        self.publish(value);
    }

    /// Replaces the value with `f(&current)`, atomically with respect to other writers:
    /// concurrent `update`s lose nothing. If `f` panics, nothing changes.
    pub fn update(&self, f: impl FnOnce(&T) -> T) {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        // Relaxed: we hold the writer lock, and the previous writer's swap happens-before
        // our lock acquisition, so this is the current pointer.
        let current = self.ptr.load(Ordering::Relaxed);
        // SAFETY: only writers free nodes, and they hold the lock we hold; the `Rcu`'s own
        // strong count keeps the current node alive.
        let value = f(unsafe { &(*current).value });
        self.publish(value);
    }

    /// The version of the current value: 0 after `new`, one more for each store. A
    /// reader that sees version `n` here and then calls [`load`](Self::load) gets a value
    /// of version `n` or later.
    pub fn version(&self) -> u64 {
        // Acquire: pairs with the Release store in `publish`, which follows the swap.
        self.version.load(Ordering::Acquire)
    }

    /// Swaps in a new node, waits for a grace period, drops the old node's reference.
    /// Called with the writer lock held.
    fn publish(&self, value: T) {
        // Relaxed: only writers write `version`, and we hold the writer lock.
        let version = self.version.load(Ordering::Relaxed) + 1;
        let new = Arc::into_raw(Arc::new(Node { version, value })).cast_mut();
        // Release: publishes the new node's contents to readers' Acquire loads.
        let old = self.ptr.swap(new, Ordering::Release);
        // Release: pairs with `version()`'s Acquire; issued after the swap, so a reader
        // that sees `version` then loads `new` or later.
        self.version.store(version, Ordering::Release);
        self.wait_for_grace_period();
        // SAFETY: `old` came from `Arc::into_raw`; the `Rcu` owned that strong count, and
        // after the grace period no reader can still be about to increment it.
        drop(unsafe { Arc::from_raw(old) });
    }

    /// Waits until every reader that might have loaded the old pointer has taken its own
    /// reference: both counters observed at zero after the swap.
    fn wait_for_grace_period(&self) {
        // Relaxed: only writers change the phase (under the writer lock); readers use it
        // only to pick a counter.
        let phase = self.phase.load(Ordering::Relaxed) & 1;
        // New readers move to the other counter; drain this one.
        self.phase.store(phase ^ 1, Ordering::Relaxed);
        self.wait_for_readers(phase);
        // And back, draining the other one.
        self.phase.store(phase, Ordering::Relaxed);
        self.wait_for_readers(phase ^ 1);
    }

    fn wait_for_readers(&self, phase: usize) {
        let count = &self.readers[phase].0;
        // A read-modify-write, not a load: it is ordered with every reader's increment in
        // the counter's modification order. AcqRel: its Release half makes our swap
        // visible to every reader whose increment comes later (they read from us); its
        // Acquire half, and the Acquire loads below, pair with readers' Release
        // decrements. A plain load could return a stale zero.
        let mut inside = count.fetch_add(0, Ordering::AcqRel);
        let backoff = Backoff::new();
        while inside != 0 {
            backoff.snooze();
            inside = count.load(Ordering::Acquire);
        }
    }
}

impl<T> Drop for Rcu<T> {
    fn drop(&mut self) {
        // Relaxed: `&mut self` means no reader or writer is running.
        let ptr = self.ptr.load(Ordering::Relaxed);
        // SAFETY: the `Rcu` owns one strong count of the current node.
        drop(unsafe { Arc::from_raw(ptr) });
    }
}

impl<T: Default> Default for Rcu<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for Rcu<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Rcu").field(&self.load()).finish()
    }
}
