//! Before join and after leave.

use crate::harness::*;
use crate::messages::Hand;
use crate::state::Room;

scenario! {
    /// Before join and after leave, on daily-js's own refusals: sends fail with not-joined, user data
    /// set before join is carried into it; with queue_until_joined, messages and session data are held
    /// (each checked at once) and sent on join, in order.
    "beforeJoinAndAfterLeave", before_join_and_after_leave => before_join_and_after_leave_on()
}

async fn before_join_and_after_leave_on(page: &Page) -> Check {
    let [bo] = joined(page, &SyncOptions::default())?;
    let mut at_bo = bo.sync.app_messages::<String>().or_fail("Bo's app_messages()")?;
    let at_bo_room = bo.sync.session_data::<Room>().or_fail("Bo's session_data()")?;

    let (ann, early) = unjoined(page, &SyncOptions::default())?;
    ensure_eq!(kind_of(&early.send_app_message("early", Recipient::All)), "not-joined", "a send before join");
    let state = early.session_data::<Room>().or_fail("session_data() before join")?;
    ensure_eq!(kind_of(&state.merge(&json!({ "early": true }))), "not-joined", "a merge before join");
    early.set_user_data(&Hand { raised: true }).await.or_fail("user data before join")?;

    let queue = SyncOptions { queue_until_joined: true, ..Default::default() };
    let (cy, held) = unjoined(page, &queue)?;
    held.send_app_message("first", Recipient::All).or_fail("a held send")?;
    held.send_app_message("second", Recipient::All).or_fail("a held send")?;
    let too_large = held.send_app_message(&"x".repeat(4095), Recipient::All);
    ensure_eq!(kind_of(&too_large), "payload-too-large", "a held send past the limit, refused at once");
    held.session_data::<Room>()
        .or_fail("held session_data()")?
        .merge(&json!({ "held": true }))
        .or_fail("a held merge")?;

    let ann_id = join(page, &ann, "ann").await?;
    let cy_id = join(page, &cy, "cy").await?;
    let mut got = Vec::new();
    for _ in 0..2 {
        let message = next_of(&mut at_bo, "the held messages at Bo").await?.or_fail("a held message")?;
        got.push((message.data, message.from_id));
    }
    ensure_eq!(got, [("first".to_owned(), cy_id.clone()), ("second".to_owned(), cy_id)], "the held messages at Bo");
    nothing_more(&mut at_bo, "the refused sends at Bo").await?;
    until("the held session data at Bo", || at_bo_room.get().is_ok_and(|s| s.get("held") == Some(&json!(true))))
        .await?;
    ensure!(at_bo_room.get().is_ok_and(|s| !s.contains_key("early")), "the refused merge reached Bo");
    until("Ann's user data from before join, at Bo", || {
        bo.sync.participants::<Hand>().is_ok_and(|all| {
            all.iter().flatten().any(|p| p.session_id == ann_id && p.user_data == Some(Hand { raised: true }))
        })
    })
    .await?;

    early.send_app_message("joined", Recipient::All).or_fail("a send once joined")?;
    let message = next_of(&mut at_bo, "Ann's message once joined").await?.or_fail("Ann's message")?;
    ensure_eq!((message.data.as_str(), message.from_id.as_str()), ("joined", ann_id.as_str()), "Ann's message at Bo");
    ann.leave().await.or_fail("Ann leaves")?;
    match early.send_app_message("late", Recipient::All) {
        Err(Error::NotJoined(message)) => {
            ensure!(message.contains("left"), "not-joined after leave says the call left: {message:?}")
        }
        other => return Err(format!("a send after leave: expected NotJoined, got {other:?}")),
    }
    ensure_eq!(kind_of(&state.merge(&json!({ "late": true }))), "not-joined", "a merge after leave");
    Ok(())
}
