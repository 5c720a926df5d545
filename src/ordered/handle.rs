//! The Rust API's ordered room state: [`Ordered`], from
//! [`DailySync::ordered`](crate::DailySync::ordered). It runs the pure `Orderer` over the
//! DailySync's session data and request and response, on the JS API's wire (`$ordered.apply`,
//! `{ b: [[counter, ops], ...], s: seen }` answered with `{ r: [outcome, ...], v }`), so Rust and
//! JS participants order for each other.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use serde::Serialize;
use serde_json::{json, Map, Value};
use wasm_bindgen::JsCast;

use super::core::{orderer, Orderer, Outcome, Step};
use super::ops::parse_batch;
use super::value::Json;
use crate::convert::get;
use crate::payload::Error;
use crate::rpc::typed::Rpc;
use crate::rpc::{RequestOptions, RpcFailure, RpcHandler, RpcRequest};
use crate::session::driver::Driver;
use crate::session::values::rust_entry;
use crate::sys::CallObject;

/// The reserved method the orderer answers.
const METHOD: &str = "$ordered.apply";
/// How long [`Ordered::apply`] keeps asking (the orderer, then its successors) before it fails.
const DEADLINE_MS: f64 = 30_000.0;
/// The most batches one request carries.
const MAX_GROUP: usize = 64;
/// How long a caller waits for a successor to see a state it has seen, before trusting it anyway.
const BEHIND_MS: f64 = 3_000.0;

/// One change of ordered room state, on a top-level key of the session data, in the JS API's form
/// (`{ op, key, ... }`): made by its constructors, each named for its op.
///
/// ```
/// use daily_sync::OrderedOp;
/// use serde_json::json;
/// let ops = [OrderedOp::increment("votes", 1.0), OrderedOp::push("questions", json!("Why Rust?"), Some(50))];
/// assert_eq!(serde_json::to_value(&ops[1]).unwrap()["max"], 50);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct OrderedOp(Value);

impl OrderedOp {
    /// Sets `key` to `value`.
    pub fn set(key: impl Into<String>, value: Value) -> Self {
        OrderedOp(json!({ "op": "set", "key": key.into(), "value": value }))
    }

    /// Deletes `key`.
    pub fn delete(key: impl Into<String>) -> Self {
        OrderedOp(json!({ "op": "delete", "key": key.into() }))
    }

    /// Adds `by` to the number at `key` (a missing key counts from 0).
    pub fn increment(key: impl Into<String>, by: f64) -> Self {
        OrderedOp(json!({ "op": "increment", "key": key.into(), "by": by }))
    }

    /// Appends `value` to the array at `key` (a missing key starts empty); past `max` items the
    /// oldest go.
    pub fn push(key: impl Into<String>, value: Value, max: Option<usize>) -> Self {
        let mut op = json!({ "op": "push", "key": key.into(), "value": value });
        if let (Some(max), Some(fields)) = (max, op.as_object_mut()) {
            fields.insert("max".into(), max.into());
        }
        OrderedOp(op)
    }

    /// Drops every item of the array at `key` deep-equal to `value`.
    pub fn remove(key: impl Into<String>, value: Value) -> Self {
        OrderedOp(json!({ "op": "remove", "key": key.into(), "value": value }))
    }
}

/// What [`Ordered::apply`] resolves with: the values of the keys its batch names, as they stand
/// once it is applied (a deleted key left out).
pub type Applied = Map<String, Value>;

/// Where a batch's outcome goes, and the task waiting for it.
#[derive(Default)]
struct Slot {
    result: Option<Result<Applied, Error>>,
    waker: Option<Waker>,
}

/// The future of one batch's outcome, from [`Ordered::apply`]. The batch was queued when `apply`
/// was called: dropping this future does not withdraw it.
#[must_use = "the outcome of the change is only known by awaiting it"]
pub struct OrderedApply {
    slot: Rc<RefCell<Slot>>,
}

