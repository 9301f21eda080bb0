//! The Treiber stack, with `pop` protected by a hazard pointer.
//!
//! # Invariant
//!
//! `head` points to the top node (or is null); each node's `next` points to the node
//! below, and never changes once the node is published. A node's value is written before
//! the node is published and read once, by the thread whose CAS unlinked the node. An
//! unlinked node is retired to the stack's own [`HazardDomain`], which frees it once no
//! slot protects it; a popper dereferences a node only while its hazard protects it.
//!
//! Protection also removes the ABA problem of the naive Treiber stack: a node's memory
//! cannot be freed and reused for a new node while someone protects it, so a popper whose
//! CAS expects `head == p` can only succeed if `p` is the very node it read `next` from.

use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr;

use course_sync::atomic::{AtomicPtr, Ordering};
use course_sync::cell::UnsafeCell;

use crate::domain::HazardDomain;

/// A node of the stack.
///
/// `repr(C)` keeps `next` after `value`, away from the first bytes of the allocation, which
/// the allocator reuses for its own bookkeeping when the node is freed. Under loom, a read
/// of `next` from a node that was already freed then shows up as a "Causality violation"
/// (see `Drop` below) rather than as a crash inside loom.
#[repr(C)]
struct Node<T> {
    /// Initialised at `push`; moved out by the `pop` that unlinks the node, or dropped by
    /// `Drop for Stack` if the node is still linked then. `Node`'s own drop never touches
    /// it (`MaybeUninit`), so freeing a retired node does not drop a value twice.
    value: UnsafeCell<MaybeUninit<T>>,
    /// The node below. Written before the node is published, read-only afterwards.
    next: UnsafeCell<*mut Node<T>>,
}

impl<T> Node<T> {
    /// A node holding `value`, not yet linked.
    fn new(value: T) -> Self {
        Self {
            value: UnsafeCell::new(MaybeUninit::new(value)),
            next: UnsafeCell::new(ptr::null_mut()),
        }
    }

    /// The node below.
    ///
    /// # Safety
    ///
    /// The node is alive (protected, or owned by the caller).
    unsafe fn next(&self) -> *mut Node<T> {
        // SAFETY: `next` is written only before publication (or by `Drop`, which runs when
        // nobody else can reach the node).
        self.next.with(|next| unsafe { *next })
    }

    /// Sets the node below.
    ///
    /// # Safety
    ///
    /// The node is not published yet: the caller is its only user.
    unsafe fn set_next(&self, next: *mut Node<T>) {
        // SAFETY: the caller's contract: no other thread can reach the node.
        self.next.with_mut(|slot| unsafe { *slot = next });
    }

    /// Moves the value out.
    ///
    /// # Safety
    ///
    /// The caller unlinked this node (so nobody else reads the value) and calls this once.
    unsafe fn take(&self) -> T {
        // SAFETY: initialised at push, read once (caller's contract).
        self.value
            .with(|value| unsafe { ptr::read(value).assume_init() })
    }
}

impl<T> Drop for Node<T> {
    fn drop(&mut self) {
        // A write to `next` as the node dies. In a normal build it is one store to memory
        // about to be freed (which the optimiser may remove); under loom it is an access
        // that every read of `next` must happen before, so a popper that reads a node the
        // domain has already freed is reported as a "Causality violation" instead of
        // passing silently.
        self.next.with_mut(|next| {
            // SAFETY: `&mut self`: nobody else can reach the node.
            unsafe { *next = ptr::null_mut() }
        });
    }
}

/// A lock-free LIFO stack (Treiber, 1986) whose `pop` is protected by hazard pointers.
pub struct Stack<T> {
    head: AtomicPtr<Node<T>>,
    domain: HazardDomain,
    _owns: PhantomData<T>,
}

// SAFETY: the stack owns its values and hands each to exactly one thread; that needs
// `T: Send` and nothing more (like `Mutex<T>`). Nodes are shared only through atomics and
// the domain.
unsafe impl<T: Send> Send for Stack<T> {}
// SAFETY: as above: `&Stack<T>` moves values in and out, never shares a `&T`.
unsafe impl<T: Send> Sync for Stack<T> {}

