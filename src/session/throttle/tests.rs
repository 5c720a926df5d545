//! The throttle's tests: unit cases, then a model-based property test against daily-js's batching.

use super::Strategy; // ours, not proptest's
use super::*;
use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use std::collections::BTreeMap;

type Map = BTreeMap<String, u8>;

fn entry(value: u8) -> Entry<u8> {
    Entry { value, size: value.to_string().len() }
}

fn state(pairs: &[(&str, u8)]) -> Vec<(String, Entry<u8>)> {
    pairs.iter().map(|&(k, v)| (k.to_owned(), entry(v))).collect()
}

fn patch(pairs: &[(&str, Option<u8>)]) -> Vec<(String, Option<Entry<u8>>)> {
    pairs.iter().map(|&(k, v)| (k.to_owned(), v.map(entry))).collect()
}

fn view(t: &Throttle<u8>) -> Vec<(String, u8)> {
    t.view().map(|(k, v)| (k.to_owned(), *v)).collect()
}

fn pairs(pairs: &[(&str, u8)]) -> Vec<(String, u8)> {
    pairs.iter().map(|&(k, v)| (k.to_owned(), v)).collect()
}

fn json_len(map: &Map) -> usize {
    serde_json::to_string(map).unwrap().encode_utf16().count()
}

fn apply(server: &mut Map, out: &Outgoing<u8>) {
    if out.strategy == Strategy::Replace {
        server.clear();
    }
    for (k, v) in &out.data {
        match v {
            Some(v) => server.insert(k.clone(), *v),
            None => server.remove(k),
        };
    }
}

#[test]
fn leading_edge_sends_at_once_and_trailing_edge_at_the_window_end() {
    let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
    assert_eq!(t.next_deadline(), None);
    t.merge(patch(&[("a", Some(1))])).unwrap();
    assert_eq!(t.next_deadline(), Some(0));
    let out = t.poll(5).unwrap();
    assert_eq!(out, Outgoing { strategy: Strategy::ShallowMerge, data: vec![("a".into(), Some(1))] });
    assert!(!t.has_pending());
    let in_flight_end = 5 + Throttle::<u8>::IN_FLIGHT_MS;
    assert_eq!(t.next_deadline(), Some(in_flight_end), "nothing to send: only the in-flight window ends");
    t.merge(patch(&[("a", Some(2))])).unwrap();
    assert_eq!(t.next_deadline(), Some(1005));
    assert_eq!(t.poll(1004), None);
    assert_eq!(t.poll(1005).unwrap().data, vec![("a".into(), Some(2))]);
    // A quiet interval later, a change is sendable at once again.
    t.merge(patch(&[("a", Some(3))])).unwrap();
    assert_eq!(t.poll(2005).unwrap().data, vec![("a".into(), Some(3))]);
}

#[test]
fn flush_ignores_the_window_and_counts_as_a_send() {
    let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
    t.merge(patch(&[("a", Some(1))])).unwrap();
    t.poll(0).unwrap();
    t.merge(patch(&[("a", Some(2))])).unwrap();
    assert_eq!(t.flush(10).unwrap().data, vec![("a".into(), Some(2))]);
    assert_eq!(t.flush(11), None, "nothing is pending");
    t.merge(patch(&[("a", Some(3))])).unwrap();
    assert_eq!(t.next_deadline(), Some(1010));
    assert_eq!(t.poll(1009), None);
    assert!(t.poll(1010).is_some());
}

#[test]
fn merges_squash_later_wins() {
    let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
    t.remote(state(&[("a", 1), ("b", 1)]), 0);
    t.merge(patch(&[("a", Some(2)), ("c", Some(1))])).unwrap();
    t.merge(patch(&[("a", None), ("b", None)])).unwrap(); // a set then a delete is a delete
    t.merge(patch(&[("b", Some(5)), ("c", Some(2))])).unwrap(); // a delete then a set is a set
    let out = t.flush(0).unwrap();
    assert_eq!(out.strategy, Strategy::ShallowMerge);
    assert_eq!(out.data, vec![("a".into(), None), ("c".into(), Some(2)), ("b".into(), Some(5))]);
    assert_eq!(view(&t), pairs(&[("c", 2), ("b", 5)]), "the view deleted b and set it again");
}

