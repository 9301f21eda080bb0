//! Loom models of `Rcu`: a load racing a store returns the old or the new value, never a
//! freed one; a loaded value survives later stores; every value is dropped exactly once;
//! concurrent updates lose nothing; `version()` never runs ahead of `load()`. And the model
//! catches the naive `Arc`-in-an-`AtomicPtr` (the reader's refcount increment racing the
//! writer's final drop) while passing the crate under test.
//!
//! Compiled only under `--cfg loom` (`cargo xtask check` builds it that way).
#![cfg(loom)]

use std::ops::Deref;

use course_sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use course_sync::sync::{Arc, Mutex};
use course_sync::{model, thread};
use rcu_config_grader::imp::{Guard, Rcu};

/// A value that checks itself and counts its drops.
struct Val {
    id: u64,
    check: u64,
    drops: Arc<AtomicUsize>,
}

impl Val {
    fn new(id: u64, drops: &Arc<AtomicUsize>) -> Self {
        Self {
            id,
            check: !id,
            drops: drops.clone(),
        }
    }
    fn id(&self) -> u64 {
        assert_eq!(self.check, !self.id, "read a corrupted (freed?) value");
        self.id
    }
}

impl Drop for Val {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

/// What the model needs from an RCU cell.
trait Cell: Send + Sync + 'static {
    type Loaded: Deref<Target = Val>;
    fn new(v: Val) -> Self;
    fn load(&self) -> Self::Loaded;
    fn store(&self, v: Val);
}

impl Cell for Rcu<Val> {
    type Loaded = Guard<Val>;
    fn new(v: Val) -> Self {
        Rcu::new(v)
    }
    fn load(&self) -> Guard<Val> {
        Rcu::load(self)
    }
    fn store(&self, v: Val) {
        Rcu::store(self, v)
    }
}

/// One reader loads while one writer stores; every value is dropped exactly once.
fn load_racing_store<C: Cell>() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let cell = Arc::new(C::new(Val::new(0, &drops)));
        let writer = {
            let (cell, drops) = (cell.clone(), drops.clone());
            thread::spawn(move || cell.store(Val::new(1, &drops)))
        };
        let seen = cell.load();
        let id = seen.id();
        assert!(
            id == 0 || id == 1,
            "loaded a value that was never stored: {id}"
        );
        writer.join().unwrap();
        assert_eq!(seen.id(), id, "a loaded value changed under its reader");
        drop(seen);
        assert_eq!(
            cell.load().id(),
            1,
            "after the writer joined, load() must see its store"
        );
        drop(cell);
        assert_eq!(
            drops.load(Ordering::Relaxed),
            2,
            "each value must be dropped exactly once"
        );
    });
}

#[test]
fn a_load_racing_a_store_is_old_or_new_and_everything_is_dropped_once() {
    load_racing_store::<Rcu<Val>>();
}

#[test]
fn a_loaded_value_survives_two_stores() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let rcu = Arc::new(Rcu::new(Val::new(0, &drops)));
        let writer = {
            let (rcu, drops) = (rcu.clone(), drops.clone());
            thread::spawn(move || {
                rcu.store(Val::new(1, &drops));
                rcu.store(Val::new(2, &drops));
            })
        };
        let held = rcu.load();
        let id = held.id();
        writer.join().unwrap();
        // Two stores later, the held value is still intact and not yet dropped.
        assert_eq!(held.id(), id);
        assert_eq!(
            Guard::version(&held),
            id,
            "a value's version is the number of stores before it"
        );
        let dropped_so_far = drops.load(Ordering::Relaxed);
        assert!(
            dropped_so_far <= 2,
            "more values dropped than were replaced"
        );
        drop(held);
        drop(rcu);
        assert_eq!(
            drops.load(Ordering::Relaxed),
            3,
            "each value must be dropped exactly once"
        );
    });
}

#[test]
fn concurrent_updates_lose_nothing() {
    model(|| {
        let rcu = Arc::new(Rcu::new(0u64));
        let other = {
            let rcu = rcu.clone();
            thread::spawn(move || rcu.update(|n| n + 1))
        };
        rcu.update(|n| n + 10);
        other.join().unwrap();
        assert_eq!(*rcu.load(), 11, "an update was lost");
        assert_eq!(rcu.version(), 2);
    });
}

