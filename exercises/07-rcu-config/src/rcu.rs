//! `Rcu<T>`: a shared value that readers load without ever blocking and that writers
//! replace atomically.
//!
//! The chapter's section "A sound fix: reader counts and grace periods" describes the
//! scheme the fields below are laid out for. You may choose another sound scheme (the
//! chapter names some); then change the fields, keep the public API.

use std::fmt;
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
    // TODO: `AtomicPtr<X>` is `Send + Sync` for every `X` (it is only an address), so as
    // written `Rcu<T>` is `Send + Sync` even for a `T` that must not cross threads. Add a
    // zero-sized marker field that makes `Rcu<T>` exactly as thread-safe as the
    // `Arc<Node<T>>` it owns.
}

/// A value loaded from an [`Rcu`]: keeps it alive however many stores happen meanwhile.
/// Dereferences to `T`; cloning it is cheap (a reference count). Given.
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
        // TODO: `Arc::into_raw` a new node into `ptr`.
        let _ = value;
        todo!("Rcu::new")
    }

    /// The current value. Must never block, take a lock or wait for a writer.
    pub fn load(&self) -> Guard<T> {
        // TODO: announce yourself in the current phase's counter, load `ptr`, take a
        // strong reference (`Arc::increment_strong_count` + `Arc::from_raw`), withdraw the
        // announcement. Each ordering matters: say what each one pairs with.
        todo!("Rcu::load")
    }

    /// Replaces the value. Readers that loaded the old value keep it; new loads return
    /// `value`. May block while another writer is active and for a grace period.
    pub fn store(&self, value: T) {
        // TODO: under the writer lock: swap in a new node, bump `version`, wait for a
        // grace period, then drop the `Rcu`'s reference to the old node.
        let _ = value;
        todo!("Rcu::store")
    }

    /// Replaces the value with `f(&current)`, atomically with respect to other writers:
    /// concurrent `update`s lose nothing. If `f` panics, nothing changes.
    pub fn update(&self, f: impl FnOnce(&T) -> T) {
        // TODO
        let _ = f;
        todo!("Rcu::update")
    }

    /// The version of the current value: 0 after `new`, one more for each store. A
    /// reader that sees version `n` here and then calls [`load`](Self::load) gets a value
    /// of version `n` or later.
    pub fn version(&self) -> u64 {
        // TODO
        todo!("Rcu::version")
    }

    /// Waits until every reader that might have loaded a pointer swapped out before this
    /// call has taken its own reference.
    fn wait_for_grace_period(&self) {
        // TODO: flip `phase`, wait for the old phase's counter to be seen at zero, flip
        // back, wait for the other one. How must you read a counter so that a reader who
        // arrives after you looked is guaranteed to see your swap? (`Backoff::snooze`
        // between looks.)
        todo!("Rcu::wait_for_grace_period")
    }
}

impl<T> Drop for Rcu<T> {
    fn drop(&mut self) {
        // TODO: give back the `Rcu`'s strong reference to the current node. (The stub
        // never creates one, so for now there is nothing to drop.)
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
