//! daily-sync's native REST client (`daily_sync::rest::native`, feature `rest-native`) against
//! this server over loopback: success, each error kind, and the message reaching the room.

mod common;

use std::time::Duration;

use common::*;
use daily_sync::rest::native::RestClient;
use daily_sync::rest::RetryPolicy;
use daily_sync::Error;
use serde_json::json;

fn client(server: &TestServer, key: &str) -> RestClient {
    RestClient::new(key).unwrap().with_base_url(format!("http://{}/v1", server.addr))
}

#[tokio::test]
async fn a_message_reaches_the_room() {
    let server = start().await;
    let mut socket = server.connect("lobby").await;
    until_connected(&server, "lobby", 1).await;
    client(&server, KEY).send_app_message("lobby", &json!({ "text": "hi" }), None).await.unwrap();
    let wire: serde_json::Value = serde_json::from_str(&next_text(&mut socket).await).unwrap();
    assert_eq!((wire["type"].as_str(), &wire["body"]), (Some("app"), &json!({ "text": "hi" })));
    server.stop().await;
}

#[tokio::test]
async fn error_answers_are_typed_and_the_key_never_shows() {
    let server = start().await;
    let wrong = client(&server, "sk-secret-wrong").send_app_message("lobby", &json!({}), None).await.unwrap_err();
    assert!(matches!(&wrong, Error::Http { status: 401, error, .. } if error == "authentication-error"), "{wrong:?}");
    assert!(!format!("{wrong} {wrong:?} {:?}", client(&server, "sk-secret-wrong")).contains("sk-secret"));
    let empty = client(&server, KEY).send_app_message("nobody", &json!({}), None).await.unwrap_err();
    assert!(matches!(&empty, Error::Http { status: 404, error, .. } if error == "not-found"), "{empty:?}");
    let refused = client(&server, KEY).send_app_message("lobby", &json!([1]), None).await.unwrap_err();
    assert_eq!(refused.kind(), "not-plain-object", "checked before sending");
    server.stop().await;
}

#[tokio::test]
async fn network_failures_and_timeouts_have_their_own_kinds() {
    let no_retry = RetryPolicy { max_retries: 0, ..RetryPolicy::default() };
    let closed = RestClient::new(KEY).unwrap().with_base_url("http://127.0.0.1:9/v1").with_retry(no_retry);
    assert_eq!(closed.send_app_message("r", &json!({}), None).await.unwrap_err().kind(), "network");

    // A listener that accepts and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let slow = RestClient::new(KEY)
        .unwrap()
        .with_base_url(format!("http://{addr}/v1"))
        .with_timeout(Duration::from_millis(200))
        .with_retry(no_retry);
    assert_eq!(slow.send_app_message("r", &json!({}), None).await.unwrap_err().kind(), "timeout");
    hold.abort();
}

/// A loopback server answering each request with the next of `statuses` (then 200); counts them.
async fn answering(statuses: Vec<u16>) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let calls = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let status = statuses.get(counted.fetch_add(1, Ordering::SeqCst)).copied().unwrap_or(200);
            let mut request = vec![0; 64 * 1024];
            let _ = socket.read(&mut request).await;
            let body = if status == 200 { r#"{"sent":"true"}"# } else { r#"{"error":"some-error","info":"x"}"# };
            let answer = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    (base, calls)
}

#[tokio::test]
async fn a_429_is_retried_and_a_5xx_only_when_asked() {
    use std::sync::atomic::Ordering;
    let fast = RetryPolicy { base_delay_ms: 10, max_delay_ms: 20, ..RetryPolicy::default() };
    let rest = |base: &str, retry| RestClient::new(KEY).unwrap().with_base_url(base).with_retry(retry);

    let (base, calls) = answering(vec![429, 429]).await;
    rest(&base, fast).send_app_message("r", &json!({}), None).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3, "two retries, then the answer");

    // send-app-message is not idempotent: a 5xx may come after the message went out.
    let (base, calls) = answering(vec![500, 500]).await;
    let failed = rest(&base, fast).send_app_message("r", &json!({}), None).await.unwrap_err();
    assert!(matches!(&failed, Error::Http { status: 500, .. }), "{failed:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "exactly one request");

    let (base, calls) = answering(vec![503]).await;
    let opted_in = RetryPolicy { retry_server_errors: true, ..fast };
    rest(&base, opted_in).send_app_message("r", &json!({}), None).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2, "retried when asked");
}
