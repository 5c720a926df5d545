//! # daily-sync-dev-server
//!
//! Runs the whole daily-sync product on one machine, with no Daily account:
//!
//! - **the demo**: `www/` at `/`, the built package `pkg/` at `/pkg/`, and daily-js's
//!   `node_modules/@daily-co/daily-js/dist/` at the same path ([`files`]);
//! - **local rooms** over WebSocket at `GET /v1/rooms/{room}/ws`, for call objects made with
//!   `createLocalCallObject({ room, transport: 'websocket', url })` ([`relay`]);
//! - **Daily's REST endpoint** `POST /v1/rooms/{room_name}/send-app-message`, with Daily's request
//!   rules and error contract, delivering into the local room, so a backend-triggered message can
//!   be seen end to end ([`rest`]).
//!
//! Why a native server and not a page: a backend (or `curl`) must reach the room through the same
//! REST contract it will use against Daily, and participants in several browsers must meet in one
//! room; both need a process that outlives any page.
//!
//! Messages sent through the REST endpoint arrive at each participant as an `app-message` event
//! whose `fromId` is [`SERVER_FROM_ID`], `"API"`. Daily does not document the `fromId` it uses
//! for these, so an app should not rely on the exact value from a real Daily room.
//!
//! The server is for development: it binds to loopback, keeps nothing on disk, and trusts its
//! clients as much as a local room does (a participant can claim any session id). It still
//! bounds what a client can make it hold, and no request or frame can make it panic.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use daily_sync_dev_server::{serve, Config};
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let config = Config { root: ".".into(), api_key: "dev-key".into() };
//! serve(listener, config, Default::default(), async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```
#![deny(missing_docs, missing_debug_implementations)]
#![forbid(unsafe_code)]

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

pub mod files;
pub mod relay;
pub mod rest;

pub use relay::Relay;

/// The `fromId` of every app message sent through the REST endpoint.
pub const SERVER_FROM_ID: &str = "API";

/// How long a shutdown waits for open WebSockets to say goodbye.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// What the server needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// The repository's root: `www/`, `pkg/` and `node_modules/` are found under it.
    pub root: PathBuf,
    /// The key the REST endpoint requires as `Authorization: Bearer <key>`.
    pub api_key: String,
}

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The REST endpoint's key.
    pub api_key: Arc<str>,
    /// The rooms and their connections.
    pub relay: Arc<Relay>,
}

/// The whole app: the REST endpoint, the room sockets, and the files for everything else.
pub fn router(config: &Config, state: AppState) -> Router {
    Router::new().merge(rest::router()).merge(relay::router()).with_state(state).merge(files::router(&config.root))
}

/// Serves `config` on `listener`, with the rooms of `relay` (given, so that a caller such as a
/// test can watch them), until `shutdown` completes; then stops taking connections, finishes the
/// requests under way, closes every room socket and returns.
pub async fn serve<F>(listener: TcpListener, config: Config, relay: Arc<Relay>, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let state = AppState { api_key: Arc::from(config.api_key.as_str()), relay: relay.clone() };
    let app = router(&config, state);
    let for_shutdown = relay.clone();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Upgraded sockets are not the HTTP server's to wait for: end them here.
            for_shutdown.close_all();
        })
        .await;
    relay.close_all();
    let _ = tokio::time::timeout(CLOSE_GRACE, relay.closed()).await;
    result
}
