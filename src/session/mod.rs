//! Room-wide state (`setMeetingSessionData`) and its throttle.

pub mod throttle;
