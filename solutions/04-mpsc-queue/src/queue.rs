//! The queue: Michael–Scott's linked list, specialised to one consumer, with
//! crossbeam-epoch deciding when an unlinked node may be freed.
//!
//! # Shape
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
//! The list always holds at least one node: the *dummy*, whose value has already been
//! taken (or never existed). The queue's items are the values of the nodes after it.
//!
//! # Invariants
//!
//! 1. A node's `next` goes from null to non-null exactly once (a producer's CAS) and never
//!    changes again while the node is reachable. So the list only grows at the end.
//! 2. `tail` is the last node or the one before it: a producer links a node only after a
//!    `tail` whose `next` it saw null, and anyone who sees a non-null `tail.next` swings
//!    `tail` forward before linking. `tail` only ever moves forward.
//! 3. `head` is private to the [`Consumer`]; `tail` is never behind `head`. Before the
//!    consumer retires the old dummy it makes sure `tail` has moved past it (see
//!    [`Consumer::pop`]), so a retired node is unreachable from both ends.
//! 4. A retired node is freed (by crossbeam-epoch, through `course_sync::reclaim`) only after every
//!    thread that was pinned when it was retired has unpinned. Every access to a node that another thread may
//!    retire happens inside a pin. That is what makes the lagging `tail` safe: a producer
//!    that loaded `tail` just before the consumer retired that node still holds a valid
//!    pointer until it unpins.
//!
//! # Who touches what
//!
//! | field | written by | read by |
//! |---|---|---|
//! | `Shared::tail` | producers (link, swing), consumer (swing before retiring) | producers, consumer |
//! | `Node::next` | the producer that links after the node | producers, consumer |
//! | `Node::value` | the producer that allocates the node (before it is published) | the consumer |
//! | `Consumer::head` | the consumer | the consumer |

use std::fmt;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr;

use course_sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use course_sync::cell::UnsafeCell;
use course_sync::reclaim::Reclaimer;
use course_sync::sync::Arc;
use crossbeam_utils::CachePadded;

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
    fn boxed(value: MaybeUninit<T>) -> *mut Node<T> {
        Box::into_raw(Box::new(Node {
            value: UnsafeCell::new(value),
            next: AtomicPtr::new(ptr::null_mut()),
        }))
    }
}

/// What the producers and the consumer share.
struct Shared<T> {
    /// The last node, or the one before it. Every push writes this line, so it gets a
    /// cache line (pair) of its own: nothing else that is read often sits next to it.
    tail: CachePadded<AtomicPtr<Node<T>>>,
    /// Set when the consumer is dropped: from then on a push drops its value at once
    /// instead of queueing it for nobody.
    closed: AtomicBool,
    /// The consumer's dummy node, handed over when the consumer is dropped, so that the
    /// last owner of `Shared` can free what is left of the list.
    orphaned_head: AtomicPtr<Node<T>>,
    /// Pins and deferred frees: crossbeam-epoch (a model of it under loom).
    reclaim: Reclaimer<Node<T>>,
    /// `AtomicPtr<Node<T>>` is `Send + Sync` for *every* `T` (it is just an address), so
    /// without this marker `Producer<Rc<u8>>` would be `Send`. The marker makes `Shared<T>`
    /// own `T`s, as it does; the `Send`/`Sync` impls below then state the real bounds.
    _owns: PhantomData<T>,
}

// SAFETY: a `Shared<T>` moves `T`s from producer threads to the consumer thread and drops
// leftovers on whichever thread drops it last: that needs `T: Send`, nothing more. No `&T`
// is ever shared between threads, so `T: Sync` is not needed.
unsafe impl<T: Send> Send for Shared<T> {}
// SAFETY: as above; every field that threads touch concurrently is atomic.
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        // Every `Producer` and the `Consumer` are gone (this is the `Arc`'s last owner), so
        // no other thread can reach the list: plain walking is enough. Relaxed loads: the
        // `Arc`'s final decrement already made every other thread's writes visible here.
        let mut node = self.orphaned_head.load(Ordering::Relaxed);
        let mut is_dummy = true;
        while !node.is_null() {
            // SAFETY: `node` is in the list (from the consumer's last head onwards), was
            // allocated by `Node::boxed` and is owned by nobody else now. Nodes already
            // retired through the epoch are not in this part of the list.
            let boxed = unsafe { Box::from_raw(node) };
            if !is_dummy {
                // SAFETY: every node after the dummy holds an initialised value that was
                // never moved out.
                boxed.value.with_mut(|v| unsafe { (*v).assume_init_drop() });
            }
            // Relaxed: this is the last handle (drop), so every link store happened-before
            // this and there is nothing to pair with.
            node = boxed.next.load(Ordering::Relaxed);
            is_dummy = false;
        }
    }
}

