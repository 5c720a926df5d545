//! Channels, their history, and presence.

use crate::harness::*;
use daily_sync::channel::{ChannelIssue, ChannelMessage};

scenario! {
    /// Channels: a 20,000-character message cut into daily-js app messages and put back together;
    /// with history, a member that opens the channel once in the call gets what was sent before, marked
    /// as replays, in order, then the live messages.
    "channels", channels => channels_on(false)
}

scenario! {
    /// A channel opened before join, as apps open theirs: daily-js knows nobody at `joined-meeting`,
    /// the history is asked of the first one already there as its `participant-joined` comes.
    "channelHistoryOpenedBeforeJoin", channel_history_opened_before_join => channels_on(true)
}

async fn channels_on(page: &Page, before_join: bool) -> Check {
    let [ann, bo] = joined(page, &SyncOptions::default())?;
    let options = ChannelOptions { history: Some(10), ..Default::default() };
    let at_ann = ann.sync.channel_with_options::<String>("notes", &options).or_fail("Ann's channel")?;
    let at_bo = bo.sync.channel_with_options::<String>("notes", &options).or_fail("Bo's channel")?;
    let mut inbox = at_bo.messages();
    let long = "é\"x🎉\\".repeat(4_000);
    let seqs = [at_ann.send(&long, Recipient::All), at_ann.send(&"short".to_owned(), Recipient::All)];
    let seqs = seqs.into_iter().collect::<Result<Vec<_>, _>>().or_fail("Ann's channel sends")?;
    ensure_eq!(seqs, [0, 1], "the sequence numbers of Ann's sends");
    let sent = [long, "short".to_owned()];
    expect_messages(&mut inbox, &sent, &ann.id, false, "Bo").await?;

    let (cy, late) = unjoined(page, &SyncOptions::default())?;
    // The stream is made with the channel, so that nothing replayed comes before it.
    let open = |what: &str| {
        let channel = late.channel_with_options::<String>("notes", &options).or_fail(what)?;
        let messages = channel.messages();
        Ok::<_, String>((channel, messages))
    };
    let early = if before_join { Some(open("Cy's channel, before join")?) } else { None };
    join(page, &cy, "cy").await?;
    until("Cy to know Ann and Bo", || late.participants::<Value>().is_ok_and(|all| all.len() == 3)).await?;
    let (_at_cy, mut replays) = match early {
        Some(opened) => opened,
        None => open("Cy's channel, once in the call")?,
    };
    expect_messages(&mut replays, &sent, &ann.id, true, "Cy (the history)").await?;
    at_ann.send(&"live".to_owned(), Recipient::All).or_fail("Ann's live send")?;
    let message = next_of(&mut replays, "the live message at the late joiner").await?.or_fail("the live message")?;
    ensure_eq!((message.data.as_str(), message.seq, message.replay), ("live", 2, false), "the live message at Cy");
    nothing_more(&mut replays, "the channel at the late joiner").await
}

/// The next messages of `stream` are `sent`, in order, from `from` with sequence numbers from 0,
/// replays or not.
async fn expect_messages<S>(stream: &mut S, sent: &[String], from: &str, replay: bool, at: &str) -> Check
where
    S: Stream<Item = Result<ChannelMessage<String>, ChannelIssue>> + Unpin,
{
    for (seq, data) in (0u64..).zip(sent) {
        let message =
            next_of(stream, &format!("the channel's messages at {at}")).await?.or_fail("a channel message")?;
        ensure!(
            &message.data == data,
            "message {seq} at {at}: {} characters, not the {} sent",
            message.data.chars().count(),
            data.chars().count()
        );
        ensure_eq!(
            (message.from_id.as_str(), message.seq, message.replay),
            (from, seq, replay),
            "message {seq} at {at}"
        );
    }
    Ok(())
}

scenario! {
    /// Presence: values set many times within one interval, the latest reaches the others; a late
    /// joiner gets the current value; a participant that leaves is gone.
    "presence", presence => presence_on()
}

async fn presence_on(page: &Page) -> Check {
    let [ann, bo] = joined(page, &SyncOptions::default())?;
    let options = PresenceOptions { interval_ms: Some(50), stale_ms: None };
    let at_ann = ann.sync.presence::<Pointer>("pointer", &options).or_fail("Ann's presence")?;
    let at_bo = bo.sync.presence::<Pointer>("pointer", &options).or_fail("Bo's presence")?;
    let mut changes = at_bo.changes();
    for x in 0..=20 {
        at_ann.set(&Pointer { x, y: -x }).or_fail("Ann's pointer")?;
    }
    let last = Some(Pointer { x: 20, y: -20 });
    first_matching(&mut changes, "Ann's last pointer at Bo", |c| c.session_id == ann.id && c.value == last).await?;
    let seen: Vec<_> = at_bo.get().into_iter().map(|(id, value, _)| (id, value)).collect();
    ensure_eq!(seen, [(ann.id.clone(), Pointer { x: 20, y: -20 })], "Bo's get()");

    let (cy, late) = unjoined(page, &SyncOptions::default())?;
    let at_cy = late.presence::<Pointer>("pointer", &options).or_fail("Cy's presence")?;
    join(page, &cy, "cy").await?;
    until("Ann's pointer at the late joiner", || {
        at_cy.get().iter().any(|(id, p, _)| *id == ann.id && Some(p) == last.as_ref())
    })
    .await?;

    ann.call.leave().await.or_fail("Ann leaves")?;
    first_matching(&mut changes, "Ann gone at Bo", |c| c.session_id == ann.id && c.value.is_none()).await?;
    ensure!(at_bo.get().is_empty(), "Bo's get() after Ann left: {:?}", at_bo.get());
    Ok(())
}

/// A pointer on the shared stage, as presence carries it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Pointer {
    x: i32,
    y: i32,
}
