//! The Rust API's face of request and response: handlers that decode their requests as serde
//! types, and requests that are futures of a typed answer. One [`Rpc`] per
//! [`DailySync`](crate::DailySync), made on first use, over an [`RpcDriver`] that follows the
//! call's events itself.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{ready, Context, Poll, Waker};

use futures_core::future::FusedFuture;
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use super::core::{RpcCode, Timeouts};
use super::driver::{Request, RpcDriver, Settled};
use crate::convert::{decode, get, to_js};
use crate::daily_errors::classify;
use crate::events::Subscription;
use crate::payload::Error;
use crate::sys::CallObject;

/// Why a handler did not answer: the caller gets an `application-error` with this message, and
/// with `data` when there is some (a JS caller reads it as the error's `data`).
///
/// ```no_run
/// # fn demo(sync: daily_sync::DailySync) -> Result<(), daily_sync::Error> {
/// use daily_sync::RpcFailure;
/// let _handler = sync.handle("stage.invite", |seats: u32, _from: String| async move {
///     if seats == 0 {
///         return Err(RpcFailure::new("the stage is full").with_data(serde_json::json!({ "retryInMs": 5000 })));
///     }
///     Ok(true)
/// })?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RpcFailure {
    /// What the caller's error says.
    pub message: String,
    /// What else the caller gets, as JSON.
    pub data: Option<serde_json::Value>,
}

impl RpcFailure {
    /// A failure that says `message`, with no data.
    pub fn new(message: impl Into<String>) -> Self {
        RpcFailure { message: message.into(), data: None }
    }

    /// The same failure with `data` for the caller.
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// A crate error in a handler (`?` on a send, say) answers with its message.
impl From<Error> for RpcFailure {
    fn from(error: Error) -> Self {
        RpcFailure::new(error.message())
    }
}

impl From<&str> for RpcFailure {
    fn from(message: &str) -> Self {
        RpcFailure::new(message)
    }
}

impl From<String> for RpcFailure {
    fn from(message: String) -> Self {
        RpcFailure::new(message)
    }
}

/// The deadlines of a request, as the JS API's `timeoutMs` and `connectionTimeoutMs`: each at
/// most 2,147,483,647 ms (what a browser timer takes), else the request fails with
/// `InvalidArgument`.
///
/// ```no_run
/// # async fn demo(sync: daily_sync::DailySync, peer: &str) -> Result<(), daily_sync::Error> {
/// use daily_sync::RequestOptions;
/// let quick = RequestOptions { timeout_ms: 3_000, ..Default::default() };
/// let ready: bool = sync.request(peer, "poll.ready", &(), &quick).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestOptions {
    /// How long to wait for the answer (10 s by default).
    pub timeout_ms: u64,
    /// How long to wait for the acknowledgement, which tells "nobody took it"
    /// (`connection-timeout`) from "slow" (`response-timeout`); 2 s by default, never more than
    /// `timeout_ms`.
    pub connection_timeout_ms: u64,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions { timeout_ms: Timeouts::RESPONSE_MS, connection_timeout_ms: Timeouts::CONNECTION_MS }
    }
}

/// The longest a browser timer waits.
const MAX_TIMEOUT_MS: u64 = 2_147_483_647;

impl RequestOptions {
    fn timeouts(&self) -> Result<Timeouts, Error> {
        if self.timeout_ms > MAX_TIMEOUT_MS || self.connection_timeout_ms > MAX_TIMEOUT_MS {
            return Err(Error::InvalidArgument("a request's timeouts must be at most 2147483647 ms".into()));
        }
        Ok(Timeouts { connection: self.connection_timeout_ms.min(self.timeout_ms), response: self.timeout_ms })
    }
}

/// A handler as the table keeps it: the payload in, the answer (or why not) out.
type Handler = Rc<dyn Fn(JsValue, String) -> Pin<Box<dyn Future<Output = Result<JsValue, RpcFailure>>>>>;

/// Each participant asked, with its answer (not yet decoded) or failure.
type Outcomes = Vec<(String, Result<JsValue, Error>)>;

/// The outcomes of one request as they come in, and the task waiting for them.
#[derive(Default)]
struct Waiting {
    /// How many participants were asked.
    expected: usize,
    results: Outcomes,
    waker: Option<Waker>,
}

impl Waiting {
    fn done(&self) -> bool {
        self.results.len() >= self.expected
    }
}

/// Request and response for one DailySync: its handlers, and its requests waiting for answers.
pub(crate) struct Rpc {
    call: CallObject,
    driver: Rc<RpcDriver>,
    /// The driver's subscriptions to the call's events: dropped with it.
    _subscriptions: Vec<Subscription>,
    handlers: RefCell<Vec<(String, Handler)>>,
    pending: RefCell<Vec<(u64, Rc<RefCell<Waiting>>)>>,
    /// Set while a request is being sent, so an outcome that comes back before the send returns
    /// (a call object that delivers at once) waits in `early` instead of being lost.
    sending: Cell<bool>,
    early: RefCell<Vec<Settled>>,
}

