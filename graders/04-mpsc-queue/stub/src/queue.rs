//! The queue: a singly linked list with a dummy node at the front, producers appending at
//! the back with compare-and-swap (Michael–Scott), one consumer taking from the front, and
//! crossbeam-epoch deciding when an unlinked node may be freed.
//!
//! ```text
//!   consumer's head                                   shared tail (may lag by one)
//!        │                                                 │
//!        ▼                                                 ▼
//!   ┌─────────┐ next ┌─────────┐ next ┌─────────┐ next ┌─────────┐ next
//!   │ (dummy) │─────▶│ value 1 │─────▶│ value 2 │─────▶│ value 3 │─────▶ null
//!   └─────────┘      └─────────┘      └─────────┘      └─────────┘
//! ```
//!
//! The structs are given; the bodies are yours. Read the chapter's sections "The
//! producers' end", "The consumer's end" and "Why the consumer cannot free a node at once"
//! before you start.

use std::fmt;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr;

use course_sync::atomic::{AtomicBool, AtomicPtr};
use course_sync::cell::UnsafeCell;
use course_sync::reclaim::Reclaimer;
use course_sync::sync::Arc;
use crossbeam_utils::CachePadded;

// You will need this too:
// use course_sync::atomic::Ordering;

/// One link of the list.
struct Node<T> {
    /// Uninitialised in the dummy; initialised in every node after it until the consumer
    /// moves the value out (and the node becomes the new dummy).
    value: UnsafeCell<MaybeUninit<T>>,
    /// The next node, or null for the last one.
    next: AtomicPtr<Node<T>>,
}

impl<T> Node<T> {
    /// A heap node that holds `value` (or nothing, for the first dummy), not yet linked.
    /// Given: free it with `drop(Box::from_raw(node))`.
    fn boxed(value: MaybeUninit<T>) -> *mut Node<T> {
        Box::into_raw(Box::new(Node {
            value: UnsafeCell::new(value),
            next: AtomicPtr::new(ptr::null_mut()),
        }))
    }
}

/// What the producers and the consumer share.
struct Shared<T> {
    /// The last node, or the one before it (it may lag). Padded: every push writes it.
    tail: CachePadded<AtomicPtr<Node<T>>>,
    /// Set when the consumer is dropped: from then on a push may drop its value at once.
    closed: AtomicBool,
    /// The consumer's dummy node, handed over when the consumer is dropped, so that the
    /// last owner of `Shared` can free what is left of the list.
    orphaned_head: AtomicPtr<Node<T>>,
    /// Pins and deferred frees: crossbeam-epoch (a model of it under loom), from the
    /// course's facade: `let guard = self.shared.reclaim.pin();` and
    /// `unsafe { guard.retire(node) }`.
    reclaim: Reclaimer<Node<T>>,
    /// `AtomicPtr<Node<T>>` is `Send + Sync` for *every* `T`, so without this marker
    /// `Producer<Rc<u8>>` would be `Send`. The `Send`/`Sync` impls below state the real
    /// bounds.
    _owns: PhantomData<T>,
}

// SAFETY: a `Shared<T>` moves `T`s from producer threads to the consumer thread and drops
// leftovers on whichever thread drops it last: that needs `T: Send`. No `&T` is ever
// shared between threads, so `T: Sync` is not needed.
unsafe impl<T: Send> Send for Shared<T> {}
// SAFETY: as above; every field that threads touch concurrently is atomic.
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        // TODO: the last `Producer` or the `Consumer` is gone, so no other thread can reach
        // the list. Walk it from `orphaned_head`: free the dummy (its value is not
        // initialised), and for every node after it drop the value and free the node.
        todo!("Shared::drop")
    }
}

/// Creates an empty queue and returns its two ends.
///
/// The [`Producer`] can be cloned (one per producing thread, or shared by reference: it is
/// `Sync`); there is exactly one [`Consumer`].
pub fn queue<T>() -> (Producer<T>, Consumer<T>) {
    // TODO: one dummy node; `tail`, the consumer's `head` and `orphaned_head` all start
    // at it; `reclaim: Reclaimer::new()`.
    todo!("queue")
}

/// The sending end. Clone it for more producers; `push` takes `&self`, so one `Producer`
/// can also be shared by reference between threads.
pub struct Producer<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for Producer<T> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<T> fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer").finish_non_exhaustive()
    }
}

impl<T> Producer<T> {
    /// Appends `value` at the end of the queue. Lock-free: a producer retries only when
    /// another producer's push succeeded in between.
    ///
    /// If the [`Consumer`] has been dropped, `value` is dropped instead (here, or, if the
    /// consumer goes away during this call, when the last handle to the queue is dropped).
    pub fn push(&self, value: T) {
        // TODO:
        // 1. If the consumer is gone (`closed`), drop `value` and return.
        // 2. Allocate the node; pin (`self.shared.reclaim.pin()`) and keep the guard for the
        //    rest of the function: every node you dereference may be retired meanwhile.
        // 3. Loop: load `tail`; CAS `tail.next` from null to your node. On success, try to
        //    swing `tail` to your node and return. On failure, `tail` lags: help by swinging
        //    it to the node you found, and retry.
        // Justify each ordering: which operation does it pair with?
        let _ = value;
        todo!("Producer::push")
    }
}

/// The receiving end: there is exactly one, and `pop` takes `&mut self`.
pub struct Consumer<T> {
    /// The current dummy. Only this consumer reads or writes it, so it is a plain field.
    head: *mut Node<T>,
    shared: Arc<Shared<T>>,
}

// SAFETY: `head` is a node that only the consumer dereferences and the epoch frees; moving
// the consumer to another thread moves that ownership along. It hands out `T`s: `T: Send`.
unsafe impl<T: Send> Send for Consumer<T> {}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer").finish_non_exhaustive()
    }
}

impl<T> Consumer<T> {
    /// Takes the oldest item, or returns `None` if the queue is empty. Never blocks: a
    /// push that has not linked its node yet is simply not in the queue yet.
    ///
    /// Items from one producer come out in the order that producer pushed them.
    pub fn pop(&mut self) -> Option<T> {
        // TODO:
        // 1. Load `head.next`; null means empty.
        // 2. Move the value out of `next`; `next` becomes the new dummy.
        // 3. Before retiring the old dummy, make sure `tail` does not point at it any more
        //    (the chapter's "lagging tail" interleaving says why).
        // 4. Retire the old dummy (`guard.retire(old)` on a `self.shared.reclaim.pin()`
        //    guard), never `Box::from_raw` it here.
        todo!("Consumer::pop")
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        // TODO: drop every item still queued, set `closed`, and hand `head` over to
        // `Shared::drop` through `orphaned_head`.
        todo!("Consumer::drop")
    }
}
