//! Stress: many publishers and readers on many mailboxes, within a deadline.

use std::sync::Arc;
use std::time::Duration;

use mpsc_queue_grader::imp::Mailbox;
use course_testkit::stress::{Stress, scaled};

#[test]
fn readers_see_only_published_values() {
    let n = scaled(10_000) as usize;
    let boxes: Arc<Vec<Mailbox>> = Arc::new((0..n).map(|_| Mailbox::new()).collect());
    Stress::new("mailboxes")
        .deadline(Duration::from_secs(30))
        .thread("publisher", {
            let boxes = boxes.clone();
            move |p| {
                for (i, b) in boxes.iter().enumerate() {
                    b.publish(i as u64 * 3 + 1);
                    p.tick();
                }
            }
        })
        .threads(2, "reader", {
            let boxes = boxes.clone();
            move |_, p| {
                for (i, b) in boxes.iter().enumerate() {
                    loop {
                        match b.read() {
                            Some(v) => {
                                assert_eq!(v, i as u64 * 3 + 1, "mailbox {i} returned a value nobody published");
                                break;
                            }
                            None => std::hint::spin_loop(),
                        }
                    }
                    p.tick();
                }
            }
        })
        .run();
}