#[test]
fn a_replace_anywhere_makes_the_batch_a_replace() {
    // replace then merge: a replace of the merged result
    let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
    t.remote(state(&[("z", 9)]), 0);
    t.set(state(&[("a", 1), ("b", 2)])).unwrap();
    t.merge(patch(&[("b", None), ("c", Some(3))])).unwrap();
    let out = t.flush(0).unwrap();
    assert_eq!(out.strategy, Strategy::Replace);
    assert_eq!(out.data, vec![("a".into(), Some(1)), ("c".into(), Some(3))]);
    // merge then replace: the replace
    t.merge(patch(&[("x", Some(1))])).unwrap();
    t.set(state(&[("y", 2)])).unwrap();
    let out = t.flush(1).unwrap();
    assert_eq!(out, Outgoing { strategy: Strategy::Replace, data: vec![("y".into(), Some(2))] });
}

#[test]
fn empty_and_unchanging_updates_schedule_nothing() {
    let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
    t.remote(state(&[("a", 1)]), 0);
    t.merge(Vec::new()).unwrap();
    assert!(!t.has_pending());
    t.merge(patch(&[("a", Some(1)), ("gone", None)])).unwrap();
    assert!(!t.has_pending(), "equal values and deletes of absent keys change nothing");
    t.set(state(&[("a", 1)])).unwrap();
    assert!(!t.has_pending(), "a replace equal to the base");
    // A change undone before it is sent leaves nothing to send.
    t.merge(patch(&[("a", Some(2))])).unwrap();
    t.merge(patch(&[("a", Some(1))])).unwrap();
    assert!(!t.has_pending());
    t.set(state(&[("b", 1)])).unwrap();
    t.merge(patch(&[("b", None), ("a", Some(1))])).unwrap();
    assert!(t.has_pending());
    assert_eq!(t.poll(0), None, "a replace back to the base is skipped");
    assert!(!t.has_pending());
    assert_eq!(t.next_deadline(), None);
    // Only the changed entries of a merge are sent.
    t.merge(patch(&[("a", Some(1)), ("b", Some(2))])).unwrap();
    assert_eq!(t.poll(0).unwrap().data, vec![("b".into(), Some(2))]);
}

#[test]
fn merges_leave_concurrent_changes_to_other_keys_alone() {
    let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
    let mut server = Map::new();
    t.merge(patch(&[("mine", Some(1))])).unwrap();
    apply(&mut server, &t.poll(0).unwrap());
    t.merge(patch(&[("mine", Some(2))])).unwrap();
    server.insert("theirs".into(), 7); // another participant, meanwhile
    t.remote(server.iter().map(|(k, v)| (k.clone(), entry(*v))), 0);
    assert_eq!(t.get("mine"), Some(&2), "pending changes stay on top of the remote state");
    assert_eq!(t.get("theirs"), Some(&7));
    let out = t.poll(1000).unwrap();
    assert_eq!(out.strategy, Strategy::ShallowMerge);
    apply(&mut server, &out);
    assert_eq!(server, Map::from([("mine".into(), 2), ("theirs".into(), 7)]));
}

#[test]
fn remote_state_drops_pending_changes_it_already_holds() {
    let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
    t.merge(patch(&[("a", Some(1)), ("b", Some(2))])).unwrap();
    t.remote(state(&[("a", 1)]), 0);
    assert_eq!(t.flush(0).unwrap().data, vec![("b".into(), Some(2))]);
    t.set(state(&[("c", 3)])).unwrap();
    // b:2 is still in flight at first; a room state without it once the window has passed
    // means someone else replaced it.
    t.remote(state(&[("c", 3)]), Throttle::<u8>::IN_FLIGHT_MS);
    assert!(!t.has_pending());
    assert_eq!(view(&t), pairs(&[("c", 3)]));
}

