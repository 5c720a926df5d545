//! The reassembler's tests, with a check of every cap and of its accounting against what is held.
use super::super::codec::encode;
use super::super::codec::tests::{text, wire};
use super::*;
use crate::payload::MAX_SAFE_INTEGER;
use proptest::prelude::*;
use serde_json::{json, Value};

impl<T> Reassembler<T> {
    /// What a sender holds, by its accounting.
    fn buffered(&self, sender: &str) -> usize {
        self.senders.iter().find(|s| s.id == sender).map_or(0, |s| s.buffered)
    }

    /// Checks every cap and the accounting against what is really held.
    fn check(&self) {
        let c = &self.config;
        assert!(self.senders.len() <= c.max_senders.max(1));
        assert!(self.senders.windows(2).all(|w| w[0].id < w[1].id));
        for sender in &self.senders {
            assert!(sender.streams.len() <= c.max_channels_per_sender.max(1));
            let mut sum = 0;
            for stream in &sender.streams {
                assert!(stream.entries.len() as u64 <= c.window.max(1));
                assert!(stream.entries.windows(2).all(|w| w[0].seq < w[1].seq));
                for e in &stream.entries {
                    assert!(e.seq >= stream.next && e.seq - stream.next < c.window.max(1));
                    let cost = match &e.state {
                        State::Parts { parts, size } => {
                            assert!(!parts.is_empty() && parts.len() < e.count as usize);
                            assert!(parts.capacity() <= 4.max(2 * parts.len()), "no allocation by claimed count");
                            assert!(parts.windows(2).all(|w| w[0].0 < w[1].0) && parts.iter().all(|p| p.0 < e.count));
                            assert_eq!(*size, parts.iter().map(|p| utf16_len(&p.1)).sum::<usize>());
                            assert!(*size <= c.limits.max_size);
                            ENTRY_COST + parts.len() * PART_COST + size
                        }
                        State::Ready(Body::Text(text)) => ENTRY_COST + utf16_len(text),
                        State::Ready(Body::Whole(_)) => ENTRY_COST + c.limits.limit,
                        State::Dead { .. } => 0,
                    };
                    assert_eq!(e.cost, cost);
                    sum += cost;
                }
            }
            assert_eq!(sender.buffered, sum);
            assert!(sum <= c.max_buffered_per_sender);
        }
    }
}

type R = Reassembler<Value>;

fn whole_on(channel: &str, seq: u64, v: u32) -> Chunk<Value> {
    Chunk { channel: channel.into(), direct: false, seq, index: 0, count: 1, piece: Piece::Whole(json!(v)) }
}

fn whole(seq: u64, v: u32) -> Chunk<Value> {
    whole_on("c", seq, v)
}

fn part(seq: u64, index: u32, count: u32, piece: &str) -> Chunk<Value> {
    Chunk { channel: "c".into(), direct: false, seq, index, count, piece: Piece::Text(piece.into()) }
}

fn msg_from(from: &str, channel: &str, seq: u64, body: Body<Value>) -> Delivery<Value> {
    Delivery::Message { channel: channel.into(), direct: false, from: from.into(), seq, body }
}

fn msg(seq: u64, v: u32) -> Delivery<Value> {
    msg_from("a", "c", seq, Body::Whole(json!(v)))
}

fn gap(first_missing: u64, last_missing: u64) -> Delivery<Value> {
    Delivery::Gap { channel: "c".into(), direct: false, from: "a".into(), first_missing, last_missing }
}

fn config(limit: usize) -> Config {
    Config { limits: Limits { limit, ..Limits::default() }, ..Config::default() }
}

/// A message's chunks, parsed as the glue parses them.
fn cut_on(channel: &str, seq: u64, text: &str, limit: usize) -> Vec<Chunk<Value>> {
    let limits = Limits { limit, ..Limits::default() };
    encode(channel, seq, text, limits).unwrap().iter().map(|t| wire::chunk(t)).collect()
}

fn long_text(n: usize) -> String {
    serde_json::to_string(&json!({ "text": "it's \"long\" é😀\n".repeat(n) })).unwrap()
}

