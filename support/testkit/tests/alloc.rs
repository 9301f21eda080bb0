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
