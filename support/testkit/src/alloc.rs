//! Counting heap allocations, to prove that a hot path allocates nothing.
//!
//! Install [`CountingAllocator`] as the global allocator of a test crate, then wrap the
//! code under test in [`count`]:
//!
//! ```ignore
//! use course_testkit::alloc::{count, CountingAllocator};
//!
//! #[global_allocator]
//! static ALLOC: CountingAllocator = CountingAllocator;
//!
//! #[test]
//! fn hot_path_does_not_allocate() {
//!     let mut book = Book::with_capacity(1024);   // allocations here are fine
//!     let (_, stats) = count(|| for msg in &messages { book.apply(msg) });
//!     assert_eq!(stats.allocations, 0, "{stats:?}");
//! }
//! ```
//!
//! Only allocations made by the calling thread while inside [`count`] are counted, so other
//! tests running in parallel do not disturb the figure.
//!
//! [`PoisoningAllocator`] is the other tool here: installed the same way, it makes reads of
//! freed memory obvious, so that a use-after-free fails a test (loom models included)
//! instead of reading plausible stale data.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, with per-thread counters that [`count`] switches on.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAllocator;

/// What [`count`] saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AllocStats {
    /// Calls to `alloc`, `alloc_zeroed` and `realloc`.
    pub allocations: u64,
    /// Calls to `dealloc`.
    pub deallocations: u64,
    /// Calls to `realloc` (also counted in `allocations`: a hot path that grows a `Vec`
    /// allocates).
    pub reallocations: u64,
    /// Bytes requested by those allocations.
    pub bytes: u64,
}

impl AllocStats {
    /// Heap blocks allocated and not freed: `allocations - reallocations - deallocations`
    /// (a `realloc` moves a block, it does not add one). Negative if `f` freed blocks that
    /// were allocated before it ran.
    pub fn live_blocks(&self) -> i64 {
        self.allocations as i64 - self.reallocations as i64 - self.deallocations as i64
    }
}

