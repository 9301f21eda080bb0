//! The peers the benches compare the hazard-pointer stack against: the same Treiber stack
//! with crossbeam-epoch reclamation, and with the haphazard crate's hazard pointers. The
//! third peer, `Mutex<Vec<T>>`, needs no code.
//!
//! Both stacks are the textbook algorithm with the library's reclamation plugged in, so a
//! difference in the benches is a difference in reclamation, not in the stack.

use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::atomic::Ordering;

/// A Treiber stack whose popped nodes are freed by crossbeam-epoch.
///
/// `pop` pins the thread (an epoch "guard"), and a popped node is handed to
/// `defer_destroy`: it is freed once every thread that was pinned at the time has
/// unpinned. One thread that stays pinned holds back every node retired after it pinned.
pub mod epoch {
    use super::*;
    use crossbeam_epoch::{self as cbe, Atomic, Owned};

    struct Node<T> {
        value: ManuallyDrop<T>,
        next: Atomic<Node<T>>,
    }

    /// The epoch-based Treiber stack.
    #[derive(Debug)]
    pub struct EpochStack<T> {
        head: Atomic<Node<T>>,
    }

    impl<T> Default for EpochStack<T> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<T> EpochStack<T> {
        /// An empty stack.
        pub fn new() -> Self {
            Self {
                head: Atomic::null(),
            }
        }

        /// Pushes `value` on top.
        pub fn push(&self, value: T) {
            let mut node = Owned::new(Node {
                value: ManuallyDrop::new(value),
                next: Atomic::null(),
            });
            let guard = cbe::pin();
            loop {
                // Relaxed: only copied into `next`, never dereferenced.
                let head = self.head.load(Ordering::Relaxed, &guard);
                node.next.store(head, Ordering::Relaxed);
                // Release: publishes the node to the popper's Acquire load.
                match self.head.compare_exchange(
                    head,
                    node,
                    Ordering::Release,
                    Ordering::Relaxed,
                    &guard,
                ) {
                    Ok(_) => return,
                    Err(e) => node = e.new,
                }
            }
        }

        /// Pops the top value.
        pub fn pop(&self) -> Option<T> {
            let guard = cbe::pin();
            loop {
                // Acquire: pairs with the push's Release CAS (and its release sequence).
                let head = self.head.load(Ordering::Acquire, &guard);
                // SAFETY: we are pinned, so a node we can still load is not freed yet.
                let node = unsafe { head.as_ref() }?;
                let next = node.next.load(Ordering::Relaxed, &guard);
                if self
                    .head
                    .compare_exchange(head, next, Ordering::Relaxed, Ordering::Relaxed, &guard)
                    .is_ok()
                {
                    // SAFETY: our CAS unlinked the node: we alone take its value, once, and
                    // we alone defer its destruction, once; `ManuallyDrop` keeps the node's
                    // drop from dropping the value again.
                    unsafe {
                        let value = ptr::read(&node.value);
                        guard.defer_destroy(head);
                        return Some(ManuallyDrop::into_inner(value));
                    }
                }
            }
        }
    }

    impl<T> Drop for EpochStack<T> {
        fn drop(&mut self) {
            while self.pop().is_some() {}
        }
    }

    // SAFETY: values move in and out whole, each to one thread (as for `Mutex<T>`).
    unsafe impl<T: Send> Send for EpochStack<T> {}
    // SAFETY: as above.
    unsafe impl<T: Send> Sync for EpochStack<T> {}
}

/// A Treiber stack whose `pop` is protected by the haphazard crate's hazard pointers (a
/// port of Folly's, in the process-wide global domain).
pub mod haphazard_stack {
    use super::*;
    use haphazard::{AtomicPtr, HazardPointer};

    struct Node<T> {
        value: ManuallyDrop<T>,
        next: *mut Node<T>,
    }

    // SAFETY: `next` is only read, by poppers that protect the node; the value moves out
    // whole to one thread. Needed because haphazard's `retire` requires `T: Send`.
    unsafe impl<T: Send> Send for Node<T> {}
    // SAFETY: shared nodes are only read (`next`), never written.
    unsafe impl<T: Send> Sync for Node<T> {}

    /// The haphazard Treiber stack.
    #[derive(Debug)]
    pub struct HaphazardStack<T> {
        head: AtomicPtr<Node<T>>,
    }

