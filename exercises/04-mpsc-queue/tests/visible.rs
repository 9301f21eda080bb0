//! Visible tests: small examples of the API. `cargo xtask check 04-mpsc-queue` runs them first.

use mpsc_queue::Mailbox;

#[test]
fn an_empty_mailbox_reads_none() {
    assert_eq!(Mailbox::new().read(), None);
}

#[test]
fn a_published_value_is_read_back() {
    let m = Mailbox::new();
    m.publish(42);
    assert_eq!(m.read(), Some(42));
}
