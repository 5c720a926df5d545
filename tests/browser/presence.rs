//! Presence: a high rate ends on the last value, late joiners and leavers, and dropping a handle.
use super::*;

/// The next change of a presence stream, within two seconds.
async fn next_change<T: serde::de::DeserializeOwned>(
    changes: &mut daily_sync::PresenceChanges<T>,
) -> daily_sync::PresenceChange<T> {
    use futures::future::{select, Either};
    match select(changes.next(), TimeoutFuture::new(2000)).await {
        Either::Left((Some(change), _)) => change.expect("a value that decodes"),
        Either::Left((None, _)) => panic!("the presence stream ended"),
        Either::Right(_) => panic!("no presence change within 2 s"),
    }
}

/// Presence set 600 times as fast as the page goes reaches a peer as a handful of messages, each
/// newer than the last, ending on the last value; plain app-message streams never see it.
#[wasm_bindgen_test]
async fn presence_set_at_a_high_rate_ends_on_the_last_value() {
    use daily_sync::PresenceOptions;
    let peers = joined_room("rust-presence-rate", &["Ann", "Bob"]).await;
    let options = PresenceOptions { interval_ms: Some(50), stale_ms: None };
    let at_ann = peers[0].sync.presence::<u32>("cursor", &options).unwrap();
    let at_bob = peers[1].sync.presence::<u32>("cursor", &options).unwrap();
    let other = peers[1].sync.presence::<u32>("other", &options).unwrap();
    let mut plain = peers[1].sync.app_messages::<JsonValue>().unwrap();
    let mut changes = at_bob.changes();
    let mut others = other.changes();
    let started = js_sys::Date::now();
    for value in 1..=600u32 {
        at_ann.set(&value).unwrap();
        if value % 60 == 0 {
            TimeoutFuture::new(10).await;
        }
    }
    let mut seen = Vec::new();
    while seen.last() != Some(&600) {
        let change = next_change(&mut changes).await;
        assert_eq!(change.session_id, peers[0].id);
        seen.push(change.value.expect("a value"));
    }
    let elapsed = js_sys::Date::now() - started;
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "never backwards: {seen:?}");
    assert!(seen.len() as f64 <= elapsed / 50.0 + 2.0, "{} messages in {elapsed} ms", seen.len());
    assert_eq!(at_bob.get(), vec![(peers[0].id.clone(), 600, at_bob.get()[0].2)]);
    assert!(at_ann.get().is_empty(), "its own value is not among the others'");
    peers[0].sync.send_app_message(&"plain", Recipient::All).unwrap();
    assert_eq!(plain.next().await.unwrap().unwrap().data, JsonValue::from("plain"), "no presence message");
    assert!(futures::FutureExt::now_or_never(others.next()).is_none(), "another name sees nothing");
}

/// A participant that joins late gets the current value without anyone setting it again; one that
/// leaves is gone; a silent one past `stale_ms` is gone and comes back on its next `set`.
#[wasm_bindgen_test]
async fn presence_reaches_a_late_joiner_and_leave_or_silence_makes_it_gone() {
    use daily_sync::{JoinOptions, PresenceOptions};
    let peers = joined_room("rust-presence-late", &["Ann", "Bob"]).await;
    let options = PresenceOptions { interval_ms: Some(20), stale_ms: None };
    let at_ann = peers[0].sync.presence::<String>("typing", &options).unwrap();
    at_ann.set(&"Ann types".to_owned()).unwrap();

    let call = local_call("rust-presence-late", None);
    let carol = DailySync::new(call.clone().into()).unwrap();
    let at_carol = carol.presence::<String>("typing", &options).unwrap();
    let mut at_carol_changes = at_carol.changes();
    call.join(&JoinOptions { user_name: Some("Carol".into()), ..Default::default() }).await.unwrap();
    let first = next_change(&mut at_carol_changes).await;
    assert_eq!((first.session_id.as_str(), first.value.as_deref()), (peers[0].id.as_str(), Some("Ann types")));

    let mut at_ann_changes = at_ann.changes();
    at_carol.set(&"Carol types".to_owned()).unwrap();
    let carol_id = call.local_session_id().unwrap();
    let change = next_change(&mut at_ann_changes).await;
    assert_eq!((change.session_id.as_str(), change.value.as_deref()), (carol_id.as_str(), Some("Carol types")));
    call.leave().await.unwrap();
    let change = next_change(&mut at_ann_changes).await;
    assert_eq!((change.session_id, change.value), (carol_id, None), "gone on leave");
    assert!(at_ann.get().is_empty());

    let stale = PresenceOptions { interval_ms: Some(20), stale_ms: Some(100) };
    let at_bob = peers[1].sync.presence::<u8>("level", &stale).unwrap();
    let at_ann_level = peers[0].sync.presence::<u8>("level", &stale).unwrap();
    let mut levels = at_bob.changes();
    at_ann_level.set(&7).unwrap();
    assert_eq!(next_change(&mut levels).await.value, Some(7));
    assert_eq!(next_change(&mut levels).await.value, None, "gone when silent past stale_ms");
    at_ann_level.set(&8).unwrap();
    assert_eq!(next_change(&mut levels).await.value, Some(8), "back on its next set");
}

/// Dropping the handle removes its listeners and ends its streams; a dropped stream gets nothing.
#[wasm_bindgen_test]
async fn dropping_a_presence_stops_it() {
    use daily_sync::PresenceOptions;
    let (call, sync) = fake_sync(false);
    let events = ["app-message", "participant-joined", "participant-left"];
    let presence = sync.presence::<u32>("cursor", &PresenceOptions::default()).unwrap();
    assert!(events.iter().all(|event| call.listener_count(event) == 1));
    let dropped = presence.changes();
    drop(dropped);
    let mut changes = presence.changes();
    let message = js_sys::JSON::parse(r#"{"$ds":1,"c":"$p","n":"cursor","q":1,"v":5}"#).unwrap();
    call.emit("app-message", &app_message(message, "p1"));
    let change = changes.next().await.unwrap().unwrap();
    assert_eq!((change.session_id.as_str(), change.value), ("p1", Some(5)));
    let garbage = js_sys::JSON::parse(r#"{"$ds":1,"c":"$p","n":"cursor","q":2,"v":"five"}"#).unwrap();
    call.emit("app-message", &app_message(garbage, "p1"));
    assert!(changes.next().await.unwrap().is_err(), "a value of another type is an error item");
    assert!(presence.get().is_empty(), "and is left out of get()");
    drop(presence);
    assert!(events.iter().all(|event| call.listener_count(event) == 0), "no listener left");
    assert!(changes.next().await.is_none(), "the stream ends with the handle");
}