fn joined(config: Config) -> R {
    let mut r = R::new(config);
    r.joined("a", 0);
    r
}

/// A reassembler (default config, "a" joined at 0) that has had the messages of
/// [`none_delivered`], which delivered nothing.
fn after(messages: &[(u64, u64)]) -> R {
    let mut r = joined(Config::default());
    none_delivered(&mut r, messages);
    r
}

/// Feeds "a"'s whole messages `(seq, at)`, the value of each its seq, and checks that none
/// delivers anything (each is held back or dropped).
fn none_delivered(r: &mut R, messages: &[(u64, u64)]) {
    for &(seq, at) in messages {
        let v = u32::try_from(seq).expect("a small seq");
        assert!(r.receive("a", whole(seq, v), at).is_empty(), "seq {seq} at {at} delivers nothing");
    }
}

#[test]
fn direct_messages_are_a_stream_of_their_own() {
    // A sender's messages to us count apart from its broadcasts: neither leaves a gap in the
    // other, whatever it sent to others.
    let mut r: Reassembler<Value> = Reassembler::new(Config::default());
    r.joined("s", 0);
    let direct = |seq| Chunk { direct: true, ..whole_on("c", seq, 9) };
    let mut out = r.receive("s", whole_on("c", 0, 1), 1);
    out.extend(r.receive("s", direct(0), 2));
    out.extend(r.receive("s", whole_on("c", 1, 2), 3));
    out.extend(r.receive("s", direct(1), 4));
    let seqs: Vec<_> = out
        .iter()
        .map(|d| match d {
            Delivery::Message { seq, .. } => *seq,
            Delivery::Gap { .. } => u64::MAX,
        })
        .collect();
    assert_eq!(seqs, [0, 0, 1, 1], "no gap: {out:?}");
    assert_eq!(r.next_deadline(), None, "nothing waits");
}

#[test]
fn whole_messages_are_delivered_at_once_and_duplicates_dropped() {
    let mut r = joined(Config::default());
    assert_eq!(r.receive("a", whole(0, 7), 0), [msg(0, 7)]);
    assert_eq!(r.receive("a", whole(1, 8), 0), [msg(1, 8)]);
    assert!(r.receive("a", whole(0, 7), 0).is_empty());
    assert_eq!(r.stats(), Stats { duplicate: 1, ..Stats::default() });
    assert_eq!(r.next_deadline(), None);
    r.check();
}

#[test]
fn a_cut_message_is_reassembled_in_any_order() {
    let text = long_text(180);
    let mut chunks = cut_on("c", 0, &text, 512);
    assert!(chunks.len() >= 4, "{}", chunks.len());
    chunks.reverse();
    chunks.insert(2, chunks[1].clone());
    let last = chunks.pop().unwrap();
    let mut r = joined(config(512));
    for c in chunks {
        assert!(r.receive("a", c, 0).is_empty());
        r.check();
    }
    assert!(r.buffered("a") > utf16_len(&text) / 2);
    assert_eq!(r.receive("a", last, 1), [msg_from("a", "c", 0, Body::Text(text))]);
    assert_eq!(r.stats(), Stats { duplicate: 1, ..Stats::default() });
    assert_eq!(r.buffered("a"), 0);
}

#[test]
fn order_is_restored() {
    let mut r = after(&[(2, 0), (1, 5)]);
    assert_eq!(r.next_deadline(), Some(10_000));
    r.check();
    assert_eq!(r.receive("a", whole(0, 0), 6), [msg(0, 0), msg(1, 1), msg(2, 2)]);
    assert_eq!(r.next_deadline(), None);
    assert_eq!(r.buffered("a"), 0);
}

#[test]
fn a_missing_message_is_given_up_on_after_the_timeout() {
    let mut r = after(&[(1, 100), (3, 200)]);
    assert_eq!(r.next_deadline(), Some(10_100));
    assert!(r.tick(10_099).is_empty());
    assert_eq!(r.tick(10_100), [gap(0, 0), msg(1, 1)]);
    assert_eq!(r.next_deadline(), Some(10_200));
    assert_eq!(r.tick(10_200), [gap(2, 2), msg(3, 3)]);
    none_delivered(&mut r, &[(0, 10_300), (2, 10_300), (1, 10_300)]);
    assert_eq!(r.stats(), Stats { too_old: 2, duplicate: 1, ..Stats::default() });
    assert_eq!(r.next_deadline(), None);
}