impl fmt::Debug for Rpc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let methods: Vec<String> = self.handlers.borrow().iter().map(|(method, _)| method.clone()).collect();
        f.debug_struct("Rpc").field("methods", &methods).field("pending", &self.pending.borrow().len()).finish()
    }
}

fn check_method(method: &str) -> Result<(), Error> {
    if method.is_empty() {
        return Err(Error::InvalidArgument("the method must be a non-empty string".into()));
    }
    Ok(())
}

/// The session ids of everyone in the call but us.
fn others(call: &CallObject) -> Result<Vec<String>, Error> {
    let all = call.participants().map_err(|thrown| classify(thrown, || None))?;
    if !all.is_object() {
        return Ok(Vec::new());
    }
    let everyone = js_sys::Object::values(all.unchecked_ref());
    Ok(everyone
        .iter()
        .filter(|p: &JsValue| p.is_object() && get(p, "local").as_bool() != Some(true))
        .filter_map(|p| get(&p, "session_id").as_string())
        .collect())
}

impl Rpc {
    /// Request and response on `call`, listening from now on.
    pub(crate) fn new(call: &CallObject) -> Result<Rc<Self>, Error> {
        let me: Rc<OnceCell<Weak<Rpc>>> = Rc::default();
        let (on_request, on_settled) = (me.clone(), me.clone());
        let (driver, subscriptions) = RpcDriver::new(
            call,
            move |request| {
                if let Some(rpc) = on_request.get().and_then(Weak::upgrade) {
                    rpc.run(request);
                }
            },
            move |settled| {
                if let Some(rpc) = on_settled.get().and_then(Weak::upgrade) {
                    rpc.settle(settled);
                }
            },
        )?;
        let rpc = Rc::new(Rpc {
            call: call.clone(),
            driver,
            _subscriptions: subscriptions,
            handlers: RefCell::default(),
            pending: RefCell::default(),
            sending: Cell::new(false),
            early: RefCell::default(),
        });
        let _ = me.set(Rc::downgrade(&rpc));
        Ok(rpc)
    }

    /// Registers the handler of `method`; the returned handle unregisters it when dropped.
    pub(crate) fn handle<Req, Res, F, Fut>(self: &Rc<Self>, method: &str, f: F) -> Result<RpcHandler, Error>
    where
        Req: DeserializeOwned + 'static,
        Res: Serialize + 'static,
        F: Fn(Req, String) -> Fut + 'static,
        Fut: Future<Output = Result<Res, RpcFailure>> + 'static,
    {
        check_method(method)?;
        if self.handlers.borrow().iter().any(|(known, _)| known == method) {
            return Err(Error::InvalidArgument(["a handler for '", method, "' is registered already"].concat()));
        }
        let handler: Handler = Rc::new(move |payload: JsValue, from: String| {
            let request = match decode::<Req>(payload.clone(), &payload) {
                Ok(request) => request,
                Err(error) => {
                    let message = ["the request's payload did not decode as the handler's type: ", &error.message];
                    return Box::pin(std::future::ready(Err(RpcFailure::new(message.concat()))));
                }
            };
            let answer = f(request, from);
            Box::pin(async move {
                let answer = answer.await?;
                to_js(&answer).map_err(|error| RpcFailure::new(unsendable(&error)))
            })
        });
        self.handlers.borrow_mut().push((method.to_owned(), handler));
        self.driver.set_handled(method, true);
        Ok(RpcHandler { rpc: self.clone(), method: method.to_owned() })
    }

    fn unregister(&self, method: &str) {
        self.handlers.borrow_mut().retain(|(known, _)| known != method);
        self.driver.set_handled(method, false);
    }

    /// A request for a handled method came in (already acknowledged): runs its handler on the next
    /// turn, as the JS API does, and answers with what it gives.
    fn run(self: &Rc<Self>, request: Request) {
        let handler =
            self.handlers.borrow().iter().find(|(method, _)| *method == request.method).map(|(_, h)| h.clone());
        let me = Rc::downgrade(self);
        wasm_bindgen_futures::spawn_local(async move {
            let result = match handler {
                Some(handler) => handler(request.payload, request.from.clone()).await,
                None => Err(RpcFailure::new("the handler was unregistered")),
            };
            // With the DailySync and every handle of it gone, nobody answers: the caller times out.
            if let Some(rpc) = me.upgrade() {
                rpc.answer(&request.from, request.id, result);
            }
        });
    }

