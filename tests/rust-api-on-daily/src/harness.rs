//! What every scenario shares: the page's bindings, the outcome and its report, waiting for what
//! the stand-in relays, and the participants a scenario starts with.

pub(crate) use std::collections::BTreeMap;
pub(crate) use std::fmt::Debug;

pub(crate) use daily_sync::user_data::ParticipantAction;
pub(crate) use daily_sync::{
    Call, ChannelOptions, DailySync, Error, JoinOptions, OrderedOp, PresenceOptions, Recipient, RequestOptions,
    RpcFailure, SyncOptions,
};
pub(crate) use futures::future::{select, Either};
pub(crate) use futures::{FutureExt, Stream, StreamExt};
pub(crate) use gloo_timers::future::TimeoutFuture;
pub(crate) use serde::{Deserialize, Serialize};
pub(crate) use serde_json::{json, Value};
pub(crate) use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// What the page hands a scenario: its call objects, already joined, and how to make more.
    pub type Page;
    #[wasm_bindgen(method, getter)]
    pub(crate) fn calls(this: &Page) -> JsValue;
    /// The stand-in room's URL, for `Call::join`.
    #[wasm_bindgen(method, getter, js_name = roomUrl)]
    pub(crate) fn room_url(this: &Page) -> JsValue;
    /// A new, unjoined daily-js call object wired to the stand-in (the page destroys it after).
    #[wasm_bindgen(method, catch, js_name = newCall)]
    pub(crate) fn new_call(this: &Page) -> Result<JsValue, JsValue>;
    /// How many `setMeetingSessionData` writes the stand-in has received, from every call.
    #[wasm_bindgen(method, catch, js_name = sessionWrites)]
    pub(crate) fn session_writes(this: &Page) -> Result<u32, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    pub(crate) fn console_error(message: &str);
}

/// A panic aborts the wasm, and the scenario's promise never settles: its message goes to the
/// console first, where the page test reports it.
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|panic| console_error(&panic.to_string())));
}

