//! Memory reclamation for linked structures, swappable like the rest of this facade:
//! crossbeam-epoch in a normal build, an exact model of the same contract under loom.
//!
//! ```
//! use course_sync::reclaim::Reclaimer;
//!
//! let reclaimer = Reclaimer::<u64>::new();
//! let node = Box::into_raw(Box::new(7u64));
//! {
//!     let guard = reclaimer.pin();
//!     // ... unlink `node` from the structure, so that no thread can find it any more ...
//!     // SAFETY: `node` came from `Box::into_raw`, is retired once, and is unreachable.
//!     unsafe { guard.retire(node) };
//! } // freed once every guard that was alive at the retirement is gone
//! ```
//!
//! A structure asks two things of a reclamation scheme:
//!
//! - [`Reclaimer::pin`]: "I am about to read nodes that someone may unlink meanwhile".
//!   While the returned guard lives, no node that was reachable when it was taken is freed.
//! - `Guard::retire`: "this node is unlinked; free it once no guard that might have seen it
//!   is left". The caller promises the node is *unreachable*: a thread that pins after the
//!   call cannot find it.
//!
//! # The two strategies
//!
//! - **Normal builds: crossbeam-epoch.** `pin` is `crossbeam_epoch::pin()` (the global
//!   collector), `retire` is `defer_unchecked` of the node's `Box` drop. Fast; the garbage
//!   is freed in batches, some time after every thread pinned at the retirement has
//!   unpinned.
//! - **Loom builds: a model of the contract.** crossbeam-epoch does run under loom (its
//!   `loom` feature and `--cfg crossbeam_loom`), but with three threads its own bookkeeping
//!   (registering each thread, sealing bags, the global queue of bags) makes a model far too
//!   large to explore in seconds. The model here is small and exact: a mutex around the set
//!   of live guards and the retired nodes; each retired node waits for the guards that were
//!   alive when it was retired, and is freed the moment the last of them goes. That is the
//!   earliest any grace-period scheme may free it (epochs free later), so with the test
//!   kit's `PoisoningAllocator` a node freed too early, or retired while still reachable,
//!   is read as poison and fails the model.
//!
//! Code that uses it is the same for both builds: it names only [`Reclaimer`], `pin` and
//! `retire`. A structure that needs crossbeam-epoch's full API (its `Atomic`/`Shared`
//! pointers, custom collectors) should use crossbeam-epoch directly and model it some other
//! way.

#[cfg(not(loom))]
pub use epoch::{Guard, Reclaimer};
#[cfg(loom)]
pub use model::{Guard, Reclaimer};

#[cfg(not(loom))]
mod epoch {
    use std::marker::PhantomData;

    use crossbeam_epoch as ebr;

    /// Reclamation through crossbeam-epoch's global collector. Zero-sized: the state lives
    /// in the collector and in each thread's registration.
    #[derive(Debug)]
    pub struct Reclaimer<N> {
        _frees: PhantomData<fn(*mut N)>,
    }

    /// A pinned section: crossbeam's guard.
    #[derive(Debug)]
    pub struct Guard<'a, N> {
        inner: ebr::Guard,
        _frees: PhantomData<&'a Reclaimer<N>>,
    }

    impl<N> Default for Reclaimer<N> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<N> Reclaimer<N> {
        /// A reclaimer; all of them share crossbeam's global collector.
        pub fn new() -> Self {
            Self {
                _frees: PhantomData,
            }
        }

        /// Pins the current thread (a store and a `SeqCst` fence; nested pins are cheaper).
        pub fn pin(&self) -> Guard<'_, N> {
            Guard {
                inner: ebr::pin(),
                _frees: PhantomData,
            }
        }
    }

    impl<N> Guard<'_, N> {
        /// Frees `node` (as a `Box<N>`) once every thread pinned now has unpinned.
        ///
        /// # Safety
        ///
        /// `node` came from `Box::into_raw`, is retired once, and is unreachable: no thread
        /// that pins after this call can obtain it. Dropping an `N` must be fine on any
        /// thread and at any later time (the queue's nodes hold `MaybeUninit` values, so
        /// freeing one never runs a `T`'s destructor).
        pub unsafe fn retire(&self, node: *mut N) {
            // SAFETY: the caller's contract is exactly `defer_unchecked`'s: the closure may
            // run on another thread, after every guard older than this call is gone.
            unsafe {
                self.inner
                    .defer_unchecked(move || drop(Box::from_raw(node)))
            };
        }
    }
}

