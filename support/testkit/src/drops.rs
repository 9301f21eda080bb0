//! Drop counting: prove that a structure drops every value it was given exactly once.
//!
//! ```
//! use course_testkit::drops::DropTracker;
//!
//! let tracker = DropTracker::new(16);
//! let mut v = Vec::new();
//! v.push(tracker.track("a"));
//! v.push(tracker.track("b"));
//! assert_eq!(tracker.alive(), 2);
//! v.pop();
//! assert_eq!(tracker.alive(), 1);
//! drop(v);
//! tracker.assert_all_dropped();
//! ```
//!
//! A [`Tracked`] value knows its id and its tracker. Dropping one twice (what a queue does
//! when it `ptr::read`s the same slot twice) panics at once with the id, and reading one
//! through [`Tracked::get`] after it was dropped (a use after free that the memory still
//! happens to hold) panics too: the value carries a canary that its drop overwrites. The
//! canary catches a use after drop only while the memory is still mapped and not reused, so
//! it is a best-effort check; ASan or Miri are the exact ones.
//!
//! A second drop is detected *before* it touches anything the first drop released: the
//! wrapped value is dropped only once, and the tracker's own reference count is not
//! decremented twice. So the report is a clean panic rather than a crash in the allocator,
//! provided the tracker itself is still alive (keep it until the end of the test).

use std::fmt;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

const ALIVE: u64 = 0x5AFE_A11C_E0FF_1CE5;
const DEAD: u64 = 0xDEAD_DEAD_DEAD_DEAD;

/// Counts how many tracked values were created and dropped, and how often each one was
/// dropped.
#[derive(Clone)]
pub struct DropTracker {
    inner: Arc<Inner>,
}

struct Inner {
    created: AtomicUsize,
    dropped: AtomicUsize,
    // One counter per id: a drop count above one is a double drop.
    drops_per_id: Box<[AtomicU8]>,
}

impl fmt::Debug for DropTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DropTracker")
            .field("created", &self.created())
            .field("dropped", &self.dropped())
            .finish()
    }
}

impl DropTracker {
    /// A tracker for up to `capacity` values (ids `0..capacity`).
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                created: AtomicUsize::new(0),
                dropped: AtomicUsize::new(0),
                drops_per_id: (0..capacity).map(|_| AtomicU8::new(0)).collect(),
            }),
        }
    }

    /// Wraps `value` so that its drop is counted. Ids are handed out in order from 0.
    ///
    /// # Panics
    ///
    /// If more than `capacity` values are tracked.
    pub fn track<T>(&self, value: T) -> Tracked<T> {
        // Relaxed: the counter only hands out distinct ids; no other data is published
        // through it.
        let id = self.inner.created.fetch_add(1, Ordering::Relaxed);
        assert!(
            id < self.inner.drops_per_id.len(),
            "DropTracker: more than {} values tracked; make the tracker bigger",
            self.inner.drops_per_id.len()
        );
        Tracked {
            canary: ALIVE,
            id,
            value: ManuallyDrop::new(value),
            // One strong count per live `Tracked`, given back by its (first) drop.
            tracker: NonNull::new(Arc::into_raw(Arc::clone(&self.inner)).cast_mut())
                .expect("Arc::into_raw is never null"),
        }
    }

    /// How many values were tracked.
    pub fn created(&self) -> usize {
        self.inner.created.load(Ordering::SeqCst)
    }

    /// How many drops were seen (double drops included).
    pub fn dropped(&self) -> usize {
        self.inner.dropped.load(Ordering::SeqCst)
    }

    /// Values created and not yet dropped.
    pub fn alive(&self) -> usize {
        self.created().saturating_sub(self.dropped())
    }

    /// Ids of the values that were never dropped (leaked or still held).
    pub fn never_dropped(&self) -> Vec<usize> {
        let created = self.created();
        (0..created)
            .filter(|&id| self.inner.drops_per_id[id].load(Ordering::SeqCst) == 0)
            .collect()
    }

    /// Panics unless every tracked value was dropped exactly once.
    #[track_caller]
    pub fn assert_all_dropped(&self) {
        let leaked = self.never_dropped();
        assert!(
            leaked.is_empty(),
            "{} of {} tracked values were never dropped (a leak); first ids: {:?}",
            leaked.len(),
            self.created(),
            &leaked[..leaked.len().min(10)]
        );
        assert_eq!(
            self.dropped(),
            self.created(),
            "more drops than values: some value was dropped twice"
        );
    }

    /// Panics unless exactly `n` tracked values are alive.
    #[track_caller]
    pub fn assert_alive(&self, n: usize) {
        assert_eq!(
            self.alive(),
            n,
            "expected {n} live tracked values, found {} ({} created, {} dropped)",
            self.alive(),
            self.created(),
            self.dropped()
        );
    }
}

