//! A channel on a live call object: sends through `sendAppMessage`, receives through the shared
//! `app-message` listener, and hands reassembled messages (and gaps) to its subscribers. Both the
//! JS `Channel` and the Rust [`Channel`](super::Channel) sit on one [`ChannelCore`] per name and
//! DailySync, so sequence numbers never collide.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use super::codec::{encode_on, Fields, Limits, MARKER};
use super::reassembly::{Body, Config, Delivery, Reassembler};
use crate::daily_errors::classify;
use crate::events::Subscription;
use crate::messages::get;
use crate::payload::{Error, Recipient};
use crate::sys::{now, CallObject, DeadlineTimer};

/// What a channel hands its subscribers.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// A message: its data, sender and sequence number.
    Message { data: JsValue, from: String, seq: u64 },
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
                if let Some(id) = get(&get(event, "participant"), "session_id").as_string() {
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
            Recipient::All => self.send_on(&text, None),
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
                Delivery::Message { from, seq, body: Body::Whole(data), .. } => Item::Message { data, from, seq },
                Delivery::Message { from, seq, body: Body::Text(text), .. } => match js_sys::JSON::parse(&text) {
                    Ok(data) => Item::Message { data, from, seq },
                    Err(_) => continue, // a peer's garbage that happened to reassemble
                },
                Delivery::Gap { from, first_missing, last_missing, .. } => {
                    Item::Gap { from, first: first_missing, last: last_missing }
                }
            };
            let sinks: Vec<Sink> = self.sinks.borrow().iter().map(|(_, sink)| sink.clone()).collect();
            for sink in sinks {
                sink(&item);
            }
        }
        self.schedule();
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