#[test]
fn adjacent_gaps_are_merged() {
    let mut r = after(&[(5, 0)]);
    assert_eq!(r.tick(10_000), [gap(0, 4), msg(5, 5)]);
}

#[test]
fn a_stalled_message_is_dropped_after_the_timeout() {
    let chunks = cut_on("c", 0, &long_text(120), 512);
    assert!(chunks.len() >= 3);
    let mut r = joined(config(512));
    assert!(r.receive("a", chunks[0].clone(), 0).is_empty());
    assert!(r.receive("a", chunks[1].clone(), 5_000).is_empty());
    assert_eq!(r.next_deadline(), Some(15_000));
    assert!(r.tick(14_999).is_empty());
    assert_eq!(r.tick(15_000), [gap(0, 0)]);
    assert_eq!(r.stats().timeout, 2);
    assert_eq!(r.buffered("a"), 0);
    assert!(r.receive("a", chunks[2].clone(), 15_001).is_empty());
    assert_eq!(r.stats().too_old, 1);
    // A message behind it is delivered at once: it was given up on.
    assert_eq!(r.receive("a", whole(1, 1), 15_002), [msg(1, 1)]);
}

#[test]
fn a_slow_message_lives_as_long_as_its_chunks_keep_coming() {
    let text = long_text(120);
    let chunks = cut_on("c", 0, &text, 512);
    let mut r = joined(config(512));
    let mut out = Vec::new();
    for (i, c) in chunks.into_iter().enumerate() {
        let now = i as u64 * 9_999;
        out.extend(r.tick(now));
        out.extend(r.receive("a", c, now));
    }
    assert_eq!(out, [msg_from("a", "c", 0, Body::Text(text))]);
}

#[test]
fn a_message_that_stalls_behind_a_waiting_one_is_given_up_on() {
    let chunks = cut_on("c", 0, &long_text(120), 512);
    let mut r = joined(config(512));
    assert!(r.receive("a", chunks[0].clone(), 0).is_empty());
    none_delivered(&mut r, &[(1, 1)]);
    assert!(r.receive("a", chunks[1].clone(), 9_000).is_empty());
    assert_eq!(r.next_deadline(), Some(19_000), "waiting on a message whose chunks still come");
    assert_eq!(r.tick(19_000), [gap(0, 0), msg(1, 1)]);
}

#[test]
fn the_window_overflows() {
    let mut r = joined(Config { window: 4, ..Config::default() });
    for seq in 1..4 {
        assert!(r.receive("a", whole(seq, seq as u32), 0).is_empty());
    }
    r.check();
    assert_eq!(r.receive("a", whole(4, 4), 0), [gap(0, 0), msg(1, 1), msg(2, 2), msg(3, 3), msg(4, 4)]);
    // With a message in progress in the way, and a jump far ahead.
    assert!(r.receive("a", part(5, 0, 3, "ab"), 0).is_empty());
    none_delivered(&mut r, &[(6, 0)]);
    assert_eq!(r.receive("a", whole(20, 20), 0), [gap(5, 5), msg(6, 6), gap(7, 16)]);
    assert_eq!(r.stats().over_cap, 1);
    assert_eq!(r.buffered("a"), 64 + 4096, "20 waits for 17 to 19");
    r.check();
    assert!(r.receive("a", part(5, 1, 3, "cd"), 0).is_empty());
    assert_eq!(r.stats().too_old, 1);
    assert_eq!(r.tick(10_000), [gap(17, 19), msg(20, 20)]);
}

