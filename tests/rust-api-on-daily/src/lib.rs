//! The Rust API on the real daily-js: one exported scenario per behaviour, each run by
//! tests/page/rust-api-real-daily.test.mjs on real daily-js call objects joined offline to the
//! stand-in call machine (tests/js/daily-stand-in/). A scenario's promise rejects with the first
//! expectation that failed, what was expected and what came. Only the crate's public API is used.
//! Built by scripts/build-rust-api-on-daily.sh.

use std::collections::BTreeMap;
use std::fmt::Debug;

use daily_sync::user_data::ParticipantAction;
use daily_sync::{
    Call, ChannelOptions, DailySync, Error, JoinOptions, OrderedOp, PresenceOptions, Recipient, RequestOptions,
    RpcFailure, SyncOptions,
};
use futures::future::{select, Either};
use futures::{FutureExt, Stream, StreamExt};
use gloo_timers::future::TimeoutFuture;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// What the page hands a scenario: its call objects, already joined, and how to make more.
    pub type Page;
    #[wasm_bindgen(method, getter)]
    fn calls(this: &Page) -> JsValue;
    /// The stand-in room's URL, for `Call::join`.
    #[wasm_bindgen(method, getter, js_name = roomUrl)]
    fn room_url(this: &Page) -> JsValue;
    /// A new, unjoined daily-js call object wired to the stand-in (the page destroys it after).
    #[wasm_bindgen(method, catch, js_name = newCall)]
    fn new_call(this: &Page) -> Result<JsValue, JsValue>;
    /// How many `setMeetingSessionData` writes the stand-in has received, from every call.
    #[wasm_bindgen(method, catch, js_name = sessionWrites)]
    fn session_writes(this: &Page) -> Result<u32, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// A panic aborts the wasm, and the scenario's promise never settles: its message goes to the
/// console first, where the page test reports it.
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|panic| console_error(&panic.to_string())));
}

/// A scenario's outcome: `Err` says which expectation failed.
type Check<T = ()> = Result<T, String>;

