//! Visible tests: small examples of the API. `cargo xtask check __ID__` runs them first.

use __LIB__::Mailbox;

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
