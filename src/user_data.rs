//! Per-participant state: `setUserData`, the participants snapshot, and `participant-updated`.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::convert::{decode, get, to_js, DecodeError};
use crate::daily_errors::{classify, js_json_len};
use crate::events::{typed_stream_impls, EventStream};
use crate::payload::Error;
use crate::sys::CallObject;

/// A participant as this library shows it: only the fields apps read (daily-js's participant
/// object also holds Dates and media tracks, which are never touched).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant<U> {
    /// The id to address app messages to.
    #[serde(rename = "session_id")]
    pub session_id: String,
    /// The app's user id (Daily defaults it to the session id).
    #[serde(rename = "user_id", default)]
    pub user_id: String,
    /// The display name.
    #[serde(rename = "user_name", default)]
    pub user_name: String,
    /// Whether this is the local participant.
    #[serde(default)]
    pub local: bool,
    /// Whether the participant owns the room.
    #[serde(default)]
    pub owner: bool,
    /// The participant's userData; `None` when unset.
    #[serde(rename = "userData")]
    pub user_data: Option<U>,
}

/// Sets the local participant's userData (`None` removes it). Allowed before join.
pub(crate) async fn set_js(call: &CallObject, data: &JsValue) -> Result<(), Error> {
    let size = || match data.as_string() {
        Some(text) => Some(text.encode_utf16().count()),
        None => js_json_len(data),
    };
    let promise = call.set_user_data(data).map_err(|thrown| classify(thrown, size))?;
    JsFuture::from(promise).await.map(drop).map_err(|thrown| classify(thrown, size))
}

/// Typed [`set_js`].
pub(crate) async fn set<U: Serialize + ?Sized>(call: &CallObject, data: Option<&U>) -> Result<(), Error> {
    let value = match data {
        Some(data) => to_js(data)?,
        None => JsValue::UNDEFINED,
    };
    set_js(call, &value).await
}

/// Decodes one raw daily-js participant object.
pub(crate) fn decode_participant<U: DeserializeOwned>(raw: JsValue) -> Result<Participant<U>, DecodeError> {
    if !raw.is_object() {
        return Err(DecodeError { message: "a participant is not an object".into(), raw });
    }
    decode(raw.clone(), &raw)
}

/// The call object's participants, the local one included.
pub(crate) fn snapshot<U: DeserializeOwned>(
    call: &CallObject,
) -> Result<Vec<Result<Participant<U>, DecodeError>>, Error> {
    let all = call.participants().map_err(|thrown| classify(thrown, || None))?;
    if !all.is_object() {
        return Ok(Vec::new());
    }
    let values = js_sys::Object::values(all.unchecked_ref());
    Ok(values.iter().map(decode_participant).collect())
}

/// A typed `Stream` of participants as they change (`participant-updated`). Dropping it
/// unsubscribes.
#[must_use = "streams do nothing unless polled"]
pub struct ParticipantUpdates<U> {
    events: EventStream,
    _type: PhantomData<fn() -> U>,
}

impl<U: DeserializeOwned> ParticipantUpdates<U> {
    pub(crate) fn new(call: &CallObject) -> Result<Self, Error> {
        let events = EventStream::new(call, "participant-updated").map_err(|e| classify(e, || None))?;
        Ok(ParticipantUpdates { events, _type: PhantomData })
    }
}

impl<U: DeserializeOwned> Stream for ParticipantUpdates<U> {
    type Item = Result<Participant<U>, DecodeError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.events)
            .poll_next(cx)
            .map(|payload| payload.map(|event| decode_participant(get(&event, "participant"))))
    }
}

typed_stream_impls!(ParticipantUpdates<U>);

/// What happened to a participant, in a [`ParticipantEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantAction {
    /// It joined (`participant-joined`).
    Joined,
    /// Its info or userData changed (`participant-updated`).
    Updated,
    /// It left (`participant-left`).
    Left,
}

/// A join, an update or a leave, with the participant as it was then.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantEvent<U> {
    /// What happened.
    pub action: ParticipantAction,
    /// Who.
    pub participant: Participant<U>,
}

/// The events of a [`ParticipantEvents`] stream, in the order of [`ParticipantAction`].
const PARTICIPANT_EVENTS: [&str; 3] = ["participant-joined", "participant-updated", "participant-left"];

/// A typed `Stream` of joins, updates and leaves, in the order they happened. Dropping it
/// unsubscribes.
#[must_use = "streams do nothing unless polled"]
pub struct ParticipantEvents<U> {
    events: EventStream,
    _type: PhantomData<fn() -> U>,
}

impl<U: DeserializeOwned> ParticipantEvents<U> {
    pub(crate) fn new(call: &CallObject) -> Result<Self, Error> {
        let events = EventStream::of(call, &PARTICIPANT_EVENTS).map_err(|e| classify(e, || None))?;
        Ok(ParticipantEvents { events, _type: PhantomData })
    }
}

impl<U: DeserializeOwned> Stream for ParticipantEvents<U> {
    type Item = Result<ParticipantEvent<U>, DecodeError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.poll_tagged(cx).map(|item| {
            item.map(|(index, event)| {
                let action = match index {
                    0 => ParticipantAction::Joined,
                    1 => ParticipantAction::Updated,
                    _ => ParticipantAction::Left,
                };
                decode_participant(get(&event, "participant"))
                    .map(|participant| ParticipantEvent { action, participant })
            })
        })
    }
}

typed_stream_impls!(ParticipantEvents<U>);
