//! Request and response over app messages: ask one participant, or everyone, and get an answer
//! or a precise error.
//!
//! - `core`: which requests wait for whom and until when, pure and clock-free;
//! - `driver`: the core on a live call object, over the channel layer's reserved channel;
//! - `typed`: the Rust API's handlers and requests, generic over serde types
//!   ([`DailySync::handle`](crate::DailySync::handle), [`request`](crate::DailySync::request),
//!   [`request_all`](crate::DailySync::request_all)).

internal_mod!(core);
#[cfg_attr(not(feature = "npm-channels"), allow(dead_code))]
pub(crate) mod driver;
// The Rust API's face: left out of the npm entries (the `npm-*` features, which a Rust app never
// turns on), which have the JS one, so their wasm stays as it was.
#[cfg(any(doc, rust_api))]
pub(crate) mod typed;

#[cfg(any(doc, rust_api))]
pub use self::typed::{RequestOptions, RpcFailure, RpcHandler, RpcRequest, RpcRequestAll};