    fn answer(&self, to: &str, id: u64, result: Result<JsValue, RpcFailure>) {
        let failure = match result {
            Ok(value) => match self.driver.respond(to, id, Ok(&value)) {
                Ok(()) => return,
                Err(error) => RpcFailure::new(unsendable(&error)),
            },
            Err(failure) => failure,
        };
        let data = failure.data.as_ref().and_then(|data| to_js(data).ok()).unwrap_or(JsValue::UNDEFINED);
        // A failure that cannot be sent either (the call left) leaves the caller to its timeout.
        let _ = self.driver.respond(to, id, Err((&failure.message, &data)));
    }

    /// Sends a request with `send`, which returns its id, and waits for `expected` outcomes.
    fn ask(self: &Rc<Self>, expected: usize, send: impl FnOnce(&RpcDriver) -> Result<u64, Error>) -> Asked {
        self.sending.set(true);
        let sent = send(&self.driver);
        self.sending.set(false);
        let early = std::mem::take(&mut *self.early.borrow_mut());
        let id = match sent {
            Ok(id) => id,
            Err(error) => return Asked::failed(error),
        };
        let waiting = Rc::new(RefCell::new(Waiting { expected, ..Waiting::default() }));
        {
            let mut waiting = waiting.borrow_mut();
            for settled in early.into_iter().filter(|settled| settled.id == id) {
                waiting.results.push(outcome(settled));
            }
        }
        if !waiting.borrow().done() {
            self.pending.borrow_mut().push((id, waiting.clone()));
        }
        Asked { rpc: Some(self.clone()), id, waiting, early: None, finished: false }
    }

    /// Sends a request for `method` to `to`: its future's inside.
    pub(crate) fn request<Req: Serialize + ?Sized>(
        self: &Rc<Self>,
        to: &str,
        method: &str,
        payload: &Req,
        options: &RequestOptions,
    ) -> Asked {
        match (options.timeouts(), to_js(payload)) {
            (Ok(timeouts), Ok(payload)) => self.request_js(to, method, payload, timeouts),
            (Err(error), _) | (_, Err(error)) => Asked::failed(error),
        }
    }

    fn request_js(self: &Rc<Self>, to: &str, method: &str, payload: JsValue, timeouts: Timeouts) -> Asked {
        if to.is_empty() || to == "*" {
            return Asked::failed(Error::InvalidRecipient("a request goes to one session id".into()));
        }
        if let Err(error) = check_method(method) {
            return Asked::failed(error);
        }
        let present = match others(&self.call) {
            Ok(others) => others.iter().any(|id| id == to),
            Err(error) => return Asked::failed(error),
        };
        self.ask(1, |driver| driver.request(to, present, &method.into(), &payload, timeouts))
    }

    /// Sends one request for `method` to everyone else in the call: its future's inside.
    pub(crate) fn request_all<Req: Serialize + ?Sized>(
        self: &Rc<Self>,
        method: &str,
        payload: &Req,
        options: &RequestOptions,
    ) -> Asked {
        match (options.timeouts(), to_js(payload)) {
            (Ok(timeouts), Ok(payload)) => self.request_all_js(method, payload, timeouts),
            (Err(error), _) | (_, Err(error)) => Asked::failed(error),
        }
    }

    fn request_all_js(self: &Rc<Self>, method: &str, payload: JsValue, timeouts: Timeouts) -> Asked {
        if let Err(error) = check_method(method) {
            return Asked::failed(error);
        }
        let everyone = match others(&self.call) {
            Ok(everyone) => everyone,
            Err(error) => return Asked::failed(error),
        };
        self.ask(everyone.len(), |driver| driver.request_all(&everyone, &method.into(), &payload, timeouts))
    }

    /// One outcome of one of this side's requests.
    fn settle(&self, settled: Settled) {
        let at = self.pending.borrow().iter().position(|(id, _)| *id == settled.id);
        let Some(at) = at else {
            if self.sending.get() {
                self.early.borrow_mut().push(settled);
            }
            return; // a request dropped (cancelled) already
        };
        let waiting = self.pending.borrow()[at].1.clone();
        let mut waiting = waiting.borrow_mut();
        waiting.results.push(outcome(settled));
        if waiting.done() {
            self.pending.borrow_mut().remove(at);
            if let Some(waker) = waiting.waker.take() {
                waker.wake();
            }
        }
    }

    /// The request `id` is no longer awaited: it is cancelled.
    fn forget(&self, id: u64) {
        self.pending.borrow_mut().retain(|(pending, _)| *pending != id);
        self.driver.cancel(id);
    }
}

/// What a handler's answer that cannot be sent tells the caller.
fn unsendable(error: &Error) -> String {
    ["the answer could not be sent: ", &error.message()].concat()
}

fn outcome(settled: Settled) -> (String, Result<JsValue, Error>) {
    let result = settled.result.map_err(|(code, message, data)| Error::Rpc {
        code: code.as_str(),
        message,
        data: if data.is_undefined() { None } else { serde_wasm_bindgen::from_value(data).ok() },
    });
    (settled.to, result)
}

