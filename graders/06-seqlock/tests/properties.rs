//! Property tests: on one thread, a `SeqLock<T>` behaves exactly like a plain variable of
//! type `T`, for payloads of every shape: 128 bytes, padding inside, sizes that are not a
//! multiple of a word, zero-sized, over-aligned, and values that hold pointers.

use std::fmt::Debug;

use proptest::prelude::*;
use seqlock_grader::Snapshot;
use seqlock_grader::imp::SeqLock;

#[derive(Debug, Clone)]
enum Op<T> {
    Write(T),
    Read,
    TryRead(u32),
    /// `update` that checks it was handed the current value, then stores this one.
    Update(T),
    /// `update` whose closure panics: the value must be unchanged and the lock usable.
    PanickingUpdate,
}

fn ops<T: Debug + Clone>(
    value: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = Vec<Op<T>>> {
    prop::collection::vec(
        prop_oneof![
            3 => value.clone().prop_map(Op::Write),
            3 => Just(Op::Read),
            2 => (0u32..3).prop_map(Op::TryRead),
            2 => value.prop_map(Op::Update),
            1 => Just(Op::PanickingUpdate),
        ],
        0..40,
    )
}

/// Runs `ops` on a `SeqLock` and on a plain variable (the model) side by side.
fn run<T: Copy + PartialEq + Debug + Send>(initial: T, ops: &[Op<T>]) -> Result<(), TestCaseError> {
    let lock = SeqLock::new(initial);
    let mut model = initial;
    prop_assert_eq!(lock.read(), model, "read() right after new()");
    for op in ops {
        match op {
            Op::Write(v) => {
                lock.write(*v);
                model = *v;
            }
            Op::Read => prop_assert_eq!(lock.read(), model),
            Op::TryRead(n) => prop_assert_eq!(
                lock.try_read(*n),
                Some(model),
                "with no writer running, try_read({}) must succeed",
                n
            ),
            Op::Update(v) => {
                let mut seen = None;
                lock.update(|x| {
                    seen = Some(*x);
                    *x = *v;
                });
                prop_assert_eq!(seen, Some(model), "update() must hand f the current value");
                model = *v;
            }
            Op::PanickingUpdate => {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    lock.update(|_| panic!("update closure panics on purpose"))
                }));
                prop_assert!(result.is_err(), "the closure's panic must reach the caller");
                prop_assert_eq!(
                    lock.try_read(0),
                    Some(model),
                    "after a panicking update the value is unchanged and the lock released"
                );
            }
        }
    }
    prop_assert_eq!(lock.read(), model);
    Ok(())
}

/// A struct with padding between and after its fields (24 bytes, 11 of them padding).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Padded {
    a: u8,
    b: u64,
    c: u16,
}

/// Over-aligned: 16-byte alignment, larger than a word.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(align(16))]
struct Aligned16(u128, u8);

const WORDS: &[&str] = &["bid", "ask", "last", "", "a longer string, just in case"];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        // Never write regression files into the grader: it must stay pristine.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_128_byte_value(ops in ops(any::<u64>().prop_map(Snapshot::of))) {
        run(Snapshot::of(0), &ops)?;
    }

    #[test]
    fn an_array_of_16_words(ops in ops(any::<[u64; 16]>())) {
        run([0u64; 16], &ops)?;
    }

    #[test]
    fn a_tuple_with_padding(ops in ops(any::<(u32, [u8; 3])>())) {
        run((0u32, [0u8; 3]), &ops)?;
    }

    #[test]
    fn a_struct_with_padding(ops in ops((any::<u8>(), any::<u64>(), any::<u16>()).prop_map(|(a, b, c)| Padded { a, b, c }))) {
        run(Padded { a: 1, b: 2, c: 3 }, &ops)?;
    }

    #[test]
    fn thirteen_bytes(ops in ops(any::<[u8; 13]>())) {
        run([0u8; 13], &ops)?;
    }

    #[test]
    fn one_byte(ops in ops(any::<u8>())) {
        run(0u8, &ops)?;
    }

    #[test]
    fn an_over_aligned_value(ops in ops((any::<u128>(), any::<u8>()).prop_map(|(a, b)| Aligned16(a, b)))) {
        run(Aligned16(0, 0), &ops)?;
    }

    #[test]
    fn values_holding_references(ops in ops((0..WORDS.len(), any::<bool>()).prop_map(|(i, b)| (WORDS[i], b)))) {
        // The copy must carry pointers intact: the strings are read through them.
        run((WORDS[0], false), &ops)?;
    }

    #[test]
    fn enums_and_options(ops in ops(any::<Option<char>>())) {
        run(None::<char>, &ops)?;
    }
}

#[test]
fn a_zero_sized_value() {
    let lock = SeqLock::new(());
    lock.write(());
    lock.update(|_| ());
    assert_eq!(lock.try_read(0), Some(()));
    assert_eq!(lock.read(), ());
}

/// `Sync` exactly when `T: Send`, checked at run time (so that the test also runs the
/// crate under test).
#[test]
fn shared_across_threads_when_t_is_send() {
    use std::marker::PhantomData;
    struct Probe<T>(PhantomData<T>);
    trait NotSync {
        fn is_sync(&self) -> bool {
            false
        }
    }
    impl<T> NotSync for Probe<T> {}
    impl<T: Sync> Probe<T> {
        fn is_sync(&self) -> bool {
            true
        }
    }
    assert!(Probe::<SeqLock<[u64; 16]>>(PhantomData).is_sync());
    // A raw pointer is Copy but neither Send nor Sync: sharing the lock would let another
    // thread obtain it.
    assert!(
        !Probe::<SeqLock<*const u8>>(PhantomData).is_sync(),
        "SeqLock<T> must not be Sync when T is not Send"
    );

    let lock = SeqLock::new(Snapshot::of(1));
    std::thread::scope(|s| {
        s.spawn(|| lock.write(Snapshot::of(2)));
    });
    assert_eq!(lock.read(), Snapshot::of(2));
}

#[test]
fn default_and_debug() {
    let lock: SeqLock<(u8, u16)> = SeqLock::default();
    assert_eq!(lock.read(), (0, 0));
    lock.write((1, 2));
    assert!(format!("{lock:?}").contains("(1, 2)"));
}