    impl<T: Send> Default for HaphazardStack<T> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<T: Send> HaphazardStack<T> {
        /// An empty stack.
        pub fn new() -> Self {
            // SAFETY: null is a valid initial value for a haphazard `AtomicPtr`.
            let head = unsafe { AtomicPtr::new(ptr::null_mut()) };
            Self { head }
        }

        /// Pushes `value` on top.
        pub fn push(&self, value: T) {
            let node = Box::into_raw(Box::new(Node {
                value: ManuallyDrop::new(value),
                next: ptr::null_mut(),
            }));
            loop {
                let head = self.head.load_ptr();
                // SAFETY: `node` is not published yet.
                unsafe { (*node).next = head };
                // SAFETY: `node` came from `Box::into_raw` and is retired only through the
                // global domain (in `pop`). haphazard's CAS is Release on success.
                if unsafe { self.head.compare_exchange_ptr(head, node) }.is_ok() {
                    return;
                }
            }
        }

        /// Pops the top value.
        pub fn pop(&self) -> Option<T> {
            let mut hazard = HazardPointer::new();
            loop {
                let node = self.head.safe_load(&mut hazard)?;
                let top = ptr::from_ref(node).cast_mut();
                // SAFETY: every node stored in `head` came from `Box::into_raw`.
                let swung = unsafe { self.head.compare_exchange_ptr(top, node.next) };
                if let Ok(Some(unlinked)) = swung {
                    // SAFETY: our CAS unlinked the node: we alone take its value, once.
                    let value = unsafe { ptr::read(&node.value) };
                    hazard.reset_protection();
                    // SAFETY: unlinked by us, retired once, and every reader protects it
                    // through the global domain.
                    unsafe { unlinked.retire() };
                    return Some(ManuallyDrop::into_inner(value));
                }
            }
        }
    }

    impl<T> Drop for HaphazardStack<T> {
        fn drop(&mut self) {
            let mut cur = self.head.load_ptr();
            while !cur.is_null() {
                // SAFETY: `&mut self`: the linked nodes are ours alone; each came from
                // `Box::into_raw` and its value was never taken.
                let mut node = unsafe { Box::from_raw(cur) };
                // SAFETY: still linked, so the value is there; dropped once.
                unsafe { ManuallyDrop::drop(&mut node.value) };
                cur = node.next;
            }
        }
    }
}

/// The operations every bench case needs, so that one timing loop serves every stack.
pub trait BenchStack: Send + Sync {
    /// An empty stack.
    fn new_stack() -> Self;
    /// Pushes a value.
    fn push_value(&self, value: u64);
    /// Pops a value.
    fn pop_value(&self) -> Option<u64>;
}

impl BenchStack for std::sync::Mutex<Vec<u64>> {
    fn new_stack() -> Self {
        std::sync::Mutex::new(Vec::new())
    }
    fn push_value(&self, value: u64) {
        self.lock().unwrap().push(value);
    }
    fn pop_value(&self) -> Option<u64> {
        self.lock().unwrap().pop()
    }
}

/// The stacks whose own methods are already `push(&self, u64)` and `pop(&self)`.
macro_rules! bench_stack {
    ($($stack:ty),*) => {$(
        impl BenchStack for $stack {
            fn new_stack() -> Self {
                <$stack>::new()
            }
            fn push_value(&self, value: u64) {
                self.push(value);
            }
            fn pop_value(&self) -> Option<u64> {
                self.pop()
            }
        }
    )*};
}

bench_stack!(
    epoch::EpochStack<u64>,
    haphazard_stack::HaphazardStack<u64>,
    crate::imp::Stack<u64>
);

/// Newtype so that the reference solution can be a case next to the crate under test
/// (with `--solution` they are the same type).
#[cfg(feature = "reference")]
#[derive(Debug, Default)]
pub struct Reference(pub crate::reference::Stack<u64>);

#[cfg(feature = "reference")]
impl BenchStack for Reference {
    fn new_stack() -> Self {
        Self(crate::reference::Stack::new())
    }
    fn push_value(&self, value: u64) {
        self.0.push(value);
    }
    fn pop_value(&self) -> Option<u64> {
        self.0.pop()
    }
}