thread_local! {
    // `const` thread-locals without destructors: touching them never allocates, which an
    // allocator must guarantee.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static DEALLOCS: Cell<u64> = const { Cell::new(0) };
    static REALLOCS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

fn note_alloc(size: usize) {
    // `try_with`: during thread teardown the slots may be gone; then nothing is counted.
    let _ = ACTIVE.try_with(|active| {
        if active.get() {
            let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
            let _ = BYTES.try_with(|c| c.set(c.get() + size as u64));
        }
    });
}

fn note_dealloc() {
    let _ = ACTIVE.try_with(|active| {
        if active.get() {
            let _ = DEALLOCS.try_with(|c| c.set(c.get() + 1));
        }
    });
}

fn note_realloc() {
    let _ = ACTIVE.try_with(|active| {
        if active.get() {
            let _ = REALLOCS.try_with(|c| c.set(c.get() + 1));
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is `System`'s; the counters touch only `const` thread-locals,
// which never allocate or unwind.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: forwarded with the caller's guarantees (non-zero size layout).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_dealloc();
        // SAFETY: the caller guarantees `ptr` came from this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc(new_size);
        note_realloc();
        // SAFETY: the caller's guarantees for `realloc` are passed on unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Runs `f` and counts the heap allocations the calling thread makes meanwhile. Counts are
/// zero unless [`CountingAllocator`] is the global allocator.
pub fn count<R>(f: impl FnOnce() -> R) -> (R, AllocStats) {
    let snapshot = || AllocStats {
        allocations: ALLOCS.with(Cell::get),
        deallocations: DEALLOCS.with(Cell::get),
        reallocations: REALLOCS.with(Cell::get),
        bytes: BYTES.with(Cell::get),
    };
    let before = snapshot();
    let was_active = ACTIVE.with(|a| a.replace(true));
    let result = f();
    ACTIVE.with(|a| a.set(was_active));
    let after = snapshot();
    (
        result,
        AllocStats {
            allocations: after.allocations - before.allocations,
            deallocations: after.deallocations - before.deallocations,
            reallocations: after.reallocations - before.reallocations,
            bytes: after.bytes - before.bytes,
        },
    )
}

/// Whether [`CountingAllocator`] is installed: allocates once inside [`count`] and looks.
pub fn is_installed() -> bool {
    let (_, stats) = count(|| std::hint::black_box(Box::new(0u8)));
    stats.allocations > 0
}

/// The byte that [`PoisoningAllocator`] writes over every freed block.
pub const POISON: u8 = 0xDE;

/// How many freed blocks [`PoisoningAllocator`] keeps poisoned before it really frees them.
pub const QUARANTINE: usize = 4096;

/// The system allocator, except that a freed block is overwritten with [`POISON`] bytes and
/// kept out of circulation (in a quarantine of the last [`QUARANTINE`] frees) before the
/// system allocator gets it back.
///
/// A use-after-free then reads `0xDE` bytes instead of the stale value or the allocator's
/// own bookkeeping: a pointer read from a freed block is `0xdede_dede_dede_dede`, which is
/// non-canonical on x86-64 (any access through it faults at once), and an atomic that loom
/// models, read from a freed block, makes loom fail inside its own code. The quarantine
/// matters: without it the system allocator would hand the block out again, or write its
/// free-list pointers over the first bytes, and the bug would read something plausible.
///
/// ```ignore
/// #[global_allocator]
/// static ALLOC: course_testkit::alloc::PoisoningAllocator = course_testkit::alloc::PoisoningAllocator;
/// ```
///
/// It serialises frees on one lock, so use it for loom models and small tests, not for
/// benchmarks or throughput-sensitive stress runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoisoningAllocator;

struct Quarantine {
    blocks: [(usize, Layout); QUARANTINE],
    next: usize,
}

// The quarantine holds addresses as integers: it never dereferences them, it only hands
// them back to `System.dealloc`, whose contract wants the original pointer. Keeping the
// pointer (with its provenance) would need a `*mut u8` in a `static`, which is not `Sync`;
// `with_exposed_provenance_mut` gets the exposed provenance back, and the block's
// provenance was exposed when it was stored.
static QUARANTINED: std::sync::Mutex<Quarantine> = std::sync::Mutex::new(Quarantine {
    blocks: [(0, Layout::new::<u8>()); QUARANTINE],
    next: 0,
});

// SAFETY: allocation is forwarded to `System` unchanged. A freed block is only written
// (poisoned) while it still belongs to us, then either kept (never touched again) or given
// back to `System.dealloc` with the layout it was allocated with. The lock is a futex
// mutex, which never allocates; nothing here unwinds.
unsafe impl GlobalAlloc for PoisoningAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller gives up `ptr`, a block of `layout.size()` bytes from us; it is
        // still ours to write until we pass it on.
        unsafe { std::ptr::write_bytes(ptr, POISON, layout.size()) };
        let evicted = {
            let mut q = QUARANTINED.lock().unwrap_or_else(|e| e.into_inner());
            let slot = q.next % QUARANTINE;
            q.next = q.next.wrapping_add(1);
            std::mem::replace(&mut q.blocks[slot], (ptr.expose_provenance(), layout))
        };
        if evicted.0 != 0 {
            let old = std::ptr::with_exposed_provenance_mut::<u8>(evicted.0);
            // SAFETY: `old` was freed by our caller earlier with this layout and has sat
            // untouched in the quarantine since.
            unsafe { System.dealloc(old, evicted.1) };
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Allocate, copy, free (poisoning the old block) rather than `System.realloc`,
        // which could free the old block without poisoning it.
        // SAFETY: the caller guarantees a non-zero `new_size` that fits `layout.align()`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a valid non-zero-size layout (see above).
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are valid for the smaller size and do not overlap.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}
