//! How a session-data update is applied: shared by the session throttle, the local room and the
//! entries that hand updates to the call object.

/// How a session-data update is applied by the call object: the second argument of
/// `setMeetingSessionData`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The update is the whole state (`'replace'`).
    Replace,
    /// The update is merged into the state, key by key (`'shallow-merge'`).
    ShallowMerge,
}

impl Strategy {
    /// The name daily-js takes, so the driver need not spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Replace => "replace",
            Strategy::ShallowMerge => "shallow-merge",
        }
    }
}
