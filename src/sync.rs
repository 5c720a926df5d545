//! [`DailySync`], the Rust API's entry point: typed app messages, user data, session data,
//! channels and request and response over one call object.

use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::prelude::*;

use std::cell::RefCell;
use std::rc::Rc;

use crate::channel::driver::ChannelCore;
use crate::channel::Channel;
#[cfg(any(doc, rust_api))]
use crate::daily_errors::classify;
#[cfg(any(doc, rust_api))]
use crate::events::Subscription;
use crate::held::HeldMessages;
#[cfg(doc)]
use crate::held::MAX_HELD;
use crate::messages::{self, AppMessages, DecodeError};
use crate::payload::{check_size, json_len, Error, Recipient, APP_MESSAGE_LIMIT};
#[cfg(any(doc, rust_api))]
use crate::rpc::{typed::Rpc, RequestOptions, RpcFailure, RpcHandler, RpcRequest, RpcRequestAll};
use crate::session::driver::Driver;
use crate::session::SessionData;
use crate::sys::CallObject;
use crate::user_data::{self, Participant, ParticipantEvents, ParticipantUpdates};

/// Typed access to the three ways Daily moves app data, over one call object.
///
/// ```no_run
/// # async fn demo(call: wasm_bindgen::JsValue) -> Result<(), daily_sync::Error> {
/// use daily_sync::{DailySync, Recipient};
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Hand { raised: bool }
/// let sync = DailySync::new(call)?;
/// sync.set_user_data(&Hand { raised: true }).await?;
/// sync.send_app_message(&serde_json::json!({ "emoji": "🎉" }), Recipient::All)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DailySync {
    call: CallObject,
    /// The channels made so far, one per name, so their sequence numbers never collide.
    channels: Rc<RefCell<Vec<Rc<ChannelCore>>>>,
    /// App messages sent before join, with `queue_until_joined`.
    held: Option<Rc<HeldMessages>>,
    /// The one session-data throttle of this DailySync and its clones, made by the first
    /// [`session_data`](Self::session_data): every handle writes through it, as the JS API's one
    /// throttle per DailySync.
    session: Rc<RefCell<Option<Rc<Driver<serde_json::Value>>>>>,
    /// The throttle's interval, checked by [`with_options`](Self::with_options).
    session_interval_ms: u64,
    /// Request and response, from the first handler or request on (not in the npm entries, which
    /// have the JS API's).
    #[cfg(any(doc, rust_api))]
    rpc: Rc<RefCell<Option<Rc<Rpc>>>>,
    /// The channels that keep a history, kept as long as the DailySync (as its channels are).
    #[cfg(any(doc, rust_api))]
    histories: Rc<RefCell<Vec<KeptHistory>>>,
    /// Ordered room state, from the first [`ordered`](Self::ordered) on.
    #[cfg(any(doc, rust_api))]
    ordered: Rc<RefCell<Option<crate::ordered::handle::Ordered>>>,
}

/// A channel's name, its `$history:<name>` handler, and the subscriptions that ask for its
/// history (on join, and as participants are announced).
#[cfg(any(doc, rust_api))]
type KeptHistory = (String, RpcHandler, [Subscription; 2]);

/// The options of [`DailySync::with_options`]: the JS API's `new DailySync(call, options)`. Build
/// them with `..Default::default()`, so that options added later need no change.
///
/// ```
/// use daily_sync::SyncOptions;
/// let options = SyncOptions { session_data_interval_ms: 500, ..Default::default() };
/// assert!(!options.queue_until_joined);
/// assert_eq!(SyncOptions::default().session_data_interval_ms, 1000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOptions {
    /// The session-data throttle's interval: at most one `setMeetingSessionData` per this many
    /// milliseconds, the last state always sent. At least 16 (one animation frame); 1000 by
    /// default, Daily's own pace. The JS API's `sessionDataIntervalMs`.
    pub session_data_interval_ms: u64,
    /// Hold app messages and session-data writes made before join (each checked at once), and
    /// send them on join, in order; they are dropped with a console warning if the call leaves
    /// first. At most [`MAX_HELD`] sends wait, messages and writes together. Without it, a send before join fails with
    /// `NotJoined`, as daily-js's does. The JS API's `queueUntilJoined`.
    pub queue_until_joined: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions { session_data_interval_ms: DEFAULT_SESSION_DATA_INTERVAL_MS, queue_until_joined: false }
    }
}