#[test]
fn version_never_runs_ahead_of_load() {
    model(|| {
        let rcu = Arc::new(Rcu::new(0u64));
        let writer = {
            let rcu = rcu.clone();
            thread::spawn(move || rcu.store(1))
        };
        let version = rcu.version();
        let loaded = rcu.load();
        assert!(
            Guard::version(&loaded) >= version,
            "version() said {version}, then load() returned version {}",
            Guard::version(&loaded)
        );
        assert_eq!(*loaded, Guard::version(&loaded), "value 1 is version 1");
        writer.join().unwrap();
    });
}

/// The naive cell: an `Arc`-like node (a reference count next to the value) behind an
/// `AtomicPtr`. A reader loads the pointer and then increments the count; a writer swaps
/// the pointer and decrements the old node's count, "freeing" it at zero. Nothing stops
/// the writer's final decrement from landing between the reader's load and increment.
/// "Freeing" here only marks the node: the memory is kept until the cell is dropped, so
/// that the model can report the use after free instead of performing it.
struct Naive {
    ptr: AtomicPtr<NaiveNode>,
    // Every node ever allocated, really freed when the cell is dropped.
    nodes: Mutex<Vec<*mut NaiveNode>>,
}

struct NaiveNode {
    refs: AtomicUsize,
    freed: AtomicBool,
    value: Val,
}

// SAFETY: the raw pointers in `nodes` are only dereferenced by the cell's own methods and
// freed in its `Drop`; the nodes' contents are atomics and a `Val`, which are `Send + Sync`.
unsafe impl Send for Naive {}
// SAFETY: as above.
unsafe impl Sync for Naive {}

struct NaiveGuard(*const NaiveNode);

impl Deref for NaiveGuard {
    type Target = Val;
    fn deref(&self) -> &Val {
        // SAFETY: nodes live until the cell is dropped, after every guard in the model.
        unsafe { &(*self.0).value }
    }
}

impl Naive {
    fn alloc(&self, v: Val) -> *mut NaiveNode {
        let node = Box::into_raw(Box::new(NaiveNode {
            refs: AtomicUsize::new(1),
            freed: AtomicBool::new(false),
            value: v,
        }));
        self.nodes.lock().unwrap().push(node);
        node
    }
    fn release(node: *const NaiveNode) {
        // SAFETY: see `NaiveGuard::deref`.
        let node = unsafe { &*node };
        if node.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            node.freed.store(true, Ordering::Release);
        }
    }
}

impl Cell for Naive {
    type Loaded = NaiveGuard;
    fn new(v: Val) -> Self {
        let cell = Naive {
            ptr: AtomicPtr::new(std::ptr::null_mut()),
            nodes: Mutex::new(Vec::new()),
        };
        let first = cell.alloc(v);
        cell.ptr.store(first, Ordering::Release);
        cell
    }
    fn load(&self) -> NaiveGuard {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: see `NaiveGuard::deref`.
        let node = unsafe { &*p };
        let before = node.refs.fetch_add(1, Ordering::Acquire);
        assert!(
            before > 0 && !node.freed.load(Ordering::Acquire),
            "use after free: the reader took a reference to a value the writer had already dropped"
        );
        NaiveGuard(p)
    }
    fn store(&self, v: Val) {
        let new = self.alloc(v);
        let old = self.ptr.swap(new, Ordering::AcqRel);
        Naive::release(old);
    }
}

impl Drop for NaiveGuard {
    fn drop(&mut self) {
        Naive::release(self.0);
    }
}

impl Drop for Naive {
    fn drop(&mut self) {
        // Acquire: `&mut self` already excludes other threads; any ordering would do.
        Naive::release(self.ptr.load(Ordering::Acquire));
        for node in self.nodes.lock().unwrap().drain(..) {
            // SAFETY: allocated by `alloc`, freed once, here, after every guard is gone.
            drop(unsafe { Box::from_raw(node) });
        }
    }
}

#[test]
fn the_model_catches_the_naive_arc_in_an_atomic_ptr_and_passes_yours() {
    // Keep the expected failure quiet: loom prints the panic of the failing execution.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let naive = std::panic::catch_unwind(load_racing_store::<Naive>);
    std::panic::set_hook(hook);
    let message = match naive {
        Ok(()) => panic!("the model found no use after free in the naive Arc-in-an-AtomicPtr"),
        Err(payload) => course_testkit::panic_message(&*payload),
    };
    assert!(
        message.contains("use after free"),
        "the naive cell failed the model for another reason: {message}"
    );
    // The same model, on the crate under test, must pass.
    load_racing_store::<Rcu<Val>>();
}
