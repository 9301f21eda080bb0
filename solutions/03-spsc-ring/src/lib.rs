//! Reference solution for exercise 03: a bounded single-producer single-consumer ring.
//!
//! One thread pushes, one thread pops, and nothing else touches the ring. That restriction
//! is what makes it cheap: every index has exactly one writer, so no operation ever needs a
//! read-modify-write (no `compare_exchange`, no `fetch_add`), only plain atomic loads and
//! stores with the right orderings.
//!
//! # State and invariant
//!
//! - `tail` counts the items ever pushed; only the [`Producer`] writes it.
//! - `head` counts the items ever popped; only the [`Consumer`] writes it.
//! - Both are *free-running*: they only ever grow (wrapping at `usize::MAX`, which takes
//!   centuries), and item number `n` lives in slot `n % capacity`. The capacity is a power
//!   of two, so `n % capacity` is `n & mask`, and 2^64 is a multiple of it, so the mapping
//!   stays right across the wrap.
//! - **Invariant:** `0 <= tail - head <= capacity` (in wrapping arithmetic). The slots for
//!   items `head .. tail` hold initialised values and belong to the consumer; the other
//!   `capacity - (tail - head)` slots are uninitialised and belong to the producer.
//!
//! Because the counters never wrap back to the slot range, `tail - head` tells "empty" (0)
//! from "full" (`capacity`) without a flag and without leaving a slot unused, the problem
//! that a ring storing wrapped positions has.
//!
//! # How a slot changes hands
//!
//! The producer writes a value into slot `tail & mask` and then publishes it with a
//! `Release` store; the consumer loads with `Acquire` before it reads the slot. The
//! Release/Acquire pair makes the write of the value happen before the read: that is the
//! whole reason the indices must be atomics. The reverse direction is the same with `head`:
//! the consumer moves the value out and then stores `head + 1` with `Release`, and the
//! producer loads `head` with `Acquire` before it overwrites the slot.
//!
//! # Cached indices
//!
//! Each half keeps its own index in a plain field (it is the only writer, so it never needs
//! to load it back). The producer keeps a *cached copy* of the consumer's `head` and only
//! loads `head` when its copy says the ring is full.
//!
//! # A stamp in every slot
//!
//! The consumer goes one step further: it does not read `tail` at all to learn that an
//! item is there. Each slot carries a *stamp* next to its value, and the producer, after
//! writing item number `n` into the slot, stores `n + 1` into the stamp (`Release`). The
//! consumer waiting for item `head` loads the stamp of its slot (`Acquire`) and compares
//! it with `head + 1`: equal means "written", anything else (the stamp of the item one
//! lap earlier, or the initial 0) means "not yet". The stamp and the value share a cache
//! line, so when the consumer has caught up with the producer (the ring nearly empty, a
//! common steady state), one line changes hands per item where the classic design moves
//! two: the slot's line and the line of `tail`. The chapter measures what that is worth;
//! `tail` is still published, for [`Consumer::len`] and for [`Consumer::pop_slice`], which
//! wants to know how many items are ready at once.
//!
//! The price: a slot is a `usize` larger (16 bytes for a `u64`), and a batch can no longer
//! be copied with one `memcpy`, since values and stamps alternate.

#![warn(missing_docs)]

use std::fmt;
use std::mem::MaybeUninit;

use course_sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use course_sync::cell::UnsafeCell;
use course_sync::sync::Arc;
use course_sync::{hint, thread};
use crossbeam_utils::CachePadded;

