//! Request and response on a live call object: the [`RpcCore`](super::core::RpcCore) run with real
//! time, over the channel layer's reserved channel `$rpc` (so requests and answers of any size up
//! to the channel's maximum go in chunks, in order, and never reach the plain app-message
//! subscriptions). The handlers and the settling of requests are the owner's: npm/rpc.js for the
//! JS API (which feeds a [`detached`](RpcDriver::detached) driver the call's events), the Rust
//! API's [`typed`](super::typed) module (whose driver follows them itself, [`RpcDriver::new`]).
//!
//! On the wire, each channel message is one envelope: a request `{ r: id, m: method, p: payload }`,
//! an acknowledgement `{ a: id }`, an answer `{ s: id, v: value }` or a failure
//! `{ s: id, e: code, msg: message, d: data }`.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use super::core::{Incoming, Outcome, RpcCode, RpcCore, Timeouts};
use crate::channel::driver::{ChannelCore, Item, SinkGuard};
use crate::convert::get;
use crate::payload::{Error, Recipient};
use crate::sys::{now, CallObject, DeadlineTimer};

/// The channel the requests and answers travel on; user channels cannot take a `$` name.
pub(crate) const RPC_CHANNEL: &str = "$rpc";

/// How a request to one participant ended, as the owner settles it.
#[derive(Debug)]
pub(crate) struct Settled {
    /// The request.
    pub id: u64,
    /// The participant asked.
    pub to: String,
    /// The answer, or the failure: its code, message and data.
    pub result: Result<JsValue, (RpcCode, String, JsValue)>,
}

/// A request that came in, for the owner's handler.
pub(crate) struct Request {
    /// Who asked.
    pub from: String,
    /// Its id, to answer with.
    pub id: u64,
    /// The method.
    pub method: String,
    /// The payload (undefined when none was sent).
    pub payload: JsValue,
}

type OnRequest = Box<dyn Fn(Request)>;
type OnSettled = Box<dyn Fn(Settled)>;

/// Request and response for one DailySync.
pub(crate) struct RpcDriver {
    channel: Rc<ChannelCore>,
    core: RefCell<RpcCore>,
    handled: RefCell<Vec<String>>,
    on_request: OnRequest,
    on_settled: OnSettled,
    timer: RefCell<DeadlineTimer>,
    /// Requests taken but not yet acknowledged: the acknowledgements go out a task later, and one
    /// whose answer left first needs none (the answer says it arrived), saving a message.
    unacked: RefCell<Vec<(String, u64)>>,
    ack_timer: RefCell<Option<gloo_timers::callback::Timeout>>,
    sink: RefCell<Option<SinkGuard>>,
    me: Weak<RpcDriver>,
}

