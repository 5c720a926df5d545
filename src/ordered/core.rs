//! The orderer's pure bookkeeping: which participant orders ([`orderer`]), and the [`Orderer`]
//! that applies batches of [`ops`](super::ops) one at a time over its copy of the room's state and
//! says what to write. The JS face (npm/ordered.js over src/js/ordered.rs) and the Rust API's
//! `Ordered` read the room's state and the participants, send and answer requests, and write what
//! it says.

use super::ops::{self, apply_op, parse_batch};
use super::value::Json;
use super::RESERVED_KEY;

/// The orderer among `(session id, joined_at in ms)`: the earliest to join, ties by session id; a
/// participant whose join time is unknown comes after every known one.
pub fn orderer<'a>(participants: impl IntoIterator<Item = (&'a str, Option<f64>)>) -> Option<&'a str> {
    let mut best: Option<(bool, f64, &'a str)> = None;
    for (id, at) in participants {
        let at = at.filter(|at| at.is_finite());
        let key = (at.is_none(), at.unwrap_or(0.0), id);
        let better = match best {
            None => true,
            Some(b) => (key.0, key.1) < (b.0, b.1) || ((key.0, key.1) == (b.0, b.1) && key.2 < b.2),
        };
        if better {
            best = Some(key);
        }
    }
    best.map(|(_, _, id)| id)
}

/// What became of one batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Applied now: the values of the keys it names as they stand after it (a deleted key is left out).
    Applied(Vec<(String, Json)>),
    /// Applied before (this is a retry): the values of the keys it names as they stand now.
    Done(Vec<(String, Json)>),
    /// Refused whole: a bad op. The text says which and why.
    Invalid(String),
}

/// The result of [`Orderer::apply`].
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The orderer's copy of the room's state is older than one the caller has seen (`version`
    /// is the orderer's): nothing was applied, the caller asks again later.
    Behind {
        /// The version of the orderer's copy.
        version: u64,
    },
    /// The batches, each applied or refused.
    Done {
        /// One per batch, in order.
        outcomes: Vec<Outcome>,
        /// The keys to write (`None`: delete), the bookkeeping included; empty when nothing changed.
        changes: Vec<(String, Option<Json>)>,
        /// The state's version after these batches.
        version: u64,
    },
}

/// One key an `apply` read: its value before, and now.
#[derive(Debug, Clone)]
struct Touched {
    key: String,
    before: Option<Json>,
    now: Option<Json>,
}

/// The keys an `apply` reads and changes, over the room's state and what the orderer wrote.
struct Working<'a> {
    written: &'a [(String, Option<Json>)],
    room: &'a dyn Fn(&str) -> Option<Json>,
    touched: Vec<Touched>,
}

impl Working<'_> {
    fn at(&mut self, key: &str) -> usize {
        if let Some(at) = self.touched.iter().position(|t| t.key == key) {
            return at;
        }
        let before = match self.written.iter().find(|(k, _)| k == key) {
            Some((_, value)) => value.clone(),
            None => (self.room)(key),
        };
        self.touched.push(Touched { key: key.to_owned(), now: before.clone(), before });
        self.touched.len() - 1
    }

    fn get(&mut self, key: &str) -> Option<Json> {
        let at = self.at(key);
        self.touched[at].now.clone()
    }

    fn put(&mut self, key: &str, value: Option<Json>) {
        let at = self.at(key);
        self.touched[at].now = value;
    }

    /// The values of the keys `ops` names, as they stand now.
    fn values_of(&mut self, ops: &[ops::Op]) -> Vec<(String, Json)> {
        let mut values: Vec<(String, Json)> = Vec::new();
        for op in ops {
            if let (Some(value), false) = (self.get(op.key()), values.iter().any(|(k, _)| k == op.key())) {
                values.push((op.key().to_owned(), value));
            }
        }
        values
    }
}

