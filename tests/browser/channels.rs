//! Channels: typed messages past the app-message limit, and a late joiner's history.
use super::*;

#[derive(Debug, Serialize, Deserialize, PartialEq, Clone)]
struct Note {
    text: String,
}

#[wasm_bindgen_test]
async fn channels_carry_typed_messages_past_the_app_message_limit() {
    use daily_sync::channel::ChannelIssue;
    let (ada, bo) = joined_pair("rust-channel").await;
    let mut notes = bo.channel::<Note>("notes").unwrap().messages();
    let mut plain = bo.app_messages::<serde_json::Value>().unwrap();
    let long = Note { text: "é\"'\\".repeat(20_000) };
    let sent = ada.channel::<Note>("notes").unwrap();
    assert_eq!(sent.send(&long, Recipient::All).unwrap(), 0);
    assert_eq!(sent.send(&Note { text: "short".into() }, Recipient::All).unwrap(), 1);
    ada.send_app_message(&serde_json::json!({ "plain": true }), Recipient::All).unwrap();
    let first = notes.next().await.unwrap().unwrap();
    assert_eq!((first.seq, first.data == long), (0, true));
    assert_eq!(notes.next().await.unwrap().unwrap().data.text, "short");
    let only_plain = plain.next().await.unwrap().unwrap();
    assert_eq!(only_plain.data, serde_json::json!({ "plain": true }), "chunks never reach the plain stream");
    // A channel of another type decodes what does not fit as an error item, and goes on.
    let mut numbers = bo.channel::<u32>("notes").unwrap().messages();
    sent.send(&Note { text: "x".into() }, Recipient::All).unwrap();
    assert!(matches!(numbers.next().await.unwrap(), Err(ChannelIssue::Decode(_))));
}

/// A late joiner's channel with a history gets the last broadcasts first, in order, marked
/// `replay`, then the live ones once; the members that were there see no replay.
#[wasm_bindgen_test]
async fn a_late_joiner_gets_a_channels_history_first_then_live_messages() {
    use daily_sync::{ChannelOptions, JoinOptions};
    let peers = joined_room("rust-history", &["Ann", "Bob"]).await;
    let options = ChannelOptions { history: Some(5), ..Default::default() };
    let at_ann = peers[0].sync.channel_with_options::<Note>("chat", &options).unwrap();
    let at_bob = peers[1].sync.channel_with_options::<Note>("chat", &options).unwrap();
    let mut bob_sees = at_bob.messages();
    for n in 0..7 {
        at_ann.send(&Note { text: format!("note {n}") }, Recipient::All).unwrap();
    }
    for n in 0..7 {
        let message = bob_sees.next().await.unwrap().unwrap();
        assert_eq!((message.data.text, message.replay), (format!("note {n}"), false));
    }

    let call = local_call("rust-history", None);
    call.join(&JoinOptions { user_name: Some("Carol".into()), ..Default::default() }).await.unwrap();
    let carol = DailySync::new(call.clone().into()).unwrap();
    let at_carol = carol.channel_with_options::<Note>("chat", &options).unwrap();
    let mut carol_sees = at_carol.messages();
    for n in 2..7 {
        let message = carol_sees.next().await.unwrap().unwrap();
        assert_eq!((message.data.text.as_str(), message.replay), (format!("note {n}").as_str(), true));
        assert_eq!((message.from_id.as_str(), message.seq), (peers[0].id.as_str(), n));
    }
    at_bob.send(&Note { text: "live".into() }, Recipient::All).unwrap();
    let message = carol_sees.next().await.unwrap().unwrap();
    assert_eq!(
        (message.data.text.as_str(), message.replay, message.from_id.as_str()),
        ("live", false, peers[1].id.as_str())
    );
    at_ann.send(&Note { text: "after".into() }, Recipient::All).unwrap();
    let message = carol_sees.next().await.unwrap().unwrap();
    assert_eq!((message.data.text.as_str(), message.replay), ("after", false));
    let message = bob_sees.next().await.unwrap().unwrap();
    assert_eq!((message.data.text.as_str(), message.replay), ("after", false), "Bob sees no replay");
    assert!(futures::FutureExt::now_or_never(carol_sees.next()).is_none(), "nothing twice");

    // Opened before join: fetched on join.
    let dave_call = local_call("rust-history", None);
    let dave = DailySync::new(dave_call.clone().into()).unwrap();
    let at_dave = dave.channel_with_options::<Note>("chat", &options).unwrap();
    let mut dave_sees = at_dave.messages();
    dave_call.join(&JoinOptions { user_name: Some("Dave".into()), ..Default::default() }).await.unwrap();
    for text in ["note 4", "note 5", "note 6", "live", "after"] {
        let message = dave_sees.next().await.unwrap().unwrap();
        assert_eq!((message.data.text.as_str(), message.replay), (text, true));
    }
    assert!(futures::FutureExt::now_or_never(carol_sees.next()).is_none(), "Carol sees no replay");
    call.leave().await.unwrap();
    dave_call.leave().await.unwrap();
}