/// [`SyncOptions::session_data_interval_ms`] when not set: Daily syncs session data about once a
/// second.
const DEFAULT_SESSION_DATA_INTERVAL_MS: u64 = 1000;
/// The shortest session-data interval: one animation frame, as the JS API's.
pub(crate) const MIN_SESSION_DATA_INTERVAL_MS: u64 = 16;

/// The options of [`DailySync::channel_with_options`].
#[cfg(any(doc, rust_api))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelOptions {
    /// The largest message, in characters of JSON (the same on every end); `None`: 1 MiB.
    pub max_size: Option<usize>,
    /// Keep the last this many broadcasts (sent or received) for late members, and, opened late,
    /// get up to that many from a peer first, marked `replay`; `None` or 0: no history. The JS
    /// API's `history`, on the same wire, so JS and Rust members share a channel's history.
    pub history: Option<usize>,
}

impl DailySync {
    /// Wraps a daily-js call object (or a local one); fails with `NotCallObject` for anything else.
    pub fn new(call: JsValue) -> Result<Self, Error> {
        Self::with_options(call, &SyncOptions::default())
    }

    /// [`new`](Self::new) with options. Fails with `InvalidArgument` for a session-data interval
    /// under 16 ms.
    ///
    /// ```no_run
    /// # async fn demo(call: daily_sync::Call) -> Result<(), daily_sync::Error> {
    /// use daily_sync::{DailySync, JoinOptions, Recipient, SyncOptions};
    /// let options = SyncOptions { session_data_interval_ms: 500, queue_until_joined: true, ..Default::default() };
    /// let sync = DailySync::with_options(call.clone().into(), &options)?;
    /// sync.send_app_message(&"hello", Recipient::All)?; // held, sent on join
    /// call.join(&JoinOptions::default()).await?;
    /// # Ok(()) }
    /// ```
    pub fn with_options(call: JsValue, options: &SyncOptions) -> Result<Self, Error> {
        if options.session_data_interval_ms < MIN_SESSION_DATA_INTERVAL_MS {
            return Err(Error::InvalidArgument("SyncOptions::session_data_interval_ms must be at least 16".into()));
        }
        let call = CallObject::from_js(call).map_err(Error::NotCallObject)?;
        let held = if options.queue_until_joined { Some(HeldMessages::new(&call)?) } else { None };
        Ok(DailySync {
            call,
            channels: Rc::default(),
            held,
            session: Rc::default(),
            session_interval_ms: options.session_data_interval_ms,
            #[cfg(any(doc, rust_api))]
            rpc: Rc::default(),
            #[cfg(any(doc, rust_api))]
            histories: Rc::default(),
            #[cfg(any(doc, rust_api))]
            ordered: Rc::default(),
        })
    }

    fn joined(&self) -> bool {
        self.call.joined()
    }

    /// The call object this syncs over.
    #[cfg(feature = "bench")]
    pub(crate) fn call(&self) -> &CallObject {
        &self.call
    }

    /// Sends `data` as an ephemeral app message. The call object checks the size against the
    /// room's actual limit; over it, the error is `PayloadTooLarge` with the size measured.
    pub fn send_app_message<T: Serialize + ?Sized>(&self, data: &T, to: impl Into<Recipient>) -> Result<(), Error> {
        let to = to.into();
        match &self.held {
            Some(held) if !self.joined() => {
                to.validate()?;
                check_size(json_len(data)?, APP_MESSAGE_LIMIT)?;
                let value = crate::convert::to_js(data)?;
                held.hold(value, to)
            }
            _ => messages::send(&self.call, data, &to),
        }
    }

    /// A stream of app messages decoded as `T`; one that does not decode is an error item, and the
    /// stream goes on. Dropping the stream unsubscribes.
    pub fn app_messages<T: DeserializeOwned>(&self) -> Result<AppMessages<T>, Error> {
        AppMessages::new(&self.call)
    }

    /// Sets the local participant's userData. Allowed before join (applied on join).
    pub async fn set_user_data<U: Serialize + ?Sized>(&self, data: &U) -> Result<(), Error> {
        user_data::set(&self.call, Some(data)).await
    }

    /// Removes the local participant's userData.
    pub async fn clear_user_data(&self) -> Result<(), Error> {
        user_data::set::<()>(&self.call, None).await
    }