#[cfg(loom)]
mod model {
    use crate::sync::Mutex;

    /// The loom model of reclamation: grace periods tracked exactly. Each retired node
    /// records which guards were alive when it was retired, and is freed when the last of
    /// *those* is dropped. Guards taken later do not delay it: they cannot reach the node.
    #[derive(Debug)]
    pub struct Reclaimer<N> {
        state: Mutex<State<N>>,
    }

    #[derive(Debug)]
    struct State<N> {
        next_id: u64,
        live: Vec<u64>,
        /// A retired node and the guards it still waits for.
        retired: Vec<(*mut N, Vec<u64>)>,
    }

    /// A pinned section of the model.
    #[derive(Debug)]
    pub struct Guard<'a, N> {
        reclaimer: &'a Reclaimer<N>,
        id: u64,
    }

    // SAFETY: the raw pointers are retired nodes that only the reclaimer frees, under its
    // lock; the nodes' own thread-safety is the business of the structure that owns them.
    unsafe impl<N> Send for Reclaimer<N> {}
    // SAFETY: as above; all access goes through the mutex.
    unsafe impl<N> Sync for Reclaimer<N> {}

    impl<N> Default for Reclaimer<N> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<N> Reclaimer<N> {
        /// A reclaimer with no guards and nothing retired.
        pub fn new() -> Self {
            Self {
                state: Mutex::new(State {
                    next_id: 0,
                    live: Vec::new(),
                    retired: Vec::new(),
                }),
            }
        }

        /// Registers a live guard.
        pub fn pin(&self) -> Guard<'_, N> {
            let mut state = self.state.lock().unwrap();
            let id = state.next_id;
            state.next_id += 1;
            state.live.push(id);
            Guard {
                reclaimer: self,
                id,
            }
        }
    }

    impl<N> Guard<'_, N> {
        /// Frees `node` once every guard alive now (this one included) has been dropped.
        ///
        /// # Safety
        ///
        /// As for the epoch strategy: `node` came from `Box::into_raw`, is retired once, and
        /// is unreachable for threads that pin later.
        pub unsafe fn retire(&self, node: *mut N) {
            let mut state = self.reclaimer.state.lock().unwrap();
            let waiting = state.live.clone();
            state.retired.push((node, waiting));
        }
    }

    impl<N> Drop for Guard<'_, N> {
        fn drop(&mut self) {
            let mut state = self.reclaimer.state.lock().unwrap();
            let id = self.id;
            state.live.retain(|&g| g != id);
            for (_, waiting) in state.retired.iter_mut() {
                waiting.retain(|&g| g != id);
            }
            state.retired.retain(|&(node, ref waiting)| {
                if waiting.is_empty() {
                    // SAFETY: every guard that might hold `node` is gone, and guards taken
                    // after the retirement cannot reach it.
                    drop(unsafe { Box::from_raw(node) });
                    false
                } else {
                    true
                }
            });
        }
    }

    impl<N> Drop for Reclaimer<N> {
        fn drop(&mut self) {
            // Every guard borrows the reclaimer, so none is alive now.
            let mut state = self.state.lock().unwrap();
            for (node, _) in state.retired.drain(..) {
                // SAFETY: as in `Guard::drop`.
                drop(unsafe { Box::from_raw(node) });
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Reclaimer;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_retired_node_is_freed_eventually_and_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let reclaimer = Reclaimer::new();
        for _ in 0..10 {
            let guard = reclaimer.pin();
            let node = Box::into_raw(Box::new(Counted(drops.clone())));
            // SAFETY: from `Box::into_raw`, retired once, never published.
            unsafe { guard.retire(node) };
        }
        // crossbeam frees in batches; keep pinning and flushing until it has.
        for _ in 0..10_000 {
            if drops.load(Ordering::SeqCst) == 10 {
                break;
            }
            crossbeam_epoch::pin().flush();
        }
        assert_eq!(drops.load(Ordering::SeqCst), 10);
    }
}
