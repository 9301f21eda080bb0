//! The decoder against the encoder and the specification's byte layouts.

use course_itch::decode::split_frame;
use course_itch::encode::encode_all;
use course_itch::{DecodeError, Header, Message, Record, Side, Stock, frames, read_messages};
use proptest::prelude::*;

fn header() -> impl Strategy<Value = Header> {
    (any::<u16>(), any::<u16>(), 0u64..(1 << 48)).prop_map(|(locate, tracking, timestamp)| Header {
        locate,
        tracking,
        timestamp,
    })
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}

fn stock() -> impl Strategy<Value = Stock> {
    "[A-Z]{1,8}".prop_map(|s| Stock::new(&s))
}

fn record() -> impl Strategy<Value = Record> {
    prop_oneof![
        (header(), prop::sample::select(b"OSQMEC".to_vec()))
            .prop_map(|(header, event)| Record::SystemEvent { header, event }),
        (header(), stock(), any::<u8>(), any::<u8>(), any::<u32>()).prop_map(
            |(header, stock, market_category, financial_status, round_lot)| {
                Record::StockDirectory {
                    header,
                    stock,
                    market_category,
                    financial_status,
                    round_lot,
                }
            }
        ),
        (header(), stock(), any::<u8>(), any::<[u8; 4]>()).prop_map(
            |(header, stock, state, reason)| Record::TradingAction {
                header,
                stock,
                state,
                reason
            }
        ),
        (
            header(),
            any::<u64>(),
            side(),
            any::<u32>(),
            stock(),
            any::<u32>(),
            any::<Option<[u8; 4]>>()
        )
            .prop_map(|(header, order, side, shares, stock, price, mpid)| {
                Record::AddOrder {
                    header,
                    order,
                    side,
                    shares,
                    stock,
                    price,
                    mpid,
                }
            }),
        (header(), any::<u64>(), any::<u32>(), any::<u64>()).prop_map(
            |(header, order, shares, match_number)| Record::OrderExecuted {
                header,
                order,
                shares,
                match_number
            }
        ),
        (
            header(),
            any::<u64>(),
            any::<u32>(),
            any::<u64>(),
            any::<bool>(),
            any::<u32>()
        )
            .prop_map(|(header, order, shares, match_number, printable, price)| {
                Record::OrderExecutedWithPrice {
                    header,
                    order,
                    shares,
                    match_number,
                    printable,
                    price,
                }
            }),
        (header(), any::<u64>(), any::<u32>()).prop_map(|(header, order, shares)| {
            Record::OrderCancel {
                header,
                order,
                shares,
            }
        }),
        (header(), any::<u64>()).prop_map(|(header, order)| Record::OrderDelete { header, order }),
        (
            header(),
            any::<u64>(),
            any::<u64>(),
            any::<u32>(),
            any::<u32>()
        )
            .prop_map(|(header, order, new_order, shares, price)| {
                Record::OrderReplace {
                    header,
                    order,
                    new_order,
                    shares,
                    price,
                }
            }),
        (
            header(),
            any::<u64>(),
            side(),
            any::<u32>(),
            stock(),
            any::<u32>(),
            any::<u64>()
        )
            .prop_map(
                |(header, order, side, shares, stock, price, match_number)| {
                    Record::Trade {
                        header,
                        order,
                        side,
                        shares,
                        stock,
                        price,
                        match_number,
                    }
                }
            ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn decoding_what_was_encoded_gives_it_back(records in prop::collection::vec(record(), 0..40)) {
        let bytes = encode_all(&records);
        let decoded: Vec<Record> = frames(&bytes)
            .map(|m| m.expect("well-formed").to_record().expect("a Record type"))
            .collect();
        prop_assert_eq!(&decoded, &records);
        // The streaming reader agrees, whatever the chunking (here: one small read at a time).
        let mut streamed = Vec::new();
        let n = read_messages(Trickle(&bytes, 7), |m| streamed.push(m.to_record().unwrap())).unwrap();
        prop_assert_eq!(n as usize, records.len());
        prop_assert_eq!(&streamed, &records);
    }

    #[test]
    fn every_cut_of_a_stream_is_reported_as_truncated(records in prop::collection::vec(record(), 1..5), cut in any::<prop::sample::Index>()) {
        let bytes = encode_all(&records);
        let cut = cut.index(bytes.len());
        let results: Vec<_> = frames(&bytes[..cut]).collect();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        // Whole frames before the cut decode; a partial one is an error, never a message.
        let mut whole = 0;
        let mut pos = 0;
        while let Ok(Some((_, used))) = split_frame(&bytes[pos..cut]) {
            pos += used;
            whole += 1;
        }
        prop_assert_eq!(ok, whole);
        if pos < cut {
            let last = results.last().unwrap();
            prop_assert!(
                matches!(last, Err(e) if matches!(e.error, DecodeError::Truncated { .. })),
                "{:?}",
                last
            );
        }
    }
}

/// A reader that returns at most `n` bytes per call.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.len().min(self.1).min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn add_order_bytes_follow_the_specification() {
    // Section 4.3.1: type, locate, tracking, timestamp(6), order ref(8), side, shares(4),
    // stock(8), price(4).
    let r = Record::AddOrder {
        header: Header {
            locate: 0x0102,
            tracking: 0x0304,
            timestamp: 0x0000_0506_0708_090A,
        },
        order: 0x1112_1314_1516_1718,
        side: Side::Sell,
        shares: 0x2122_2324,
        stock: Stock::new("AAPL"),
        price: 0x3132_3334,
        mpid: None,
    };
    let mut out = Vec::new();
    r.encode(&mut out);
    let expected: Vec<u8> = [
        &[0, 36, b'A', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10][..],
        &[0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18],
        b"S",
        &[0x21, 0x22, 0x23, 0x24],
        b"AAPL    ",
        &[0x31, 0x32, 0x33, 0x34],
    ]
    .concat();
    assert_eq!(out, expected);
    let Ok(Message::AddOrder(a)) = Message::parse(&out[2..]) else {
        panic!("not an add order")
    };
    assert_eq!(a.order(), 0x1112_1314_1516_1718);
    assert_eq!(a.price(), 0x3132_3334);
    assert_eq!(a.stock().name(), "AAPL");
    assert_eq!(a.timestamp(), 0x0506_0708_090A);
}

#[test]
fn replace_and_execute_offsets_follow_the_specification() {
    // U (4.4.5): original ref at 11, new ref at 19, shares at 27, price at 31.
    let mut u = vec![b'U'; 35];
    u[11..19].copy_from_slice(&7u64.to_be_bytes());
    u[19..27].copy_from_slice(&8u64.to_be_bytes());
    u[27..31].copy_from_slice(&300u32.to_be_bytes());
    u[31..35].copy_from_slice(&1_234_500u32.to_be_bytes());
    let Ok(Message::OrderReplace(m)) = Message::parse(&u) else {
        panic!()
    };
    assert_eq!(
        (m.order(), m.new_order(), m.shares(), m.price()),
        (7, 8, 300, 1_234_500)
    );
    // C (4.4.2): ref 11, shares 19, match 23, printable 31, price 32.
    let mut c = vec![0u8; 36];
    c[0] = b'C';
    c[11..19].copy_from_slice(&9u64.to_be_bytes());
    c[19..23].copy_from_slice(&50u32.to_be_bytes());
    c[23..31].copy_from_slice(&77u64.to_be_bytes());
    c[31] = b'Y';
    c[32..36].copy_from_slice(&99u32.to_be_bytes());
    let Ok(Message::OrderExecutedWithPrice(m)) = Message::parse(&c) else {
        panic!()
    };
    assert_eq!(
        (
            m.order(),
            m.shares(),
            m.match_number(),
            m.printable(),
            m.price()
        ),
        (9, 50, 77, true, 99)
    );
}

#[test]
fn a_zero_length_prefix_takes_the_length_from_the_type() {
    let r = Record::OrderDelete {
        header: Header::default(),
        order: 42,
    };
    let mut out = vec![0, 0];
    r.encode_body(&mut out);
    out.extend_from_slice(&[0, 0, b'Z', 1, 2]);
    let mut it = frames(&out);
    assert_eq!(it.next().unwrap().unwrap().to_record(), Some(r));
    let err = it.next().unwrap().unwrap_err();
    assert_eq!(err.error, DecodeError::UnknownLength { kind: b'Z' });
    assert_eq!(err.offset, 21);
    assert!(it.next().is_none(), "the iterator stops after an error");
}

#[test]
fn longer_frames_are_accepted_and_unknown_types_are_other() {
    let mut out = Vec::new();
    // A delete with two extra bytes, then an unknown type.
    out.extend_from_slice(&21u16.to_be_bytes());
    Record::OrderDelete {
        header: Header::default(),
        order: 5,
    }
    .encode_body(&mut out);
    out.extend_from_slice(&[0xAA, 0xBB]);
    out.extend_from_slice(&12u16.to_be_bytes());
    out.extend_from_slice(&[b'z'; 12]);
    let got: Vec<Message<'_>> = frames(&out).map(Result::unwrap).collect();
    assert!(matches!(got[0], Message::OrderDelete(d) if d.order() == 5));
    assert!(matches!(got[1], Message::Other(o) if o.kind() == b'z'));
}

#[test]
fn bad_sides_and_short_messages_are_errors() {
    let mut a = vec![0u8; 36];
    a[0] = b'A';
    a[19] = b'Q';
    assert_eq!(
        Message::parse(&a),
        Err(DecodeError::BadSide {
            kind: b'A',
            byte: b'Q'
        })
    );
    assert_eq!(
        Message::parse(&a[..30]),
        Err(DecodeError::TooShort {
            kind: b'A',
            len: 30,
            needed: 36
        })
    );
    assert_eq!(Message::parse(&[]), Err(DecodeError::Empty));
    // Every byte value: exactly `B` and `S` are sides (the check is a table).
    for byte in 0..=u8::MAX {
        a[19] = byte;
        let ok = Message::parse(&a).is_ok();
        assert_eq!(ok, byte == b'B' || byte == b'S', "side byte {byte:#04x}");
    }
}