/// A value whose drop is counted by a [`DropTracker`].
pub struct Tracked<T> {
    canary: u64,
    id: usize,
    value: ManuallyDrop<T>,
    // A strong count of the tracker's `Arc<Inner>`, held as a raw pointer so that a buggy
    // double drop can be detected before the count is decremented twice.
    tracker: NonNull<Inner>,
}

// SAFETY: `Inner` is only atomics, so the pointer may be used from any thread; the value is
// as thread-safe as `T`.
unsafe impl<T: Send> Send for Tracked<T> {}
// SAFETY: as above; `&Tracked<T>` gives only `&T`.
unsafe impl<T: Sync> Sync for Tracked<T> {}

impl<T> Tracked<T> {
    /// The id the tracker gave this value (0 for the first, 1 for the next, ...).
    pub fn id(&self) -> usize {
        self.check_alive();
        self.id
    }

    /// The wrapped value.
    ///
    /// # Panics
    ///
    /// If this value was already dropped (its canary is gone): a use after free.
    pub fn get(&self) -> &T {
        self.check_alive();
        &self.value
    }

    /// Unwraps the value; the drop is counted now.
    pub fn into_inner(self) -> T
    where
        T: Clone,
    {
        self.get().clone()
    }

    #[track_caller]
    fn check_alive(&self) {
        // SAFETY: `canary` is a plain field of `self`; the volatile read only keeps the
        // compiler from assuming the value it wrote at construction is still there.
        let canary = unsafe { std::ptr::read_volatile(&self.canary) };
        assert!(
            canary == ALIVE,
            "use after drop: tracked value #{} was read after it had been dropped",
            self.id
        );
    }
}

impl<T: fmt::Debug> fmt::Debug for Tracked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracked")
            .field("id", &self.id)
            .field("value", &self.value)
            .finish()
    }
}

impl<T: PartialEq> PartialEq for Tracked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T> Drop for Tracked<T> {
    fn drop(&mut self) {
        // SAFETY: as in `check_alive`; the volatile accesses keep the canary check and the
        // overwrite from being optimised away on a value about to die.
        let canary = unsafe { std::ptr::read_volatile(&self.canary) };
        // SAFETY: the first drop of this id still holds a strong count, so `Inner` is alive;
        // on a second drop it is alive as long as the `DropTracker` is (see module docs).
        let inner = unsafe { self.tracker.as_ref() };
        // SeqCst: the counters are read by the test thread after joining the workers; the
        // join already orders them, SeqCst just keeps this simple to reason about.
        let before = inner.drops_per_id[self.id].fetch_add(1, Ordering::SeqCst);
        inner.dropped.fetch_add(1, Ordering::SeqCst);
        if before != 0 || canary != ALIVE {
            panic!(
                "double drop: tracked value #{} was dropped {} times",
                self.id,
                before.saturating_add(1)
            );
        }
        // SAFETY: first drop (checked above): the value has not been dropped yet.
        unsafe { ManuallyDrop::drop(&mut self.value) };
        // SAFETY: writing a plain field of `self` that is being dropped.
        unsafe { std::ptr::write_volatile(&mut self.canary, DEAD) };
        // SAFETY: gives back the strong count taken in `track`, exactly once (first drop).
        unsafe { Arc::decrement_strong_count(self.tracker.as_ptr()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_drops() {
        let t = DropTracker::new(4);
        let a = t.track(1);
        let b = t.track(2);
        assert_eq!((a.id(), b.id()), (0, 1));
        t.assert_alive(2);
        drop(a);
        assert_eq!(t.never_dropped(), vec![1]);
        drop(b);
        t.assert_all_dropped();
    }

    #[test]
    #[should_panic(expected = "never dropped")]
    fn reports_a_leak() {
        let t = DropTracker::new(4);
        std::mem::forget(t.track(()));
        t.assert_all_dropped();
    }

    #[test]
    #[should_panic(expected = "double drop")]
    fn reports_a_double_drop() {
        let t = DropTracker::new(4);
        let v = std::mem::ManuallyDrop::new(t.track(7));
        // Simulate a queue that reads the same slot twice.
        // SAFETY: deliberately wrong: this is the bug the tracker must report.
        let (x, y) = unsafe { (std::ptr::read(&*v), std::ptr::read(&*v)) };
        drop(x);
        drop(y);
    }
}