/// One slot of the ring: a `T` that is present or not, as the indices say, and the stamp
/// that tells the consumer which item it holds (see the module docs).
struct Slot<T> {
    /// `n + 1` once item number `n` has been written here (wrapping); 0 at first. Written
    /// by the producer only.
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// What the two halves share.
struct Shared<T> {
    /// Items popped so far. Written by the consumer only.
    ///
    /// `CachePadded` puts it on a 128-byte block of its own, so the producer's stores to
    /// `tail` do not invalidate the line the consumer stores `head` into (false sharing),
    /// and the adjacent-line prefetcher, which fetches 64-byte lines in 128-byte pairs,
    /// does not couple them either.
    head: CachePadded<AtomicUsize>,
    /// Items pushed so far. Written by the producer only.
    tail: CachePadded<AtomicUsize>,
    /// Set when either half is dropped: the other half's blocking calls stop waiting.
    closed: AtomicBool,
    /// `capacity` slots, a power of two.
    slots: Box<[Slot<T>]>,
}

impl<T> Drop for Shared<T> {
    /// Both halves are gone: drop the items still in the ring, exactly once each.
    fn drop(&mut self) {
        // Relaxed: `Arc` drops its contents only after an Acquire fence that follows every
        // other owner's release of its reference, so the last stores of both halves are
        // already visible here.
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        let mask = self.slots.len() - 1;
        let mut n = head;
        while n != tail {
            // SAFETY: by the invariant, the slots of items `head .. tail` hold initialised
            // values; each is dropped once (`n` advances) and nothing reads them later.
            self.slots[n & mask]
                .value
                .with_mut(|p| unsafe { (*p).assume_init_drop() });
            n = n.wrapping_add(1);
        }
    }
}

/// Creates a ring that holds at least `capacity` items and returns its two halves.
///
/// The capacity is rounded up to the next power of two (so that a slot index is a mask, not
/// a division): `channel(1000)` holds 1024 items, and [`Producer::capacity`] says so. Every
/// slot is usable: a ring of capacity 4 holds 4 items, not 3.
///
/// # Panics
///
/// If `capacity` is 0, or if rounding it up overflows `usize`.
pub fn channel<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    assert!(capacity > 0, "a ring needs a capacity of at least 1");
    let capacity = capacity
        .checked_next_power_of_two()
        .expect("capacity too large to round up to a power of two");
    // Stamp 0 means "nothing yet": the first item of slot `k` is number `k`, stamped `k + 1`.
    let slots: Box<[Slot<T>]> = (0..capacity)
        .map(|_| Slot {
            stamp: AtomicUsize::new(0),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        })
        .collect();
    let shared = Arc::new(Shared {
        head: CachePadded::new(AtomicUsize::new(0)),
        tail: CachePadded::new(AtomicUsize::new(0)),
        closed: AtomicBool::new(false),
        slots,
    });
    let ring = Ring::new(&shared);
    let producer = Producer {
        ring,
        tail: 0,
        // Nothing popped yet, so the producer may fill every slot.
        limit: capacity,
        shared: shared.clone(),
    };
    let consumer = Consumer {
        ring,
        head: 0,
        shared,
    };
    (producer, consumer)
}

/// What each half copies out of [`Shared`] so that its hot path needs no pointer chase
/// through the `Arc`: where the slots are and how to turn a counter into a slot index.
///
/// The pointer stays valid for as long as the half holds its `Arc<Shared>`.
struct Ring<T> {
    slots: *const Slot<T>,
    mask: usize,
}

impl<T> Clone for Ring<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Ring<T> {}

impl<T> Ring<T> {
    fn new(shared: &Shared<T>) -> Self {
        Self {
            slots: shared.slots.as_ptr(),
            mask: shared.slots.len() - 1,
        }
    }

    fn capacity(self) -> usize {
        self.mask + 1
    }

    /// The slot that item number `n` lives in.
    ///
    /// # Safety
    ///
    /// The caller must hold the `Arc<Shared>` this `Ring` was made from.
    #[inline(always)]
    unsafe fn slot<'a>(self, n: usize) -> &'a Slot<T> {
        // SAFETY: `n & mask < capacity`, the length of the slot array, which the caller
        // keeps alive.
        unsafe { &*self.slots.add(n & self.mask) }
    }

