//! Tagged pointers: a pointer and a small counter packed into one word, so that a single
//! compare-and-swap checks both.
//!
//! # Why
//!
//! A CAS compares bits, not histories. If a location held `A`, then `B`, then `A` again,
//! a thread that read `A` before the changes sees "nothing changed" and its CAS succeeds
//! (the ABA problem; the chapter shows it on a free list). Bumping a tag on every change
//! makes the second `A` a different word: `(A, 0)` then `(B, 1)` then `(A, 2)`.
//!
//! # Where the tag lives
//!
//! A pointer to a `T` is a multiple of `align_of::<T>()`, so its low
//! `log2(align_of::<T>())` bits are always zero: 3 bits for an 8-aligned `T`, 6 for a
//! `#[repr(align(64))]` node. [`TaggedPtr`] keeps the tag there. Alignment is therefore a
//! requirement, not a detail: a `T` with alignment 1 has no spare bit at all, and
//! [`TaggedPtr::new`] panics on a pointer that is not aligned for `T`.
//!
//! The high bits are not used: "user-space addresses fit in 48 bits" holds on x86-64 Linux
//! only because `mmap` stays below 2^47 unless asked otherwise; five-level paging,
//! AArch64's top-byte-ignore, pointer authentication and memory tagging all use the top
//! bits.
//!
//! A tag of a few bits *wraps*: with 3 bits, the eighth change brings the tag back. Tags
//! make ABA unlikely, not impossible; a thread preempted for exactly a multiple of 8
//! changes still loses. (A double-width CAS would give a 64-bit tag, but stable Rust has no
//! `AtomicU128`.)
//!
//! # Provenance
//!
//! The packing uses `pointer::map_addr` and never casts the pointer to an integer and
//! back. An integer made from a pointer has lost the pointer's *provenance* (which
//! allocation it may access); a pointer rebuilt from that integer may not be dereferenced
//! under Rust's strict-provenance rules. `map_addr` changes the address and keeps the
//! provenance, so the untagged pointer returned by [`TaggedPtr::ptr`] is as good as the one
//! that went in.

use std::fmt;

use course_sync::atomic::{AtomicPtr, Ordering};

/// A `*mut T` with a small tag in its low, alignment-guaranteed-zero bits.
///
/// Copying it copies both; two `TaggedPtr`s are equal when pointer *and* tag are equal.
pub struct TaggedPtr<T> {
    /// The pointer with the tag in its low bits. Never dereferenced as it is.
    packed: *mut T,
}

impl<T> TaggedPtr<T> {
    /// How many low bits the tag has: `log2(align_of::<T>())`.
    pub const TAG_BITS: u32 = align_of::<T>().trailing_zeros();
    /// The tag bits of a pointer: `align_of::<T>() - 1`.
    pub const TAG_MASK: usize = align_of::<T>() - 1;

    /// The null pointer with tag 0.
    pub fn null() -> Self {
        Self {
            packed: std::ptr::null_mut(),
        }
    }

    /// Packs `ptr` and `tag`. The tag is taken modulo `2^TAG_BITS` (it wraps, like a
    /// counter of that width).
    ///
    /// # Panics
    ///
    /// If `ptr` is not aligned for `T` (its low `TAG_BITS` bits are not zero).
    pub fn new(ptr: *mut T, tag: usize) -> Self {
        assert!(
            ptr.addr() & Self::TAG_MASK == 0,
            "TaggedPtr::new: {ptr:p} is not aligned to {} bytes, so it has no room for a tag",
            align_of::<T>()
        );
        Self {
            // `map_addr` keeps `ptr`'s provenance; `|` only sets bits known to be zero.
            packed: ptr.map_addr(|addr| addr | (tag & Self::TAG_MASK)),
        }
    }

    /// The pointer, with the tag bits cleared and its provenance intact: dereferenceable
    /// whenever the pointer given to [`new`](Self::new) was.
    pub fn ptr(self) -> *mut T {
        self.packed.map_addr(|addr| addr & !Self::TAG_MASK)
    }

    /// The tag.
    pub fn tag(self) -> usize {
        self.packed.addr() & Self::TAG_MASK
    }

    /// The same pointer with another tag (taken modulo `2^TAG_BITS`).
    pub fn with_tag(self, tag: usize) -> Self {
        Self::new(self.ptr(), tag)
    }

    /// Whether the pointer part is null (whatever the tag).
    pub fn is_null(self) -> bool {
        self.ptr().is_null()
    }

    /// The packed word as a pointer, for storing in an `AtomicPtr`. Do not dereference it:
    /// use [`ptr`](Self::ptr).
    pub fn into_raw(self) -> *mut T {
        self.packed
    }

    /// Rebuilds a tagged pointer from [`into_raw`](Self::into_raw).
    pub fn from_raw(packed: *mut T) -> Self {
        Self { packed }
    }
}

// Manual impls: derives would demand `T: Clone`, `T: PartialEq`, ... although only the
// pointer is copied or compared.
impl<T> Clone for TaggedPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for TaggedPtr<T> {}

impl<T> PartialEq for TaggedPtr<T> {
    fn eq(&self, other: &Self) -> bool {
        // Pointer and tag together: exactly what a CAS on the packed word compares.
        std::ptr::eq(self.packed, other.packed)
    }
}

impl<T> Eq for TaggedPtr<T> {}

impl<T> fmt::Debug for TaggedPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaggedPtr")
            .field("ptr", &self.ptr())
            .field("tag", &self.tag())
            .finish()
    }
}

/// An atomic [`TaggedPtr`]: an `AtomicPtr<T>` that holds the packed word, so that loads,
/// stores and compare-and-swaps see pointer and tag together.
pub struct AtomicTaggedPtr<T> {
    packed: AtomicPtr<T>,
}

impl<T> AtomicTaggedPtr<T> {
    /// An atomic holding `value`.
    pub fn new(value: TaggedPtr<T>) -> Self {
        Self {
            packed: AtomicPtr::new(value.into_raw()),
        }
    }

    /// Loads pointer and tag together.
    pub fn load(&self, order: Ordering) -> TaggedPtr<T> {
        TaggedPtr::from_raw(self.packed.load(order))
    }

    /// Stores pointer and tag together.
    pub fn store(&self, value: TaggedPtr<T>, order: Ordering) {
        self.packed.store(value.into_raw(), order);
    }

    /// Replaces the value with `new` if it is still `current`, pointer *and* tag; returns
    /// the previous value on success and the value found on failure, like
    /// [`AtomicPtr::compare_exchange`].
    pub fn compare_exchange(
        &self,
        current: TaggedPtr<T>,
        new: TaggedPtr<T>,
        success: Ordering,
        failure: Ordering,
    ) -> Result<TaggedPtr<T>, TaggedPtr<T>> {
        self.packed
            .compare_exchange(current.into_raw(), new.into_raw(), success, failure)
            .map(TaggedPtr::from_raw)
            .map_err(TaggedPtr::from_raw)
    }
}

impl<T> fmt::Debug for AtomicTaggedPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AtomicTaggedPtr")
            // Relaxed: a diagnostic snapshot; nothing is read through the pointer.
            .field(&self.load(Ordering::Relaxed))
            .finish()
    }
}
