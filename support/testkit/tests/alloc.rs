//! The allocation counter, installed as this test crate's global allocator.

use course_testkit::alloc::{CountingAllocator, count, is_installed};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

#[test]
fn counts_only_inside_count() {
    assert!(is_installed());
    let (v, stats) = count(|| vec![1u64, 2, 3]);
    assert_eq!(stats.allocations, 1);
    assert_eq!(stats.bytes, 24);
    let (_, stats) = count(|| v.iter().sum::<u64>());
    assert_eq!(stats.allocations, 0);
    let (_, stats) = count(move || drop(v));
    assert_eq!(stats.deallocations, 1);
}

#[test]
fn live_blocks_do_not_count_a_realloc_as_a_new_block() {
    let (v, stats) = count(|| {
        let mut v = Vec::with_capacity(1);
        for i in 0..100u64 {
            v.push(i);
        }
        v
    });
    assert!(stats.reallocations > 0, "{stats:?}");
    assert_eq!(stats.allocations, 1 + stats.reallocations);
    assert_eq!(stats.live_blocks(), 1, "one Vec buffer is alive: {stats:?}");
    let (_, stats) = count(move || drop(v));
    assert_eq!(stats.live_blocks(), -1);
}
