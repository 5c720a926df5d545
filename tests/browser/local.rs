//! The Rust API on the in-page local room: calls made, joined and left from Rust, and sends held
//! until join.
use super::*;

#[wasm_bindgen_test]
async fn the_rust_api_runs_on_the_local_room() {
    let (ada, bo) = joined_pair("rust-api").await;
    let mut at_bo = bo.app_messages::<Reaction>().unwrap();
    ada.send_app_message(&Reaction { emoji: "👋".into() }, Recipient::All).unwrap();
    let got = at_bo.next().await.unwrap().unwrap();
    assert_eq!(got.data.emoji, "👋");
    let ada_id = ada.participants::<Hand>().unwrap().into_iter().flatten().find(|p| p.local).unwrap().session_id;
    assert_eq!(got.from_id, ada_id);

    let mut updates = bo.participant_updates::<Hand>().unwrap();
    ada.set_user_data(&Hand { raised: true }).await.unwrap();
    loop {
        let p = updates.next().await.unwrap().unwrap();
        if p.session_id == ada_id && p.user_data == Some(Hand { raised: true }) {
            break;
        }
    }
}

/// A Rust app with no JavaScript of its own: two calls made and joined with `Call`, typed data of
/// all three kinds both ways, and a leave seen.
#[wasm_bindgen_test]
async fn a_rust_app_makes_joins_and_leaves_calls_with_no_js_of_its_own() {
    use daily_sync::{JoinOptions, ParticipantAction};
    let (ann, bob) = (local_call("rust-call", Some(50)), local_call("rust-call", Some(50)));
    assert_eq!(ann.meeting_state(), "new");
    assert_eq!(ann.local_session_id(), None, "no session id before join");
    let (sync_ann, sync_bob) = (sync_every(&ann.clone().into(), 16), sync_every(&bob.clone().into(), 16));
    let mut bob_sees = sync_bob.participant_events::<Hand>().unwrap();
    let join = |name: &str| JoinOptions { user_name: Some(name.into()), ..Default::default() };
    ann.join(&join("Ann")).await.unwrap();
    bob.join(&join("Bob")).await.unwrap();
    assert_eq!(ann.meeting_state(), "joined-meeting");
    let ann_id = ann.local_session_id().expect("a session id once joined");

    let mut at_bob = sync_bob.app_messages::<Reaction>().unwrap();
    // Ann may not see Bob yet: send until Bob has it.
    let got = loop {
        sync_ann.send_app_message(&Reaction { emoji: "🎉".into() }, Recipient::All).unwrap();
        if let futures::future::Either::Left((Some(Ok(message)), _)) =
            futures::future::select(at_bob.next(), TimeoutFuture::new(100)).await
        {
            break message;
        }
    };
    assert_eq!((got.data.emoji.as_str(), got.from_id.as_str()), ("🎉", ann_id.as_str()));

    sync_ann.set_user_data(&Hand { raised: true }).await.unwrap();
    loop {
        let event = bob_sees.next().await.unwrap().unwrap();
        if event.participant.session_id == ann_id && event.participant.user_data == Some(Hand { raised: true }) {
            break;
        }
    }

    let stage_at_ann = sync_ann.session_data::<Stage>().unwrap();
    let stage_at_bob = sync_bob.session_data::<Stage>().unwrap();
    let stage = Stage { speaker: Some(ann_id.clone()) };
    stage_at_ann.set(&stage).unwrap();
    for _ in 0..100 {
        if stage_at_bob.get().ok() == Some(stage.clone()) {
            break;
        }
        TimeoutFuture::new(50).await;
    }
    assert_eq!(stage_at_bob.get().unwrap(), stage, "the session data Ann set, at Bob");

    ann.leave().await.unwrap();
    loop {
        let event = bob_sees.next().await.unwrap().unwrap();
        if event.participant.session_id == ann_id && event.action == ParticipantAction::Left {
            break;
        }
    }
    assert_eq!(ann.meeting_state(), "left-meeting");
    bob.leave().await.unwrap();
    bob.destroy().await.unwrap();
}

/// `queue_until_joined`: a message and a session-data write made before join reach a peer after
/// the join; without it, a send before join fails as daily-js's does.
#[wasm_bindgen_test]
async fn sends_before_join_are_held_and_sent_on_join() {
    use daily_sync::{JoinOptions, SyncOptions};
    let (ann, bob) = (local_call("rust-queue", Some(50)), local_call("rust-queue", Some(50)));
    let sync_bob = sync_every(&bob.clone().into(), 16);
    let mut at_bob = sync_bob.app_messages::<Reaction>().unwrap();
    let stage_at_bob = sync_bob.session_data::<Stage>().unwrap();
    bob.join(&JoinOptions::default()).await.unwrap();

    let plain = DailySync::new(ann.clone().into()).unwrap();
    assert!(matches!(
        plain.send_app_message(&Reaction { emoji: "x".into() }, Recipient::All),
        Err(Error::NotJoined(_))
    ));
    let held = DailySync::with_options(
        ann.clone().into(),
        &SyncOptions { session_data_interval_ms: 16, queue_until_joined: true },
    )
    .unwrap();
    held.send_app_message(&Reaction { emoji: "⏳".into() }, Recipient::All).unwrap();
    let big = Reaction { emoji: "x".repeat(5000) };
    assert!(
        matches!(held.send_app_message(&big, Recipient::All), Err(Error::PayloadTooLarge { .. })),
        "checked at once"
    );
    let stage = held.session_data::<Stage>().unwrap();
    stage.set(&Stage { speaker: Some("early".into()) }).unwrap();
    assert_eq!(stage.get().unwrap().speaker.as_deref(), Some("early"), "the local view has it at once");

    ann.join(&JoinOptions::default()).await.unwrap();
    let got = at_bob.next().await.unwrap().unwrap();
    assert_eq!(got.data.emoji, "⏳");
    for _ in 0..100 {
        if stage_at_bob.get().ok().and_then(|s| s.speaker).as_deref() == Some("early") {
            break;
        }
        TimeoutFuture::new(50).await;
    }
    assert_eq!(stage_at_bob.get().unwrap().speaker.as_deref(), Some("early"), "the held write, at Bob");
    ann.leave().await.unwrap();
    bob.leave().await.unwrap();
}