impl Future for OrderedApply {
    type Output = Result<Applied, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.borrow_mut();
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl fmt::Debug for OrderedApply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderedApply").field("settled", &self.slot.borrow().result.is_some()).finish()
    }
}

/// Whom a group of batches goes to.
enum Ask {
    /// This participant orders: it applies them itself.
    Here(String),
    /// The orderer, over request and response.
    There(RpcRequest<Value>),
    /// Nobody orders (the call's participants are not known).
    Nobody,
}

/// A batch not yet settled.
struct Queued {
    n: u64,
    ops: Value,
    until: f64,
    slot: Rc<RefCell<Slot>>,
}

impl Queued {
    fn settle(self, result: Result<Applied, Error>) {
        let mut slot = self.slot.borrow_mut();
        slot.result = Some(result);
        if let Some(waker) = slot.waker.take() {
            waker.wake();
        }
    }
}

/// The ordered state of one DailySync: its caller's queue and its orderer's side.
struct Inner {
    call: CallObject,
    rpc: Rc<Rpc>,
    session: Rc<Driver<Value>>,
    /// What this participant wrote while it ordered.
    core: RefCell<Orderer>,
    /// The session id this participant last ordered as.
    served_as: RefCell<Option<String>>,
    /// Batches not yet settled, in counter order.
    queue: RefCell<VecDeque<Queued>>,
    sending: Cell<bool>,
    counter: Cell<u64>,
    /// The highest state version this caller was told of: an orderer behind it waits.
    seen: Cell<u64>,
    behind_since: Cell<f64>,
    tries: Cell<u32>,
    retry: RefCell<Option<gloo_timers::callback::Timeout>>,
    handler: RefCell<Option<RpcHandler>>,
}

/// Ordered room state: every change goes through one participant (the longest present; the next
/// takes over when it leaves), which applies batches one at a time and writes the result into
/// session data, so concurrent changes never lose each other. Clones share one queue.
#[derive(Clone)]
pub struct Ordered {
    inner: Rc<Inner>,
}

impl fmt::Debug for Ordered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ordered").field("queued", &self.inner.queue.borrow().len()).finish()
    }
}

/// `(my session id, the orderer's, every session id)` in this participant's view of the call.
fn roles(call: &CallObject) -> (Option<String>, Option<String>, Vec<String>) {
    let Some(all) = call.participants().ok().and_then(|all| all.dyn_into::<js_sys::Object>().ok()) else {
        return (None, None, Vec::new());
    };
    let mut me = None;
    let mut list: Vec<(String, Option<f64>)> = Vec::new();
    for p in js_sys::Object::values(&all).iter().filter(|p| p.is_object()) {
        let Some(id) = get(&p, "session_id").as_string() else { continue };
        if get(&p, "local").as_bool() == Some(true) {
            me = Some(id.clone());
        }
        let at = get(&p, "joined_at");
        list.push((id, at.dyn_ref::<js_sys::Date>().map(js_sys::Date::get_time).or_else(|| at.as_f64())));
    }
    let leader = orderer(list.iter().map(|(id, at)| (id.as_str(), *at))).map(str::to_owned);
    (me, leader, list.into_iter().map(|(id, _)| id).collect())
}

/// What the orderer answers for a request it cannot take now: the caller asks again.
fn retry(message: &str, behind: bool) -> RpcFailure {
    RpcFailure::new(message).with_data(json!({ "retry": true, "behind": behind }))
}

/// An outcome on the wire: `{ ok: values }` or `{ kind, message }`.
fn outcome_json(outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Applied(values) => json!({ "ok": Value::from(&Json::Obj(values.clone())) }),
        Outcome::Done(values) => json!({ "ok": Value::from(&Json::Obj(values.clone())), "dup": true }),
        Outcome::Invalid(why) => {
            json!({ "kind": "invalid-argument", "message": (["invalid argument: ", why].concat()) })
        }
    }
}