/// The promise's rejection: an `Error` whose message is the failed expectation.
fn report(outcome: Check) -> Result<(), JsError> {
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

trait OrFail<T> {
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
const WAIT_MS: u32 = 5_000;

/// Resolves once `done()` holds, checked every 10 ms.
async fn until(what: &str, mut done: impl FnMut() -> bool) -> Check {
    for _ in 0..WAIT_MS / 10 {
        if done() {
            return Ok(());
        }
        TimeoutFuture::new(10).await;
    }
    Err(format!("timed out waiting for {what}"))
}

/// The stream's next item.
async fn next_of<S: Stream + Unpin>(stream: &mut S, what: &str) -> Check<S::Item> {
    match select(stream.next(), TimeoutFuture::new(WAIT_MS)).await {
        Either::Left((Some(item), _)) => Ok(item),
        Either::Left((None, _)) => Err(format!("{what}: the stream ended")),
        Either::Right(_) => Err(format!("timed out waiting for {what}")),
    }
}

/// The stream's first item that `matches`, the ones before it skipped; one that does not decode
/// fails.
async fn first_matching<S, T, E>(stream: &mut S, what: &str, mut matches: impl FnMut(&T) -> bool) -> Check<T>
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
async fn nothing_more<S: Stream + Unpin>(stream: &mut S, what: &str) -> Check
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
struct Peer {
    call: Call,
    sync: DailySync,
    id: String,
    name: String,
}

/// The page's joined call objects, each wrapped in a DailySync made with `options`.
fn joined<const N: usize>(page: &Page, options: &SyncOptions) -> Check<[Peer; N]> {
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
fn unjoined(page: &Page, options: &SyncOptions) -> Check<(Call, DailySync)> {
    let call = page.new_call().or_fail("a new daily-js call object")?;
    let sync = DailySync::with_options(call.clone(), options).or_fail("a DailySync before join")?;
    Ok((Call::from_js(call).or_fail("a daily-js Call")?, sync))
}

/// Joins `call` to the page's stand-in room as `name`; its session id.
async fn join(page: &Page, call: &Call, name: &str) -> Check<String> {
    let options = JoinOptions { url: page.room_url().as_string(), user_name: Some(name.into()), ..Default::default() };
    call.join(&options).await.or_fail(&format!("{name} joins"))?;
    call.local_session_id().or_fail(&format!("{name}'s session id"))
}

/// An error's kind, or what came instead.
fn kind_of<T: Debug>(result: &Result<T, Error>) -> String {
    match result {
        Err(error) => error.kind().to_owned(),
        Ok(value) => format!("no error (Ok({value:?}))"),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Reaction {
    emoji: String,
}

/// Typed app messages: broadcast and targeted ones reach whom they should and no one else, in
/// order; the 4096 limit as daily-js measures it (UTF-16 units of JSON), refused with its size;
/// a bad recipient refused.
#[wasm_bindgen(js_name = appMessages)]
pub async fn app_messages(page: Page) -> Result<(), JsError> {
    report(app_messages_on(&page).await)
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
struct Hand {
    raised: bool,
}

/// User data: set and cleared, seen in the others' participant updates and participants(), and
/// by a late joiner; joins and leaves as participant events.
#[wasm_bindgen(js_name = userData)]
pub async fn user_data(page: Page) -> Result<(), JsError> {
    report(user_data_on(&page).await)
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

#[derive(Debug, Serialize, Deserialize)]
struct Stage {
    speaker: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Poll {
    yes: u32,
}

type Room = BTreeMap<String, Value>;

fn room(value: Value) -> Room {
    match value {
        Value::Object(map) => map.into_iter().collect(),
        _ => Room::new(),
    }
}

/// Session data: handles of one DailySync, of different types, share one throttle and each
/// merge reaches the others; set, merge and delete in one interval converge everywhere; a state
/// past 102,400 characters is refused and changes nothing; a DailySync made on a joined call has
/// the room's state at once.
#[wasm_bindgen(js_name = sessionData)]
pub async fn session_data(page: Page) -> Result<(), JsError> {
    report(session_data_on(&page).await)
}

async fn session_data_on(page: &Page) -> Check {
    let options = SyncOptions { session_data_interval_ms: 300, ..Default::default() };
    let [ann, bo] = joined(page, &options)?;
    let at_bo = bo.sync.session_data::<Room>().or_fail("Bo's session_data()")?;
    let writes = || page.session_writes().map(i64::from).or_fail("the stand-in's count of writes");
    let before = writes()?;
    let stage = ann.sync.session_data::<Stage>().or_fail("Ann's stage handle")?;
    let poll = ann.sync.session_data::<Poll>().or_fail("Ann's poll handle")?;
    stage.merge(&Stage { speaker: "ann".into() }).or_fail("the stage merge")?;
    poll.merge(&Poll { yes: 3 }).or_fail("the poll merge")?;
    stage.merge(&json!({ "topic": "rust" })).or_fail("the topic merge")?;
    let all_three = room(json!({ "speaker": "ann", "yes": 3, "topic": "rust" }));
    until("the three keys at Bo", || at_bo.get().is_ok_and(|state| state == all_three)).await?;
    // One throttle: the first merge goes at once, the two others together on the trailing edge
    // (a throttle per handle would send each handle's first merge at once: three writes).
    ensure_eq!(writes()? - before, 2, "writes for three merges on two handles in one interval");

    let mut states = at_bo.states().or_fail("Bo's session states")?;
    let whole = ann.sync.session_data::<Room>().or_fail("Ann's untyped handle")?;
    whole.set(&room(json!({ "a": 1 }))).or_fail("set")?;
    whole.merge(&json!({ "b": 2 })).or_fail("merge")?;
    whole.delete(["a"]).or_fail("delete")?;
    let expected = room(json!({ "b": 2 }));
    ensure_eq!(whole.get().or_fail("Ann's view")?, expected, "Ann's view, at once");
    first_matching(&mut states, "{b: 2} in Bo's session states", |state| *state == expected).await?;
    ensure_eq!(at_bo.get().or_fail("Bo's view")?, expected, "Bo's view");

    let big = room(json!({ "big": "x".repeat(102_400) }));
    match whole.set(&big) {
        Err(Error::PayloadTooLarge { size, limit }) => {
            ensure_eq!((size, limit), (102_410, 102_400), "the refused state's size and limit")
        }
        other => return Err(format!("a state of 102,410 characters: expected PayloadTooLarge, got {other:?}")),
    }
    ensure_eq!(kind_of(&whole.merge(&big)), "payload-too-large", "a merge past the limit");
    ensure_eq!(whole.get().or_fail("Ann's view")?, expected, "Ann's view after the refused state");

    let fresh = DailySync::new(bo.call.as_js().clone()).or_fail("a second DailySync on Bo's joined call")?;
    let view = fresh.session_data::<Room>().or_fail("its session_data()")?.get().or_fail("its view")?;
    ensure_eq!(view, expected, "a DailySync made on a joined call: the room's state at once");
    TimeoutFuture::new(400).await;
    ensure_eq!(at_bo.get().or_fail("Bo's view")?, expected, "Bo's view, an interval later");
    Ok(())
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Echo {
    text: String,
    from_id: String,
}

/// Request and response: a 20,000-character payload and answer through daily-js's 4096-character
/// app messages; unsupported-method, application-error with its message and data,
/// recipient-not-found; request_all; a dropped handler no longer answers.
#[wasm_bindgen(js_name = requests)]
pub async fn requests(page: Page) -> Result<(), JsError> {
    report(requests_on(&page).await)
}

async fn requests_on(page: &Page) -> Check {
    let [ann, bo, cy] = joined(page, &SyncOptions::default())?;
    let echo = bo
        .sync
        .handle("echo", |text: String, from_id: String| async move { Ok(Echo { text, from_id }) })
        .or_fail("Bo's echo handler")?;
    let _book = bo
        .sync
        .handle("book", |seats: u32, _: String| async move {
            Err::<u32, _>(RpcFailure::new(format!("no room for {seats}")).with_data(json!({ "left": 0 })))
        })
        .or_fail("Bo's book handler")?;
    let _bo_ready =
        bo.sync.handle("ready", |_: Value, _: String| async { Ok::<_, RpcFailure>(true) }).or_fail("ready")?;
    let _cy_ready =
        cy.sync.handle("ready", |_: Value, _: String| async { Ok::<_, RpcFailure>(false) }).or_fail("ready")?;
    let plain = RequestOptions::default();

    let text = "é\"x🎉\\".repeat(4_000);
    ensure_eq!(text.chars().count(), 20_000, "the payload's characters");
    let answer: Echo = ann.sync.request(&bo.id, "echo", &text, &plain).await.or_fail("the echo request")?;
    ensure!(
        answer.text == text,
        "the 20,000-character answer differs from what was sent ({} characters)",
        answer.text.chars().count()
    );
    ensure_eq!(answer.from_id, ann.id, "the caller as the handler saw it");

    let unknown = ann.sync.request::<_, Value>(&bo.id, "nope", &1, &plain).await;
    ensure!(
        matches!(unknown, Err(Error::Rpc { code: "unsupported-method", .. })),
        "a method with no handler: {unknown:?}"
    );
    match ann.sync.request::<_, u32>(&bo.id, "book", &2, &plain).await {
        Err(Error::Rpc { code: "application-error", message, data }) => {
            ensure!(message.contains("no room for 2"), "the handler's message: {message:?}");
            ensure_eq!(data, Some(json!({ "left": 0 })), "the handler's data");
        }
        other => return Err(format!("a failing handler: expected application-error, got {other:?}")),
    }
    let nobody = ann.sync.request::<_, Value>("no-such-session", "echo", &"?", &plain).await;
    ensure!(matches!(nobody, Err(Error::Rpc { code: "recipient-not-found", .. })), "an unknown recipient: {nobody:?}");

    let answers = ann.sync.request_all::<_, bool>("ready", &(), &plain).await.or_fail("request_all")?;
    let answers: BTreeMap<_, _> = answers.into_iter().map(|(id, answer)| (id, answer.map_err(|e| e.kind()))).collect();
    let expected = BTreeMap::from([(bo.id.clone(), Ok(true)), (cy.id.clone(), Ok(false))]);
    ensure_eq!(answers, expected, "request_all's answers by session id");

    drop(echo);
    let dropped = ann.sync.request::<_, Echo>(&bo.id, "echo", &"again", &plain).await;
    ensure!(matches!(dropped, Err(Error::Rpc { code: "unsupported-method", .. })), "a dropped handler: {dropped:?}");
    Ok(())
}

/// Ordered room state: ten increments from each of two participants, all at once, applied one
/// at a time by the longest present: each apply sees its own total, none is lost.
#[wasm_bindgen(js_name = orderedIncrements)]
pub async fn ordered_increments(page: Page) -> Result<(), JsError> {
    report(ordered_increments_on(&page).await)
}

async fn ordered_increments_on(page: &Page) -> Check {
    let options = SyncOptions { session_data_interval_ms: 16, ..Default::default() };
    let peers: [Peer; 3] = joined(page, &options)?;
    let mut ordered = Vec::new();
    for peer in &peers {
        ordered.push(peer.sync.ordered().or_fail(&format!("{}'s ordered()", peer.name))?);
    }
    let applies = ordered[1..].iter().flat_map(|o| (0..10).map(move |_| o.apply(&[OrderedOp::increment("n", 1.0)])));
    let results = futures::future::join_all(applies.collect::<Vec<_>>()).await;
    let mut totals = results
        .into_iter()
        .map(|applied| {
            applied.or_fail("an increment")?.get("n").and_then(Value::as_f64).or_fail("n after an increment")
        })
        .collect::<Check<Vec<f64>>>()?;
    totals.sort_by(f64::total_cmp);
    let one_at_a_time: Vec<f64> = (1..=20).map(f64::from).collect();
    ensure_eq!(totals, one_at_a_time, "the totals the twenty increments saw");
    let mut views = Vec::new();
    for peer in &peers {
        views.push(peer.sync.session_data::<Room>().or_fail("session_data()")?);
    }
    let twenty = |view: &daily_sync::session::SessionData<Room>| {
        view.get().is_ok_and(|state| state.get("n").and_then(Value::as_f64) == Some(20.0))
    };
    until("n = 20 at everyone", || views.iter().all(twenty)).await
}

/// Channels: a 20,000-character message cut into daily-js app messages and put back together;
/// with history, a member that opens the channel once in the call gets what was sent before, marked
/// as replays, in order, then the live messages.
#[wasm_bindgen(js_name = channels)]
pub async fn channels(page: Page) -> Result<(), JsError> {
    report(channels_on(&page, false).await)
}

/// A channel opened before join, as apps open theirs: daily-js knows nobody at `joined-meeting`,
/// the history is asked of the first one already there as its `participant-joined` comes.
#[wasm_bindgen(js_name = channelHistoryOpenedBeforeJoin)]
pub async fn channel_history_opened_before_join(page: Page) -> Result<(), JsError> {
    report(channels_on(&page, true).await)
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
    let sent = [(long.clone(), 0, false), ("short".to_owned(), 1, false)];
    for (data, seq, replay) in sent.iter().cloned() {
        let message = next_of(&mut inbox, "the channel's messages at Bo").await?.or_fail("a channel message")?;
        ensure!(
            message.data == data,
            "message {seq} at Bo: {} characters, not the {} sent",
            message.data.chars().count(),
            data.chars().count()
        );
        ensure_eq!(
            (message.from_id, message.seq, message.replay),
            (ann.id.clone(), seq, replay),
            "message {seq} at Bo"
        );
    }

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
    for (data, seq, _) in sent {
        let message = next_of(&mut replays, "the history at the late joiner").await?.or_fail("a replayed message")?;
        ensure!(
            message.data == data,
            "replay {seq}: {} characters, not the {} sent",
            message.data.chars().count(),
            data.chars().count()
        );
        ensure_eq!((message.from_id, message.seq, message.replay), (ann.id.clone(), seq, true), "replay {seq} at Cy");
    }
    at_ann.send(&"live".to_owned(), Recipient::All).or_fail("Ann's live send")?;
    let message = next_of(&mut replays, "the live message at the late joiner").await?.or_fail("the live message")?;
    ensure_eq!((message.data.as_str(), message.seq, message.replay), ("live", 2, false), "the live message at Cy");
    nothing_more(&mut replays, "the channel at the late joiner").await
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Pointer {
    x: i32,
    y: i32,
}

/// Presence: values set many times within one interval, the latest reaches the others; a late
/// joiner gets the current value; a participant that leaves is gone.
#[wasm_bindgen(js_name = presence)]
pub async fn presence(page: Page) -> Result<(), JsError> {
    report(presence_on(&page).await)
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

/// Before join and after leave, on daily-js's own refusals: sends fail with not-joined, user data
/// set before join is carried into it; with queue_until_joined, messages and session data are held
/// (each checked at once) and sent on join, in order.
#[wasm_bindgen(js_name = beforeJoinAndAfterLeave)]
pub async fn before_join_and_after_leave(page: Page) -> Result<(), JsError> {
    report(before_join_and_after_leave_on(&page).await)
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