impl<T> Stack<T> {
    /// An empty stack whose domain has the default retire threshold.
    pub fn new() -> Self {
        Self::with_domain(HazardDomain::new())
    }

    /// An empty stack whose domain scans at `threshold` retired nodes per slot.
    ///
    /// # Panics
    ///
    /// If `threshold` is 0.
    pub fn with_threshold(threshold: usize) -> Self {
        Self::with_domain(HazardDomain::with_threshold(threshold))
    }

    fn with_domain(domain: HazardDomain) -> Self {
        Self {
            head: AtomicPtr::new(ptr::null_mut()),
            domain,
            _owns: PhantomData,
        }
    }

    /// The stack's hazard domain: its slots and its retired-but-not-freed nodes.
    pub fn domain(&self) -> &HazardDomain {
        &self.domain
    }

    /// Pushes `value` on top.
    pub fn push(&self, value: T) {
        let node = Box::into_raw(Box::new(Node::new(value)));
        // Relaxed: we only copy this pointer into `next`; we never dereference it.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // SAFETY: `node` is not published yet: this thread is its only user.
            unsafe { (*node).set_next(head) };
            // Release on success: publishes the node's value and `next` to the Acquire
            // load in `Hazard::protect` of the popper that finds it. With Relaxed, a popper
            // could read the value before it is written. Relaxed on failure: we only retry.
            match self
                .head
                .compare_exchange_weak(head, node, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => head = actual,
            }
        }
    }

    /// Pops the top value, or returns `None` if the stack is empty.
    pub fn pop(&self) -> Option<T> {
        let mut hazard = self.domain.hazard();
        loop {
            // Publish, fence, re-validate: once this returns `top`, no scan frees it until
            // we protect something else.
            let top = hazard.protect(&self.head);
            if top.is_null() {
                return None;
            }
            // SAFETY: `top` is protected, so it is alive; `next` is immutable once
            // published.
            let next = unsafe { (*top).next() };
            // Relaxed on success: the Acquire load in `protect` already made `top`'s
            // contents visible to us. The node we install, `next`, was published by its
            // pusher's Release CAS; our CAS is a read-modify-write, so it continues that
            // release sequence, and the next popper's Acquire load that reads our value
            // still synchronises with the pusher. Relaxed on failure: we retry from
            // `protect`, which loads again.
            if self
                .head
                .compare_exchange(top, next, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                // SAFETY: our CAS unlinked `top`, so we are the only thread that takes its
                // value, and we take it once.
                let value = unsafe { (*top).take() };
                hazard.reset();
                // SAFETY: `top` came from `Box::into_raw` in `push`; it is unlinked, so no
                // new `protect` can return it; only this CAS unlinked it, so it is retired
                // once; every popper protects through `self.domain`; a `Node<T>` with its
                // value moved out drops nothing of `T`, so freeing it on any thread is fine.
                unsafe { hazard.retire(top) };
                return Some(value);
            }
        }
    }

    /// Whether the stack was empty at the moment of the call (another thread may push or
    /// pop right after).
    pub fn is_empty(&self) -> bool {
        // Relaxed: one location, no data read through it; the load still returns a value
        // from `head`'s modification order, never an old one after a newer was seen.
        self.head.load(Ordering::Relaxed).is_null()
    }
}

impl<T> Default for Stack<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> std::fmt::Debug for Stack<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("is_empty", &self.is_empty())
            .field("domain", &self.domain)
            .finish()
    }
}

impl<T> Drop for Stack<T> {
    fn drop(&mut self) {
        // `&mut self`: no other thread can touch the stack. Drop the values still linked
        // and free their nodes; the retired nodes go when `self.domain` is dropped next.
        // Relaxed: exclusive access, so there is nothing to pair with.
        let mut cur = self.head.load(Ordering::Relaxed);
        while !cur.is_null() {
            // SAFETY: linked nodes came from `Box::into_raw` in `push`, are owned by the
            // stack alone, and are freed once, here.
            let node = unsafe { Box::from_raw(cur) };
            // SAFETY: the node is still linked, so its value was never taken.
            drop(unsafe { node.take() });
            // SAFETY: we own the node.
            cur = unsafe { node.next() };
        }
    }
}