/// A batch's outcome as the caller reads it from the orderer's answer.
fn outcome_of(outcome: Option<&Value>) -> Result<Applied, Error> {
    if let Some(Value::Object(values)) = outcome.and_then(|o| o.get("ok")) {
        return Ok(values.clone());
    }
    let field = |name| outcome.and_then(|o| o.get(name));
    let message = field("message").and_then(Value::as_str).unwrap_or_default();
    let size = |name| field(name).and_then(Value::as_u64).unwrap_or(0) as usize;
    match field("kind").and_then(Value::as_str) {
        Some("invalid-argument") => {
            Err(Error::InvalidArgument(message.strip_prefix("invalid argument: ").unwrap_or(message).to_owned()))
        }
        Some("payload-too-large") => Err(Error::PayloadTooLarge { size: size("size"), limit: size("limit") }),
        _ => Err(Error::Rpc {
            code: "application-error",
            message: "the orderer gave no outcome for this batch".into(),
            data: None,
        }),
    }
}

impl Inner {
    fn joined(&self) -> bool {
        self.call.joined()
    }

    /// Sends the queued batches (one request at a time) to the orderer, or applies them here.
    fn pump(self: &Rc<Self>) {
        let queue = self.queue.borrow();
        if self.sending.get() || self.retry.borrow().is_some() || queue.is_empty() {
            return;
        }
        let count = queue.len().min(MAX_GROUP);
        let batches: Vec<Value> = queue.iter().take(count).map(|q| json!([q.n, q.ops])).collect();
        let until = queue.front().map_or(0.0, |q| q.until);
        drop(queue);
        if !self.joined() {
            let error = Error::NotJoined(
                "ordered().apply() needs a joined call: the orderer is one of its participants".into(),
            );
            return self.reject(count, error);
        }
        self.sending.set(true);
        let payload = json!({ "b": batches, "s": self.seen.get() });
        let (me, leader, _) = roles(&self.call);
        let inner = self.clone();
        let timeout_ms = (until - js_sys::Date::now()).clamp(1.0, 10_000.0) as u64;
        let ask = match (&me, &leader) {
            (Some(me), Some(leader)) if me == leader => Ask::Here(me.clone()),
            (_, Some(leader)) => {
                let options = RequestOptions { timeout_ms, ..Default::default() };
                Ask::There(RpcRequest::new(Ok(self.rpc.request(leader, METHOD, &payload, &options))))
            }
            (_, None) => Ask::Nobody,
        };
        wasm_bindgen_futures::spawn_local(async move {
            let answer = match ask {
                Ask::There(request) => request.await,
                Ask::Here(me) => inner.serve(&me, &payload).map_err(|failure| Error::Rpc {
                    code: "application-error",
                    message: failure.message,
                    data: failure.data,
                }),
                Ask::Nobody => Err(Error::Rpc {
                    code: "recipient-not-found",
                    message: "nobody in the call orders yet".into(),
                    data: None,
                }),
            };
            inner.sending.set(false);
            match answer {
                Ok(answer) => inner.settle(count, &answer),
                Err(error) => inner.failed(count, error),
            }
        });
    }

    /// Takes the first `count` batches off the queue, each failing with `error`.
    fn reject(self: &Rc<Self>, count: usize, error: Error) {
        let taken: Vec<Queued> = self.queue.borrow_mut().drain(..count).collect();
        for queued in taken {
            queued.settle(Err(error.clone()));
        }
        self.pump();
    }

    /// The orderer's answer: one outcome per batch.
    fn settle(self: &Rc<Self>, count: usize, answer: &Value) {
        self.tries.set(0);
        self.behind_since.set(0.0);
        if let Some(version) = answer.get("v").and_then(Value::as_u64) {
            self.seen.set(self.seen.get().max(version));
        }
        let outcomes = answer.get("r").and_then(Value::as_array);
        let taken: Vec<Queued> = self.queue.borrow_mut().drain(..count).collect();
        for (i, queued) in taken.into_iter().enumerate() {
            queued.settle(outcome_of(outcomes.and_then(|r| r.get(i))));
        }
        self.pump();
    }

