//! Request and response on a live call object: the [`RpcCore`](super::core::RpcCore) run with real
//! time, over the channel layer's reserved channel `$rpc` (so requests and answers of any size up
//! to the channel's maximum go in chunks, in order, and never reach the plain app-message
//! subscriptions). The handlers and the settling of requests are the owner's: npm/rpc.js for the
//! JS API (which feeds a [`detached`](RpcDriver::detached) driver the call's events), the Rust
//! API's [`typed`](super::typed) module (whose driver follows them itself, [`RpcDriver::new`]).
//!
//! On the wire, each message is one envelope: a request `{ r: id, m: method, p: payload }`, an
//! acknowledgement `{ a: id }`, an answer `{ s: id, v: value }` or a failure
//! `{ s: id, e: code, msg: message, d: data }`. An envelope that fits in one app message travels
//! whole, unsequenced, as `{ "$ds": 1, c: "$rpc", w: envelope }`: requests and answers are matched
//! by id, never by order, so the small ones that most are skip the channel's sequence and chunks.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;

use super::core::{Incoming, Outcome, RpcCode, RpcCore, Timeouts};
use crate::channel::codec::VERSION;
use crate::channel::driver::{ChannelCore, Item, SinkGuard};
use crate::convert::get;
use crate::daily_errors::classify;
use crate::payload::{Error, Recipient, CHUNK_MARKER};
use crate::sys::{now, CallObject, DeadlineTimer};

/// The channel the requests and answers travel on; user channels cannot take a `$` name.
pub(crate) const RPC_CHANNEL: &str = "$rpc";

/// How long a callee waits before acknowledging a request: one whose answer leaves first needs no
/// acknowledgement (the answer says it arrived), which saves an app message for every quick
/// handler. Far below any connection timeout worth setting (a network round trip).
const ACK_DELAY_MS: u32 = 5;

// Sending an envelope whole, in one app message: built and handed to the call object in one call,
// its marker and channel given once, so no message carries them across. Each send gives undefined,
// or `{ thrown, w }` when the call object refused envelope `w` (too large for one app message, say).
#[wasm_bindgen(inline_js = "export function wire(call, marker, version, c) {
  const send = (to, w) => {
    try {
      call.sendAppMessage({ [marker]: version, c, w }, to);
    } catch (thrown) {
      return { thrown, w };
    }
  };
  return {
    request: (to, r, m, p) => send(to, { r, m, p }),
    ack: (to, a) => send(to, { a }),
    answer: (to, s, v) => send(to, { s, v }),
    failure: (to, s, e, msg, d) => send(to, { s, e, msg, d }),
    wholeIn(event) {
      try {
        const d = event.data;
        if (d[marker] === version && d.c === c && typeof d.w === 'object' && d.w !== null) return d.w;
      } catch {}
    },
  };
}")]
extern "C" {
    /// Whole envelopes on one call object's channel.
    #[derive(Debug)]
    type Wire;
    fn wire(call: &JsValue, marker: &str, version: u32, channel: &str) -> Wire;
    #[wasm_bindgen(method)]
    fn request(this: &Wire, to: &JsValue, id: f64, method: &JsValue, payload: &JsValue) -> JsValue;
    #[wasm_bindgen(method)]
    fn ack(this: &Wire, to: &JsValue, id: f64) -> JsValue;
    #[wasm_bindgen(method)]
    fn answer(this: &Wire, to: &JsValue, id: f64, value: &JsValue) -> JsValue;
    #[wasm_bindgen(method)]
    fn failure(this: &Wire, to: &JsValue, id: f64, code: &str, message: &str, data: &JsValue) -> JsValue;
    /// The whole envelope an `app-message` event carries, or undefined (also for a whole envelope
    /// of another version, which the chunks' rule drops too).
    #[wasm_bindgen(method, js_name = wholeIn)]
    fn whole_in(this: &Wire, event: &JsValue) -> JsValue;
}