    /// The slots of items `n .. n + len` (`len <= capacity`), as two contiguous runs: the
    /// second is empty unless the range wraps around the end of the array, and then
    /// starts at slot 0. Batches walk run by run: a pointer that steps through memory,
    /// instead of a masked index per item.
    ///
    /// # Safety
    ///
    /// As for [`slot`](Self::slot).
    #[inline(always)]
    unsafe fn runs<'a>(self, n: usize, len: usize) -> (&'a [Slot<T>], &'a [Slot<T>]) {
        debug_assert!(len <= self.capacity());
        let start = n & self.mask;
        let first = len.min(self.capacity() - start);
        // SAFETY: `start + first <= capacity` and `len - first <= start` (the wrapped part
        // ends before `start`), so both runs lie inside the slot array, which the caller
        // keeps alive.
        unsafe {
            (
                std::slice::from_raw_parts(self.slots.add(start), first),
                std::slice::from_raw_parts(self.slots, len - first),
            )
        }
    }
}

/// Writes `items` into `slots` (the same length), the first being item number `first`,
/// and stamps each slot.
///
/// # Safety
///
/// The slots must belong to the producer (no concurrent access).
#[inline(always)]
unsafe fn write_run<T: Copy>(slots: &[Slot<T>], items: &[T], first: usize) {
    debug_assert_eq!(slots.len(), items.len());
    let mut stamp = first;
    for (slot, &item) in slots.iter().zip(items) {
        // SAFETY: the caller owns the slot; `T: Copy`, so overwriting leaks nothing.
        slot.value.with_mut(|p| unsafe { (*p).write(item) });
        stamp = stamp.wrapping_add(1);
        // Release: as in `Producer::push`, pairs with the Acquire load of the stamp in
        // `Consumer::pop`.
        slot.stamp.store(stamp, Ordering::Release);
    }
}

/// Copies the values of `slots` (written, the same length) into `out`.
///
/// # Safety
///
/// The slots must belong to the consumer and hold values the producer published to it
/// (by `tail`, loaded with Acquire).
#[inline(always)]
unsafe fn read_run<T: Copy>(slots: &[Slot<T>], out: &mut [T]) {
    debug_assert_eq!(slots.len(), out.len());
    for (dst, slot) in out.iter_mut().zip(slots) {
        // SAFETY: the caller's promise: the value is initialised and not being written.
        // `T: Copy`: copying it out leaves nothing to drop.
        *dst = slot.value.with(|p| unsafe { (*p).assume_init_read() });
    }
}

/// How a blocking call ([`Producer::push_blocking`], [`Consumer::pop_blocking`]) waits
/// while the ring is full or empty.
///
/// The chapter measures the three against each other: spinning answers fastest and keeps
/// its core busy; yielding lets other threads on the same core run, at the price of a
/// system call per try and a wake-up that may wait for the scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Retry at once, with [`std::hint::spin_loop`] (x86 `pause`) between tries.
    Spin,
    /// Call [`std::thread::yield_now`] between tries.
    Yield,
    /// Spin for the first `spins` tries, then yield between tries.
    SpinThenYield {
        /// How many tries spin before the waiting starts to yield.
        spins: u32,
    },
}

impl Default for Wait {
    /// Spin for 100 tries (a few microseconds), then yield.
    fn default() -> Self {
        Wait::SpinThenYield { spins: 100 }
    }
}

impl Wait {
    /// Waits once, the `tries`-th time in a row.
    fn pause(self, tries: &mut u32) {
        let spin = match self {
            Wait::Spin => true,
            Wait::Yield => false,
            Wait::SpinThenYield { spins } => *tries < spins,
        };
        *tries = tries.saturating_add(1);
        if spin {
            hint::spin_loop();
        } else {
            thread::yield_now();
        }
    }
}

