//! `daily_sync::Error` stays `Send + Sync + 'static`: a native backend returns it from a
//! `tokio::spawn`ed task and turns it into `anyhow::Error`. This file stops compiling the day it
//! is not.
#![cfg(not(target_arch = "wasm32"))]

use daily_sync::{Error, Recipient};

fn send_sync_static<T: Send + Sync + 'static>() {}

/// Compiles only while `E` converts into `anyhow::Error` (std's Error + Send + Sync + 'static).
fn into_anyhow<E: std::error::Error + Send + Sync + 'static>(e: E) -> anyhow::Error {
    anyhow::Error::from(e)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime")
}

#[test]
fn error_is_send_sync_static_and_an_anyhow_error() {
    send_sync_static::<Error>();
    let error = Recipient::many(Vec::<String>::new()).expect_err("no recipients is refused");
    let kind = error.kind();
    let any = into_anyhow(error);
    assert_eq!(any.downcast_ref::<Error>().map(Error::kind), Some(kind));
}

#[test]
fn error_crosses_a_spawned_task_into_anyhow() {
    let result: anyhow::Result<()> = runtime().block_on(async {
        tokio::spawn(async {
            Recipient::many(Vec::<String>::new())?;
            Ok::<(), Error>(())
        })
        .await??;
        Ok(())
    });
    let error = result.expect_err("the task's error comes back");
    assert_eq!(error.downcast_ref::<Error>().map(Error::kind), Some("invalid-recipient"));
}

/// The native REST client's future is `Send` and its error crosses the task as an `anyhow::Error`.
#[cfg(feature = "rest-native")]
#[test]
fn rest_native_errors_cross_a_spawned_task_into_anyhow() {
    use daily_sync::rest::native::RestClient;
    // A port nothing listens on: the request fails at once with a network error.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let result: anyhow::Result<()> = runtime().block_on(async move {
        let client = RestClient::new("key")?.with_base_url(format!("http://127.0.0.1:{port}/v1"));
        tokio::spawn(async move { client.send_app_message("room", &serde_json::json!({ "a": 1 }), None).await })
            .await??;
        Ok(())
    });
    let error = result.expect_err("nothing listens on the port");
    assert_eq!(error.downcast_ref::<Error>().map(Error::kind), Some("network"));
}