/// How a request to one participant ended, as the owner settles it.
#[derive(Debug)]
pub(crate) struct Settled {
    /// The request.
    pub id: u64,
    /// The participant asked.
    #[cfg(any(doc, rust_api))]
    pub to: String,
    /// The same, as a JS string.
    pub to_value: JsValue,
    /// The answer, or the failure: its code, message and data.
    pub result: Result<JsValue, (RpcCode, String, JsValue)>,
}

/// A request that came in, for the owner's handler.
pub(crate) struct Request {
    /// Who asked.
    #[cfg(any(doc, rust_api))]
    pub from: String,
    /// The same, as a JS string.
    pub from_value: JsValue,
    /// Its id, to answer with.
    pub id: u64,
    /// The method.
    #[cfg(any(doc, rust_api))]
    pub method: String,
    /// The same, as a JS string.
    pub method_value: JsValue,
    /// The payload (undefined when none was sent).
    pub payload: JsValue,
}

type OnRequest = Box<dyn Fn(Request)>;
type OnSettled = Box<dyn Fn(Settled)>;

/// Request and response for one DailySync.
pub(crate) struct RpcDriver {
    wire: Wire,
    channel: Rc<ChannelCore>,
    core: RefCell<RpcCore>,
    handled: RefCell<Vec<String>>,
    on_request: OnRequest,
    on_settled: OnSettled,
    timer: RefCell<DeadlineTimer>,
    /// Requests taken but not yet acknowledged: the acknowledgements go out [`ACK_DELAY_MS`] later.
    unacked: RefCell<Vec<(String, u64)>>,
    ack_timer: RefCell<Option<gloo_timers::callback::Timeout>>,
    sink: RefCell<Option<SinkGuard>>,
    /// The session ids met, with their JS strings: an id crosses between JS and Rust once, not
    /// with every message (dropped when its participant leaves).
    ids: RefCell<Vec<(Rc<str>, JsValue)>>,
    me: Weak<RpcDriver>,
}

impl std::fmt::Debug for RpcDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcDriver").field("handled", &self.handled).finish_non_exhaustive()
    }
}

impl RpcDriver {
    /// Request and response on `call`, told of its events by its owner ([`receive`](Self::receive),
    /// [`joined`](Self::joined), [`left`](Self::left)). `on_request` gets each new request for a
    /// handled method (already acknowledged); `on_settled` each outcome of this side's requests.
    pub(crate) fn detached(
        call: &CallObject,
        on_request: impl Fn(Request) + 'static,
        on_settled: impl Fn(Settled) + 'static,
    ) -> Rc<Self> {
        let channel = ChannelCore::reserved(call, RPC_CHANNEL);
        let driver = Rc::new_cyclic(|me| RpcDriver {
            wire: wire(call, CHUNK_MARKER, VERSION, RPC_CHANNEL),
            channel: channel.clone(),
            // A random stream, below 2^20 so that its ids stay safe integers.
            core: RefCell::new(RpcCore::with_stream((js_sys::Math::random() * f64::from(1 << 20)) as u32)),
            handled: RefCell::new(Vec::new()),
            on_request: Box::new(on_request),
            on_settled: Box::new(on_settled),
            timer: RefCell::default(),
            unacked: RefCell::default(),
            ack_timer: RefCell::default(),
            sink: RefCell::new(None),
            ids: RefCell::default(),
            me: me.clone(),
        });
        let weak = Rc::downgrade(&driver);
        let sink = channel.subscribe(move |item| {
            if let (Some(driver), Item::Message { data, from, .. }) = (weak.upgrade(), item) {
                driver.envelope(from, data);
            }
        });
        *driver.sink.borrow_mut() = Some(sink);
        driver
    }

