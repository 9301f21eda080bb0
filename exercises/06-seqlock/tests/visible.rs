//! Visible tests: small examples of the API. `cargo xtask check 06-seqlock` runs them
//! first; the hidden tests in `graders/06-seqlock` go further.

use seqlock::SeqLock;

#[test]
fn reads_return_the_last_write() {
    let lock = SeqLock::new([0u64; 16]);
    assert_eq!(lock.read(), [0; 16]);
    lock.write([7; 16]);
    assert_eq!(lock.read(), [7; 16]);
    assert_eq!(lock.try_read(0), Some([7; 16]));
}

#[test]
fn update_modifies_in_place() {
    let lock = SeqLock::new((1u32, [0u8; 3]));
    lock.update(|v| {
        v.0 += 1;
        v.1[2] = 9;
    });
    assert_eq!(lock.read(), (2, [0, 0, 9]));
}

#[test]
fn a_reader_never_sees_half_a_write() {
    let lock = SeqLock::new((0u64, 0u64));
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 1..=20_000u64 {
                lock.write((i, i));
            }
        });
        s.spawn(|| {
            for _ in 0..20_000 {
                let (a, b) = lock.read();
                assert_eq!(a, b, "a torn read: ({a}, {b})");
            }
        });
    });
    assert_eq!(lock.read(), (20_000, 20_000));
}