impl std::fmt::Debug for RpcDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcDriver").field("handled", &self.handled).finish_non_exhaustive()
    }
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // Setting a plain object's own data property does not throw.
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
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
            channel: channel.clone(),
            core: RefCell::new(RpcCore::new()),
            handled: RefCell::new(Vec::new()),
            on_request: Box::new(on_request),
            on_settled: Box::new(on_settled),
            timer: RefCell::default(),
            unacked: RefCell::default(),
            ack_timer: RefCell::default(),
            sink: RefCell::new(None),
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
        method: &str,
        payload: &JsValue,
        timeouts: Timeouts,
    ) -> Result<u64, Error> {
        let id = self.core.borrow_mut().request(now(), to, present, timeouts).map_err(RpcCode::error)?;
        if let Err(error) = self.send_request(id, method, payload, &Recipient::One(to.to_owned())) {
            self.core.borrow_mut().cancel(id);
            return Err(error);
        }
        self.schedule();
        Ok(id)
    }

    /// Sends one request for `method` to everyone in `everyone`: its id.
    pub(crate) fn request_all(
        &self,
        everyone: &[String],
        method: &str,
        payload: &JsValue,
        timeouts: Timeouts,
    ) -> Result<u64, Error> {
        let id = self.core.borrow_mut().request_all(now(), everyone, timeouts);
        if everyone.is_empty() {
            return Ok(id);
        }
        if let Err(error) = self.send_request(id, method, payload, &Recipient::All) {
            self.core.borrow_mut().cancel(id);
            return Err(error);
        }
        self.schedule();
        Ok(id)
    }

    fn send_request(&self, id: u64, method: &str, payload: &JsValue, to: &Recipient) -> Result<(), Error> {
        let envelope = Object::new();
        set(&envelope, "r", &(id as f64).into());
        set(&envelope, "m", &JsValue::from_str(method));
        if !payload.is_undefined() {
            set(&envelope, "p", payload);
        }
        self.channel.send(&envelope, to).map(|_| ())
    }

    /// Answers request `id` of `to`: `Ok(value)`, or the handler's failure (message and data).
    pub(crate) fn respond(&self, to: &str, id: u64, result: Result<&JsValue, (&str, &JsValue)>) -> Result<(), Error> {
        self.unacked.borrow_mut().retain(|(from, unacked)| !(*unacked == id && from == to));
        let envelope = Object::new();
        set(&envelope, "s", &(id as f64).into());
        match result {
            Ok(value) if !value.is_undefined() => set(&envelope, "v", value),
            Ok(_) => {}
            Err((message, data)) => {
                set(&envelope, "e", &JsValue::from_str(RpcCode::ApplicationError.as_str()));
                set(&envelope, "msg", &JsValue::from_str(message));
                if !data.is_undefined() {
                    set(&envelope, "d", data);
                }
            }
        }
        self.channel.send(&envelope, &Recipient::One(to.to_owned())).map(|_| ())
    }

    /// Acknowledges request `id` of `from` a task from now, unless its answer goes out first.
    fn acknowledge_soon(&self, from: &str, id: u64) {
        self.unacked.borrow_mut().push((from.to_owned(), id));
        if self.ack_timer.borrow().is_some() {
            return;
        }
        let weak = self.me.clone();
        let timer = gloo_timers::callback::Timeout::new(0, move || {
            let Some(driver) = weak.upgrade() else { return };
            driver.ack_timer.borrow_mut().take();
            let unacked = std::mem::take(&mut *driver.unacked.borrow_mut());
            for (from, id) in unacked {
                let ack = Object::new();
                set(&ack, "a", &(id as f64).into());
                // A send that fails (the call left) leaves the caller to its timeout.
                let _ = driver.channel.send(&ack, &Recipient::One(from));
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
        self.channel.receive(event);
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
            get(data, key).as_f64().filter(|id| *id >= 1.0 && id.fract() == 0.0).map(|id| id as u64)
        };
        if let Some(id) = id("r") {
            let Some(method) = get(data, "m").as_string() else { return };
            let handled = self.handled.borrow().contains(&method);
            match self.core.borrow_mut().incoming(from, id, handled) {
                Incoming::Duplicate => return,
                Incoming::Unsupported => {
                    let envelope = Object::new();
                    set(&envelope, "s", &(id as f64).into());
                    set(&envelope, "e", &JsValue::from_str(RpcCode::UnsupportedMethod.as_str()));
                    // A send that fails (the call left) leaves the caller to its timeout.
                    let _ = self.channel.send(&envelope, &Recipient::One(from.to_owned()));
                    return;
                }
                Incoming::Run => {}
            }
            self.acknowledge_soon(from, id);
            (self.on_request)(Request { from: from.to_owned(), id, method, payload: get(data, "p") });
        } else if let Some(id) = id("a") {
            self.core.borrow_mut().acknowledged(id, from);
            self.schedule();
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
            (self.on_settled)(Settled { id: outcome.id, to: outcome.to, result });
            self.schedule();
        }
    }

    fn settle_all(&self, outcomes: Vec<Outcome>) {
        for outcome in outcomes {
            let code = match outcome.result {
                Err(code) => code,
                Ok(()) => continue, // only answers settle Ok, and they come through `envelope`
            };
            (self.on_settled)(failure(outcome.id, &outcome.to, code));
        }
        self.schedule();
    }

    fn schedule(&self) {
        let deadline = self.core.borrow().next_deadline();
        self.timer.borrow_mut().set(deadline, now(), || {
            let weak = self.me.clone();
            move || {
                if let Some(driver) = weak.upgrade() {
                    driver.timer.borrow_mut().clear();
                    let outcomes = driver.core.borrow_mut().tick(now());
                    driver.settle_all(outcomes);
                }
            }
        });
    }
}

fn failure(id: u64, to: &str, code: RpcCode) -> Settled {
    Settled { id, to: to.to_owned(), result: Err((code, code.message().to_owned(), JsValue::UNDEFINED)) }
}
