//! Sends held until join (`SyncOptions::queue_until_joined`): the app messages a DailySync holds,
//! and the one count of waiting sends that its session-data throttle shares, as the JS API counts
//! its join queue.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsValue;

use crate::daily_errors::classify;
use crate::events::Subscription;
use crate::messages;
use crate::payload::{Error, Recipient};
use crate::sys::{console_warn, CallObject};

/// The most sends [`SyncOptions::queue_until_joined`](crate::SyncOptions::queue_until_joined) holds
/// before join: app messages and session-data writes together, as the JS API counts its queue (one
/// more fails with `NotJoined`).
pub const MAX_HELD: usize = 1000;

/// How many sends wait for the join, shared by a DailySync's held messages and its session
/// throttle; emptied on join and on leave.
pub(crate) type HeldCount = Rc<std::cell::Cell<usize>>;

/// Whether one more send may wait for the join (the JS API's words when not).
pub(crate) fn held_room(count: &HeldCount) -> Result<(), Error> {
    if count.get() < MAX_HELD {
        return Ok(());
    }
    Err(Error::NotJoined("1000 sends already wait for the join; wait for it before sending more".into()))
}

/// App messages waiting for the join, and the subscriptions that send or drop them.
#[derive(Debug)]
pub(crate) struct HeldMessages {
    messages: RefCell<Vec<(JsValue, Recipient)>>,
    /// The messages and the session-data writes waiting, together.
    count: HeldCount,
    subscriptions: RefCell<Vec<Subscription>>,
}

impl HeldMessages {
    pub(crate) fn new(call: &CallObject) -> Result<Rc<Self>, Error> {
        let held = Rc::new(HeldMessages {
            messages: RefCell::default(),
            count: HeldCount::default(),
            subscriptions: RefCell::default(),
        });
        let (on_join, on_leave, target) = (Rc::downgrade(&held), Rc::downgrade(&held), call.clone());
        let subscriptions = vec![
            Subscription::new(call, "joined-meeting", move |_| {
                let Some(held) = on_join.upgrade() else { return };
                held.count.set(0);
                let messages = std::mem::take(&mut *held.messages.borrow_mut());
                for (data, to) in messages {
                    if let Err(error) = messages::send_js(&target, &data, &to, || None) {
                        console_warn(
                            &["daily-sync: a message held until join could not be sent: ", &error.message()].concat(),
                        );
                    }
                }
            }),
            Subscription::new(call, "left-meeting", move |_| {
                let Some(held) = on_leave.upgrade() else { return };
                held.count.set(0);
                if !std::mem::take(&mut *held.messages.borrow_mut()).is_empty() {
                    console_warn("daily-sync: the call left before join; the messages held for it were dropped");
                }
            }),
        ];
        *held.subscriptions.borrow_mut() =
            subscriptions.into_iter().collect::<Result<_, _>>().map_err(|thrown| classify(thrown, || None))?;
        Ok(held)
    }

    /// Holds `data` for `to` until the join, if there is room.
    pub(crate) fn hold(&self, data: JsValue, to: Recipient) -> Result<(), Error> {
        held_room(&self.count)?;
        self.count.set(self.count.get() + 1);
        self.messages.borrow_mut().push((data, to));
        Ok(())
    }

    /// The count of sends waiting, which the session-data throttle shares.
    pub(crate) fn count(&self) -> HeldCount {
        self.count.clone()
    }
}