    /// Everyone in the call, with userData decoded as `U` (what a late joiner sees). A participant
    /// whose userData does not decode is an `Err` entry; the others are still there.
    pub fn participants<U: DeserializeOwned>(&self) -> Result<Vec<Result<Participant<U>, DecodeError>>, Error> {
        user_data::snapshot(&self.call)
    }

    /// A stream of participants as they change. Dropping it unsubscribes.
    pub fn participant_updates<U: DeserializeOwned>(&self) -> Result<ParticipantUpdates<U>, Error> {
        ParticipantUpdates::new(&self.call)
    }

    /// A stream of joins, updates and leaves, in the order they happened. Dropping it unsubscribes.
    ///
    /// ```no_run
    /// # async fn demo(sync: daily_sync::DailySync) {
    /// use daily_sync::user_data::ParticipantAction;
    /// use futures::StreamExt;
    /// let mut people = sync.participant_events::<serde_json::Value>().unwrap();
    /// while let Some(Ok(event)) = people.next().await {
    ///     if event.action == ParticipantAction::Left {
    ///         println!("{} left", event.participant.user_name);
    ///     }
    /// }
    /// # }
    /// ```
    pub fn participant_events<U: DeserializeOwned>(&self) -> Result<ParticipantEvents<U>, Error> {
        ParticipantEvents::new(&self.call)
    }

    /// A typed handle on the room-wide state, throttled: at most one write per
    /// [`SyncOptions::session_data_interval_ms`], nothing lost. Every handle of this DailySync
    /// (and of its clones), whatever its type, writes through one throttle: a merge on one and a
    /// merge on another both reach the room, as the JS API's `mergeSessionData` calls do. The
    /// throttle is made by the first call, and follows the room for as long as the DailySync or a
    /// handle lives; when the last of them is dropped, what is pending is flushed.
    ///
    /// ```no_run
    /// # fn demo(sync: &daily_sync::DailySync) -> Result<(), daily_sync::Error> {
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Stage { speaker: Option<String> }
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Poll { yes: u32 }
    /// sync.session_data::<Stage>()?.merge(&serde_json::json!({ "speaker": "a1b2" }))?;
    /// sync.session_data::<Poll>()?.merge(&Poll { yes: 3 })?; // both keys go out, in one write at most
    /// # Ok(()) }
    /// ```
    pub fn session_data<S: Serialize + DeserializeOwned>(&self) -> Result<SessionData<S>, Error> {
        Ok(SessionData::new(&self.call, self.session_driver()?))
    }

    /// The one session-data throttle, made on first use.
    fn session_driver(&self) -> Result<Rc<Driver<serde_json::Value>>, Error> {
        let mut session = self.session.borrow_mut();
        if let Some(driver) = &*session {
            return Ok(driver.clone());
        }
        let made =
            Driver::new(self.call.clone(), self.session_interval_ms, self.held.as_ref().map(|held| held.count()))?;
        *session = Some(made.clone());
        Ok(made)
    }

    /// Ordered room state: every change goes through one participant, the longest present (the
    /// next takes over when it leaves), which applies batches one at a time and writes the result
    /// into session data, so concurrent changes never lose each other (as plain merges of one key
    /// from two participants do). One per DailySync (and its clones), on the JS API's wire, so JS
    /// and Rust participants order for each other. From its first call on, this participant
    /// answers as the orderer when it is the longest present: call it on every participant, before
    /// join. Session data is the store, so its pace and its 102,400-character limit hold.
    ///
    /// ```no_run
    /// # async fn demo(sync: daily_sync::DailySync) -> Result<(), daily_sync::Error> {
    /// use daily_sync::OrderedOp;
    /// let room = sync.ordered()?;
    /// let question = serde_json::json!({ "id": "q7", "text": "Why Rust?" });
    /// let now = room.apply(&[OrderedOp::increment("asked", 1.0), OrderedOp::push("queue", question, Some(50))]).await?;
    /// println!("{} questions asked", now["asked"]);
    /// # Ok(()) }
    /// ```
    #[cfg(any(doc, rust_api))]
    pub fn ordered(&self) -> Result<crate::ordered::handle::Ordered, Error> {
        if let Some(ordered) = &*self.ordered.borrow() {
            return Ok(ordered.clone());
        }
        let made = crate::ordered::handle::Ordered::new(&self.call, self.rpc()?, self.session_driver()?)?;
        *self.ordered.borrow_mut() = Some(made.clone());
        Ok(made)
    }