#[test]
fn a_sender_that_restarts_its_count_is_followed() {
    let mut r = joined(Config::default());
    for seq in 0..100 {
        assert_eq!(r.receive("a", whole(seq, 1), 0).len(), 1);
    }
    assert!(r.receive("a", whole(60, 1), 0).is_empty(), "within the window: a duplicate");
    assert_eq!(r.stats().duplicate, 1);
    assert!(r.receive("a", whole(98, 1), 0).is_empty());
    assert_eq!(r.stats().duplicate, 2);
    assert_eq!(r.receive("a", whole(0, 1000), 0), [msg(0, 1000)]);
    assert_eq!(r.receive("a", whole(1, 1001), 0), [msg(1, 1001)]);
}

#[test]
fn an_unannounced_sender_starts_where_we_first_hear_it() {
    let mut r = R::new(config(512));
    let b = |seq, v| msg_from("b", "c", seq, Body::Whole(json!(v)));
    assert_eq!(r.receive("b", whole(7, 7), 0), [b(7, 7)]);
    assert!(r.receive("b", whole(6, 6), 0).is_empty());
    assert_eq!(r.stats().too_old, 1);
    // The first chunk heard on a channel is not its message's first: the others were
    // reordered, so the message still completes, and the next one waits for it.
    let chunks = cut_on("d", 3, &long_text(120), 512);
    assert!(chunks.len() >= 2);
    assert!(r.receive("b", chunks[1].clone(), 0).is_empty());
    assert!(r.receive("b", whole_on("d", 4, 4), 0).is_empty(), "4 waits for 3");
    let mut rest = chunks.iter().enumerate().filter(|(i, _)| *i != 1).map(|(_, c)| c.clone()).collect::<Vec<_>>();
    let last = rest.pop().unwrap();
    for chunk in rest {
        assert!(r.receive("b", chunk, 0).is_empty());
    }
    let delivered = r.receive("b", last, 0);
    assert_eq!(delivered.len(), 2, "3 then 4");
    assert!(
        matches!(&delivered[0], Delivery::Message { seq: 3, body: Body::Text(text), .. } if *text == long_text(120))
    );
    assert_eq!(delivered[1], msg_from("b", "d", 4, Body::Whole(json!(4))));
    assert_eq!(r.next_deadline(), None);
    // An announced sender starts at 0: a later message waits.
    r.joined("a", 0);
    none_delivered(&mut r, &[(2, 0)]);
    assert_eq!(r.receive("a", whole(0, 0), 0), [msg(0, 0)]);
    assert_eq!(r.receive("a", whole(1, 1), 0), [msg(1, 1), msg(2, 2)]);
}

#[test]
fn malformed_chunks_are_dropped() {
    let limits = Limits { limit: 512, max_size: 2000 };
    let mut r = joined(Config { limits, ..Config::default() });
    let cap = limits.max_chunks();
    let mut bad = vec![
        part(0, 0, cap + 1, "x"),
        part(0, 0, 1, "x"),
        part(0, 2, 2, "x"),
        part(0, 0, 0, "x"),
        part(0, 0, 2, ""),
        part(MAX_SAFE_INTEGER + 1, 0, 2, "x"),
        Chunk { count: 2, ..whole(0, 0) },
        Chunk { channel: String::new(), ..whole(0, 0) },
        Chunk { channel: "x".repeat(65), ..whole(0, 0) },
    ];
    let n = bad.len() as u64;
    for c in bad.drain(..) {
        assert!(r.receive("a", c, 0).is_empty());
    }
    assert_eq!(r.stats(), Stats { malformed: n, ..Stats::default() });
    // Siblings that disagree.
    assert!(r.receive("a", part(0, 0, 3, "ab"), 0).is_empty());
    assert!(r.receive("a", part(0, 1, 4, "cd"), 0).is_empty());
    none_delivered(&mut r, &[(0, 0)]);
    assert_eq!(r.stats().malformed, n + 2);
    assert!(r.receive_fields("a", Fields { version: Some(1.0), ..Fields::default() }, 0).is_empty());
    assert_eq!(r.stats().malformed, n + 3);
    // The message still completes.
    assert!(r.receive("a", part(0, 1, 3, "cd"), 0).is_empty());
    assert_eq!(r.receive("a", part(0, 2, 3, "'e'"), 0), [msg_from("a", "c", 0, Body::Text("abcd\"e\"".into()))]);
    r.check();
}