/// Reads the bookkeeping leniently: anyone may write session data, so garbage counts as nothing.
fn book_of(book: Option<&Json>) -> (u64, Vec<(String, f64)>) {
    let version = book.and_then(|b| b.get("v")).and_then(Json::as_f64).filter(|v| *v >= 0.0).unwrap_or(0.0) as u64;
    let applied = match book.and_then(|b| b.get("applied")) {
        Some(Json::Obj(entries)) => entries.iter().map(|(id, n)| (id.clone(), n.as_f64().unwrap_or(0.0))).collect(),
        _ => Vec::new(),
    };
    (version, applied)
}

fn book(version: u64, applied: &[(String, f64)]) -> Json {
    let applied = applied.iter().map(|(id, n)| (id.clone(), Json::Num(*n))).collect();
    Json::Obj(vec![("v".into(), Json::Num(version as f64)), ("applied".into(), Json::Obj(applied))])
}

fn set_applied(applied: &mut Vec<(String, f64)>, from: &str, n: f64) {
    match applied.iter_mut().find(|(id, _)| id == from) {
        Some(entry) => entry.1 = n,
        None => applied.push((from.to_owned(), n)),
    }
}

/// The orderer's side: what it wrote, over its copy of the room's state.
#[derive(Debug, Default)]
pub struct Orderer {
    /// The keys this orderer wrote (`None`: deleted), which count over the room's state it reads:
    /// that copy may still be older than its own last write.
    written: Vec<(String, Option<Json>)>,
    /// What `written` becomes once the last `apply`'s write is made ([`commit`](Self::commit)).
    proposed: Option<Vec<(String, Option<Json>)>>,
}

impl Orderer {
    /// A new orderer, which has written nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies the batches `(counter, ops)` of caller `from`, one at a time and each whole or not
    /// at all, to the room's state (`room(key)`: a key's value as this participant has it) under
    /// what this orderer wrote. `seen`: the highest version the caller has seen; `present`: the
    /// session ids in the call, whose bookkeeping is kept. The size limit is the writer's to check
    /// (exactly, as session data measures it): the JS face applies one batch per call for that.
    ///
    /// The write it asks for counts once [`commit`](Self::commit) is called; if the write fails,
    /// [`discard`](Self::discard) forgets it.
    pub fn apply(
        &mut self,
        room: &dyn Fn(&str) -> Option<Json>,
        from: &str,
        batches: &[(f64, Json)],
        seen: u64,
        present: &[String],
    ) -> Step {
        let mut w = Working { written: &self.written, room, touched: Vec::new() };
        let (mut version, mut applied) = book_of(w.get(RESERVED_KEY).as_ref());
        if seen > version {
            return Step::Behind { version };
        }
        let mut outcomes = Vec::with_capacity(batches.len());
        let mut changed = false;
        for (n, ops) in batches {
            let last = applied.iter().find(|(id, _)| id == from).map_or(0.0, |(_, n)| *n);
            let parsed = parse_batch(ops);
            if *n <= last {
                let ops = parsed.unwrap_or_default();
                outcomes.push(Outcome::Done(w.values_of(&ops)));
                continue;
            }
            let saved = w.touched.clone();
            let result = parsed.and_then(|ops| {
                for (at, op) in ops.iter().enumerate() {
                    let next = apply_op(w.get(op.key()), op)
                        .map_err(|why| ops::at_op(at, &[" (", op.key(), "): ", why].concat()))?;
                    w.put(op.key(), next);
                }
                Ok(ops)
            });
            let ops = match result {
                Ok(ops) => ops,
                Err(why) => {
                    w.touched = saved;
                    outcomes.push(Outcome::Invalid(why));
                    continue;
                }
            };
            set_applied(&mut applied, from, *n);
            outcomes.push(Outcome::Applied(w.values_of(&ops)));
            changed = true;
        }
        if !changed {
            return Step::Done { outcomes, changes: Vec::new(), version };
        }
        version += 1;
        // Callers that left never retry: their bookkeeping goes.
        applied.retain(|(id, _)| id == from || present.iter().any(|p| p == id));
        w.put(RESERVED_KEY, Some(book(version, &applied)));
        let changes: Vec<(String, Option<Json>)> =
            w.touched.into_iter().filter(|t| t.now != t.before).map(|t| (t.key, t.now)).collect();
        let mut written = self.written.clone();
        for (key, value) in &changes {
            match written.iter_mut().find(|(k, _)| k == key) {
                Some(entry) => entry.1 = value.clone(),
                None => written.push((key.clone(), value.clone())),
            }
        }
        self.proposed = Some(written);
        Step::Done { outcomes, changes, version }
    }