/// An answer decoded as `Res`; one that does not fit is an `application-error` that says so.
fn decode_answer<Res: DeserializeOwned>(value: JsValue) -> Result<Res, Error> {
    decode(value.clone(), &value).map_err(|error| Error::Rpc {
        code: RpcCode::ApplicationError.as_str(),
        message: ["the answer did not decode as the expected type: ", &error.message].concat(),
        data: None,
    })
}

/// A request sent, or refused at once, and its outcomes so far.
pub(crate) struct Asked {
    rpc: Option<Rc<Rpc>>,
    id: u64,
    waiting: Rc<RefCell<Waiting>>,
    /// Why the request was never sent.
    early: Option<Error>,
    finished: bool,
}

impl Asked {
    pub(crate) fn failed(error: Error) -> Self {
        Asked { rpc: None, id: 0, waiting: Rc::default(), early: Some(error), finished: false }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<Outcomes, Error>> {
        if self.finished {
            return Poll::Pending;
        }
        if let Some(error) = self.early.take() {
            self.finished = true;
            return Poll::Ready(Err(error));
        }
        let mut waiting = self.waiting.borrow_mut();
        if !waiting.done() {
            waiting.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        self.finished = true;
        Poll::Ready(Ok(std::mem::take(&mut waiting.results)))
    }
}

impl Drop for Asked {
    fn drop(&mut self) {
        if let (false, Some(rpc)) = (self.finished || self.waiting.borrow().done(), &self.rpc) {
            rpc.forget(self.id);
        }
    }
}

impl fmt::Debug for Asked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waiting = self.waiting.borrow();
        f.debug_struct("Request")
            .field("id", &self.id)
            .field("answered", &waiting.results.len())
            .field("asked", &waiting.expected)
            .finish()
    }
}

/// A registered handler; dropping it unregisters the method (a request for it then gets
/// `unsupported-method`). Made by [`DailySync::handle`](crate::DailySync::handle).
#[must_use = "dropping an RpcHandler unregisters it at once"]
pub struct RpcHandler {
    rpc: Rc<Rpc>,
    method: String,
}

impl RpcHandler {
    /// The method it handles.
    pub fn method(&self) -> &str {
        &self.method
    }
}

impl Drop for RpcHandler {
    fn drop(&mut self) {
        self.rpc.unregister(&self.method);
    }
}

impl fmt::Debug for RpcHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RpcHandler").field("method", &self.method).finish()
    }
}

/// A request as a future: made from what was asked (a failure to send settles it at once),
/// finished when that is, and shown as it; its `Future` says what it resolves with.
macro_rules! request_future {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[must_use = "dropping a request cancels it"]
        pub struct $name<Res> {
            asked: Asked,
            _type: PhantomData<fn() -> Res>,
        }

        impl<Res> $name<Res> {
            pub(crate) fn new(asked: Result<Asked, Error>) -> Self {
                $name { asked: asked.unwrap_or_else(Asked::failed), _type: PhantomData }
            }
        }

        impl<Res: DeserializeOwned> FusedFuture for $name<Res> {
            fn is_terminated(&self) -> bool {
                self.asked.finished
            }
        }

        impl<Res> fmt::Debug for $name<Res> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.asked.fmt(f)
            }
        }
    };
}

request_future!(
    /// The answer to a request to one participant, as a future: `Ok` with the answer decoded as
    /// `Res`, or an [`Error::Rpc`] with its code. The request is sent when it is made; dropping the
    /// future before it finishes cancels it. Made by [`DailySync::request`](crate::DailySync::request).
    RpcRequest
);

impl<Res: DeserializeOwned> Future for RpcRequest<Res> {
    type Output = Result<Res, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let results = ready!(self.get_mut().asked.poll(cx))?;
        Poll::Ready(match results.into_iter().next() {
            Some((_, answer)) => answer.and_then(decode_answer),
            None => Err(RpcCode::Cancelled.error()), // one participant asked, so one outcome
        })
    }
}

request_future!(
    /// The answers of everyone else in the call, as a future: each participant's session id with its
    /// answer decoded as `Res` or its [`Error::Rpc`]; `Err` only when the request could not be sent.
    /// Dropping it before it finishes cancels the request. Made by
    /// [`DailySync::request_all`](crate::DailySync::request_all).
    RpcRequestAll
);

impl<Res: DeserializeOwned> Future for RpcRequestAll<Res> {
    type Output = Result<BTreeMap<String, Result<Res, Error>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let results = ready!(self.get_mut().asked.poll(cx))?;
        Poll::Ready(Ok(results.into_iter().map(|(to, answer)| (to, answer.and_then(decode_answer))).collect()))
    }
}
