//! Property tests against a sequential model.

use mpsc_queue_grader::imp::Mailbox;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        // Never write regression files into the grader: it must stay pristine.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn reads_before_publishing_are_none_and_after_are_the_value(reads_before in 0usize..4, value in any::<u64>()) {
        let m = Mailbox::new();
        for _ in 0..reads_before {
            prop_assert_eq!(m.read(), None);
        }
        m.publish(value);
        prop_assert_eq!(m.read(), Some(value));
        prop_assert_eq!(m.read(), Some(value));
    }
}

#[test]
fn publishing_twice_panics_with_a_clear_message() {
    let m = Mailbox::new();
    m.publish(1);
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| m.publish(2))).unwrap_err();
    let msg = course_testkit::panic_message(&*err);
    assert!(msg.contains("twice"), "the panic message should say it was called twice, got: {msg}");
}
