//! The poisoning allocator, installed as this test crate's global allocator.

use std::alloc::GlobalAlloc;

use course_testkit::alloc::{POISON, PoisoningAllocator};

#[global_allocator]
static ALLOC: PoisoningAllocator = PoisoningAllocator;

#[test]
fn freed_memory_reads_as_poison_and_is_not_reused_at_once() {
    // Called directly, not through the global allocator: for the compiler these are plain
    // function calls, and the block stays allocated at the system level while it sits in
    // the quarantine, so reading it after `dealloc` is an ordinary read.
    let a = PoisoningAllocator;
    let layout = std::alloc::Layout::new::<[u64; 4]>();
    // SAFETY: a non-zero-size layout; the block is written and read within its bounds, and
    // read after `dealloc` only while the quarantine (4096 frees long) still holds it.
    unsafe {
        let p = a.alloc(layout).cast::<u64>();
        assert!(!p.is_null());
        p.write_bytes(0x11, 4);
        a.dealloc(p.cast(), layout);
        assert_eq!(p.read(), u64::from_ne_bytes([POISON; 8]));
        assert_eq!(p.add(3).read(), u64::from_ne_bytes([POISON; 8]));
        let q = a.alloc(layout);
        assert_ne!(q, p.cast(), "a quarantined block was handed out again");
        a.dealloc(q, layout);
    }
}

#[test]
fn allocation_still_works() {
    let mut v = Vec::new();
    for i in 0..10_000u32 {
        v.push(i); // grows by realloc
    }
    assert_eq!(v.iter().map(|&x| u64::from(x)).sum::<u64>(), 49_995_000);
    let s: String = (0..1000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    assert_eq!(s.len(), 1000);
}
