//! Raw bindings to a daily-js call object (or anything shaped like one, such as the local room's).
//! The library never imports daily-js: the app hands its call object in.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A daily-js call object: `Daily.createCallObject()`, or `createLocalCallObject()`.
    #[wasm_bindgen(typescript_type = "DailyCallLike")]
    #[derive(Debug, Clone, PartialEq)]
    pub type CallObject;

    #[wasm_bindgen(method, catch, js_name = sendAppMessage)]
    pub(crate) fn send_app_message(this: &CallObject, data: &JsValue, to: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = setUserData)]
    pub(crate) fn set_user_data(this: &CallObject, data: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = setMeetingSessionData)]
    pub(crate) fn set_meeting_session_data(
        this: &CallObject,
        data: &JsValue,
        strategy: &str,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = meetingSessionState)]
    pub(crate) fn meeting_session_state(this: &CallObject) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub(crate) fn participants(this: &CallObject) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = meetingState)]
    pub(crate) fn meeting_state(this: &CallObject) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub(crate) fn join(this: &CallObject, options: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub(crate) fn leave(this: &CallObject) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub(crate) fn destroy(this: &CallObject) -> Result<Promise, JsValue>;

    /// daily-js's `Daily.createCallObject`, from its script build's global `Daily`.
    #[wasm_bindgen(catch, js_namespace = Daily, js_name = createCallObject)]
    pub(crate) fn create_call_object(options: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub(crate) fn on(this: &CallObject, event: &str, listener: &Function) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub(crate) fn off(this: &CallObject, event: &str, listener: &Function) -> Result<JsValue, JsValue>;

    /// `console.warn`: for what a caller should hear of that is not an error (changes dropped).
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    pub(crate) fn console_warn(message: &str);

    /// `Object.entries`, which runs getters: a hostile one throws, and that must be caught.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = entries)]
    pub(crate) fn object_entries(object: &JsValue) -> Result<js_sys::Array, JsValue>;

    /// `queueMicrotask`: runs `callback` once the current task is done, without a future executor.
    #[wasm_bindgen(js_name = queueMicrotask)]
    pub(crate) fn queue_microtask(callback: &JsValue);
}

/// The time in ms (`Date.now()`), the clock every driver passes to its pure state machine.
pub(crate) fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// The timer of a pure state machine's next deadline (the throttle's, the reassembler's, the
/// room's), as each driver keeps it: one timer per deadline, replaced when the deadline moves,
/// cancelled (dropped) when there is none.
#[derive(Default)]
pub(crate) struct DeadlineTimer(Option<(u64, gloo_timers::callback::Timeout)>);

impl DeadlineTimer {
    /// Sets the timer for `deadline` (ms on [`now`]'s clock, `now` being the time at hand); `fire`
    /// makes the callback, only when a new timer is set.
    pub(crate) fn set<F: FnOnce() + 'static>(&mut self, deadline: Option<u64>, now: u64, fire: impl FnOnce() -> F) {
        match deadline {
            None => self.0 = None,
            Some(at) if self.0.as_ref().is_some_and(|(set_for, _)| *set_for == at) => {}
            Some(at) => {
                let wait = at.saturating_sub(now).min(u32::MAX as u64) as u32;
                self.0 = Some((at, gloo_timers::callback::Timeout::new(wait, fire())));
            }
        }
    }

    /// Whether the timer is armed to fire at or before `at`.
    pub(crate) fn fires_by(&self, at: u64) -> bool {
        self.0.as_ref().is_some_and(|(set_for, _)| *set_for <= at)
    }

    /// Cancels the timer; from its own callback, forgets the timer that fired.
    pub(crate) fn clear(&mut self) {
        self.0 = None;
    }
}

/// What a `NotCallObject` error tells the app to do.
const USE_A_CALL: &str = "; pass a call object from Daily.createCallObject() or a local one";

/// The methods a value must have to be used as a call object.
pub(crate) const REQUIRED_METHODS: [&str; 6] =
    ["on", "off", "sendAppMessage", "setUserData", "setMeetingSessionData", "participants"];

impl CallObject {
    /// daily-js's meeting state (`"new"`, `"joined-meeting"`, ...); empty when it cannot say.
    pub(crate) fn state(&self) -> String {
        self.meeting_state().ok().and_then(|state| state.as_string()).unwrap_or_default()
    }

    /// Whether the call is joined (`"joined-meeting"`).
    pub(crate) fn joined(&self) -> bool {
        self.state() == "joined-meeting"
    }

    /// Checks that `value` has the call-object methods this library uses; names the first missing.
    pub fn from_js(value: JsValue) -> Result<CallObject, String> {
        if !value.is_object() {
            return Err(["got a non-object", USE_A_CALL].concat());
        }
        for name in REQUIRED_METHODS {
            let method = js_sys::Reflect::get(&value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
            if !method.is_function() {
                return Err(["it has no ", name, "() method", USE_A_CALL].concat());
            }
        }
        Ok(value.unchecked_into())
    }
}