/// The sending half of a ring made by [`channel`].
pub struct Producer<T> {
    ring: Ring<T>,
    /// Items pushed so far: this half's own copy of `shared.tail`, always up to date
    /// because nobody else writes it.
    tail: usize,
    /// The first item number we may not write yet: `head + capacity` for the last `head`
    /// we loaded. `tail == limit` means "full, as far as we know".
    limit: usize,
    shared: Arc<Shared<T>>,
}

// SAFETY: a `Producer` is the only handle that writes slots and `tail`; moving it to another
// thread moves that role with it. The values it sends are moved to the consumer's thread
// (hence `T: Send`), and any values left in the ring may be dropped on either thread.
unsafe impl<T: Send> Send for Producer<T> {}

impl<T> Producer<T> {
    /// Appends `value` to the ring, or gives it back in `Err` if the ring is full.
    #[inline]
    pub fn push(&mut self, value: T) -> Result<(), T> {
        let tail = self.tail;
        if tail == self.limit && !self.refresh_limit() {
            return Err(value);
        }
        // SAFETY: we hold the `Arc`.
        let slot = unsafe { self.ring.slot(tail) };
        // SAFETY: `tail < limit = head + capacity` for a `head` the consumer has published,
        // so the slot of item `tail` belongs to the producer: it is uninitialised (its last
        // value was moved out before that `head` was stored, and the Acquire load in
        // `refresh_limit` ordered that move before this write) and the consumer will not
        // read it before the stamp below (for `pop`) or `tail` (for `pop_slice`) says item
        // `tail` is there.
        slot.value.with_mut(|p| unsafe { (*p).write(value) });
        self.tail = tail.wrapping_add(1);
        // Release: pairs with the Acquire load of the stamp in `Consumer::pop`. A consumer
        // that sees the new stamp also sees the value written above. With Relaxed, it could
        // read the slot before the value lands in it (a data race: on weakly ordered CPUs
        // it really reads stale memory; loom reports it on every CPU).
        slot.stamp.store(self.tail, Ordering::Release);
        // Release: pairs with the Acquire load of `tail` in `Consumer::pop_slice`, which
        // reads values without looking at their stamps. The consumer's
        // `pop` never loads `tail`, so this store stays in our cache while the consumer
        // keeps up: it costs a store, not a transfer.
        self.shared.tail.store(self.tail, Ordering::Release);
        Ok(())
    }

    /// Loads the consumer's `head` and recomputes `limit`; returns whether there is room.
    #[cold]
    fn refresh_limit(&mut self) -> bool {
        // Acquire: pairs with the Release store of `head` in `Consumer::pop` (and
        // `pop_slice`). The consumer moved the values out of the slots below `head` before
        // that store; Acquire orders those reads before our writes into the same slots.
        // With Relaxed, our write could overwrite a value the consumer is still reading.
        let head = self.shared.head.load(Ordering::Acquire);
        self.limit = head.wrapping_add(self.ring.capacity());
        self.tail != self.limit
    }

    /// Like [`push`](Self::push), but if the ring is full, waits as `wait` says until there
    /// is room.
    ///
    /// Returns `Err(value)` only when the ring is full and the consumer has been dropped:
    /// nobody will ever make room.
    pub fn push_blocking(&mut self, mut value: T, wait: Wait) -> Result<(), T> {
        let mut tries = 0;
        loop {
            match self.push(value) {
                Ok(()) => return Ok(()),
                Err(back) => value = back,
            }
            if self.is_abandoned() {
                return Err(value);
            }
            wait.pause(&mut tries);
        }
    }

    /// The number of items in the ring.
    ///
    /// The consumer may pop at any moment, so this is an upper bound by the time you read
    /// it: the ring holds at most this many items, and at least this many slots are in use
    /// until the next `pop`.
    pub fn len(&self) -> usize {
        // Relaxed: only the number is used, nothing is read through it. Any value the
        // consumer stored is a correct "at some moment" answer.
        self.tail
            .wrapping_sub(self.shared.head.load(Ordering::Relaxed))
    }

