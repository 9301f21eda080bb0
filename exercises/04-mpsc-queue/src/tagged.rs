//! Tagged pointers: a pointer and a small counter packed into one word, so that a single
//! compare-and-swap checks both.
//!
//! A pointer to a `T` is a multiple of `align_of::<T>()`, so its low
//! `log2(align_of::<T>())` bits are always zero: the tag lives there. Use the
//! strict-provenance APIs (`ptr.addr()`, `ptr.map_addr(|a| ...)`), never `ptr as usize`
//! and back: a pointer rebuilt from an integer has lost its provenance and may not be
//! dereferenced. The chapter's section "Tags" explains both.

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
        // TODO
        todo!("TaggedPtr::null")
    }

    /// Packs `ptr` and `tag`. The tag is taken modulo `2^TAG_BITS` (it wraps, like a
    /// counter of that width).
    ///
    /// # Panics
    ///
    /// If `ptr` is not aligned for `T` (its low `TAG_BITS` bits are not zero).
    pub fn new(ptr: *mut T, tag: usize) -> Self {
        // TODO: check the alignment, then set the tag bits with `map_addr`.
        let _ = (ptr, tag);
        todo!("TaggedPtr::new")
    }

    /// The pointer, with the tag bits cleared and its provenance intact: dereferenceable
    /// whenever the pointer given to [`new`](Self::new) was.
    pub fn ptr(self) -> *mut T {
        // TODO
        todo!("TaggedPtr::ptr")
    }

    /// The tag.
    pub fn tag(self) -> usize {
        // TODO
        todo!("TaggedPtr::tag")
    }

    /// The same pointer with another tag (taken modulo `2^TAG_BITS`).
    pub fn with_tag(self, tag: usize) -> Self {
        // TODO
        let _ = tag;
        todo!("TaggedPtr::with_tag")
    }

    /// Whether the pointer part is null (whatever the tag).
    pub fn is_null(self) -> bool {
        // TODO
        todo!("TaggedPtr::is_null")
    }

    /// The packed word as a pointer, for storing in an `AtomicPtr`. Do not dereference it:
    /// use [`ptr`](Self::ptr).
    pub fn into_raw(self) -> *mut T {
        // TODO
        todo!("TaggedPtr::into_raw")
    }

    /// Rebuilds a tagged pointer from [`into_raw`](Self::into_raw).
    pub fn from_raw(packed: *mut T) -> Self {
        // TODO
        let _ = packed;
        todo!("TaggedPtr::from_raw")
    }
}

// Manual impls: derives would demand `T: Clone`, `T: PartialEq`, ... although only the
// pointer is copied or compared. Given.
impl<T> Clone for TaggedPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for TaggedPtr<T> {}

impl<T> PartialEq for TaggedPtr<T> {
    fn eq(&self, other: &Self) -> bool {
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
        // TODO
        let _ = value;
        todo!("AtomicTaggedPtr::new")
    }

    /// Loads pointer and tag together.
    pub fn load(&self, order: Ordering) -> TaggedPtr<T> {
        // TODO
        let _ = order;
        todo!("AtomicTaggedPtr::load")
    }

    /// Stores pointer and tag together.
    pub fn store(&self, value: TaggedPtr<T>, order: Ordering) {
        // TODO
        let _ = (value, order);
        todo!("AtomicTaggedPtr::store")
    }

    /// Replaces the value with `new` if it is still `current`, pointer *and* tag; returns
    /// the previous value on success and the value found on failure, like
    /// `AtomicPtr::compare_exchange`.
    pub fn compare_exchange(
        &self,
        current: TaggedPtr<T>,
        new: TaggedPtr<T>,
        success: Ordering,
        failure: Ordering,
    ) -> Result<TaggedPtr<T>, TaggedPtr<T>> {
        // TODO
        let _ = (current, new, success, failure);
        todo!("AtomicTaggedPtr::compare_exchange")
    }
}

impl<T> fmt::Debug for AtomicTaggedPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AtomicTaggedPtr")
            .field(&self.load(Ordering::Relaxed))
            .finish()
    }
}
