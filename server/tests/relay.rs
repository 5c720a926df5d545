//! The room relay: frames go to the other connections of the room only, a dropped connection's
//! participant is seen to leave, REST messages arrive as `app` wire messages, and shutdown closes
//! the sockets.

mod common;

use common::{assert_quiet, next_text, relays, send, until_connected, with_clients, KEY, WAIT};
use daily_sync::local::protocol::{app_message, leave_message, Json, MAX_WIRE_LEN};
use daily_sync::Recipient;
use daily_sync_dev_server::SERVER_FROM_ID;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

/// A `hello` of this protocol version from `from` in `room` (the relay reads only the header).
fn hello(room: &str, from: &str) -> String {
    format!(r#"{{"v":1,"room":"{room}","from":"{from}","type":"hello","body":{{"participant":{{}}}}}}"#)
}

#[tokio::test]
async fn a_frame_goes_to_every_other_client_of_the_room_only() {
    let (server, [mut a, mut b, mut c]) = with_clients("r").await;
    let [mut elsewhere] = server.clients("other").await;

    // Anything is carried as it is, protocol or not.
    relays(&mut a, "from a", &mut [&mut b, &mut c]).await;
    relays(&mut b, &hello("r", "s-b"), &mut [&mut a, &mut c]).await;
    assert_quiet(&mut a).await;
    assert_quiet(&mut b).await;
    assert_quiet(&mut elsewhere).await;

    // Binary frames carry nothing for a room.
    a.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_quiet(&mut b).await;
    server.stop().await;
}

#[tokio::test]
async fn a_frame_over_512_kib_is_dropped_and_the_connection_goes_on() {
    let (server, [mut a, mut b]) = with_clients("big").await;
    let largest = "x".repeat(MAX_WIRE_LEN);
    send(&mut a, largest.clone()).await;
    assert_eq!(next_text(&mut b).await.len(), MAX_WIRE_LEN);
    send(&mut a, "y".repeat(MAX_WIRE_LEN + 1)).await;
    send(&mut a, "after").await;
    assert_eq!(next_text(&mut b).await, "after");
    server.stop().await;
}

#[tokio::test]
async fn a_dropped_connection_is_seen_to_leave_with_the_session_id_of_its_first_valid_message() {
    let (server, [mut a, mut b]) = with_clients("r").await;
    // Not valid (not JSON, another room, another version), then valid, then another id.
    for text in [
        "garbage".to_owned(),
        hello("other-room", "s-wrong-room"),
        hello("r", "s-a").replace(r#""v":1"#, r#""v":2"#),
        hello("r", "s-a"),
        hello("r", "s-later"),
    ] {
        relays(&mut a, &text, &mut [&mut b]).await;
    }
    drop(a); // no close frame: the TCP connection just goes
    assert_eq!(next_text(&mut b).await, leave_message("r", "s-a"));
    assert_quiet(&mut b).await;
    assert_eq!(server.relay.connections("r"), 1);
    server.stop().await;
}

#[tokio::test]
async fn a_closed_connection_is_seen_to_leave_too_and_one_that_said_nothing_is_not() {
    let (server, [mut a, mut b, mut silent]) = with_clients("r").await;
    relays(&mut a, &hello("r", "s-a"), &mut [&mut b, &mut silent]).await;
    a.close(None).await.unwrap();
    assert_eq!(next_text(&mut b).await, leave_message("r", "s-a"));
    assert_eq!(next_text(&mut silent).await, leave_message("r", "s-a"));

    silent.close(None).await.unwrap();
    until_connected(&server, "r", 1).await;
    assert_quiet(&mut b).await;
    server.stop().await;
}

#[tokio::test]
async fn a_rest_message_reaches_every_client_as_an_app_message_with_the_right_to() {
    let (server, [mut a, mut b]) = with_clients("room-1").await;
    let data = Json::parse(r#"{"kind":"notice","n":1}"#).unwrap();

    let to_all = server.send_app_message("room-1", Some(KEY), r#"{"data":{"kind":"notice","n":1}}"#).await;
    assert_eq!(to_all.status, 200);
    let expected = app_message("room-1", SERVER_FROM_ID, &data, &Recipient::All);
    for socket in [&mut a, &mut b] {
        let text = next_text(socket).await;
        assert_eq!(text, expected);
        let wire: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(wire["from"], "API");
        assert_eq!(wire["type"], "app");
        assert!(wire.get("to").is_none(), "'*' is everyone: {wire}");
    }

    let body = r#"{"data":{"kind":"notice","n":1},"recipient":"s-b"}"#;
    assert_eq!(server.send_app_message("room-1", Some(KEY), body).await.status, 200);
    let expected = app_message("room-1", SERVER_FROM_ID, &data, &Recipient::One("s-b".into()));
    for socket in [&mut a, &mut b] {
        let text = next_text(socket).await;
        assert_eq!(text, expected, "every client gets it; only s-b acts on it");
        let wire: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(wire["to"], serde_json::json!(["s-b"]));
    }
    assert_eq!(server.send_app_message("room-2", Some(KEY), body).await.status, 404, "another room is empty");
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_does_not_read_is_cut_off_and_the_others_see_it_leave() {
    let (server, [mut a, mut sleeper]) = with_clients("slow").await;
    relays(&mut sleeper, &hello("slow", "s-sleeper"), &mut [&mut a]).await;
    // The sleeper never reads: its socket buffers fill, then its queue, then it is cut off.
    let chunk = "z".repeat(64 * 1024);
    let deadline = tokio::time::Instant::now() + WAIT * 4;
    while server.relay.connections("slow") == 2 {
        assert!(tokio::time::Instant::now() < deadline, "the sleeper is cut off in time");
        send(&mut a, chunk.clone()).await;
    }
    assert_eq!(next_text(&mut a).await, leave_message("slow", "s-sleeper"));
    drop(sleeper);
    server.stop().await;
}

#[tokio::test]
async fn shutdown_closes_the_sockets_and_refuses_new_ones() {
    let (server, [mut a]) = with_clients("r").await;
    let addr = server.addr;
    server.stop().await;
    // The client sees a close frame or the end of the stream, not a hang.
    let end = tokio::time::timeout(WAIT, async {
        loop {
            match a.next().await {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the socket ends");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "nothing listens any more");
}
