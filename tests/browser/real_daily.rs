//! The Rust API on the real daily-js, its call objects joined to the offline stand-in call
//! machine (tests/js/daily-stand-in), as the JS API's page tests run it: the same behaviours the
//! fake call object checks, through daily-js's own methods, events and errors.

use std::collections::BTreeMap;

use daily_sync::{DailySync, Error, OrderedOp, Recipient, RequestOptions, SyncOptions};
use futures::StreamExt;
use gloo_timers::future::TimeoutFuture;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[wasm_bindgen(module = "/node_modules/@daily-co/daily-js/dist/daily-esm.js")]
extern "C" {
    #[wasm_bindgen(thread_local_v2, js_name = default)]
    static DAILY: JsValue;
}

#[wasm_bindgen(module = "/tests/js/daily-stand-in/joined.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = createJoinedCallObjects)]
    async fn create_joined_call_objects(daily: &JsValue, n: u32, options: &JsValue) -> Result<JsValue, JsValue>;
}

/// The stand-in call machine, loaded by daily-js from a data: URL (the test runner serves no
/// folder of ours): daily-js appends `/call-machine-object-bundle.js`, which lands in a comment.
fn bundle_path() -> String {
    let code = include_str!("../js/daily-stand-in/call-machine-object-bundle.js");
    ["data:text/javascript,", &String::from(js_sys::encode_uri_component(code)), ";//"].concat()
}

/// `names.len()` real daily-js call objects joined to the page's stand-in room, each with a
/// DailySync (session data written at most every 16 ms) and its session id.
async fn joined(names: &[&str]) -> Vec<(JsValue, DailySync, String)> {
    let options = json!({
        "userNames": names,
        "callObjectOptions": { "dailyConfig": { "bundlePathOverride": bundle_path() } },
    });
    let options = js_sys::JSON::parse(&options.to_string()).expect("options as JSON");
    let calls = create_joined_call_objects(&DAILY.with(JsValue::clone), names.len() as u32, &options)
        .await
        .expect("real daily-js call objects join the stand-in");
    let sync_options = SyncOptions { session_data_interval_ms: 16, ..Default::default() };
    js_sys::Array::from(&calls)
        .iter()
        .map(|call| {
            let sync = DailySync::with_options(call.clone(), &sync_options).expect("a daily-js call object");
            let participants = sync.participants::<Value>().expect("participants");
            let id = participants.iter().flatten().find(|p| p.local).map(|p| p.session_id.clone()).unwrap_or_default();
            (call, sync, id)
        })
        .collect()
}

/// Each call leaves and is destroyed: the stand-in room is the page's, shared by every test, and
/// a participant left behind would be the longest present (the orderer) of the next.
async fn leave_all(peers: Vec<(JsValue, DailySync, String)>) {
    for (call, sync, _) in peers {
        drop(sync);
        for method in ["leave", "destroy"] {
            let function: js_sys::Function = js_sys::Reflect::get(&call, &method.into()).expect(method).into();
            let promise: js_sys::Promise = function.call0(&call).expect(method).into();
            wasm_bindgen_futures::JsFuture::from(promise).await.expect(method);
        }
    }
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..300 {
        if done() {
            return;
        }
        TimeoutFuture::new(10).await;
    }
    panic!("timed out waiting for {what}");
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Reaction {
    emoji: String,
}

/// Typed app messages, their limit as daily-js measures it, and user data, through daily-js.
#[wasm_bindgen_test]
async fn app_messages_and_user_data_go_through_daily_js() {
    let peers = joined(&["ann", "bo"]).await;
    let (ann, bo) = (&peers[0].1, &peers[1].1);
    let mut at_bo = bo.app_messages::<Reaction>().unwrap();
    ann.send_app_message(&Reaction { emoji: "🎉".into() }, Recipient::All).unwrap();
    let message = at_bo.next().await.unwrap().unwrap();
    assert_eq!((message.data.emoji.as_str(), message.from_id.as_str()), ("🎉", peers[0].2.as_str()));
    let big = Reaction { emoji: "x".repeat(4100) };
    assert!(matches!(ann.send_app_message(&big, Recipient::All), Err(Error::PayloadTooLarge { limit: 4096, .. })));
    assert!(matches!(ann.send_app_message(&big, Recipient::One("".into())), Err(Error::InvalidRecipient(_))));

    ann.set_user_data(&json!({ "hand": true })).await.unwrap();
    let bo_id = peers[1].2.clone();
    until("Ann's user data at Bo", || {
        bo.participants::<Value>()
            .unwrap()
            .iter()
            .flatten()
            .any(|p| !p.local && p.user_data.as_ref() == Some(&json!({ "hand": true })))
    })
    .await;
    assert!(!bo_id.is_empty());
    leave_all(peers).await;
}

/// Two session-data handles of one DailySync share its throttle: both merges reach the other.
#[wasm_bindgen_test]
async fn session_data_handles_share_one_throttle_through_daily_js() {
    let peers = joined(&["ann", "bo"]).await;
    let (ann, bo) = (&peers[0].1, &peers[1].1);
    let stage = ann.session_data::<BTreeMap<String, Value>>().unwrap();
    let poll = ann.session_data::<BTreeMap<String, Value>>().unwrap();
    stage.merge(&json!({ "speaker": "ann" })).unwrap();
    poll.merge(&json!({ "yes": 3 })).unwrap();
    let at_bo = bo.session_data::<BTreeMap<String, Value>>().unwrap();
    until("both keys at Bo", || {
        at_bo.get().is_ok_and(|s| s.get("speaker") == Some(&json!("ann")) && s.get("yes") == Some(&json!(3)))
    })
    .await;
    drop((stage, poll, at_bo));
    leave_all(peers).await;
}

/// Request and response, with a payload and an answer past one app message, and an unknown
/// method, over daily-js.
#[wasm_bindgen_test]
async fn requests_are_answered_through_daily_js() {
    let peers = joined(&["ann", "bo"]).await;
    let (ann, bo) = (&peers[0].1, &peers[1].1);
    let _echo = bo.handle("echo", |text: String, _from: String| async move { Ok(text.repeat(2)) }).unwrap();
    let text = "é".repeat(10_000);
    let answer: String = ann.request(&peers[1].2, "echo", &text, &RequestOptions::default()).await.unwrap();
    assert_eq!(answer.chars().count(), 20_000);
    let unknown = ann.request::<_, Value>(&peers[1].2, "nope", &1, &RequestOptions::default()).await;
    assert!(matches!(unknown, Err(Error::Rpc { code: "unsupported-method", .. })), "{unknown:?}");
    leave_all(peers).await;
}

/// Ordered increments from two participants through daily-js lose none.
#[wasm_bindgen_test]
async fn ordered_increments_go_through_daily_js() {
    let peers = joined(&["ann", "bo", "cy"]).await;
    let ordered: Vec<_> = peers.iter().map(|(_, sync, _)| sync.ordered().unwrap()).collect();
    let applies = ordered[1..].iter().flat_map(|o| (0..10).map(move |_| o.apply(&[OrderedOp::increment("n", 1.0)])));
    let results = futures::future::join_all(applies.collect::<Vec<_>>()).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let views: Vec<_> =
        peers.iter().map(|(_, sync, _)| sync.session_data::<BTreeMap<String, Value>>().unwrap()).collect();
    until("20 everywhere", || views.iter().all(|v| v.get().is_ok_and(|s| s.get("n") == Some(&json!(20))))).await;
    drop((ordered, views));
    leave_all(peers).await;
}
