//! Typed app messages and user data.

use crate::harness::*;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Reaction {
    emoji: String,
}

scenario! {
    /// Typed app messages: broadcast and targeted ones reach whom they should and no one else, in
    /// order; the 4096 limit as daily-js measures it (UTF-16 units of JSON), refused with its size;
    /// a bad recipient refused.
    "appMessages", app_messages => app_messages_on()
}

async fn app_messages_on(page: &Page) -> Check {
    let [ann, bo, cy] = joined(page, &SyncOptions::default())?;
    let mut inboxes = Vec::new();
    for peer in [&ann, &bo, &cy] {
        inboxes.push(peer.sync.app_messages::<Reaction>().or_fail(&format!("{}'s app_messages()", peer.name))?);
    }
    let send = |from: &Peer, emoji: &str, to: Recipient| {
        from.sync
            .send_app_message(&Reaction { emoji: emoji.into() }, to)
            .or_fail(&format!("{} sends {emoji:?}", from.name))
    };
    send(&ann, "🎉", Recipient::All)?;
    send(&ann, "to cy", Recipient::One(cy.id.clone()))?;
    send(&ann, "to bo and cy", Recipient::many([bo.id.clone(), cy.id.clone()]).or_fail("two recipients")?)?;
    send(&bo, "end", Recipient::All)?;
    let from = |peer: &Peer, emoji: &str| (emoji.to_owned(), peer.id.clone());
    let expected = [
        vec![from(&bo, "end")],
        vec![from(&ann, "🎉"), from(&ann, "to bo and cy")],
        vec![from(&ann, "🎉"), from(&ann, "to cy"), from(&ann, "to bo and cy"), from(&bo, "end")],
    ];
    for ((inbox, want), peer) in inboxes.iter_mut().zip(&expected).zip([&ann, &bo, &cy]) {
        let what = format!("the app messages at {}", peer.name);
        let mut got = Vec::new();
        while got.len() < want.len() {
            let message = next_of(inbox, &what).await?.or_fail(&what)?;
            got.push((message.data.emoji, message.from_id));
        }
        ensure_eq!(got, *want, "{what} (emoji, sender)");
        nothing_more(inbox, &what).await?;
    }

    // {"emoji":"…"} is 12 characters around the emoji; 🎉 is 2 UTF-16 units (4 bytes of UTF-8).
    for (text, size) in
        [("x".repeat(4084), 4096), ("🎉".repeat(2042), 4096), ("x".repeat(4085), 4097), ("🎉".repeat(2043), 4098)]
    {
        let sent = ann.sync.send_app_message(&Reaction { emoji: text.clone() }, Recipient::All);
        let what = format!("a message of {size} characters of JSON ({} bytes)", text.len() + 12);
        match (size, sent) {
            (4096, sent) => sent.or_fail(&format!("{what}: sent"))?,
            (_, Err(Error::PayloadTooLarge { size: said, limit })) => {
                ensure_eq!((said, limit), (size, 4096), "{what}: PayloadTooLarge's size and limit");
            }
            (_, other) => return Err(format!("{what}: expected PayloadTooLarge, got {other:?}")),
        }
    }
    let too_large = ann.sync.send_app_message(&Reaction { emoji: "x".repeat(4085) }, Recipient::All);
    ensure_eq!(kind_of(&too_large), "payload-too-large", "a 4097-character message's error kind");
    let nobody = ann.sync.send_app_message(&Reaction { emoji: "?".into() }, Recipient::One(String::new()));
    ensure_eq!(kind_of(&nobody), "invalid-recipient", "an empty session id as the recipient");
    let at_bo = &mut inboxes[1];
    let mut sizes = Vec::new();
    for _ in 0..2 {
        let message = next_of(at_bo, "the messages at the limit, at Bo").await?.or_fail("at the limit")?;
        sizes.push((message.data.emoji.chars().count(), message.from_id));
    }
    ensure_eq!(
        sizes,
        [(4084, ann.id.clone()), (2042, ann.id.clone())],
        "the messages at the limit, at Bo (characters, sender)"
    );
    nothing_more(at_bo, "the refused messages at Bo").await
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Hand {
    pub(crate) raised: bool,
}

scenario! {
    /// User data: set and cleared, seen in the others' participant updates and participants(), and
    /// by a late joiner; joins and leaves as participant events.
    "userData", user_data => user_data_on()
}

async fn user_data_on(page: &Page) -> Check {
    let [ann, bo] = joined(page, &SyncOptions::default())?;
    let mut updates = bo.sync.participant_updates::<Hand>().or_fail("Bo's participant_updates()")?;
    let mut events = bo.sync.participant_events::<Value>().or_fail("Bo's participant_events()")?;
    let raised = Some(Hand { raised: true });
    ann.sync.set_user_data(&Hand { raised: true }).await.or_fail("Ann sets her user data")?;
    let update =
        first_matching(&mut updates, "Ann's raised hand at Bo", |p| p.session_id == ann.id && p.user_data.is_some())
            .await?;
    ensure_eq!(
        (update.user_name.as_str(), update.local, &update.user_data),
        ("ann", false, &raised),
        "Ann's update at Bo"
    );

    let everyone = bo.sync.participants::<Hand>().or_fail("Bo's participants()")?;
    let everyone = everyone.into_iter().collect::<Result<Vec<_>, _>>().or_fail("every participant decodes")?;
    let locals: Vec<_> = everyone.iter().filter(|p| p.local).map(|p| p.session_id.as_str()).collect();
    ensure_eq!(locals, [bo.id.as_str()], "Bo's participants(): the one local participant");
    let at_bo = everyone.iter().find(|p| p.session_id == ann.id).or_fail("Ann among Bo's participants")?;
    ensure_eq!((at_bo.user_name.as_str(), &at_bo.user_data), ("ann", &raised), "Ann in Bo's participants()");

    let (cy, late) = unjoined(page, &SyncOptions::default())?;
    let cy_id = join(page, &cy, "cy").await?;
    let sees_hand = |sync: &DailySync| {
        sync.participants::<Hand>()
            .is_ok_and(|all| all.iter().flatten().any(|p| p.session_id == ann.id && p.user_data == raised))
    };
    until("the late joiner to see Ann's raised hand", || sees_hand(&late)).await?;
    let joined_event = first_matching(&mut events, "Cy's join at Bo", |e| {
        e.action == ParticipantAction::Joined && e.participant.session_id == cy_id
    })
    .await?;
    ensure_eq!(joined_event.participant.user_name, "cy", "the joined event's user name");

    ann.sync.clear_user_data().await.or_fail("Ann clears her user data")?;
    let no_hand = |sync: &DailySync| {
        sync.participants::<Hand>()
            .is_ok_and(|all| all.iter().flatten().any(|p| p.session_id == ann.id && p.user_data.is_none()))
    };
    until("Ann's cleared user data at Bo and Cy", || no_hand(&bo.sync) && no_hand(&late)).await?;

    cy.leave().await.or_fail("Cy leaves")?;
    first_matching(&mut events, "Cy's leave at Bo", |e| {
        e.action == ParticipantAction::Left && e.participant.session_id == cy_id
    })
    .await?;
    until("Cy gone from Bo's participants", || {
        bo.sync.participants::<Value>().is_ok_and(|all| all.iter().flatten().all(|p| p.session_id != cy_id))
    })
    .await
}