    /// The request failed: asked again (the orderer may have changed) until the deadline.
    fn failed(self: &Rc<Self>, count: usize, error: Error) {
        let (again, behind) = match &error {
            Error::Rpc { data: Some(data), .. } => {
                (data.get("retry") == Some(&Value::Bool(true)), data.get("behind") == Some(&Value::Bool(true)))
            }
            _ => (false, false),
        };
        let retryable =
            again || matches!(&error, Error::Rpc { code, .. } if *code != "application-error" && *code != "cancelled");
        if !retryable {
            return self.reject(count, error);
        }
        let now = js_sys::Date::now();
        if behind {
            // A successor that never sees that state (its writer left first) is trusted after a while.
            if self.behind_since.get() == 0.0 {
                self.behind_since.set(now);
            } else if now - self.behind_since.get() > BEHIND_MS {
                self.seen.set(0);
            }
        }
        let expired = self.queue.borrow().iter().take(count).take_while(|q| q.until <= now).count();
        if expired > 0 {
            return self.reject(expired, error);
        }
        let tries = self.tries.get();
        self.tries.set(tries + 1);
        let wait = 10u32.saturating_mul(1 << tries.min(7)).min(1000);
        let inner = Rc::downgrade(self);
        *self.retry.borrow_mut() = Some(gloo_timers::callback::Timeout::new(wait, move || {
            if let Some(inner) = inner.upgrade() {
                inner.retry.borrow_mut().take();
                inner.pump();
            }
        }));
    }