    /// Request and response on `call`, following the call's `app-message` (the `$rpc` channel's
    /// chunks), `participant-joined` and `participant-left` events through the subscriptions it
    /// returns with it, which the owner keeps for as long as the driver should listen: the Rust
    /// API's. (They are not a field, so the npm entry's detached driver carries nothing of them.)
    /// `on_request` and `on_settled` as for [`detached`](Self::detached).
    #[cfg(any(doc, rust_api))]
    pub(crate) fn new(
        call: &CallObject,
        on_request: impl Fn(Request) + 'static,
        on_settled: impl Fn(Settled) + 'static,
    ) -> Result<(Rc<Self>, Vec<crate::events::Subscription>), Error> {
        use crate::events::Subscription;
        /// The session id of a participant event's participant.
        fn participant_id(event: &JsValue) -> Option<String> {
            get(&get(event, "participant"), "session_id").as_string()
        }
        let driver = Self::detached(call, on_request, on_settled);
        let on = |event: &'static str, handler: fn(&RpcDriver, &JsValue)| {
            let weak = Rc::downgrade(&driver);
            Subscription::new(call, event, move |payload| {
                if let Some(driver) = weak.upgrade() {
                    handler(&driver, payload);
                }
            })
            .map_err(|thrown| crate::daily_errors::classify(thrown, || None))
        };
        let subscriptions = vec![
            // The channel takes only its own chunks: plain app messages and other channels' pass by.
            on("app-message", |driver, event| driver.receive(event))?,
            on("participant-joined", |driver, event| driver.joined(&get(event, "participant")))?,
            on("participant-left", |driver, event| {
                if let Some(id) = participant_id(event) {
                    driver.left(&id);
                }
            })?,
        ];
        Ok((driver, subscriptions))
    }

    /// Says whether this side has a handler for `method`.
    pub(crate) fn set_handled(&self, method: &str, handled: bool) {
        let mut methods = self.handled.borrow_mut();
        methods.retain(|m| m != method);
        if handled {
            methods.push(method.to_owned());
        }
    }

    /// Sends a request for `method` to `to` (`present`: whether it is in the call): its id.
    pub(crate) fn request(
        &self,
        to: &str,
        present: bool,
        method: &JsValue,
        payload: &JsValue,
        timeouts: Timeouts,
    ) -> Result<u64, Error> {
        let sent = now();
        let id = self.core.borrow_mut().request(sent, to, present, timeouts).map_err(RpcCode::error)?;
        if let Err(error) = self.send_request(id, method, payload, Some(to)) {
            self.core.borrow_mut().cancel(id);
            return Err(error);
        }
        self.arm(sent, timeouts);
        Ok(id)
    }

    /// Sends one request for `method` to everyone in `everyone`: its id.
    pub(crate) fn request_all(
        &self,
        everyone: &[String],
        method: &JsValue,
        payload: &JsValue,
        timeouts: Timeouts,
    ) -> Result<u64, Error> {
        let sent = now();
        let id = self.core.borrow_mut().request_all(sent, everyone, timeouts);
        if everyone.is_empty() {
            return Ok(id);
        }
        if let Err(error) = self.send_request(id, method, payload, None) {
            self.core.borrow_mut().cancel(id);
            return Err(error);
        }
        self.arm(sent, timeouts);
        Ok(id)
    }

    /// `to`: one participant, or (`None`) everyone.
    fn send_request(&self, id: u64, method: &JsValue, payload: &JsValue, to: Option<&str>) -> Result<(), Error> {
        let to_value = to.map_or_else(|| JsValue::from_str("*"), |id| self.js_id(id));
        self.sent(self.wire.request(&to_value, id as f64, method, payload), to)
    }

    /// What came of sending an envelope whole (`refused`: what [`Wire`]'s sends give): when it was
    /// too large for one app message, it is cut into chunks over the channel. A message goes as the
    /// app's own app messages go: daily-js measures it, clones it as it posts it, and its receivers
    /// read its JSON form.
    fn sent(&self, refused: JsValue, to: Option<&str>) -> Result<(), Error> {
        if refused.is_undefined() {
            return Ok(());
        }
        match classify(get(&refused, "thrown"), || None) {
            Error::PayloadTooLarge { .. } => {
                let to = to.map_or(Recipient::All, |id| Recipient::One(id.to_owned()));
                self.channel.send(&get(&refused, "w"), &to).map(|_| ())
            }
            error => Err(error),
        }
    }

    /// Answers request `id` of `to`: `Ok(value)`, or the handler's failure (message and data).
    pub(crate) fn respond(&self, to: &str, id: u64, result: Result<&JsValue, (&str, &JsValue)>) -> Result<(), Error> {
        let mut unacked = self.unacked.borrow_mut();
        if let Some(at) = unacked.iter().position(|(from, unacked)| *unacked == id && from == to) {
            unacked.swap_remove(at);
        }
        drop(unacked);
        let to_value = self.js_id(to);
        let refused = match result {
            Ok(value) => self.wire.answer(&to_value, id as f64, value),
            Err((message, data)) => {
                self.wire.failure(&to_value, id as f64, RpcCode::ApplicationError.as_str(), message, data)
            }
        };
        self.sent(refused, Some(to))
    }

    /// Session id `id` as a JS string.
    fn js_id(&self, id: &str) -> JsValue {
        if let Some((_, value)) = self.ids.borrow().iter().find(|(known, _)| &**known == id) {
            return value.clone();
        }
        let value = JsValue::from_str(id);
        self.remember(id.into(), value.clone());
        value
    }

    /// The session id a JS string names (none when `value` is not a string).
    pub(crate) fn id_of(&self, value: &JsValue) -> Option<Rc<str>> {
        if let Some((id, _)) = self.ids.borrow().iter().find(|(_, known)| known == value) {
            return Some(id.clone());
        }
        let id: Rc<str> = value.as_string()?.into();
        self.remember(id.clone(), value.clone());
        Some(id)
    }

    fn remember(&self, id: Rc<str>, value: JsValue) {
        let mut ids = self.ids.borrow_mut();
        // Ids leave with their participants; the bound is for a call object that never says so.
        if ids.len() >= 256 {
            ids.clear();
        }
        ids.push((id, value));
    }

    /// Acknowledges request `id` of `from` [`ACK_DELAY_MS`] from now, unless its answer goes out
    /// first.
    fn acknowledge_soon(&self, from: &str, id: u64) {
        self.unacked.borrow_mut().push((from.to_owned(), id));
        if self.ack_timer.borrow().is_some() {
            return;
        }
        let weak = self.me.clone();
        let timer = gloo_timers::callback::Timeout::new(ACK_DELAY_MS, move || {
            let Some(driver) = weak.upgrade() else { return };
            driver.ack_timer.borrow_mut().take();
            let unacked = std::mem::take(&mut *driver.unacked.borrow_mut());
            for (from, id) in unacked {
                // A send that fails (the call left) leaves the caller to its timeout.
                let _ = driver.sent(driver.wire.ack(&driver.js_id(&from), id as f64), Some(&from));
            }
        });
        *self.ack_timer.borrow_mut() = Some(timer);
    }

    /// Cancels request `id`: each participant it waited for settles as cancelled.
    pub(crate) fn cancel(&self, id: u64) {
        let outcomes = self.core.borrow_mut().cancel(id);
        self.settle_all(outcomes);
    }

    /// An `app-message` event (the owner passes those of the `$rpc` channel).
    pub(crate) fn receive(&self, event: &JsValue) {
        let envelope = self.wire.whole_in(event);
        if envelope.is_undefined() {
            self.channel.receive(event);
        } else if let Some(from) = self.id_of(&get(event, "fromId")) {
            self.envelope(&from, &envelope);
        }
    }

    /// A participant joined (a `participant-joined` event's participant).
    pub(crate) fn joined(&self, participant: &JsValue) {
        if let Some(id) = self.channel.newcomer(participant) {
            self.channel.joined(&id);
        }
    }

    /// A participant left: the requests waiting for it fail with `recipient-left`.
    pub(crate) fn left(&self, id: &str) {
        self.channel.left(id);
        self.ids.borrow_mut().retain(|(known, _)| &**known != id);
        let outcomes = self.core.borrow_mut().left(id);
        self.settle_all(outcomes);
    }

    /// Stops: whatever is pending settles as cancelled; no more deliveries, no timer.
    pub(crate) fn close(&self) {
        let outcomes = self.core.borrow_mut().clear(RpcCode::Cancelled);
        self.sink.borrow_mut().take();
        self.timer.borrow_mut().clear();
        self.ack_timer.borrow_mut().take();
        self.unacked.borrow_mut().clear();
        self.channel.close();
        self.settle_all(outcomes);
    }

    /// One envelope from `from`.
    fn envelope(&self, from: &str, data: &JsValue) {
        let id = |key: &'static str| {
            let id = get(data, key).as_f64()?;
            (id >= 1.0 && id.fract() == 0.0 && id <= crate::payload::MAX_SAFE_INTEGER as f64).then_some(id as u64)
        };
        if let Some(id) = id("r") {
            let method_value = get(data, "m");
            let Some(method) = method_value.as_string() else { return };
            let handled = self.handled.borrow().contains(&method);
            match self.core.borrow_mut().incoming(from, id, handled) {
                Incoming::Duplicate => return,
                Incoming::Unsupported => {
                    let code = RpcCode::UnsupportedMethod.as_str();
                    let refused = self.wire.failure(&self.js_id(from), id as f64, code, "", &JsValue::UNDEFINED);
                    // A send that fails (the call left) leaves the caller to its timeout.
                    let _ = self.sent(refused, Some(from));
                    return;
                }
                Incoming::Run => {}
            }
            self.acknowledge_soon(from, id);
            let from_value = self.js_id(from);
            (self.on_request)(Request {
                #[cfg(any(doc, rust_api))]
                from: from.to_owned(),
                from_value,
                id,
                #[cfg(any(doc, rust_api))]
                method,
                method_value,
                payload: get(data, "p"),
            });
        } else if let Some(id) = id("a") {
            self.core.borrow_mut().acknowledged(id, from);
        } else if let Some(id) = id("s") {
            let error = get(data, "e").as_string();
            let result = if error.is_some() { Err(RpcCode::ApplicationError) } else { Ok(()) };
            let Some(outcome) = self.core.borrow_mut().answered(id, from, result) else { return };
            let result = match error {
                None => Ok(get(data, "v")),
                Some(code) => {
                    let code = RpcCode::from_wire(&code);
                    let message = match (code, get(data, "msg").as_string()) {
                        (RpcCode::ApplicationError, Some(message)) => message,
                        _ => code.message().to_owned(),
                    };
                    Err((code, message, get(data, "d")))
                }
            };
            self.settle(outcome, result);
        }
    }

    /// Hands the owner how request `outcome.id` to `outcome.to` ended: `result`.
    fn settle(&self, outcome: Outcome, result: Result<JsValue, (RpcCode, String, JsValue)>) {
        let to_value = self.js_id(&outcome.to);
        (self.on_settled)(Settled {
            id: outcome.id,
            #[cfg(any(doc, rust_api))]
            to: outcome.to,
            to_value,
            result,
        });
    }

    fn settle_all(&self, outcomes: Vec<Outcome>) {
        for outcome in outcomes {
            let code = match outcome.result {
                Err(code) => code,
                Ok(()) => continue, // only answers settle Ok, and they come through `envelope`
            };
            self.settle(outcome, Err((code, code.message().to_owned(), JsValue::UNDEFINED)));
        }
    }

    /// Arms the timer for the first deadline of a request sent at `sent`, unless it fires no later
    /// already. Deadlines only move later (an acknowledgement) or go (an answer), so the timer is
    /// never disarmed: when it fires it settles what is due and arms itself for the next deadline.
    /// A request answered in time so costs no timer of its own.
    fn arm(&self, sent: u64, timeouts: Timeouts) {
        self.arm_at(Some(sent.saturating_add(timeouts.connection.min(timeouts.response))));
    }

    fn arm_at(&self, deadline: Option<u64>) {
        if deadline.is_none_or(|at| self.timer.borrow().fires_by(at)) {
            return;
        }
        self.timer.borrow_mut().set(deadline, now(), || {
            let weak = self.me.clone();
            move || {
                if let Some(driver) = weak.upgrade() {
                    driver.timer.borrow_mut().clear();
                    let outcomes = driver.core.borrow_mut().tick(now());
                    driver.settle_all(outcomes);
                    let next = driver.core.borrow().next_deadline();
                    driver.arm_at(next);
                }
            }
        });
    }
}