    /// The channel `name` of `T` messages up to 1 MiB of JSON: cut into app messages that fit,
    /// put back together in order on every receiver.
    pub fn channel<T: Serialize + DeserializeOwned>(&self, name: &str) -> Result<Channel<T>, Error> {
        self.channel_with_max_size(name, crate::channel::codec::DEFAULT_MAX_SIZE)
    }

    /// [`channel`](Self::channel) with another largest message size (the same on every end).
    pub fn channel_with_max_size<T: Serialize + DeserializeOwned>(
        &self,
        name: &str,
        max_size: usize,
    ) -> Result<Channel<T>, Error> {
        let existing = self.channels.borrow().iter().find(|core| core.name() == name).cloned();
        let core = match existing {
            Some(core) => core,
            None => {
                let core = ChannelCore::new(&self.call, name, max_size)?;
                self.channels.borrow_mut().push(core.clone());
                core
            }
        };
        Ok(Channel::new(core))
    }
}

/// Request and response, generic over serde types: the JS API's `handle`, `request` and
/// `requestAll`, on the same wire.
#[cfg(any(doc, rust_api))]
impl DailySync {
    /// The request and response of this DailySync (and its clones), made on first use: only then
    /// does it listen for requests, so a participant that never handled or asked anything does not
    /// acknowledge (its callers get `connection-timeout`).
    fn rpc(&self) -> Result<Rc<Rpc>, Error> {
        let mut rpc = self.rpc.borrow_mut();
        if let Some(rpc) = &*rpc {
            return Ok(rpc.clone());
        }
        let made = Rpc::new(&self.call)?;
        *rpc = Some(made.clone());
        Ok(made)
    }

    /// Answers the requests for `method` with `handler`, for as long as the returned handle lives:
    /// dropping it unregisters the method (its callers then get `unsupported-method`). The handler
    /// gets the payload decoded as `Req` and the caller's session id; its `Ok` is the caller's
    /// answer, its [`RpcFailure`] the caller's `application-error` with that message (and data).
    /// A payload that does not decode as `Req` answers an `application-error` that says so, and
    /// the handler does not run. A duplicate request never runs it twice.
    ///
    /// Fails with `InvalidArgument` for an empty method or one that has a handler already.
    ///
    /// ```no_run
    /// # fn demo(sync: daily_sync::DailySync) -> Result<(), daily_sync::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct Invite { topic: String }
    /// #[derive(serde::Serialize)]
    /// struct Reply { accepted: bool }
    /// let invites = sync.handle("stage.invite", |invite: Invite, from_id: String| async move {
    ///     println!("{from_id} invites us to talk about {}", invite.topic);
    ///     Ok(Reply { accepted: true })
    /// })?;
    /// // ...
    /// drop(invites); // no longer handled
    /// # Ok(()) }
    /// ```
    pub fn handle<Req, Res, F, Fut>(&self, method: &str, handler: F) -> Result<RpcHandler, Error>
    where
        Req: DeserializeOwned + 'static,
        Res: Serialize + 'static,
        F: Fn(Req, String) -> Fut + 'static,
        Fut: std::future::Future<Output = Result<Res, RpcFailure>> + 'static,
    {
        self.rpc()?.handle(method, handler)
    }

