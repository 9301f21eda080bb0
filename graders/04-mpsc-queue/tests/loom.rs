//! Loom model: a reader racing the publisher sees nothing or the whole value, never a
//! write it is not ordered after.
#![cfg(loom)]

use mpsc_queue_grader::imp::Mailbox;
use course_sync::sync::Arc;
use course_sync::{model, thread};

#[test]
fn a_racing_reader_sees_none_or_the_value() {
    model(|| {
        let m = Arc::new(Mailbox::new());
        let publisher = {
            let m = m.clone();
            thread::spawn(move || m.publish(7))
        };
        let seen = m.read();
        assert!(seen.is_none() || seen == Some(7), "read {seen:?}");
        publisher.join().unwrap();
        assert_eq!(m.read(), Some(7));
    });
}