    /// The write the last [`apply`](Self::apply) asked for was made.
    pub fn commit(&mut self) {
        if let Some(written) = self.proposed.take() {
            self.written = written;
        }
    }

    /// The write the last [`apply`](Self::apply) asked for failed: it is forgotten.
    pub fn discard(&mut self) {
        self.proposed = None;
    }

    /// This participant no longer orders: if it orders again, it starts from session data.
    pub fn reset(&mut self) {
        self.written.clear();
        self.proposed = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ordered::value;
    use serde_json::json;

    type Room = Vec<(String, Json)>;

    fn room(v: serde_json::Value) -> Room {
        match Json::from(v) {
            Json::Obj(entries) => entries,
            _ => unreachable!(),
        }
    }

    fn inc() -> Json {
        Json::from(json!([{ "op": "increment", "key": "n" }]))
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn apply(o: &mut Orderer, r: &Room, from: &str, batches: &[(f64, Json)], seen: u64) -> Step {
        let lookup = |key: &str| value::field(r, key).cloned();
        o.apply(&lookup, from, batches, seen, &ids(&["a", "b", "c"]))
    }

    /// Applies, writes the changes into `r` and commits.
    fn step(o: &mut Orderer, r: &mut Room, from: &str, batches: &[(f64, Json)]) -> Vec<Outcome> {
        let Step::Done { outcomes, changes, .. } = apply(o, r, from, batches, 0) else { panic!("behind") };
        for (key, value) in changes {
            r.retain(|(k, _)| *k != key);
            if let Some(value) = value {
                r.push((key, value));
            }
        }
        o.commit();
        outcomes
    }

    fn n(v: f64) -> Vec<(String, Json)> {
        vec![("n".into(), Json::Num(v))]
    }

    #[test]
    fn the_orderer_is_the_earliest_to_join_ties_by_session_id() {
        assert_eq!(orderer([("b", Some(5.0)), ("a", Some(7.0)), ("c", Some(5.0))]), Some("b"));
        assert_eq!(orderer([("z", None), ("y", Some(9e12)), ("x", None)]), Some("y"));
        assert_eq!(orderer([("z", None), ("x", Some(f64::NAN))]), Some("x"));
        assert_eq!(orderer([]), None);
    }

    #[test]
    fn concurrent_increments_from_a_stale_copy_lose_nothing() {
        let mut o = Orderer::new();
        // The orderer's copy of the room never catches up: what it wrote still counts.
        let stale = room(json!({ "n": 0, "other": "kept" }));
        for i in 1..=40 {
            for from in ["a", "b", "c"] {
                assert!(matches!(apply(&mut o, &stale, from, &[(i as f64, inc())], 0), Step::Done { .. }));
                o.commit();
            }
        }
        let Step::Done { outcomes, .. } = apply(&mut o, &room(json!({})), "b", &[(40.0, inc())], 0) else { panic!() };
        assert_eq!(outcomes, vec![Outcome::Done(n(120.0))], "a retry is answered, not applied");
        let mut r = room(json!({}));
        assert_eq!(step(&mut o, &mut r, "c", &[(41.0, inc())]), vec![Outcome::Applied(n(121.0))]);
    }

    #[test]
    fn a_successor_knows_what_was_applied_from_session_data() {
        let mut first = Orderer::new();
        let mut r = room(json!({}));
        step(&mut first, &mut r, "a", &[(1.0, inc()), (2.0, inc())]);
        step(&mut first, &mut r, "b", &[(1.0, inc())]);
        assert_eq!(value::field(&r, RESERVED_KEY), Some(&Json::from(json!({ "v": 2, "applied": { "a": 2, "b": 1 } }))));
        // `first` leaves; `b` retries its batch 1 (its answer was lost) and sends 2.
        let mut next = Orderer::new();
        let out = step(&mut next, &mut r, "b", &[(1.0, inc()), (2.0, inc())]);
        assert_eq!(out, vec![Outcome::Done(n(3.0)), Outcome::Applied(n(4.0))]);
    }

    #[test]
    fn a_copy_older_than_the_caller_has_seen_waits() {
        let mut o = Orderer::new();
        let r = room(json!({ "$ordered": { "v": 3, "applied": {} } }));
        assert_eq!(apply(&mut o, &r, "a", &[(1.0, inc())], 4), Step::Behind { version: 3 });
        assert!(matches!(apply(&mut o, &r, "a", &[(1.0, inc())], 3), Step::Done { version: 4, .. }));
    }

    #[test]
    fn a_refused_batch_changes_nothing_and_the_next_goes_on() {
        let mut o = Orderer::new();
        let mut r = room(json!({ "s": "text" }));
        let bad = Json::from(json!([{ "op": "set", "key": "x", "value": 1 }, { "op": "increment", "key": "s" }]));
        let bogus = Json::from(json!([{ "op": "bogus" }]));
        let out = step(&mut o, &mut r, "a", &[(1.0, bad), (2.0, bogus), (3.0, inc())]);
        assert!(matches!(&out[0], Outcome::Invalid(why) if why.contains("ops[1] (s): increment needs a number")));
        assert!(matches!(&out[1], Outcome::Invalid(why) if why.contains("ops[0].key")));
        assert_eq!(out[2], Outcome::Applied(n(1.0)));
        assert_eq!(value::field(&r, "x"), None, "nothing of the refused batch");
        assert_eq!(value::field(&r, RESERVED_KEY), Some(&Json::from(json!({ "v": 1, "applied": { "a": 3 } }))));
        // Only refusals: no write at all.
        let Step::Done { changes, .. } = apply(&mut o, &r, "a", &[(4.0, Json::from(json!([{ "op": "x" }])))], 0) else {
            panic!()
        };
        assert!(changes.is_empty());
    }

    #[test]
    fn a_failed_write_is_forgotten_and_deletions_are_written() {
        let mut o = Orderer::new();
        let r = room(json!({ "gone": 1, "q": [] }));
        assert!(matches!(apply(&mut o, &r, "a", &[(1.0, inc())], 0), Step::Done { .. }));
        o.discard();
        let del = Json::from(json!([{ "op": "delete", "key": "gone" }]));
        let Step::Done { changes, .. } = apply(&mut o, &r, "a", &[(1.0, del)], 0) else { panic!() };
        assert!(changes.contains(&("gone".to_owned(), None)));
        assert!(!changes.iter().any(|(k, _)| k == "n"), "the discarded increment is not there");
    }

    #[test]
    fn bookkeeping_of_callers_that_left_goes_and_garbage_is_survived() {
        let mut o = Orderer::new();
        let r = room(json!({ "$ordered": { "v": "x", "applied": { "gone": 5, "b": "junk" } } }));
        let Step::Done { changes, version, .. } = apply(&mut o, &r, "a", &[(1.0, inc())], 0) else { panic!() };
        assert_eq!(version, 1);
        let book = changes.iter().find(|(k, _)| k == RESERVED_KEY).and_then(|(_, v)| v.clone());
        assert_eq!(book, Some(Json::from(json!({ "v": 1, "applied": { "b": 0, "a": 1 } }))));
    }
}