#[test]
fn a_room_state_that_skipped_some_of_our_updates_confirms_them() {
    // The room squashes what arrives within one sync: {k:2} is never shown, {k:3} is.
    let mut t = Throttle::new(100, SESSION_DATA_LIMIT);
    for (at, k) in [(0, 1), (150, 2), (300, 3)] {
        t.merge(patch(&[("k", Some(k))])).unwrap();
        assert!(t.poll(at).is_some());
    }
    t.remote(state(&[("k", 1)]), 310);
    t.remote(state(&[("k", 3)]), 1000);
    t.remote(state(&[("k", 9)]), 1100); // someone else writes
    assert_eq!(t.get("k"), Some(&9), "nothing of ours is left in flight to hide it");
}

#[test]
fn a_send_the_room_never_reflects_expires() {
    let mut t = Throttle::new(100, SESSION_DATA_LIMIT);
    t.merge(patch(&[("k", Some(1))])).unwrap();
    assert!(t.poll(0).is_some());
    t.remote(state(&[("k", 9)]), 50); // overwritten by someone else (or a late echo)
    assert_eq!(t.get("k"), Some(&1));
    let end = t.next_deadline().unwrap();
    assert_eq!(t.poll(end), None);
    assert_eq!(t.get("k"), Some(&9), "after the in-flight window the room's state stands");
    assert_eq!(t.next_deadline(), None);
}

#[test]
fn a_late_echo_does_not_swallow_a_write() {
    let mut t = Throttle::new(100, SESSION_DATA_LIMIT);
    t.merge(patch(&[("x", Some(1))])).unwrap();
    assert!(t.poll(0).is_some());
    t.merge(patch(&[("x", Some(2))])).unwrap();
    assert!(t.flush(1).is_some());
    t.remote(state(&[("x", 1)]), 2); // the room's echo of the first write, after the second
    assert_eq!(t.get("x"), Some(&2), "the second write is still on its way");
    t.merge(patch(&[("x", Some(1))])).unwrap();
    let out = t.poll(101).expect("x:1 differs from what the room will hold");
    assert_eq!(out.data, vec![("x".into(), Some(1))]);
    t.remote(state(&[("x", 2)]), 150);
    assert_eq!(t.get("x"), Some(&1), "the third write is still on its way");
    t.remote(state(&[("x", 1)]), 250);
    assert_eq!(t.get("x"), Some(&1));
    assert!(!t.has_pending());
}

#[test]
fn sends_apply_to_the_base_optimistically() {
    let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
    t.set(state(&[("a", 1)])).unwrap();
    assert!(t.flush(0).is_some());
    t.set(state(&[("a", 1)])).unwrap();
    assert!(!t.has_pending(), "the base already holds what was sent");
    t.merge(patch(&[("a", None)])).unwrap();
    assert!(t.flush(1).is_some());
    t.merge(patch(&[("a", None)])).unwrap();
    assert!(!t.has_pending());
}

