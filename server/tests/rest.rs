//! `POST /v1/rooms/{room_name}/send-app-message`: Daily's contract, status by status, in the order
//! the checks apply (key, then body, then room), plus CORS and the files.

mod common;

use common::{next_text, start, until_connected, KEY};
use daily_sync::local::protocol::{app_message, Json};
use daily_sync::Recipient;
use daily_sync_dev_server::SERVER_FROM_ID;

const GOOD: &str = r#"{"data":{"hello":"world"}}"#;

/// Bodies that are JSON but not a valid request, each with why.
const INVALID: &[(&str, &str)] = &[
    ("[1,2]", "not an object"),
    ("{}", "no data"),
    (r#"{"recipient":"*"}"#, "no data"),
    (r#"{"data":{},"extra":1}"#, "an unknown property"),
    (r#"{"data":{},"recipient":"*","roomName":"r"}"#, "an unknown property"),
    (r#"{"data":"text"}"#, "data a string"),
    (r#"{"data":[1]}"#, "data an array"),
    (r#"{"data":null}"#, "data null"),
    (r#"{"data":42}"#, "data a number"),
    (r#"{"data":{},"recipient":""}"#, "recipient empty"),
    (r#"{"data":{},"recipient":7}"#, "recipient a number"),
    (r#"{"data":{},"recipient":null}"#, "recipient null"),
    (r#"{"data":{},"recipient":["a"]}"#, "recipient a list"),
];

/// `{"t":"xxx…"}` whose `JSON.stringify` is exactly `len` characters (`len` >= 8).
fn data_of_len(len: usize) -> String {
    format!(r#"{{"t":"{}"}}"#, "x".repeat(len - 8))
}

#[tokio::test]
async fn without_the_key_everything_is_401() {
    let server = start().await;
    let bad_auth = [None, Some("wrong-key"), Some(""), Some("test-key-and-more")];
    for key in bad_auth {
        for body in [GOOD, "{not json", r#"{"data":1}"#] {
            let reply = server.send_app_message("empty", key, body).await;
            assert_eq!(reply.status, 401, "key {key:?}, body {body}");
            assert_eq!(reply.error(), "authentication-error");
        }
    }
    // Another scheme, or no scheme, is not a bearer key.
    for auth in [format!("Basic {KEY}"), KEY.to_owned(), "Bearer".to_owned()] {
        let reply = server
            .request("POST", "/v1/rooms/empty/send-app-message", &[("Authorization", &auth)], GOOD.as_bytes())
            .await;
        assert_eq!(reply.status, 401, "{auth}");
        assert_eq!(reply.error(), "authentication-error");
    }
    // The scheme's case does not matter.
    let reply =
        server.request("POST", "/v1/rooms/empty/send-app-message", &[("Authorization", "bearer test-key")], b"{").await;
    assert_eq!(reply.status, 400);
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_400_json_parsing_error_even_for_an_empty_room() {
    let server = start().await;
    for body in ["{not json", "", "{\"data\":{}", "nul", "{\"data\":{}} trailing"] {
        let reply = server.send_app_message("empty", Some(KEY), body).await;
        assert_eq!(reply.status, 400, "{body:?}");
        assert_eq!(reply.error(), "json-parsing-error", "{body:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_bad_request_is_400_invalid_request_error_even_for_an_empty_room() {
    let server = start().await;
    for (body, why) in INVALID {
        let reply = server.send_app_message("empty", Some(KEY), body).await;
        assert_eq!(reply.status, 400, "{why}: {body}");
        assert_eq!(reply.error(), "invalid-request-error", "{why}: {body}");
    }
    let too_large = format!(r#"{{"data":{}}}"#, data_of_len(4097));
    let reply = server.send_app_message("empty", Some(KEY), &too_large).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error(), "invalid-request-error");
    assert!(reply.json()["info"].as_str().unwrap().contains("4097"), "{}", reply.json());
    server.stop().await;
}

#[tokio::test]
async fn a_body_over_the_cap_is_413_and_unread() {
    let server = start().await;
    let body = format!(r#"{{"data":{{"t":"{}"}}}}"#, "x".repeat(daily_sync_dev_server::rest::MAX_BODY_LEN));
    let reply = server.send_app_message("empty", Some(KEY), &body).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.error(), "invalid-request-error");
    server.stop().await;
}

#[tokio::test]
async fn a_valid_request_to_a_room_with_nobody_is_404_not_found() {
    let server = start().await;
    for body in [GOOD, r#"{"data":{},"recipient":"*"}"#, r#"{"data":{},"recipient":"s-1"}"#] {
        let reply = server.send_app_message("empty", Some(KEY), body).await;
        assert_eq!(reply.status, 404, "{body}");
        assert_eq!(reply.error(), "not-found");
    }
    // A room that had someone, who left, is empty again.
    let socket = server.connect("was-here").await;
    until_connected(&server, "was-here", 1).await;
    assert_eq!(server.send_app_message("was-here", Some(KEY), GOOD).await.status, 200);
    drop(socket);
    until_connected(&server, "was-here", 0).await;
    assert_eq!(server.send_app_message("was-here", Some(KEY), GOOD).await.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn a_valid_request_to_a_room_with_someone_is_200_sent_and_delivered() {
    let server = start().await;
    let mut socket = server.connect("lobby").await;
    until_connected(&server, "lobby", 1).await;

    let reply = server.send_app_message("lobby", Some(KEY), GOOD).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.json(), serde_json::json!({ "sent": "true" }));
    let data = Json::parse(r#"{"hello":"world"}"#).unwrap();
    assert_eq!(next_text(&mut socket).await, app_message("lobby", SERVER_FROM_ID, &data, &Recipient::All));

    // The limit is JSON.stringify's length in UTF-16 units: exactly 4096 passes; bytes beyond
    // (é is 2 bytes, 1 unit) and spaces outside strings do not count; 😀 is 2 units.
    let accepted = [
        format!(r#"{{"data":{}}}"#, data_of_len(4096)),
        format!(r#"{{"data":{{"t":"{}"}}}}"#, "é".repeat(4088)),
        format!(r#"{{"data":{{"t":"{}"}}}}"#, "😀".repeat(2044)),
        format!(r#"{{"data": {{ {} "t" : "{}" }} }}"#, " ".repeat(5000), "x".repeat(4000)),
    ];
    for body in &accepted {
        let reply = server.send_app_message("lobby", Some(KEY), body).await;
        assert_eq!(reply.status, 200, "{}", reply.json());
        let wire: serde_json::Value = serde_json::from_str(&next_text(&mut socket).await).unwrap();
        let sent: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(wire["body"], sent["data"]);
    }
    let rejected = format!(r#"{{"data":{{"t":"{}"}}}}"#, "😀".repeat(2045));
    assert_eq!(server.send_app_message("lobby", Some(KEY), &rejected).await.status, 400);
    server.stop().await;
}

#[tokio::test]
async fn any_origin_may_call_the_endpoint_but_still_needs_the_key() {
    let server = start().await;
    let path = "/v1/rooms/lobby/send-app-message";
    let preflight = server
        .request(
            "OPTIONS",
            path,
            &[
                ("Origin", "http://localhost:3000"),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "authorization,content-type"),
            ],
            b"",
        )
        .await;
    assert!(preflight.status == 200 || preflight.status == 204, "{}", preflight.status);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    let allowed = preflight.header("access-control-allow-headers").unwrap_or_default();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"), "{allowed}");

    let refused = server.request("POST", path, &[("Origin", "http://localhost:3000")], GOOD.as_bytes()).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("access-control-allow-origin"), Some("*"), "the page can read why");
    server.stop().await;
}

#[tokio::test]
async fn serves_www_pkg_and_daily_js_and_nothing_else() {
    let server = start().await;
    let index = server.get("/").await;
    assert_eq!(index.status, 200);
    assert!(index.header("content-type").unwrap().starts_with("text/html"));
    assert!(String::from_utf8_lossy(&index.body).contains("<title>demo</title>"));
    assert_eq!(server.get("/index.html").await.status, 200);

    let package = server.get("/pkg/daily_sync.js").await;
    assert_eq!(package.status, 200);
    assert!(package.header("content-type").unwrap().contains("javascript"));
    assert_eq!(package.header("cache-control"), Some("no-cache"));
    assert_eq!(server.get("/node_modules/@daily-co/daily-js/dist/daily-esm.js").await.status, 200);

    for hidden in [
        "/secret.txt",
        "/../secret.txt",
        "/pkg/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/node_modules/@daily-co/daily-js/package.json",
        "/www/index.html",
        "/missing.js",
    ] {
        assert_eq!(server.get(hidden).await.status, 404, "{hidden}");
    }
    server.stop().await;
}