    /// The orderer's side: applies a caller's batches and writes the result into session data.
    fn serve(&self, from: &str, payload: &Value) -> Result<Value, RpcFailure> {
        let (me, leader, present) = roles(&self.call);
        // What it wrote counts only while it orders, in the same session (not after a rejoin).
        if *self.served_as.borrow() != me {
            self.core.borrow_mut().reset();
        }
        if me.is_none() || leader != me {
            *self.served_as.borrow_mut() = None;
            return Err(retry("this participant does not order: ask the orderer", false));
        }
        *self.served_as.borrow_mut() = me;
        let malformed = || RpcFailure::new("invalid argument: a malformed ordered request");
        let batches = payload.get("b").and_then(Value::as_array).ok_or_else(malformed)?;
        let mut parsed = Vec::with_capacity(batches.len());
        for batch in batches {
            match batch.as_array().map(Vec::as_slice) {
                Some([n, ops]) if n.as_f64().is_some_and(|n| n >= 1.0) => {
                    parsed.push((n.as_f64().unwrap_or(1.0), Json::from(ops.clone())))
                }
                _ => return Err(malformed()),
            }
        }
        let seen = payload.get("s").and_then(Value::as_u64).unwrap_or(0);
        let room = |key: &str| self.session.with_view(|state| state.get(key).map(|v| Json::from(v.clone())));
        let mut outcomes = Vec::with_capacity(parsed.len());
        let mut version = None;
        let mut failed = None;
        // One batch at a time, each merged into session data as it is applied: the session data's
        // own size check (exact, as Daily measures) refuses a batch that would pass the limit.
        for batch in parsed {
            let step = self.core.borrow_mut().apply(&room, from, &[batch], seen, &present);
            let (outcome, changes, v) = match step {
                Step::Behind { .. } => {
                    failed = Some(retry("the orderer has not seen the latest state yet", true));
                    break;
                }
                Step::Done { mut outcomes, changes, version } => (outcomes.pop(), changes, version),
            };
            let mut outcome = outcome.as_ref().map_or(Value::Null, outcome_json);
            if !changes.is_empty() {
                let patch: Result<Vec<_>, Error> = changes
                    .into_iter()
                    .map(|(key, value)| Ok((key, value.map(|v| rust_entry(Value::from(&v))).transpose()?)))
                    .collect();
                match patch.and_then(|patch| self.session.merge(patch)) {
                    Ok(()) => self.core.borrow_mut().commit(),
                    Err(Error::PayloadTooLarge { size, limit }) => {
                        self.core.borrow_mut().discard();
                        let message =
                            [&Error::PayloadTooLarge { size, limit }.message(), ": nothing was applied"].concat();
                        outcome =
                            json!({ "kind": "payload-too-large", "message": message, "size": size, "limit": limit });
                    }
                    Err(error) => {
                        self.core.borrow_mut().discard();
                        failed = Some(retry(&["the orderer could not write: ", &error.message()].concat(), false));
                        break;
                    }
                }
            }
            if outcome.get("kind").is_none() {
                version = Some(v);
            }
            outcomes.push(outcome);
        }
        // At once, not at the DailySync's interval: a change is applied when it is written.
        if let Err(error) = self.session.flush() {
            failed =
                failed.or_else(|| Some(retry(&["the orderer could not write: ", &error.message()].concat(), false)));
        }
        match failed {
            Some(failure) => Err(failure),
            None => Ok(json!({ "r": outcomes, "v": version })),
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        for queued in self.queue.get_mut().drain(..) {
            queued.settle(Err(Error::Disposed));
        }
    }
}

impl Ordered {
    /// The ordered state over `rpc` and the DailySync's session-data throttle; it answers the
    /// orderer's requests from now on.
    pub(crate) fn new(call: &CallObject, rpc: Rc<Rpc>, session: Rc<Driver<Value>>) -> Result<Self, Error> {
        let inner = Rc::new(Inner {
            call: call.clone(),
            rpc: rpc.clone(),
            session,
            core: RefCell::default(),
            served_as: RefCell::default(),
            queue: RefCell::default(),
            sending: Cell::new(false),
            // From the creation time (ms × 1000), as the JS API's: a handle made again on the same
            // call object (a remount) numbers above every batch of the one before, which the
            // orderer would take for retries (npm/ordered.js says so too).
            counter: Cell::new(js_sys::Date::now() as u64 * 1000),
            seen: Cell::new(0),
            behind_since: Cell::new(0.0),
            tries: Cell::new(0),
            retry: RefCell::default(),
            handler: RefCell::default(),
        });
        let weak: Weak<Inner> = Rc::downgrade(&inner);
        let handler = rpc.handle(METHOD, move |payload: Value, from: String| {
            let answer = match weak.upgrade() {
                Some(inner) => inner.serve(&from, &payload),
                None => Err(retry("this participant's ordered state was dropped", false)),
            };
            async move { answer }
        })?;
        *inner.handler.borrow_mut() = Some(handler);
        Ok(Ordered { inner })
    }

    /// Applies `ops` through the participant that orders, all or none: the future of the values
    /// of the keys they name once applied. The batch is checked and queued at once (a bad op fails
    /// with `InvalidArgument` and nothing is sent); the orderer applies it exactly once, even when
    /// it leaves and this caller asks its successor. It fails with `NotJoined` outside a call,
    /// `InvalidArgument` for an op the state refuses (incrementing a string, say),
    /// `PayloadTooLarge` when the result would pass session data's limit, and `Timeout` when no
    /// orderer answered within 30 s.
    pub fn apply(&self, ops: &[OrderedOp]) -> OrderedApply {
        let slot = Rc::new(RefCell::new(Slot::default()));
        let checked =
            serde_json::to_value(ops).map_err(|error| Error::NotSerializable(error.to_string())).and_then(|ops| {
                match parse_batch(&Json::from(ops.clone())) {
                    Ok(_) => Ok(ops),
                    Err(why) => Err(Error::InvalidArgument(why)),
                }
            });
        match checked {
            Err(error) => slot.borrow_mut().result = Some(Err(error)),
            Ok(ops) => {
                let inner = &self.inner;
                inner.counter.set(inner.counter.get() + 1);
                let until = js_sys::Date::now() + DEADLINE_MS;
                inner.queue.borrow_mut().push_back(Queued { n: inner.counter.get(), ops, until, slot: slot.clone() });
                inner.pump();
            }
        }
        OrderedApply { slot }
    }
}
