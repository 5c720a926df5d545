//! The demo's files: `www/` at `/`, the built package `pkg/` at `/pkg/`, and daily-js's
//! `node_modules/@daily-co/daily-js/dist/` at the same path, so the demo can load the package and,
//! for a real Daily room, the real daily-js.
//!
//! Why these three folders only: they are all a page needs, and nothing else of the repository
//! (sources, keys in a developer's files) is served. Responses say `Cache-Control: no-cache`, so a
//! rebuilt `pkg/` is picked up on reload.

use std::path::Path;

use axum::http::header::CACHE_CONTROL;
use axum::http::HeaderValue;
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Where daily-js's browser builds are, under the root and in URLs.
pub const DAILY_JS_DIST: &str = "node_modules/@daily-co/daily-js/dist";

/// The file routes, under the repository's `root`.
pub fn router(root: &Path) -> Router {
    Router::new()
        .nest_service("/pkg", ServeDir::new(root.join("pkg")))
        .nest_service(&format!("/{DAILY_JS_DIST}"), ServeDir::new(root.join(DAILY_JS_DIST)))
        .fallback_service(ServeDir::new(root.join("www")))
        .layer(SetResponseHeaderLayer::overriding(CACHE_CONTROL, HeaderValue::from_static("no-cache")))
}