    /// Asks the participant `session_id` to run its handler of `method` on `payload`: the future
    /// of its answer, decoded as `Res`. The request is sent now; dropping the future before it
    /// finishes cancels it. Payloads and answers of any size up to 1 MiB of JSON go in chunks,
    /// and never reach [`app_messages`](Self::app_messages).
    ///
    /// It fails with an [`Error::Rpc`] whose `code` says why: `unsupported-method` (no handler),
    /// `recipient-not-found` (no such participant, at once), `application-error` (the handler
    /// failed, with its message; or the answer did not decode as `Res`), `connection-timeout` (no
    /// acknowledgement: nobody took it), `response-timeout` (taken, not answered in time),
    /// `recipient-left`; or with the error of a send (`NotJoined`, `PayloadTooLarge`, ...).
    ///
    /// ```no_run
    /// # async fn demo(sync: daily_sync::DailySync, peer: &str) -> Result<(), daily_sync::Error> {
    /// use daily_sync::RequestOptions;
    /// let topic = serde_json::json!({ "topic": "Rust" });
    /// match sync.request::<_, serde_json::Value>(peer, "stage.invite", &topic, &RequestOptions::default()).await {
    ///     Ok(reply) => println!("answered {reply}"),
    ///     Err(daily_sync::Error::Rpc { code: "connection-timeout", .. }) => println!("no answer"),
    ///     Err(error) => println!("{error}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn request<Req: Serialize + ?Sized, Res: DeserializeOwned>(
        &self,
        session_id: &str,
        method: &str,
        payload: &Req,
        options: &RequestOptions,
    ) -> RpcRequest<Res> {
        RpcRequest::new(self.rpc().map(|rpc| rpc.request(session_id, method, payload, options)))
    }

    /// Asks everyone else in the call at once (one message): the future of each participant's
    /// answer or failure, by session id, once all have settled (each as [`request`](Self::request)
    /// settles). It fails as a whole only when the request cannot be sent; with nobody else in
    /// the call, the map is empty.
    ///
    /// ```no_run
    /// # async fn demo(sync: daily_sync::DailySync) -> Result<(), daily_sync::Error> {
    /// let answers = sync.request_all::<_, bool>("poll.ready", &(), &Default::default()).await?;
    /// let ready = answers.values().filter(|answer| matches!(answer, Ok(true))).count();
    /// println!("{ready} of {} are ready", answers.len());
    /// # Ok(()) }
    /// ```
    pub fn request_all<Req: Serialize + ?Sized, Res: DeserializeOwned>(
        &self,
        method: &str,
        payload: &Req,
        options: &RequestOptions,
    ) -> RpcRequestAll<Res> {
        RpcRequestAll::new(self.rpc().map(|rpc| rpc.request_all(method, payload, options)))
    }

    /// [`channel`](Self::channel) with options: its largest message size, and a history for late
    /// members. With `history: Some(n)`, every member keeps the channel's last `n` broadcasts, its
    /// own included, and answers late members with them (the `$history:<name>` request, as the
    /// JS API's `sync.channel(name, { history })` does). A member that opens the channel before
    /// or after joining gets up to the last `n` from a participant that was in the call before
    /// it, the longest present first, asked as soon as the call lists one (daily-js announces
    /// those already there just after `joined-meeting`); the next one when that one has none,
    /// fails or leaves. They come each marked [`replay`](crate::channel::ChannelMessage::replay),
    /// in order, before the live messages; none is delivered twice. When nobody who saw them is
    /// left, there is no history to get, and nothing waits for it.
    ///
    /// ```no_run
    /// # async fn demo(sync: daily_sync::DailySync) -> Result<(), daily_sync::Error> {
    /// use daily_sync::ChannelOptions;
    /// use futures::StreamExt;
    /// let chat = sync.channel_with_options::<String>("chat", &ChannelOptions { history: Some(100), ..Default::default() })?;
    /// let mut messages = chat.messages();
    /// while let Some(Ok(message)) = messages.next().await {
    ///     let earlier = if message.replay { " (before you came)" } else { "" };
    ///     println!("{}: {}{earlier}", message.from_id, message.data);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn channel_with_options<T: Serialize + DeserializeOwned>(
        &self,
        name: &str,
        options: &ChannelOptions,
    ) -> Result<Channel<T>, Error> {
        let channel =
            self.channel_with_max_size(name, options.max_size.unwrap_or(crate::channel::codec::DEFAULT_MAX_SIZE))?;
        let size = options.history.unwrap_or(0);
        if size == 0 || self.histories.borrow().iter().any(|(kept, _, _)| kept == name) {
            return Ok(channel);
        }
        let core = self.channels.borrow().iter().find(|core| core.name() == name).cloned();
        let Some(core) = core else { return Ok(channel) };
        core.keep_history(size);
        let rpc = self.rpc()?;
        let method = ["$history:", name].concat();
        let kept = Rc::downgrade(&core);
        let handler = rpc.handle(&method, move |_: serde::de::IgnoredAny, _from: String| {
            let entries: Vec<(String, u64, serde_json::Value)> = kept
                .upgrade()
                .map(|core| core.history())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|entry| {
                    let data = serde_wasm_bindgen::from_value(entry.data).ok()?;
                    Some((entry.from, entry.seq, data))
                })
                .collect();
            async move { Ok(entries) }
        })?;
        let fetch = {
            let (call, rpc, core) = (self.call.clone(), Rc::downgrade(&rpc), Rc::downgrade(&core));
            move || {
                let (call, weak_rpc, weak_core, method) = (call.clone(), rpc.clone(), core.clone(), method.clone());
                // The core says whom to ask, one at a time (as for the JS API): this asks, and
                // hands it the answer.
                wasm_bindgen_futures::spawn_local(async move {
                    let mut answer = None;
                    while let (Some(rpc), Some(core)) = (weak_rpc.upgrade(), weak_core.upgrade()) {
                        let peers = by_age(&call);
                        let Some(peer) = core.ask(answer.take(), peers.iter().cloned()).and_then(|at| peers.get(at))
                        else {
                            return;
                        };
                        let asked = rpc.request(peer, &method, &(), &RequestOptions::default());
                        let entries = RpcRequest::<Vec<serde_json::Value>>::new(Ok(asked)).await.ok();
                        answer = Some(entries.map(|entries| entries.iter().filter_map(history_entry).collect()));
                    }
                })
            }
        };
        let fetch = Rc::new(fetch);
        let on = |event: &'static str| {
            let fetch = fetch.clone();
            Subscription::new(&self.call, event, move |_| fetch()).map_err(|thrown| classify(thrown, || None))
        };
        // daily-js announces those already there after `joined-meeting`: each is asked as it comes.
        let subscriptions = [on("joined-meeting")?, on("participant-joined")?];
        self.histories.borrow_mut().push((name.to_owned(), handler, subscriptions));
        if self.joined() {
            fetch();
        }
        Ok(channel)
    }

    /// The presence `name` of `T` values: per-participant state that changes many times a second
    /// (a pointer, "typing…"), latest wins, on the JS API's wire (`sync.presence(name)`). Set it
    /// at any rate; at most one app message per interval carries the latest. A participant that
    /// joins gets the current value at once. Fails with `InvalidArgument` for an empty name or
    /// an interval under 16 ms. See [`PresenceHandle`](crate::presence::PresenceHandle).
    pub fn presence<T: Serialize + DeserializeOwned>(
        &self,
        name: &str,
        options: &crate::presence::PresenceOptions,
    ) -> Result<crate::presence::PresenceHandle<T>, Error> {
        crate::presence::PresenceHandle::new(&self.call, name, options)
    }
}