#[test]
fn memory_is_bounded_per_sender() {
    let limits = Limits { limit: 512, max_size: 1000 };
    let mut r = joined(Config { limits, max_buffered_per_sender: 600, ..Config::default() });
    let x = |n| "x".repeat(n);
    assert!(r.receive("a", part(0, 0, 3, &x(400)), 0).is_empty());
    assert_eq!(r.buffered("a"), 64 + 32 + 400);
    // Over the sender's buffer: dropped with its message, given up on at once.
    assert_eq!(r.receive("a", part(0, 1, 3, &x(400)), 0), [gap(0, 0)]);
    assert_eq!(r.buffered("a"), 0);
    assert!(r.receive("a", part(0, 2, 3, "x"), 0).is_empty());
    assert_eq!(r.stats(), Stats { over_cap: 1, too_old: 1, ..Stats::default() });
    // Over the message size.
    assert!(r.receive("a", part(1, 0, 3, &x(500)), 0).is_empty());
    assert_eq!(r.receive("a", part(1, 1, 3, &x(501)), 0), [gap(1, 1)]);
    assert_eq!(r.stats().over_cap, 2);
    // A waiting whole message counts as the limit; the next one no longer fits, and later
    // chunks of a dropped message are absorbed.
    none_delivered(&mut r, &[(3, 0)]);
    assert_eq!(r.buffered("a"), 64 + 512);
    none_delivered(&mut r, &[(4, 0)]);
    assert!(r.receive("a", part(5, 0, 2, "x"), 0).is_empty());
    assert!(r.receive("a", part(5, 1, 2, "x"), 0).is_empty());
    assert_eq!(r.stats().over_cap, 5);
    r.check();
    assert_eq!(r.receive("a", whole(2, 2), 0), [msg(2, 2), msg(3, 3), gap(4, 5)]);
    assert_eq!(r.buffered("a"), 0);
    // Another sender has its own buffer.
    r.joined("b", 0);
    assert!(r.receive("b", part(0, 0, 3, &x(400)), 0).is_empty());
    assert_eq!(r.buffered("b"), 64 + 32 + 400);
    r.check();
}

#[test]
fn a_forged_count_allocates_nothing() {
    let mut r = joined(Config::default());
    let max = Limits::default().max_chunks();
    assert!(r.receive("a", part(3, max - 1, max, "x"), 0).is_empty());
    assert!(r.receive("a", part(3, 0, max, "y"), 0).is_empty());
    assert_eq!(r.buffered("a"), 64 + 2 * (32 + 1));
    r.check();
}

#[test]
fn senders_and_channels_are_capped() {
    let mut r = R::new(Config { max_senders: 2, max_channels_per_sender: 2, ..config(512) });
    assert!(r.receive("a", part(0, 0, 2, "x"), 0).is_empty());
    assert!(r.receive("b", part(0, 0, 2, "x"), 1).is_empty());
    assert!(r.receive("c", part(0, 0, 2, "x"), 2).is_empty());
    assert_eq!(r.stats().over_cap, 1, "a, the least recently heard, is dropped");
    assert_eq!(r.buffered("a"), 0);
    assert!(r.receive("b", part(0, 0, 2, "x"), 3).is_empty(), "b is still there: a duplicate");
    assert_eq!(r.stats().duplicate, 1);
    for (i, channel) in ["d", "e"].into_iter().enumerate() {
        let c = Chunk { channel: channel.into(), ..part(0, 0, 2, "x") };
        assert!(r.receive("c", c, 10 + i as u64).is_empty());
    }
    assert_eq!(r.stats().over_cap, 2, "channel c of sender c is dropped");
    r.check();
}

#[test]
fn forget_frees_a_sender() {
    let mut r = joined(Config::default());
    assert!(r.receive("a", part(0, 0, 2, "x"), 0).is_empty());
    none_delivered(&mut r, &[(2, 0)]);
    assert!(r.next_deadline().is_some());
    r.forget("a");
    r.forget("nobody");
    assert_eq!(r.buffered("a"), 0);
    assert_eq!(r.next_deadline(), None);
    assert!(r.tick(100_000).is_empty());
    r.check();
}

