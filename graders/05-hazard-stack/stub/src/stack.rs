//! The Treiber stack, with `pop` protected by a hazard pointer.
//!
//! `head` points to the top node (or is null); each node's `next` points to the node
//! below and never changes once the node is published. `push` links a new node on top with
//! a CAS. `pop` protects the top node, reads its `next`, and CASes `head` from the top node
//! to `next`; the winner moves the value out and retires the node to the stack's domain.

use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr;

use course_sync::atomic::{AtomicPtr, Ordering};
use course_sync::cell::UnsafeCell;

use crate::domain::HazardDomain;

/// A node of the stack. Given, with its helpers.
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

// Given. SAFETY: the stack owns its values and hands each to exactly one thread; that
// needs `T: Send` and nothing more (like `Mutex<T>`). Nodes are shared only through
// atomics and the domain.
unsafe impl<T: Send> Send for Stack<T> {}
// Given. SAFETY: as above: `&Stack<T>` moves values in and out, never shares a `&T`.
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
        // TODO: `Box::into_raw(Box::new(Node::new(value)))`, then a CAS loop that sets the
        // node's `next` to the head it saw and swings `head` to the node. Which ordering
        // publishes the node's value to the popper that finds it?
        let _ = value;
        todo!("Stack::push")
    }

    /// Pops the top value, or returns `None` if the stack is empty.
    pub fn pop(&self) -> Option<T> {
        // TODO: claim a hazard from the stack's domain. Loop: protect `head`; null means
        // empty; read the protected node's `next`; CAS `head` from the node to `next`. The
        // winner takes the value, resets the hazard and retires the node. Never touch a
        // node you do not protect.
        let _ = Ordering::Relaxed;
        todo!("Stack::pop")
    }

    /// Whether the stack was empty at the moment of the call (another thread may push or
    /// pop right after).
    pub fn is_empty(&self) -> bool {
        // TODO
        todo!("Stack::is_empty")
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
        // TODO: with `&mut self` nobody else can touch the stack: free the nodes still
        // linked, dropping their values. The retired ones go when `self.domain` is dropped
        // (right after this). Until you write this, a dropped stack leaks its values.
    }
}