    /// Whether the ring holds no items (see [`len`](Self::len)).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the ring is full: a [`push`](Self::push) now would fail, unless the consumer
    /// pops first.
    pub fn is_full(&self) -> bool {
        self.len() == self.capacity()
    }

    /// How many items the ring holds when full: the capacity asked of [`channel`], rounded
    /// up to a power of two.
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// Whether the [`Consumer`] has been dropped: nothing pushed from now on will be popped.
    pub fn is_abandoned(&self) -> bool {
        // Acquire: pairs with the Release store in `Consumer::drop`. (The producer reads no
        // data through it; Acquire keeps the flag's meaning simple: once it is seen, every
        // pop the consumer ever did is visible.)
        self.shared.closed.load(Ordering::Acquire)
    }
}

impl<T: Copy> Producer<T> {
    /// Appends as many items from the front of `items` as fit, in order, and returns how
    /// many that was (0 if the ring is full).
    ///
    /// Cheaper per item than [`push`](Self::push): one look at the consumer's index at most
    /// and one store of `tail` for the whole batch (each item still gets its stamp).
    pub fn push_slice(&mut self, items: &[T]) -> usize {
        let tail = self.tail;
        if self.limit.wrapping_sub(tail) < items.len() {
            // The cached limit does not cover the whole batch: see how much room there
            // really is. (Acquire: as in `refresh_limit`.)
            self.refresh_limit();
        }
        let n = self.limit.wrapping_sub(tail).min(items.len());
        // SAFETY: we hold the `Arc`; `n` items from `tail` stay below `limit`.
        let (first, second) = unsafe { self.ring.runs(tail, n) };
        let (front, back) = items[..n].split_at(first.len());
        // SAFETY: the slots of items `tail .. tail + n` lie below `limit`, so they belong
        // to the producer (see `push`).
        unsafe {
            write_run(first, front, tail);
            write_run(second, back, tail.wrapping_add(first.len()));
        }
        if n > 0 {
            self.tail = tail.wrapping_add(n);
            // Release: publishes all `n` values at once to `pop_slice` (see `push`).
            self.shared.tail.store(self.tail, Ordering::Release);
        }
        n
    }
}

impl<T> Drop for Producer<T> {
    fn drop(&mut self) {
        // Release: pairs with the Acquire load in `Consumer::pop_blocking` and
        // `is_abandoned`. Every stamp and `tail` store of this producer happens before the
        // flag, so a consumer that sees the flag and then looks at a stamp or at `tail`
        // sees the final state.
        self.shared.closed.store(true, Ordering::Release);
    }
}

impl<T> fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .field("abandoned", &self.is_abandoned())
            .finish()
    }
}

/// The receiving half of a ring made by [`channel`].
pub struct Consumer<T> {
    ring: Ring<T>,
    /// Items popped so far: this half's own copy of `shared.head`.
    head: usize,
    shared: Arc<Shared<T>>,
}

// SAFETY: as for `Producer`: the one handle that reads slots and writes `head`; the values
// it receives come from the producer's thread (hence `T: Send`).
unsafe impl<T: Send> Send for Consumer<T> {}

