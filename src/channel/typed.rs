//! [`Channel`], the Rust API's typed face of a message channel.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_core::{FusedStream, Stream};
use serde::{de::DeserializeOwned, Serialize};

use super::driver::{ChannelCore, Item, SinkGuard};
use crate::convert::{decode, to_js, DecodeError};
use crate::events::STREAM_BUFFER;
use crate::payload::{Error, Recipient};

/// A named channel of `T` messages of any size up to its maximum, ordered per sender. Made by
/// [`DailySync::channel`](crate::DailySync::channel).
///
/// ```no_run
/// # async fn demo(sync: daily_sync::DailySync) -> Result<(), daily_sync::Error> {
/// use futures::StreamExt;
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Note { text: String }
/// let notes = sync.channel::<Note>("notes")?;
/// notes.send(&Note { text: "x".repeat(100_000) }, daily_sync::Recipient::All)?; // 25 app messages
/// let mut incoming = notes.messages();
/// while let Some(Ok(note)) = incoming.next().await {
///     println!("{} chars from {}", note.data.text.len(), note.from_id);
/// }
/// # Ok(()) }
/// ```
pub struct Channel<T> {
    core: Rc<ChannelCore>,
    _type: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Channel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel").field("core", &self.core).finish()
    }
}

/// A message of a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelMessage<T> {
    /// The message, decoded.
    pub data: T,
    /// The sender's session id.
    pub from_id: String,
    /// The sender's sequence number on this channel, from 0.
    pub seq: u64,
    /// Whether it is a replay of the channel's history (sent before this member opened it).
    pub replay: bool,
}

/// What a channel's stream reports besides messages.
#[derive(Debug, Clone)]
pub enum ChannelIssue {
    /// Messages `first..=last` of `from_id` will not arrive (lost, or given up on).
    Gap {
        /// The sender's session id.
        from_id: String,
        /// The first missing sequence number.
        first: u64,
        /// The last missing sequence number.
        last: u64,
    },
    /// A message that did not decode as the channel's type.
    Decode(DecodeError),
}

impl<T: Serialize + DeserializeOwned> Channel<T> {
    pub(crate) fn new(core: Rc<ChannelCore>) -> Self {
        Channel { core, _type: PhantomData }
    }

    /// The channel's name.
    pub fn name(&self) -> &str {
        self.core.name()
    }

    /// Sends `data`, cut into app messages that each fit, all handed to the call object before
    /// this returns; the message's sequence number.
    pub fn send(&self, data: &T, to: impl Into<Recipient>) -> Result<u64, Error> {
        self.core.send(&to_js(data)?, &to.into())
    }

    /// A stream of the channel's messages, in order per sender, with gaps and undecodable
    /// messages as `Err` items. Dropping it unsubscribes.
    pub fn messages(&self) -> ChannelMessages<T> {
        let buffer: Rc<RefCell<Buffer>> = Rc::default();
        let sink = Rc::downgrade(&buffer);
        let guard = self.core.subscribe(move |item| {
            let Some(buffer) = sink.upgrade() else { return };
            let mut buffer = buffer.borrow_mut();
            if buffer.items.len() >= STREAM_BUFFER {
                buffer.items.pop_front();
            }
            buffer.items.push_back(item.clone());
            if let Some(waker) = buffer.waker.take() {
                waker.wake();
            }
        });
        ChannelMessages { buffer, _guard: guard, _type: PhantomData }
    }
}

#[derive(Default)]
struct Buffer {
    items: VecDeque<Item>,
    waker: Option<Waker>,
}

/// The `Stream` of [`Channel::messages`].
#[must_use = "streams do nothing unless polled"]
pub struct ChannelMessages<T> {
    buffer: Rc<RefCell<Buffer>>,
    _guard: SinkGuard,
    _type: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for ChannelMessages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelMessages").field("buffered", &self.buffer.borrow().items.len()).finish()
    }
}

impl<T: DeserializeOwned> Stream for ChannelMessages<T> {
    type Item = Result<ChannelMessage<T>, ChannelIssue>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut buffer = self.buffer.borrow_mut();
        match buffer.items.pop_front() {
            Some(Item::Message { data, from, seq, replay }) => Poll::Ready(Some(
                decode(data.clone(), &data)
                    .map(|data| ChannelMessage { data, from_id: from, seq, replay })
                    .map_err(ChannelIssue::Decode),
            )),
            Some(Item::Gap { from, first, last }) => {
                Poll::Ready(Some(Err(ChannelIssue::Gap { from_id: from, first, last })))
            }
            None => {
                buffer.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T: DeserializeOwned> FusedStream for ChannelMessages<T> {
    fn is_terminated(&self) -> bool {
        false
    }
}