/// Those in the call before this member, the longest present first: whom it asks for the history
/// (npm/channels.js's `byAge`). daily-js lists them only after `joined-meeting`, as their
/// `participant-joined` events come.
#[cfg(any(doc, rust_api))]
fn by_age(call: &CallObject) -> Vec<String> {
    use crate::convert::get;
    let Ok(all) = call.participants() else { return Vec::new() };
    let Some(all) = all.dyn_ref::<js_sys::Object>() else { return Vec::new() };
    let time = |p: &JsValue| crate::channel::driver::joined_at(p).unwrap_or(0.0);
    // Unknown (0): everyone counts as there before.
    let mine = Some(time(&get(all, "local"))).filter(|at| *at != 0.0).unwrap_or(f64::INFINITY);
    let mut others: Vec<(f64, String)> = js_sys::Object::values(all)
        .iter()
        .filter(|p| p.is_object() && get(p, "local").as_bool() != Some(true))
        .filter_map(|p| Some((time(&p), get(&p, "session_id").as_string()?)))
        .filter(|(at, _)| *at < mine)
        .collect();
    others.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    others.into_iter().map(|(_, id)| id).collect()
}

/// One `[fromId, seq, data]` entry of a peer's history; a malformed one is skipped.
#[cfg(any(doc, rust_api))]
fn history_entry(entry: &serde_json::Value) -> Option<crate::channel::history::Entry<JsValue>> {
    let [from, seq, data] = entry.as_array()?.as_slice() else { return None };
    let from = from.as_str().filter(|from| !from.is_empty())?.to_owned();
    let seq = seq.as_u64().filter(|seq| *seq < 9_000_000_000_000_000)?;
    Some(crate::channel::history::Entry { from, seq, data: crate::convert::to_js(data).ok()? })
}
