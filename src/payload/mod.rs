//! What a payload may be: Daily's limits, sizes measured as daily-js measures them, recipients, and
//! the crate's one error type.

mod error;
mod measure;
mod strategy;

#[cfg(feature = "local-room")]
pub(crate) use error::decimal;
pub use error::Error;
// How daily-js measures JSON: not API, public (hidden) only for the fuzz tests (`internals`).
#[cfg(feature = "internals")]
#[doc(hidden)]
pub use measure::{json_len, json_number_len, json_str_len, object_len, Unserializable, MAX_SAFE_INTEGER};
#[cfg(not(feature = "internals"))]
pub(crate) use measure::{json_len, json_str_len, object_len, Unserializable, MAX_SAFE_INTEGER};
// The second argument of `setMeetingSessionData`: public (hidden) only for the internals' tests.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub use strategy::Strategy;
#[cfg(not(feature = "internals"))]
pub(crate) use strategy::Strategy;

/// Daily's default limit for one app message, in `JSON.stringify` characters. A room's server can
/// raise it at join, so the call object's own check is the one that counts.
pub const APP_MESSAGE_LIMIT: usize = 4096;
/// The limit for one participant's `userData`, in `JSON.stringify` characters.
pub const USER_DATA_LIMIT: usize = 4096;
/// The limit for the whole meeting session state, in `JSON.stringify` characters.
pub const SESSION_DATA_LIMIT: usize = 102_400;

/// Who receives an app message.
///
/// ```
/// use daily_sync::Recipient;
/// assert_eq!(Recipient::from("*"), Recipient::All);
/// assert!(Recipient::many(Vec::<String>::new()).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Recipient {
    /// Everyone in the call but the sender (`'*'`).
    #[default]
    All,
    /// One participant, by session id.
    One(String),
    /// Several participants, by session id.
    Many(Vec<String>),
}

impl Recipient {
    /// A list of session ids; refused when empty or when an id is empty.
    pub fn many<I, S>(ids: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let ids: Vec<String> = ids.into_iter().map(Into::into).collect();
        let recipient = Recipient::Many(ids);
        recipient.validate()?;
        Ok(recipient)
    }

    /// Checks what daily-js does not: no empty id, no empty list, no `'*'` inside a list (as
    /// npm/checks.js's `recipient`, in the same words: conformance/bad-inputs.json).
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |why: &str| Err(Error::InvalidRecipient(why.to_owned()));
        match self {
            Recipient::All => Ok(()),
            Recipient::One(id) if id.is_empty() => bad("a session id must not be empty"),
            Recipient::One(_) => Ok(()),
            Recipient::Many(ids) if ids.is_empty() => bad("the list of session ids is empty"),
            Recipient::Many(ids) if ids.iter().any(|id| id.is_empty() || id == "*") => {
                bad("a list of session ids must hold non-empty ids, not '*'")
            }
            Recipient::Many(_) => Ok(()),
        }
    }

    /// Whether a participant with this session id receives the message (the sender never
    /// receives its own broadcast).
    pub fn includes(&self, session_id: &str) -> bool {
        match self {
            Recipient::All => true,
            Recipient::One(id) => id == session_id,
            Recipient::Many(ids) => ids.iter().any(|id| id == session_id),
        }
    }
}

impl From<&str> for Recipient {
    fn from(id: &str) -> Self {
        if id == "*" {
            Recipient::All
        } else {
            Recipient::One(id.to_owned())
        }
    }
}

impl From<String> for Recipient {
    fn from(id: String) -> Self {
        if id == "*" {
            Recipient::All
        } else {
            Recipient::One(id)
        }
    }
}

/// The key that marks a channel's chunk in an app message's `data` (see `channel::codec`): the
/// plain app-message streams skip any `data` that has it.
pub const CHUNK_MARKER: &str = "$ds";

/// Refuses a measured size over a limit with the error apps see.
pub(crate) fn check_size(size: usize, limit: usize) -> Result<usize, Error> {
    if size > limit {
        Err(Error::PayloadTooLarge { size, limit })
    } else {
        Ok(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_checked() {
        assert!(Recipient::All.validate().is_ok());
        assert!(Recipient::One("abc".into()).validate().is_ok());
        for bad in [Recipient::One(String::new()), Recipient::Many(vec![]), Recipient::Many(vec!["*".into()])] {
            assert_eq!(bad.validate().unwrap_err().kind(), "invalid-recipient");
        }
        assert!(Recipient::Many(vec!["a".into(), "b".into()]).includes("b"));
        assert!(!Recipient::One("a".into()).includes("b"));
    }

    #[test]
    fn object_len_matches_json() {
        let text = r#"{"a":1,"bc":"x"}"#;
        assert_eq!(object_len([(json_str_len("a"), 1), (json_str_len("bc"), 3)]), text.len());
        assert_eq!(object_len([]), 2);
    }

    #[test]
    fn sizes_over_the_limit_are_refused_with_both_numbers() {
        assert_eq!(check_size(4096, APP_MESSAGE_LIMIT).unwrap(), 4096);
        match check_size(4097, APP_MESSAGE_LIMIT) {
            Err(Error::PayloadTooLarge { size: 4097, limit: 4096 }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}
