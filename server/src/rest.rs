//! Daily's `POST /v1/rooms/{room_name}/send-app-message`, delivering into a local room.
//!
//! Why the same contract as Daily's, errors included: a backend developed against this server must
//! behave the same against `https://api.daily.co/v1`. A request is checked in this order, and the
//! first failure answers:
//!
//! 1. the key: `401 {"error":"authentication-error"}` without `Authorization: Bearer <key>`, or
//!    with another key;
//! 2. the body: `413 {"error":"invalid-request-error"}` over [`MAX_BODY_LEN`] bytes,
//!    `400 {"error":"json-parsing-error"}` when it is not JSON, and
//!    `400 {"error":"invalid-request-error"}` when it is not `{data, recipient}` with nothing else,
//!    `data` a JSON object whose `JSON.stringify` is at most 4096 UTF-16 units, and `recipient`
//!    (optional, default `'*'`) `'*'` or one non-empty session id;
//! 3. the room: `404 {"error":"not-found"}` when nobody is connected to it;
//! 4. then `200 {"sent":"true"}`, and every participant of the room gets an `app` wire message
//!    from [`SERVER_FROM_ID`] (to the one recipient, or to all), which it reports as
//!    `app-message`.
//!
//! Every error has an `info` that says what to fix. Any origin may call the endpoint (CORS), as a
//! developer's test page may; the key is still required.

use std::collections::HashMap;

use axum::body::{to_bytes, Body};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use daily_sync::local::protocol::{app_message, Json};
use daily_sync::payload::APP_MESSAGE_LIMIT;
use daily_sync::Recipient;
use serde_json::value::RawValue;
use tower_http::cors::{Any, CorsLayer};

use crate::{AppState, SERVER_FROM_ID};

/// The largest request body read, in bytes; a longer one is refused unread.
pub const MAX_BODY_LEN: usize = 64 * 1024;

/// The endpoint's route, open to any origin.
pub(crate) fn router() -> Router<AppState> {
    let cors =
        CorsLayer::new().allow_origin(Any).allow_methods([Method::POST]).allow_headers([AUTHORIZATION, CONTENT_TYPE]);
    Router::new().route("/v1/rooms/{room_name}/send-app-message", post(send_app_message)).layer(cors)
}

/// A failed request, answered with Daily's `{error, info}`.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    kind: &'static str,
    info: String,
}

impl Refusal {
    fn new(status: StatusCode, kind: &'static str, info: impl Into<String>) -> Refusal {
        Refusal { status, kind, info: info.into() }
    }

    fn invalid(info: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, "invalid-request-error", info)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        json(self.status, serde_json::json!({ "error": self.kind, "info": self.info }))
    }
}

/// A JSON answer.
fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

async fn send_app_message(
    State(state): State<AppState>,
    room: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match send(&state, room, &headers, body).await {
        Ok(()) => json(StatusCode::OK, serde_json::json!({ "sent": "true" })),
        Err(refusal) => refusal.into_response(),
    }
}

/// The checks, in the contract's order, then the delivery.
async fn send(
    state: &AppState,
    room: Result<Path<String>, PathRejection>,
    headers: &HeaderMap,
    body: Body,
) -> Result<(), Refusal> {
    check_key(headers, &state.api_key)?;
    let bytes = to_bytes(body, MAX_BODY_LEN).await.map_err(|_| {
        let info = format!("the request body is over {MAX_BODY_LEN} bytes (or could not be read)");
        Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, "invalid-request-error", info)
    })?;
    let (data, recipient) = parse_request(&bytes)?;
    let not_found = || Refusal::new(StatusCode::NOT_FOUND, "not-found", "no participant is connected to this room");
    let Ok(Path(room)) = room else { return Err(not_found()) };
    if state.relay.deliver(&room, app_message(&room, SERVER_FROM_ID, &data, &recipient)) {
        Ok(())
    } else {
        Err(not_found())
    }
}

/// Accepts `Authorization: Bearer <key>` with the server's key only.
fn check_key(headers: &HeaderMap, key: &str) -> Result<(), Refusal> {
    let refuse = |info: &str| Err(Refusal::new(StatusCode::UNAUTHORIZED, "authentication-error", info));
    let Some(value) = headers.get(AUTHORIZATION) else {
        return refuse("missing API key: send the header 'Authorization: Bearer <key>'");
    };
    let given = value.to_str().ok().and_then(|value| {
        let (scheme, token) = value.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    match given {
        Some(given) if given.as_bytes() == key.as_bytes() => Ok(()),
        Some(_) => refuse("invalid API key: use the dev server's key (DAILY_SYNC_DEV_KEY, or the one it printed)"),
        None => refuse("malformed Authorization header: expected 'Bearer <key>'"),
    }
}

/// Reads `{data, recipient}` with Daily's rules: the data (as the caller wrote it) and who gets it.
fn parse_request(bytes: &[u8]) -> Result<(Json, Recipient), Refusal> {
    if let Err(e) = serde_json::from_slice::<&RawValue>(bytes) {
        let info = format!("the body is not valid JSON: {e}");
        return Err(Refusal::new(StatusCode::BAD_REQUEST, "json-parsing-error", info));
    }
    let fields: HashMap<String, Box<RawValue>> = serde_json::from_slice(bytes)
        .map_err(|_| Refusal::invalid("the body must be a JSON object: {data, recipient}"))?;
    if let Some(unknown) = fields.keys().find(|key| !matches!(key.as_str(), "data" | "recipient")) {
        return Err(Refusal::invalid(format!("unknown property {unknown:?}: only data and recipient are allowed")));
    }
    let data = fields.get("data").ok_or_else(|| Refusal::invalid("missing required field: data"))?;
    let data = Json::parse(data.get()).map_err(|_| Refusal::invalid("data must be a JSON object"))?;
    if !data.is_object() {
        return Err(Refusal::invalid("data must be a JSON object"));
    }
    let size = stringified_len(&data).ok_or_else(|| Refusal::invalid("data must be a JSON object"))?;
    if size > APP_MESSAGE_LIMIT {
        return Err(Refusal::invalid(format!(
            "data is too large ({size} characters). Maximum size is {APP_MESSAGE_LIMIT}."
        )));
    }
    let recipient = match fields.get("recipient") {
        None => Recipient::All,
        Some(raw) => match serde_json::from_str::<String>(raw.get()) {
            Ok(id) if !id.is_empty() => Recipient::from(id),
            _ => {
                return Err(Refusal::invalid(
                    "recipient must be '*' or a participant's session_id (a non-empty string)",
                ))
            }
        },
    };
    Ok((data, recipient))
}

/// `JSON.stringify(data).length`: the compact text's length in UTF-16 units (the caller's text
/// may have spaces that do not count).
fn stringified_len(data: &Json) -> Option<usize> {
    let value: serde_json::Value = serde_json::from_str(data.as_str()).ok()?;
    Some(serde_json::to_string(&value).ok()?.encode_utf16().count())
}
