//! The Rust API in a real browser, over a fake call object with daily-js's method names, errors
//! and size checks (tests/js/fake_call.js) and over the in-page local room: the shared fakes and
//! helpers here, the tests in one module per topic.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use daily_sync::{DailySync, Error, Recipient};
use futures::StreamExt;
use gloo_timers::future::TimeoutFuture;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod channels;
mod conformance;
mod local;
mod messages;
mod ordered;
mod presence;
mod rpc;
mod session;

#[wasm_bindgen(module = "/tests/js/fake_call.js")]
extern "C" {
    #[derive(Clone)]
    type FakeCall;
    #[wasm_bindgen(constructor)]
    fn new() -> FakeCall;
    #[wasm_bindgen(method)]
    fn join(this: &FakeCall);
    #[wasm_bindgen(method)]
    fn leave(this: &FakeCall);
    #[wasm_bindgen(method)]
    fn emit(this: &FakeCall, name: &str, payload: &JsValue);
    #[wasm_bindgen(method, js_name = listenerCount)]
    fn listener_count(this: &FakeCall, name: &str) -> u32;
    #[wasm_bindgen(method, js_name = sentCount)]
    fn sent_count(this: &FakeCall) -> u32;
    #[wasm_bindgen(method, js_name = lastSent)]
    fn last_sent(this: &FakeCall) -> JsValue;
    #[wasm_bindgen(method, js_name = sessionCallCount)]
    fn session_call_count(this: &FakeCall) -> u32;
    #[wasm_bindgen(method, js_name = lastSessionCall)]
    fn last_session_call(this: &FakeCall) -> JsValue;
    #[wasm_bindgen(method, js_name = echoSession)]
    fn echo_session(this: &FakeCall);
    #[wasm_bindgen(method, getter)]
    fn session(this: &FakeCall) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = userData)]
    fn user_data(this: &FakeCall) -> JsValue;
}

fn sync_over(call: &FakeCall) -> DailySync {
    DailySync::new(call.clone().into()).expect("a call object")
}

/// A fake call (joined first if `joined`) and a DailySync over it.
fn fake_sync(joined: bool) -> (FakeCall, DailySync) {
    let call = FakeCall::new();
    if joined {
        call.join();
    }
    let sync = sync_over(&call);
    (call, sync)
}

/// A DailySync over `call` whose session-data throttle writes at most once per `interval_ms`.
fn sync_every(call: &JsValue, interval_ms: u64) -> DailySync {
    let options = daily_sync::SyncOptions { session_data_interval_ms: interval_ms, ..Default::default() };
    DailySync::with_options(call.clone(), &options).expect("a call object")
}

fn json(value: &JsValue) -> String {
    js_sys::JSON::stringify(value).map(String::from).unwrap_or_default()
}

fn app_message(data: JsValue, from: &str) -> JsValue {
    let event = js_sys::Object::new();
    js_sys::Reflect::set(&event, &"data".into(), &data).unwrap();
    js_sys::Reflect::set(&event, &"fromId".into(), &from.into()).unwrap();
    event.into()
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Reaction {
    emoji: String,
}

type JsonValue = serde_json::Value;

#[derive(Debug, Serialize, Deserialize, PartialEq, Clone)]
struct Hand {
    raised: bool,
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(method, js_name = join)]
    fn join_local(this: &LocalCall) -> js_sys::Promise;
    type LocalCall;
}

/// Ada and Bo, joined to the in-page local room `room`, each with a DailySync.
async fn joined_pair(room: &str) -> (DailySync, DailySync) {
    use daily_sync::local::{local_call_object, LocalCallOptions};
    let options = |name: &str| LocalCallOptions {
        room: room.into(),
        user_name: Some(name.into()),
        transport: Some("memory".into()),
        ..Default::default()
    };
    let (ada, bo) = (local_call_object(&options("Ada")).unwrap(), local_call_object(&options("Bo")).unwrap());
    for call in [&ada, &bo] {
        wasm_bindgen_futures::JsFuture::from(call.unchecked_ref::<LocalCall>().join_local()).await.unwrap();
    }
    (DailySync::new(ada).unwrap(), DailySync::new(bo).unwrap())
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Clone)]
struct Stage {
    speaker: Option<String>,
}

/// A call of the in-page local room `room` (memory transport), its session data synced every
/// `sync_ms` (the room's default with `None`).
fn local_call(room: &str, sync_ms: Option<u32>) -> daily_sync::Call {
    let options = daily_sync::local::LocalCallOptions {
        room: room.into(),
        transport: Some("memory".into()),
        session_data_sync_ms: sync_ms,
        ..Default::default()
    };
    daily_sync::Call::local(&options).unwrap()
}

/// A participant of an in-page local room: its call, its DailySync and its session id.
struct Peer {
    call: daily_sync::Call,
    sync: DailySync,
    id: String,
}

/// Everyone in `names` joined to the in-page local room `room`, once each sees all the others.
async fn joined_room(room: &str, names: &[&str]) -> Vec<Peer> {
    use daily_sync::JoinOptions;
    let mut peers = Vec::new();
    for name in names {
        let call = local_call(room, None);
        call.join(&JoinOptions { user_name: Some((*name).into()), ..Default::default() }).await.unwrap();
        let id = call.local_session_id().unwrap();
        peers.push(Peer { sync: DailySync::new(call.clone().into()).unwrap(), call, id });
    }
    for _ in 0..200 {
        if peers.iter().all(|p| p.sync.participants::<JsonValue>().unwrap().len() == names.len()) {
            return peers;
        }
        TimeoutFuture::new(10).await;
    }
    panic!("the participants of {room} never all saw each other");
}
