//! Room-wide state (`setMeetingSessionData`): a pure throttle that holds changes and yields one
//! combined update per interval with daily-js's merge rules, and its driver over a call object.
//!
//! Pending changes are sent when the window ends, on `flush`, and when the handle is disposed or
//! dropped while the call is joined. Once the call has left, nothing can be sent: changes still
//! pending then are discarded with a console warning, so call `flush` before `leave()`.

pub(crate) mod driver;
internal_mod!(throttle);
mod typed;
pub(crate) mod values;

pub use driver::SessionValue;
pub use typed::{SessionData, SessionStates};