/// Creates an empty queue and returns its two ends.
///
/// The [`Producer`] can be cloned (one per producing thread, or shared by reference: it is
/// `Sync`); there is exactly one [`Consumer`].
pub fn queue<T>() -> (Producer<T>, Consumer<T>) {
    let dummy = Node::boxed(MaybeUninit::uninit());
    let shared = Arc::new(Shared {
        tail: CachePadded::new(AtomicPtr::new(dummy)),
        closed: AtomicBool::new(false),
        orphaned_head: AtomicPtr::new(dummy),
        reclaim: Reclaimer::new(),
        _owns: PhantomData,
    });
    (
        Producer {
            shared: shared.clone(),
        },
        Consumer {
            head: dummy,
            shared,
        },
    )
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
        // Relaxed: the flag publishes nothing. Seeing it late only means this value is
        // queued and dropped with the queue instead of here; exactly once either way.
        if self.shared.closed.load(Ordering::Relaxed) {
            drop(value);
            return;
        }
        let node = Node::boxed(MaybeUninit::new(value));
        let backoff = course_sync::Backoff::new();
        // Every node this loop dereferences may be retired by the consumer at any moment
        // (the lagging-tail case in the module docs); the pin keeps it from being freed
        // until we unpin at the end of this function.
        let _guard = self.shared.reclaim.pin();
        loop {
            // Acquire: pairs with the Release CAS that made this node the tail (a producer's
            // swing, or the consumer's), and through it with the Release link of whoever
            // initialised it, so `(*tail).next` below reads an initialised atomic.
            let tail = self.shared.tail.load(Ordering::Acquire);
            // SAFETY: `tail` was reachable when loaded, and we are pinned: even if the
            // consumer retires it now, it is not freed before we unpin (invariant 4).
            let next = unsafe { &(*tail).next };
            // Release on success: publishes our node's value and its null `next` to
            // whoever Acquire-loads this `next` (the consumer's pop, a producer's help).
            // Acquire on failure: we are about to swing `tail` to the node someone else
            // linked, and our Release swing must carry their publication on to the
            // producers that will dereference it.
            match next.compare_exchange(ptr::null_mut(), node, Ordering::Release, Ordering::Acquire)
            {
                Ok(_) => {
                    // Linked: the push is done (linearised at the CAS above). Swing `tail`
                    // to our node; if this fails, someone already helped, which is fine.
                    // Release: pairs with the Acquire tail loads above; publishes our node
                    // (initialised before the link) to producers that will dereference it.
                    // Relaxed on failure: the value seen is not used.
                    let _ = self.shared.tail.compare_exchange(
                        tail,
                        node,
                        Ordering::Release,
                        Ordering::Relaxed,
                    );
                    return;
                }
                Err(linked) => {
                    // `tail` lags: another producer linked `linked` but has not swung
                    // `tail` yet. Help it (Michael–Scott's helping step), so that no
                    // producer ever waits for another one, then retry. Orderings as for
                    // the swing above.
                    let _ = self.shared.tail.compare_exchange(
                        tail,
                        linked,
                        Ordering::Release,
                        Ordering::Relaxed,
                    );
                    backoff.spin();
                }
            }
        }
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
        let head = self.head;
        // Acquire: pairs with the producer's Release link CAS, so the value written into
        // `*next` before the link is visible to the read below. Relaxed here is the
        // classic bug: the consumer could read the node before its value is initialised.
        // SAFETY: `head` is our dummy; only this consumer retires it, so it is alive.
        let next = unsafe { (*head).next.load(Ordering::Acquire) };
        if next.is_null() {
            return None;
        }
        // SAFETY: `next` was linked after `head`, so its value is initialised, and only the
        // consumer ever moves values out; it becomes the new dummy, whose value counts as
        // moved-out from now on.
        let value = unsafe { (*next).value.with(|v| ptr::read(v).assume_init()) };
        self.head = next;

        // Before retiring the old dummy, make sure `tail` no longer points at it: otherwise
        // a producer that pins *after* the retirement could still load it from `tail`, and
        // the epoch would not protect that producer. `tail` is never behind `head` and lags
        // by at most one node, so it is either `head` (then swing it to `next`) or past it.
        //
        // Relaxed load: the pointer is only compared, never dereferenced. Coherence is what
        // matters: `tail` only moves forward, and once this thread has seen (or written) a
        // value past `head` it can never read `head` again.
        let guard = self.shared.reclaim.pin();
        if self.shared.tail.load(Ordering::Relaxed) == head {
            // Release: a producer's Acquire tail load that reads `next` from here will
            // dereference it; this carries the producer's publication of `next` (which we
            // acquired above) on to it. Relaxed on failure: someone else swung it.
            let _ =
                self.shared
                    .tail
                    .compare_exchange(head, next, Ordering::Release, Ordering::Relaxed);
        }
        // SAFETY: `head` is now unreachable from `head` (we moved past it) and from `tail`
        // (checked above), so no thread that pins from now on can find it; threads that
        // are pinned now may still hold it, and the epoch waits for them. It was allocated
        // by `Node::boxed`, its value was moved out earlier (or never existed), and it is
        // retired exactly once, here. Freeing a `Node<T>` never touches a `T` (the value
        // is `MaybeUninit`), so running the closure later, on any thread, is fine.
        unsafe { guard.retire(head) };
        Some(value)
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        // Items still queued are dropped now, exactly once (pop moves each one out once).
        while self.pop().is_some() {}
        // Relaxed: see `Producer::push`; a producer that misses the flag queues its value,
        // and `Shared::drop` drops it.
        self.shared.closed.store(true, Ordering::Relaxed);
        // Hand the remaining list (our dummy, plus anything pushed concurrently with the
        // drain) to `Shared::drop`, which runs after the last producer is gone. Relaxed:
        // the `Arc` decrement that follows orders this store before that drop.
        self.shared
            .orphaned_head
            .store(self.head, Ordering::Relaxed);
    }
}
