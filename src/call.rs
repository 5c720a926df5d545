//! [`Call`]: a daily-js call object from Rust, so a Rust web app needs no JavaScript of its own to
//! make one, join it, leave it and hand it to [`DailySync`](crate::DailySync).

use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::convert::{get, to_js};
use crate::daily_errors::classify;
use crate::payload::Error;
use crate::sys::{self, CallObject};

/// The options of [`Call::join`], as daily-js's `join()` takes them (each `None` is left out; a
/// local room ignores `url` and `token`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinOptions {
    /// The room's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A meeting token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The local participant's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The local participant's userData from the start.
    #[serde(rename = "userData", skip_serializing_if = "Option::is_none")]
    pub user_data: Option<serde_json::Value>,
}

/// The options of [`Call::create`]: daily-js's `createCallObject` takes the same properties as
/// `join()` (what is given here need not be given again to [`Call::join`]).
pub type CallOptions = JoinOptions;

/// A daily-js call object (or a local one), typed: create, join, leave, destroy, and hand it to
/// [`DailySync::new`](crate::DailySync::new) with `call.clone().into()`.
///
/// ```no_run
/// # async fn app() -> Result<(), daily_sync::Error> {
/// use daily_sync::local::LocalCallOptions;
/// use daily_sync::{Call, DailySync, JoinOptions};
/// let call = Call::local(&LocalCallOptions { room: "demo".into(), ..Default::default() })?;
/// let sync = DailySync::new(call.clone().into())?;
/// call.join(&JoinOptions { user_name: Some("Ann".into()), ..Default::default() }).await?;
/// assert!(call.local_session_id().is_some());
/// call.leave().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    call: CallObject,
}

impl Call {
    /// A real daily-js call object, from the global `Daily` of daily-js's script build (a page
    /// that loads `https://unpkg.com/@daily-co/daily-js`). An app built with a bundler imports
    /// daily-js's ES module instead, makes the call object in JS and passes it to
    /// [`Call::from_js`].
    pub fn create(options: &CallOptions) -> Result<Call, Error> {
        let global = js_sys::global();
        if js_sys::Reflect::get(&global, &"Daily".into()).map_or(true, |daily| daily.is_undefined()) {
            return Err(Error::Daily {
                message: "daily-js is not loaded: its script build defines the global `Daily` this needs".into(),
                cause: JsValue::UNDEFINED,
            });
        }
        let call = sys::create_call_object(&to_js(options)?).map_err(|thrown| classify(thrown, || None))?;
        Call::from_js(call)
    }

    /// A call object on the local room, which needs no Daily account.
    #[cfg(feature = "local-room")]
    pub fn local(options: &crate::local::LocalCallOptions) -> Result<Call, Error> {
        Call::from_js(crate::local::local_call_object(options)?)
    }

    /// Wraps a call object made elsewhere; fails with `NotCallObject` for anything else.
    pub fn from_js(call: JsValue) -> Result<Call, Error> {
        Ok(Call { call: CallObject::from_js(call).map_err(Error::NotCallObject)? })
    }

    /// The call object itself.
    pub fn as_js(&self) -> &JsValue {
        self.call.as_ref()
    }

    /// Joins the call; resolves once joined (daily-js's `joined-meeting`).
    pub async fn join(&self, options: &JoinOptions) -> Result<(), Error> {
        let promise = self.call.join(&to_js(options)?).map_err(|thrown| classify(thrown, || None))?;
        JsFuture::from(promise).await.map(drop).map_err(|thrown| classify(thrown, || None))
    }

    /// Leaves the call.
    pub async fn leave(&self) -> Result<(), Error> {
        let promise = self.call.leave().map_err(|thrown| classify(thrown, || None))?;
        JsFuture::from(promise).await.map(drop).map_err(|thrown| classify(thrown, || None))
    }

    /// Leaves the call if need be and frees the call object; it cannot be used after.
    pub async fn destroy(&self) -> Result<(), Error> {
        let promise = self.call.destroy().map_err(|thrown| classify(thrown, || None))?;
        JsFuture::from(promise).await.map(drop).map_err(|thrown| classify(thrown, || None))
    }

    /// daily-js's meeting state: `"new"`, `"joining-meeting"`, `"joined-meeting"`,
    /// `"left-meeting"`, `"error"` (empty when the call object cannot say).
    pub fn meeting_state(&self) -> String {
        self.call.state()
    }

    /// The local participant's session id, once joined (what peers see as `from_id`).
    pub fn local_session_id(&self) -> Option<String> {
        if !self.call.joined() {
            return None;
        }
        let all = self.call.participants().ok()?;
        get(&get(&all, "local"), "session_id").as_string().filter(|id| !id.is_empty())
    }
}

impl From<Call> for JsValue {
    fn from(call: Call) -> JsValue {
        call.call.unchecked_into()
    }
}

impl AsRef<JsValue> for Call {
    fn as_ref(&self) -> &JsValue {
        self.as_js()
    }
}
