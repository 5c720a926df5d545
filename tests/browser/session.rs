//! userData and session data: typed both ways, the session-data throttle (one per DailySync, its
//! interval from the options), the limit, and flushing when the last owner drops.
use super::*;

#[wasm_bindgen_test]
async fn user_data_is_typed_both_ways() {
    let (call, sync) = fake_sync(false);
    sync.set_user_data(&Hand { raised: true }).await.unwrap();
    assert_eq!(json(&call.user_data()), r#"{"raised":true}"#, "allowed before join");
    let me = sync.participants::<Hand>().unwrap();
    assert_eq!(me.len(), 1);
    let me = me.into_iter().next().unwrap().unwrap();
    assert_eq!((me.local, me.user_data), (true, Some(Hand { raised: true })));
    match sync.set_user_data(&"y".repeat(4100)).await {
        Err(Error::PayloadTooLarge { size, limit }) => assert_eq!((size, limit), (4102, 4096)),
        other => panic!("expected payload-too-large, got {other:?}"),
    }
    let mut updates = sync.participant_updates::<Hand>().unwrap();
    let event =
        js_sys::JSON::parse(r#"{"participant":{"session_id":"p9","user_name":"Ada","userData":{"raised":false}}}"#)
            .unwrap();
    call.emit("participant-updated", &JsValue::UNDEFINED);
    call.emit("participant-updated", &event);
    assert!(updates.next().await.unwrap().is_err());
    let ada = updates.next().await.unwrap().unwrap();
    assert_eq!(
        (ada.session_id.as_str(), ada.user_name.as_str(), ada.user_data),
        ("p9", "Ada", Some(Hand { raised: false }))
    );
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Default)]
struct Poll {
    #[serde(default)]
    question: String,
    #[serde(default)]
    yes: u32,
}

#[wasm_bindgen_test]
async fn session_data_is_throttled_and_nothing_is_lost() {
    let call = FakeCall::new();
    let sync = sync_every(&call, 100);
    let poll = sync.session_data::<Poll>().unwrap();
    assert!(matches!(poll.merge(&serde_json::json!({"yes": 1})), Err(Error::NotJoined(_))));
    call.join();
    poll.set(&Poll { question: "Lunch?".into(), yes: 0 }).unwrap();
    assert_eq!(call.session_call_count(), 1, "the leading edge sends at once");
    for yes in 1..=30 {
        poll.merge(&serde_json::json!({ "yes": yes })).unwrap();
        assert_eq!(poll.get().unwrap().yes, yes, "the local view shows pending changes at once");
        TimeoutFuture::new(16).await;
    }
    TimeoutFuture::new(250).await;
    let calls = call.session_call_count();
    assert!(calls <= 8, "about 500 ms at one write per 100 ms: {calls} writes");
    assert_eq!(json(&call.session()), r#"{"question":"Lunch?","yes":30}"#, "the last state arrives");
    let last = call.last_session_call();
    assert_eq!(json(&js_sys::Reflect::get(&last, &"strategy".into()).unwrap()), r#""shallow-merge""#);
}

#[wasm_bindgen_test]
async fn session_data_refuses_a_merged_state_over_the_limit_and_keeps_the_old_one() {
    let (_call, sync) = fake_sync(true);
    let state = sync.session_data::<BTreeMap<String, String>>().unwrap();
    state.merge(&serde_json::json!({ "a": "x".repeat(60_000) })).unwrap();
    match state.merge(&serde_json::json!({ "b": "y".repeat(60_000) })) {
        Err(Error::PayloadTooLarge { limit, size }) => assert_eq!((limit, size > 102_400), (102_400, true)),
        other => panic!("expected payload-too-large, got {other:?}"),
    }
    assert_eq!(state.get().unwrap().len(), 1, "nothing changed");
}

#[wasm_bindgen_test]
async fn dropping_the_last_owner_flushes_and_a_left_call_keeps_nothing() {
    let (call, sync) = fake_sync(true);
    let state = sync.session_data::<BTreeMap<String, u32>>().unwrap();
    state.merge(&serde_json::json!({ "a": 1 })).unwrap();
    state.merge(&serde_json::json!({ "b": 2 })).unwrap();
    assert_eq!(call.session_call_count(), 1, "the second change waits for the window");
    drop(state);
    assert_eq!(call.session_call_count(), 1, "a handle's drop leaves the throttle to the DailySync");
    let clone = sync.clone();
    drop(sync);
    assert_eq!(call.session_call_count(), 1, "a clone still holds the throttle");
    assert_eq!(call.listener_count("meeting-session-state-updated"), 1);
    drop(clone);
    assert_eq!(call.session_call_count(), 2, "the last owner's drop flushed");
    assert_eq!(json(&call.session()), r#"{"a":1,"b":2}"#);
    assert_eq!(call.listener_count("meeting-session-state-updated"), 0, "and unsubscribed");

    // Pending changes cannot be sent once the call has left: they are discarded (with a warning).
    let sync = sync_every(&call, 100);
    let state = sync.session_data::<BTreeMap<String, u32>>().unwrap();
    state.merge(&serde_json::json!({ "c": 3 })).unwrap();
    state.merge(&serde_json::json!({ "d": 4 })).unwrap();
    call.leave();
    TimeoutFuture::new(150).await;
    assert!(!json(&call.session()).contains("\"d\""), "the change pending at leave was not sent");
}

#[wasm_bindgen_test]
async fn incoming_states_combine_with_pending_changes() {
    let (call, sync) = fake_sync(true);
    let state = sync.session_data::<BTreeMap<String, u32>>().unwrap();
    let mut states = state.states().unwrap();
    state.merge(&serde_json::json!({ "mine": 1 })).unwrap(); // sent at once
    state.merge(&serde_json::json!({ "mine": 2 })).unwrap(); // pending
    let theirs =
        js_sys::JSON::parse(r#"{"meetingSessionState":{"data":{"mine":1,"theirs":7},"topology":"none"}}"#).unwrap();
    call.emit("meeting-session-state-updated", &theirs);
    let seen = states.next().await.unwrap().unwrap();
    assert_eq!(seen.get("theirs"), Some(&7));
    assert_eq!(seen.get("mine"), Some(&2), "the pending change stays on top");
}

/// The handles of one DailySync share its one throttle: merges of different keys through two
/// handles (of two types) both reach the other participant, and each handle sees the other's
/// pending change at once.
#[wasm_bindgen_test]
async fn the_session_data_handles_of_one_daily_sync_share_its_throttle() {
    use daily_sync::JoinOptions;
    let (ann, bob) = (local_call("rust-shared-throttle", Some(20)), local_call("rust-shared-throttle", Some(20)));
    // A long interval: the second merge waits in the throttle while the first is on its way.
    let sync_ann = sync_every(&ann.clone().into(), 400);
    let sync_bob = sync_every(&bob.clone().into(), 16);
    ann.join(&JoinOptions::default()).await.unwrap();
    bob.join(&JoinOptions::default()).await.unwrap();

    let stage = sync_ann.session_data::<Stage>().unwrap();
    let poll = sync_ann.clone().session_data::<Poll>().unwrap();
    stage.merge(&Stage { speaker: Some("ann".into()) }).unwrap();
    poll.merge(&serde_json::json!({ "yes": 3 })).unwrap();
    let everything = sync_ann.session_data::<BTreeMap<String, serde_json::Value>>().unwrap();
    let view = everything.get().unwrap();
    assert_eq!(
        (view.get("speaker"), view.get("yes")),
        (Some(&serde_json::json!("ann")), Some(&serde_json::json!(3))),
        "one local view"
    );

    let at_bob = sync_bob.session_data::<BTreeMap<String, serde_json::Value>>().unwrap();
    let both = |state: &BTreeMap<String, serde_json::Value>| {
        state.get("speaker") == Some(&serde_json::json!("ann")) && state.get("yes") == Some(&serde_json::json!(3))
    };
    for _ in 0..100 {
        if at_bob.get().is_ok_and(|state| both(&state)) {
            break;
        }
        TimeoutFuture::new(20).await;
    }
    assert!(both(&at_bob.get().unwrap()), "both keys at Bob: {:?}", at_bob.get());
    ann.leave().await.unwrap();
    bob.leave().await.unwrap();
}

/// The interval of `SyncOptions` is the throttle's, and one under 16 ms is refused.
#[wasm_bindgen_test]
async fn the_session_data_interval_comes_from_the_options() {
    let call = FakeCall::new();
    let options = daily_sync::SyncOptions { session_data_interval_ms: 15, ..Default::default() };
    match DailySync::with_options(call.clone().into(), &options) {
        Err(Error::InvalidArgument(message)) => assert!(message.contains("at least 16"), "{message}"),
        other => panic!("expected invalid-argument, got {other:?}"),
    }
    call.join();
    let every = |ms| {
        let sync = sync_every(&call.clone().into(), ms);
        let state = sync.session_data::<BTreeMap<String, u32>>().unwrap();
        (sync, state)
    };
    let (_slow_sync, slow) = every(5_000);
    slow.merge(&serde_json::json!({ "a": 1 })).unwrap();
    slow.merge(&serde_json::json!({ "a": 2 })).unwrap();
    let before = call.session_call_count();
    TimeoutFuture::new(150).await;
    assert_eq!(call.session_call_count(), before, "nothing more within a 5 s window");
    let (_fast_sync, fast) = every(16);
    fast.merge(&serde_json::json!({ "b": 1 })).unwrap();
    fast.merge(&serde_json::json!({ "b": 2 })).unwrap();
    let sent = call.session_call_count();
    TimeoutFuture::new(150).await;
    assert_eq!(call.session_call_count(), sent + 1, "the trailing write of a 16 ms window went out");
}