#[test]
fn the_view_shows_pending_changes_at_once_in_insertion_order() {
    let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
    t.remote(state(&[("b", 1), ("a", 1)]), 0);
    t.merge(patch(&[("c", Some(3)), ("b", Some(2))])).unwrap();
    assert_eq!(view(&t), pairs(&[("b", 2), ("a", 1), ("c", 3)]));
    t.merge(patch(&[("b", None)])).unwrap();
    t.merge(patch(&[("b", Some(4))])).unwrap();
    assert_eq!(view(&t), pairs(&[("a", 1), ("c", 3), ("b", 4)]), "a deleted key comes back last");
    assert_eq!(t.get("b"), Some(&4));
    assert_eq!(t.get("zz"), None);
    assert_eq!(t.size(), r#"{"a":1,"c":3,"b":4}"#.len());
}

#[test]
fn the_limit_refuses_the_call_and_changes_nothing() {
    let limit = r#"{"a":1,"b":2}"#.len();
    let mut t = Throttle::new(1000, limit);
    t.set(state(&[("a", 1), ("b", 2)])).unwrap();
    assert_eq!(t.size(), limit);
    match t.merge(patch(&[("c", Some(3))])) {
        Err(Error::PayloadTooLarge { size, limit: l }) => assert_eq!((size, l), (limit + 6, limit)),
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(t.set(state(&[("abcdef", 100)])), Err(Error::PayloadTooLarge { size: 14, .. })));
    assert_eq!(view(&t), pairs(&[("a", 1), ("b", 2)]));
    // Within one patch, a delete makes room for a set.
    t.merge(patch(&[("a", None), ("c", Some(3)), ("c", Some(4))])).unwrap();
    assert_eq!(view(&t), pairs(&[("b", 2), ("c", 4)]));
    // Sizes are JSON lengths: escaped keys count their escapes, empty objects are "{}".
    t.set(Vec::new()).unwrap();
    assert_eq!(t.size(), 2);
    let mut big = Throttle::new(1000, SESSION_DATA_LIMIT);
    big.set(state(&[("é\"", 10)])).unwrap();
    assert_eq!(big.size(), r#"{"é\"":10}"#.encode_utf16().count());
    assert!(big.merge(vec![("x".into(), Some(Entry { value: 0, size: usize::MAX }))]).is_err());
    assert!(big.set(vec![("x".into(), Entry { value: 0, size: usize::MAX })]).is_err());
}

#[test]
fn a_60_hz_stream_for_10_s_sends_at_most_11_updates() {
    let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
    let mut sent = Vec::new();
    let fire = |t: &mut Throttle<u16>, sent: &mut Vec<(u64, Outgoing<u16>)>, until: u64| {
        while let Some(deadline) = t.next_deadline().filter(|&d| d <= until) {
            if let Some(out) = t.poll(deadline) {
                sent.push((deadline, out));
            }
        }
    };
    let mut last = 0;
    for k in 0..600u16 {
        let now = u64::from(k) * 1000 / 60;
        fire(&mut t, &mut sent, now);
        t.set(vec![("n".to_owned(), Entry { value: k, size: k.to_string().len() })]).unwrap();
        if let Some(out) = t.poll(now) {
            sent.push((now, out));
        }
        last = now;
    }
    fire(&mut t, &mut sent, u64::MAX);
    assert!(sent.len() <= 11, "{} updates", sent.len());
    let (at, out) = sent.last().unwrap();
    assert!(*at <= last + 1000);
    assert_eq!(out.data, vec![("n".to_owned(), Some(599))]);
    assert!(sent.windows(2).all(|w| w[1].0 - w[0].0 >= 1000));
}

#[derive(Debug, Clone)]
enum Op {
    Set(Vec<(usize, u8)>),
    Merge(Vec<(usize, Option<u8>)>),
    Flush,
    Echo,
    /// The oldest room state not yet echoed arrives now: echoes come in order, but may lag
    /// behind the sends.
    LateEcho,
    Wait(u64),
}

const KEYS: [&str; 5] = ["a", "b", "c", "d", "é\"k"];
const INTERVAL: u64 = 100;
/// The most a room's echo lags behind the send that caused it, in the property test.
const ECHO_LAG: u64 = 2000;

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    let key = 0..KEYS.len();
    prop_oneof![
        2 => prop::collection::vec((key.clone(), 0u8..4), 0..4).prop_map(Op::Set),
        4 => prop::collection::vec((key, prop::option::of(0u8..4)), 0..4).prop_map(Op::Merge),
        1 => Just(Op::Flush),
        1 => Just(Op::Echo),
        2 => Just(Op::LateEcho),
        3 => (0u64..250).prop_map(Op::Wait),
    ]
}

/// The room as it should end up, the room as the sends make it, and the throttle between.
struct Harness {
    t: Throttle<u8>,
    now: u64,
    model: Map,
    server: Map,
    last_poll: Option<u64>,
    /// The server's states after each send, with the time of the send, and how many of them
    /// the throttle has been shown.
    history: Vec<(u64, Map)>,
    echoed: usize,
}

impl Harness {
    fn take(&mut self, out: Option<Outgoing<u8>>, by_poll: bool) -> Result<(), TestCaseError> {
        let Some(out) = out else { return Ok(()) };
        if by_poll {
            if let Some(prev) = self.last_poll {
                prop_assert!(self.now >= prev + INTERVAL, "polls at {prev} and {}", self.now);
            }
            self.last_poll = Some(self.now);
        }
        let before = self.server.clone();
        apply(&mut self.server, &out);
        self.history.push((self.now, self.server.clone()));
        prop_assert_ne!(&before, &self.server, "{:?} changes nothing", out);
        if out.strategy == Strategy::ShallowMerge {
            for (k, v) in &out.data {
                prop_assert_ne!(before.get(k), v.as_ref(), "{} is unchanged", k);
            }
        }
        Ok(())
    }

    /// The driver's timer: poll at every deadline up to `until`; and the room: each state
    /// is echoed at the latest `ECHO_LAG` after the send that made it (rooms echo within
    /// seconds, well inside the throttle's in-flight window).
    fn advance(&mut self, until: u64) -> Result<(), TestCaseError> {
        loop {
            let echo_due = self.history.get(self.echoed).map(|(at, _)| at + ECHO_LAG);
            let deadline = self.t.next_deadline();
            let next = match (echo_due, deadline) {
                (Some(e), Some(d)) => e.min(d),
                (e, d) => match e.or(d) {
                    Some(next) => next,
                    None => break,
                },
            };
            if next > until {
                break;
            }
            self.now = self.now.max(next);
            if echo_due.is_some_and(|e| e <= self.now) {
                self.late_echo();
            } else {
                let out = self.t.poll(self.now);
                self.take(out, true)?;
            }
        }
        self.now = self.now.max(until);
        Ok(())
    }

    /// The oldest state not yet echoed arrives now.
    fn late_echo(&mut self) {
        if let Some((_, old)) = self.history.get(self.echoed).cloned() {
            self.echoed += 1;
            self.t.remote(old.iter().map(|(k, v)| (k.clone(), entry(*v))), self.now);
        }
    }

    fn check_view(&self) -> Result<(), TestCaseError> {
        let view: Map = self.t.view().map(|(k, v)| (k.to_owned(), *v)).collect();
        prop_assert_eq!(self.t.view().count(), view.len(), "no key twice");
        prop_assert_eq!(&view, &self.model);
        prop_assert_eq!(self.t.size(), json_len(&self.model));
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn throttled_updates_converge_within_the_rate_bound(
        ops in prop::collection::vec(op(), 0..40),
        limit in prop_oneof![Just(SESSION_DATA_LIMIT), 2usize..40],
    ) {
        let mut h = Harness { t: Throttle::new(INTERVAL, limit), now: 0, model: Map::new(), server: Map::new(), last_poll: None, history: Vec::new(), echoed: 0 };
        for op in ops {
            match op {
                Op::Set(kv) => {
                    let next: Map = kv.iter().map(|&(k, v)| (KEYS[k].to_owned(), v)).collect();
                    let result = h.t.set(kv.iter().map(|&(k, v)| (KEYS[k].to_owned(), entry(v))));
                    prop_assert_eq!(result.is_ok(), json_len(&next) <= limit);
                    if result.is_ok() {
                        h.model = next;
                    }
                    let out = h.t.poll(h.now);
                    h.take(out, true)?;
                }
                Op::Merge(kv) => {
                    let mut next = h.model.clone();
                    for &(k, v) in &kv {
                        match v {
                            Some(v) => next.insert(KEYS[k].to_owned(), v),
                            None => next.remove(KEYS[k]),
                        };
                    }
                    let result = h.t.merge(kv.iter().map(|&(k, v)| (KEYS[k].to_owned(), v.map(entry))));
                    prop_assert_eq!(result.is_ok(), kv.is_empty() || json_len(&next) <= limit);
                    if result.is_ok() {
                        h.model = next;
                    }
                    let out = h.t.poll(h.now);
                    h.take(out, true)?;
                }
                Op::Flush => {
                    let out = h.t.flush(h.now);
                    h.take(out, false)?;
                    prop_assert!(!h.t.has_pending());
                }
                // The room echoes its state back: we are the only writer, so it is the server's.
                Op::Echo => {
                    h.echoed = h.history.len();
                    h.t.remote(h.server.iter().map(|(k, v)| (k.clone(), entry(*v))), h.now);
                }
                Op::LateEcho => h.late_echo(),
                Op::Wait(ms) => h.advance(h.now + ms)?,
            }
            h.check_view()?;
        }
        h.advance(u64::MAX)?;
        prop_assert_eq!(h.t.next_deadline(), None);
        prop_assert_eq!(&h.server, &h.model);
        h.check_view()?;
    }
}
