//! A channel on a live call object: sends through `sendAppMessage`, receives through the shared
//! `app-message` listener, and hands reassembled messages (and gaps) to its subscribers. Both the
//! JS `Channel` and the Rust [`Channel`](super::Channel) sit on one [`ChannelCore`] per name and
//! DailySync, so sequence numbers never collide.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

use super::codec::{encode_on, Fields, Limits, MARKER};
use super::history::{Delivered, Entry, History};
use super::reassembly::{Body, Config, Delivery, Reassembler};
use crate::convert::get;
use crate::daily_errors::classify;
use crate::events::Subscription;
use crate::payload::{Error, Recipient};
use crate::sys::{now, CallObject, DeadlineTimer};

/// What a channel hands its subscribers.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// A message: its data, sender and sequence number, and whether it is a replay of history.
    Message { data: JsValue, from: String, seq: u64, replay: bool },
    /// Messages of `from` that will not arrive.
    Gap { from: String, first: u64, last: u64 },
}

type Sink = Rc<dyn Fn(&Item)>;

/// One channel's state on one call object.
pub(crate) struct ChannelCore {
    call: CallObject,
    name: String,
    limits: Limits,
    /// The next broadcast's sequence number.
    next_seq: Cell<u64>,
    /// The next direct message's sequence number, per receiver (dropped when one leaves).
    direct_seqs: RefCell<Vec<(String, u64)>>,
    reassembler: RefCell<Reassembler<JsValue>>,
    sinks: RefCell<Vec<(u64, Sink)>>,
    next_sink: Cell<u64>,
    timer: RefCell<DeadlineTimer>,
    subscriptions: RefCell<Vec<Subscription>>,
    /// The last broadcasts, kept for late members, when the channel keeps a history.
    history: RefCell<Option<History<JsValue>>>,
    /// Itself, for the timer's callback.
    me: Weak<ChannelCore>,
}

impl std::fmt::Debug for ChannelCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelCore").field("name", &self.name).field("limits", &self.limits).finish()
    }
}

fn number(object: &JsValue, key: &'static str) -> Option<f64> {
    get(object, key).as_f64()
}

impl ChannelCore {
    /// A channel `name` carrying messages of at most `max_size` characters of JSON, told of the
    /// call's events by its owner ([`receive`](Self::receive), [`joined`](Self::joined),
    /// [`left`](Self::left)): the npm entry's, whose one JS listener per event feeds it.
    pub(crate) fn detached(call: &CallObject, name: &str, max_size: usize) -> Result<Rc<Self>, Error> {
        super::codec::check_app_channel(name)
            .map_err(|why| Error::InvalidArgument(["channel name: ", why].concat()))?;
        Ok(Self::build(call, name, max_size))
    }

    /// One of the library's own channels (a `$` name), detached as [`detached`](Self::detached).
    pub(crate) fn reserved(call: &CallObject, name: &'static str) -> Rc<Self> {
        Self::build(call, name, super::codec::DEFAULT_MAX_SIZE)
    }

    fn build(call: &CallObject, name: &str, max_size: usize) -> Rc<Self> {
        let limits = Limits { max_size, ..Limits::default() };
        Rc::new_cyclic(|me| ChannelCore {
            call: call.clone(),
            name: name.to_owned(),
            limits,
            next_seq: Cell::new(0),
            direct_seqs: RefCell::new(Vec::new()),
            reassembler: RefCell::new(Reassembler::new(Config {
                limits,
                max_buffered_per_sender: 2 * max_size,
                ..Config::default()
            })),
            sinks: RefCell::new(Vec::new()),
            next_sink: Cell::new(0),
            timer: RefCell::default(),
            subscriptions: RefCell::new(Vec::new()),
            history: RefCell::new(None),
            me: me.clone(),
        })
    }