/// Exports a scenario to the page under its JS name: it runs `$run(&page, args...)`, and its
/// promise rejects with the expectation that failed.
macro_rules! scenario {
    ($(#[$doc:meta])* $js:literal, $name:ident => $run:ident($($arg:expr),*)) => {
        $(#[$doc])*
        #[wasm_bindgen(js_name = $js)]
        pub async fn $name(page: Page) -> Result<(), JsError> {
            report($run(&page $(, $arg)*).await)
        }
    };
}

/// A scenario's outcome: `Err` says which expectation failed.
pub(crate) type Check<T = ()> = Result<T, String>;

/// The promise's rejection: an `Error` whose message is the failed expectation.
pub(crate) fn report(outcome: Check) -> Result<(), JsError> {
    outcome.map_err(|message| JsError::new(&message))
}

macro_rules! ensure {
    ($cond:expr, $($what:tt)+) => {
        if !$cond {
            return Err(format!($($what)+));
        }
    };
}

macro_rules! ensure_eq {
    ($got:expr, $want:expr, $($what:tt)+) => {{
        let (got, want) = (&$got, &$want);
        if got != want {
            return Err(format!("{}: expected {:?}, got {:?}", format!($($what)+), want, got));
        }
    }};
}

pub(crate) trait OrFail<T> {
    /// The error, as the failed expectation `what`.
    fn or_fail(self, what: &str) -> Check<T>;
}

impl<T, E: Debug> OrFail<T> for Result<T, E> {
    fn or_fail(self, what: &str) -> Check<T> {
        self.map_err(|error| format!("{what}: {error:?}"))
    }
}

impl<T> OrFail<T> for Option<T> {
    fn or_fail(self, what: &str) -> Check<T> {
        self.ok_or_else(|| format!("{what}: nothing"))
    }
}

/// How long a scenario waits for anything the stand-in relays (it answers within a few tasks).
pub(crate) const WAIT_MS: u32 = 5_000;

/// Resolves once `done()` holds, checked every 10 ms.
pub(crate) async fn until(what: &str, mut done: impl FnMut() -> bool) -> Check {
    for _ in 0..WAIT_MS / 10 {
        if done() {
            return Ok(());
        }
        TimeoutFuture::new(10).await;
    }
    Err(format!("timed out waiting for {what}"))
}

/// The stream's next item.
pub(crate) async fn next_of<S: Stream + Unpin>(stream: &mut S, what: &str) -> Check<S::Item> {
    match select(stream.next(), TimeoutFuture::new(WAIT_MS)).await {
        Either::Left((Some(item), _)) => Ok(item),
        Either::Left((None, _)) => Err(format!("{what}: the stream ended")),
        Either::Right(_) => Err(format!("timed out waiting for {what}")),
    }
}

/// The stream's first item that `matches`, the ones before it skipped; one that does not decode
/// fails.
pub(crate) async fn first_matching<S, T, E>(stream: &mut S, what: &str, mut matches: impl FnMut(&T) -> bool) -> Check<T>
where
    S: Stream<Item = Result<T, E>> + Unpin,
    E: Debug,
{
    loop {
        let item = next_of(stream, what).await?.or_fail(what)?;
        if matches(&item) {
            return Ok(item);
        }
    }
}

/// Nothing more comes on the stream within 100 ms.
pub(crate) async fn nothing_more<S: Stream + Unpin>(stream: &mut S, what: &str) -> Check
where
    S::Item: Debug,
{
    TimeoutFuture::new(100).await;
    match stream.next().now_or_never() {
        Some(Some(item)) => Err(format!("{what}: nothing more expected, got {item:?}")),
        _ => Ok(()),
    }
}

/// A joined participant: its call object, a DailySync over it, its session id and its name.
pub(crate) struct Peer {
    pub(crate) call: Call,
    pub(crate) sync: DailySync,
    pub(crate) id: String,
    pub(crate) name: String,
}

/// The page's joined call objects, each wrapped in a DailySync made with `options`.
pub(crate) fn joined<const N: usize>(page: &Page, options: &SyncOptions) -> Check<[Peer; N]> {
    let calls = page.calls().dyn_into::<js_sys::Array>().or_fail("the page's calls, an array")?;
    let peers = calls
        .iter()
        .enumerate()
        .map(|(i, call)| {
            let sync = DailySync::with_options(call.clone(), options).or_fail("a DailySync over daily-js")?;
            let call = Call::from_js(call).or_fail("a daily-js Call")?;
            let id = call.local_session_id().or_fail(&format!("call {i}'s session id"))?;
            let me = sync.participants::<Value>().or_fail("participants()")?;
            let name = me.into_iter().flatten().find(|p| p.local).map(|p| p.user_name).unwrap_or_default();
            Ok(Peer { call, sync, id, name })
        })
        .collect::<Check<Vec<Peer>>>()?;
    let count = peers.len();
    <[Peer; N]>::try_from(peers).map_err(|_| format!("the page gave {count} joined calls, the scenario needs {N}"))
}

/// A new call object from the page, not joined, and a DailySync made over it before join.
pub(crate) fn unjoined(page: &Page, options: &SyncOptions) -> Check<(Call, DailySync)> {
    let call = page.new_call().or_fail("a new daily-js call object")?;
    let sync = DailySync::with_options(call.clone(), options).or_fail("a DailySync before join")?;
    Ok((Call::from_js(call).or_fail("a daily-js Call")?, sync))
}

/// Joins `call` to the page's stand-in room as `name`; its session id.
pub(crate) async fn join(page: &Page, call: &Call, name: &str) -> Check<String> {
    let options = JoinOptions { url: page.room_url().as_string(), user_name: Some(name.into()), ..Default::default() };
    call.join(&options).await.or_fail(&format!("{name} joins"))?;
    call.local_session_id().or_fail(&format!("{name}'s session id"))
}

/// An error's kind, or what came instead.
pub(crate) fn kind_of<T: Debug>(result: &Result<T, Error>) -> String {
    match result {
        Err(error) => error.kind().to_owned(),
        Ok(value) => format!("no error (Ok({value:?}))"),
    }
}