#[test]
fn senders_and_channels_interleave() {
    let texts = [long_text(90), long_text(93), long_text(96), long_text(99)];
    let routes = [("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")];
    let mut queues: Vec<Vec<Chunk<Value>>> =
        routes.iter().zip(&texts).map(|(&(_, channel), text)| cut_on(channel, 0, text, 512)).collect();
    let mut r = R::new(config(512));
    let mut out = Vec::new();
    while queues.iter().any(|q| !q.is_empty()) {
        for (q, &(from, _)) in queues.iter_mut().zip(&routes) {
            if !q.is_empty() {
                out.extend(r.receive(from, q.remove(0), 0));
            }
        }
    }
    let expected: Vec<_> = routes
        .iter()
        .zip(&texts)
        .map(|(&(from, channel), t)| msg_from(from, channel, 0, Body::Text(t.clone())))
        .collect();
    assert_eq!(out.len(), 4);
    for e in expected {
        assert!(out.contains(&e));
    }
}

/// A small, seedable generator (SplitMix64) for shuffles and the long run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn shuffle<X>(&mut self, items: &mut [X]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
}

/// A message: an object with a text of any characters, from tiny to a dozen chunks.
fn message() -> impl Strategy<Value = String> {
    let text = prop_oneof![text(0..20), text(0..800)];
    (text, any::<u32>()).prop_map(|(text, n)| serde_json::to_string(&json!({ "t": text, "n": n })).unwrap())
}

proptest! {
    /// Any messages survive encoding, shuffled and duplicated delivery, and reassembly,
    /// exactly and in order.
    #[test]
    fn messages_survive_shuffling_and_duplication(
        streams in prop::collection::vec(prop::collection::vec(message(), 1..5), 1..5),
        seed in any::<u64>(),
    ) {
        let route = |i: usize| (format!("s{}", i % 2), format!("ch{}", i / 2));
        let mut wire = Vec::new();
        for (i, messages) in streams.iter().enumerate() {
            let (from, channel) = route(i);
            for (seq, text) in messages.iter().enumerate() {
                for chunk in encode(&channel, seq as u64, text, Limits { limit: 512, ..Limits::default() }).unwrap() {
                    wire.push((from.clone(), chunk));
                }
            }
        }
        let mut rng = Rng(seed);
        let dups: Vec<_> = wire.iter().filter(|_| rng.below(4) == 0).cloned().collect();
        let duplicates = dups.len() as u64;
        wire.extend(dups);
        rng.shuffle(&mut wire);

        let mut r = R::new(config(512));
        r.joined("s0", 0);
        r.joined("s1", 0);
        let mut out = Vec::new();
        for (now, (from, text)) in wire.iter().enumerate() {
            out.extend(r.receive(from, wire::chunk(text), now as u64));
            r.check();
        }
        prop_assert_eq!(r.stats(), Stats { duplicate: duplicates, ..Stats::default() });
        prop_assert_eq!(r.next_deadline(), None);
        let mut expected = Vec::new();
        for (i, messages) in streams.iter().enumerate() {
            let (from, channel) = route(i);
            let got: Vec<_> = out.iter().filter(|d| matches!(d, Delivery::Message { from: f, channel: c, .. } if *f == from && *c == channel)).collect();
            prop_assert_eq!(got.len(), messages.len());
            for (seq, (d, text)) in got.into_iter().zip(messages).enumerate() {
                let Delivery::Message { seq: s, body, .. } = d else { unreachable!() };
                prop_assert_eq!(*s, seq as u64);
                match body {
                    Body::Whole(v) => prop_assert_eq!(v, &serde_json::from_str::<Value>(text).unwrap()),
                    Body::Text(t) => prop_assert_eq!(t, text),
                }
            }
            expected.extend(messages);
        }
        prop_assert_eq!(out.len(), expected.len(), "no gaps");
        for sender in ["s0", "s1"] {
            prop_assert_eq!(r.buffered(sender), 0);
        }
    }
}

mod garbage;