    /// A channel that follows the call's events through its own subscriptions (the Rust API's).
    #[cfg_attr(feature = "npm-channels", allow(dead_code))]
    pub(crate) fn new(call: &CallObject, name: &str, max_size: usize) -> Result<Rc<Self>, Error> {
        let core = Self::detached(call, name, max_size)?;
        let on = |event: &'static str, handler: fn(&ChannelCore, &JsValue)| {
            let weak = Rc::downgrade(&core);
            Subscription::new(call, event, move |payload| {
                if let Some(core) = weak.upgrade() {
                    handler(&core, payload);
                }
            })
            .map_err(|thrown| classify(thrown, || None))
        };
        let subscriptions = vec![
            on("app-message", |core, event| core.receive(event))?,
            on("participant-joined", |core, event| {
                if let Some(id) = core.newcomer(&get(event, "participant")) {
                    core.joined(&id);
                }
            })?,
            on("participant-left", |core, event| {
                if let Some(id) = get(&get(event, "participant"), "session_id").as_string() {
                    core.left(&id);
                }
            })?,
        ];
        *core.subscriptions.borrow_mut() = subscriptions;
        Ok(core)
    }

    /// The channel's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Sends `data` as one message: it is cut into app messages that each fit, all handed to the
    /// call object before this returns. A broadcast counts on the channel's sequence; a message to
    /// chosen participants goes to each on its own, counted per receiver, so the others see no gap.
    /// Returns the sequence number (the last receiver's, for a list).
    pub(crate) fn send(&self, data: &JsValue, to: &Recipient) -> Result<u64, Error> {
        to.validate()?;
        let text = js_sys::JSON::stringify(data)
            .ok()
            .and_then(|text| text.as_string())
            .ok_or_else(|| Error::NotSerializable("the message holds a cycle or a BigInt".into()))?;
        match to {
            Recipient::All => {
                let seq = self.send_on(&text, None)?;
                self.record_own(seq, &text);
                Ok(seq)
            }
            Recipient::One(id) => self.send_on(&text, Some(id)),
            Recipient::Many(ids) => ids.iter().try_fold(0, |_, id| self.send_on(&text, Some(id))),
        }
    }

    /// Sends the JSON text `text` to everyone (`None`) or to one participant.
    fn send_on(&self, text: &str, to: Option<&str>) -> Result<u64, Error> {
        let seq = match to {
            None => self.next_seq.get(),
            Some(id) => self.direct_seqs.borrow().iter().find(|(other, _)| other == id).map_or(0, |(_, seq)| *seq),
        };
        let used = |next: u64| match to {
            None => self.next_seq.set(next),
            Some(id) => {
                let mut seqs = self.direct_seqs.borrow_mut();
                match seqs.iter_mut().find(|(other, _)| other == id) {
                    Some(entry) => entry.1 = next,
                    None => seqs.push((id.to_owned(), next)),
                }
            }
        };
        let chunks = encode_on(&self.name, to.is_some(), seq, text, self.limits)?;
        let to_js = JsValue::from_str(to.unwrap_or("*"));
        for (index, chunk) in chunks.iter().enumerate() {
            // Parsed back from its text, not built around the caller's value: daily-js posts the
            // data to its call machine, which cannot clone a Promise or a function.
            let chunk = js_sys::JSON::parse(chunk).map_err(|thrown| classify(thrown, || None))?;
            if let Err(thrown) = self.call.send_app_message(&chunk, &to_js) {
                if index > 0 {
                    // Part of the message left: its number is used, receivers will see a gap.
                    used(seq + 1);
                }
                return Err(classify(thrown, || crate::daily_errors::js_json_len(&chunk)));
            }
        }
        used(seq + 1);
        Ok(seq)
    }

    /// Adds a subscriber; the returned guard removes it when dropped.
    pub(crate) fn subscribe(self: &Rc<Self>, sink: impl Fn(&Item) + 'static) -> SinkGuard {
        let id = self.next_sink.get() + 1;
        self.next_sink.set(id);
        self.sinks.borrow_mut().push((id, Rc::new(sink)));
        SinkGuard { core: Rc::downgrade(self), id }
    }

    /// Stops listening: no more messages, no timer.
    #[cfg_attr(not(feature = "npm-channels"), allow(dead_code))]
    pub(crate) fn close(&self) {
        self.subscriptions.borrow_mut().clear();
        self.timer.borrow_mut().clear();
        self.sinks.borrow_mut().clear();
    }

    /// A `participant-joined` event's participant: its session id, when it joined after the local
    /// participant. daily-js also announces everyone already there to a joiner (after its
    /// `joined-meeting`); their streams started before we came, so they are not heard from their
    /// first message.
    pub(crate) fn newcomer(&self, participant: &JsValue) -> Option<String> {
        let id = get(participant, "session_id").as_string()?;
        let mine = self.call.participants().ok().map(|all| get(&all, "local"));
        match (joined_at(participant), mine.as_ref().and_then(joined_at)) {
            (Some(theirs), Some(mine)) if theirs < mine => None,
            _ => Some(id),
        }
    }

    /// A participant joined after us: we hear all it sends, from its first message.
    pub(crate) fn joined(&self, id: &str) {
        self.reassembler.borrow_mut().joined(id, now());
    }

    /// A participant left: what it sent is forgotten, and so is our count of messages to it.
    pub(crate) fn left(&self, id: &str) {
        self.reassembler.borrow_mut().forget(id);
        self.direct_seqs.borrow_mut().retain(|(other, _)| other != id);
    }

    /// An `app-message` event: taken when it carries a chunk of this channel.
    pub(crate) fn receive(&self, event: &JsValue) {
        let data = get(event, "data");
        if !data.is_object() || get(&data, MARKER).is_undefined() {
            return; // a plain app message: not the layer's
        }
        if get(&data, "c").as_string().as_deref() != Some(self.name.as_str()) {
            return; // another channel's
        }
        let Some(from) = get(event, "fromId").as_string() else { return };
        let fields = Fields {
            version: number(&data, MARKER),
            channel: Some(self.name.clone()),
            direct: number(&data, "d"),
            seq: number(&data, "s"),
            index: number(&data, "i"),
            count: number(&data, "n"),
            value: Reflect::has(&data, &"v".into()).unwrap_or(false).then(|| get(&data, "v")),
            piece: get(&data, "p").as_string(),
        };
        let deliveries = self.reassembler.borrow_mut().receive_fields(&from, fields, now());
        self.deliver(deliveries);
    }

    fn deliver(&self, deliveries: Vec<Delivery<JsValue>>) {
        for delivery in deliveries {
            let item = match delivery {
                Delivery::Message { from, seq, body, direct, .. } => {
                    let data = match body {
                        Body::Whole(data) => data,
                        Body::Text(text) => match js_sys::JSON::parse(&text) {
                            Ok(data) => data,
                            Err(_) => continue, // a peer's garbage that happened to reassemble
                        },
                    };
                    // A broadcast goes through the history, when the channel keeps one.
                    let live = match self.history.borrow_mut().as_mut() {
                        Some(history) if !direct => history.live(Entry { from, seq, data }),
                        _ => Some(Delivered { entry: Entry { from, seq, data }, replay: false }),
                    };
                    match live {
                        Some(delivered) => item_of(delivered),
                        None => continue, // held until the history is replayed
                    }
                }
                Delivery::Gap { from, first_missing, last_missing, .. } => {
                    Item::Gap { from, first: first_missing, last: last_missing }
                }
            };
            self.hand_out(&item);
        }
        self.schedule();
    }

    fn hand_out(&self, item: &Item) {
        let sinks: Vec<Sink> = self.sinks.borrow().iter().map(|(_, sink)| sink.clone()).collect();
        for sink in sinks {
            sink(item);
        }
    }

    /// Keeps the last `capacity` broadcasts of the channel, sent or received, for late members.
    #[cfg_attr(not(feature = "npm-channels"), allow(dead_code))]
    pub(crate) fn keep_history(&self, capacity: usize) {
        let mut history = self.history.borrow_mut();
        if history.as_ref().is_none_or(|h| h.capacity() != capacity) {
            *history = Some(History::new(capacity));
        }
    }

    /// The broadcasts kept, oldest first, as `(from, seq, data)`.
    #[cfg_attr(not(feature = "npm-channels"), allow(dead_code))]
    pub(crate) fn history(&self) -> Vec<Entry<JsValue>> {
        self.history.borrow().as_ref().map(|h| h.entries().cloned().collect()).unwrap_or_default()
    }

    /// A peer is asked for the history: live broadcasts wait for it.
    #[cfg_attr(not(feature = "npm-channels"), allow(dead_code))]
    pub(crate) fn start_fetch(&self) {
        if let Some(history) = self.history.borrow_mut().as_mut() {
            history.start_fetch();
        }
    }

    /// The history came from a peer (`None`: none could give it): delivers it as replays, then the
    /// broadcasts held meanwhile.
    #[cfg_attr(not(feature = "npm-channels"), allow(dead_code))]
    pub(crate) fn replayed(&self, fetched: Option<Vec<Entry<JsValue>>>) {
        let delivered = match self.history.borrow_mut().as_mut() {
            Some(history) if history.fetching() => history.replayed(fetched),
            _ => return,
        };
        self.hand_out_all(delivered);
    }

    /// Takes the answer of the peer asked for the history, if one came (`Some(None)`: it had
    /// none, failed or left), then says whom to ask now, of `peers` (those that were in the call
    /// before this member, the longest present first), by its place in them; see
    /// [`History::answered`] and [`History::ask`]. Hands out what is due: the history as replays,
    /// then the broadcasts held meanwhile. The Rust API's; npm/channels.js applies the same rule
    /// over [`start_fetch`](Self::start_fetch) and [`replayed`](Self::replayed).
    #[cfg(any(doc, rust_api))]
    pub(crate) fn ask(
        &self,
        answer: Option<Option<Vec<Entry<JsValue>>>>,
        peers: impl IntoIterator<Item = String>,
    ) -> Option<usize> {
        let (next, delivered) = {
            let mut history = self.history.borrow_mut();
            let history = history.as_mut()?;
            let mut delivered = answer.map(|fetched| history.answered(fetched)).unwrap_or_default();
            let (next, released) = history.ask(peers);
            delivered.extend(released);
            (next, delivered)
        };
        self.hand_out_all(delivered);
        next
    }

    fn hand_out_all(&self, delivered: Vec<Delivered<JsValue>>) {
        for delivered in delivered {
            self.hand_out(&item_of(delivered));
        }
    }

    /// Keeps this member's own broadcast (`text`, its JSON) in the history, under its session id.
    fn record_own(&self, seq: u64, text: &str) {
        let mut history = self.history.borrow_mut();
        let Some(history) = history.as_mut() else { return };
        let local = self.call.participants().map(|all| get(&get(&all, "local"), "session_id").as_string());
        if let (Ok(Some(from)), Ok(data)) = (local, js_sys::JSON::parse(text)) {
            history.own(Entry { from, seq, data });
        }
    }

    /// Sets the timer for the reassembler's next deadline (a stalled message, a gap to report).
    fn schedule(&self) {
        let deadline = self.reassembler.borrow().next_deadline();
        self.timer.borrow_mut().set(deadline, now(), || {
            let core = self.me.clone();
            move || {
                if let Some(core) = core.upgrade() {
                    core.timer.borrow_mut().clear();
                    let deliveries = core.reassembler.borrow_mut().tick(now());
                    core.deliver(deliveries);
                }
            }
        });
    }
}

/// When a participant joined, in ms: daily-js has a `Date`, a number is taken as it is.
pub(crate) fn joined_at(participant: &JsValue) -> Option<f64> {
    let at = get(participant, "joined_at");
    match at.dyn_ref::<js_sys::Date>() {
        Some(date) => Some(date.get_time()),
        None => at.as_f64(),
    }
    .filter(|ms| ms.is_finite())
}

fn item_of(delivered: Delivered<JsValue>) -> Item {
    let Entry { from, seq, data } = delivered.entry;
    Item::Message { data, from, seq, replay: delivered.replay }
}

/// A subscriber's place on a channel; dropping it unsubscribes.
#[derive(Debug)]
pub(crate) struct SinkGuard {
    core: Weak<ChannelCore>,
    id: u64,
}

impl Drop for SinkGuard {
    fn drop(&mut self) {
        if let Some(core) = self.core.upgrade() {
            core.sinks.borrow_mut().retain(|(id, _)| *id != self.id);
        }
    }
}