impl<T> Consumer<T> {
    /// Removes the oldest item from the ring, or returns `None` if the ring is empty.
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        let head = self.head;
        // SAFETY: we hold the `Arc`.
        let slot = unsafe { self.ring.slot(head) };
        // Acquire: pairs with the Release store of the stamp in `Producer::push` (and
        // `push_slice`): the value was written before the stamp, and Acquire makes that
        // write visible to the read below.
        if slot.stamp.load(Ordering::Acquire) != head.wrapping_add(1) {
            return None;
        }
        // SAFETY: the stamp says item `head` has been written into this slot (the Acquire
        // load above ordered that write before this read), and the producer will not touch
        // the slot again before we store the new `head` below. The value is moved out
        // exactly once: `head` advances.
        let value = slot.value.with(|p| unsafe { (*p).assume_init_read() });
        self.head = head.wrapping_add(1);
        // Release: pairs with the Acquire load of `head` in `Producer::refresh_limit`. The
        // read above happens before the producer reuses the slot. With Relaxed, the
        // producer could overwrite the slot while we still read it.
        self.shared.head.store(self.head, Ordering::Release);
        Some(value)
    }

    /// Like [`pop`](Self::pop), but if the ring is empty, waits as `wait` says until an item
    /// arrives.
    ///
    /// Returns `None` only when the ring is empty and the producer has been dropped: no item
    /// will ever arrive.
    pub fn pop_blocking(&mut self, wait: Wait) -> Option<T> {
        let mut tries = 0;
        loop {
            if let Some(value) = self.pop() {
                return Some(value);
            }
            if self.is_abandoned() {
                // The producer is gone. Its last stamp store happened before it set the
                // flag (Release), and we saw the flag (Acquire), so one more look at the
                // next slot's stamp finds the next item it pushed, if there is one.
                return self.pop();
            }
            wait.pause(&mut tries);
        }
    }

    /// The number of items in the ring.
    ///
    /// The producer may push at any moment, so this is a lower bound by the time you read
    /// it.
    pub fn len(&self) -> usize {
        // Relaxed: only the number is used (see `Producer::len`).
        self.shared
            .tail
            .load(Ordering::Relaxed)
            .wrapping_sub(self.head)
    }

    /// Whether the ring holds no items: a [`pop`](Self::pop) now would return `None`, unless
    /// the producer pushes first.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the ring is full (see [`len`](Self::len)).
    pub fn is_full(&self) -> bool {
        self.len() == self.capacity()
    }

    /// How many items the ring holds when full (see [`Producer::capacity`]).
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// Whether the [`Producer`] has been dropped: once the ring is empty, no item will come.
    pub fn is_abandoned(&self) -> bool {
        // Acquire: pairs with the Release store in `Producer::drop` (see `pop_blocking`).
        self.shared.closed.load(Ordering::Acquire)
    }
}

impl<T: Copy> Consumer<T> {
    /// Removes up to `out.len()` of the oldest items into the front of `out`, in order, and
    /// returns how many that was (0 if the ring is empty).
    ///
    /// Cheaper per item than [`pop`](Self::pop): one look at the producer's `tail` at most
    /// (instead of a stamp per item) and one store of `head` for the whole batch.
    pub fn pop_slice(&mut self, out: &mut [T]) -> usize {
        let head = self.head;
        // Acquire: pairs with the Release store of `tail` in `Producer::push` (and
        // `push_slice`): the values below `tail` were written before it was stored, and
        // Acquire makes those writes visible to the reads below. (No cached copy, as the
        // classic design keeps: `pop` reads stamps and would leave it behind, and one load
        // per batch is cheap.)
        let tail = self.shared.tail.load(Ordering::Acquire);
        let n = tail.wrapping_sub(head).min(out.len());
        // SAFETY: we hold the `Arc`; `n` items from `head` stay below `tail`.
        let (first, second) = unsafe { self.ring.runs(head, n) };
        let (front, back) = out[..n].split_at_mut(first.len());
        // SAFETY: the slots of items `head .. head + n` lie below `tail`: written and
        // consumer-owned (see `read_run`).
        unsafe {
            read_run(first, front);
            read_run(second, back);
        }
        if n > 0 {
            self.head = head.wrapping_add(n);
            // Release: hands all `n` slots back at once (see `pop`).
            self.shared.head.store(self.head, Ordering::Release);
        }
        n
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        // Release: pairs with the Acquire load in `Producer::push_blocking`/`is_abandoned`.
        self.shared.closed.store(true, Ordering::Release);
    }
}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .field("abandoned", &self.is_abandoned())
            .finish()
    }
}
