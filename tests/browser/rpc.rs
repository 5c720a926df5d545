//! Requests and responses between participants of a local room: answers, every failure code,
//! cancelling, and listeners that go with their handles.
use super::*;

/// Ada and Bo, joined to the in-page local room `room`, each seeing the other.
async fn ada_and_bo(room: &str) -> [Peer; 2] {
    match <[Peer; 2]>::try_from(joined_room(room, &["Ada", "Bo"]).await) {
        Ok(pair) => pair,
        Err(_) => unreachable!("two names, two peers"),
    }
}

/// The code of a request's error, or why there is none.
fn rpc_code<T: std::fmt::Debug>(result: &Result<T, Error>) -> String {
    match result {
        Err(Error::Rpc { code, .. }) => (*code).to_owned(),
        other => format!("not an rpc error: {other:?}"),
    }
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Echo {
    text: String,
    from_id: String,
}

/// A typed request answered, with payloads far past one app message both ways, none of it on the
/// plain app-message stream; a peer's payload or answer of the wrong type is an
/// `application-error` that says so.
#[wasm_bindgen_test]
async fn a_typed_request_is_answered_in_chunks_both_ways() {
    use daily_sync::RequestOptions;
    let [ada, bo] = &ada_and_bo("rust-rpc-typed").await;
    let _echo = bo
        .sync
        .handle("echo", |text: String, from_id: String| async move { Ok(Echo { text: text.repeat(2), from_id }) })
        .unwrap();
    let mut plain = bo.sync.app_messages::<JsonValue>().unwrap();
    let long = "é\"x".repeat(7_000); // 21,000 characters, more in JSON
    let answer: Echo = ada.sync.request(&bo.id, "echo", &long, &RequestOptions::default()).await.unwrap();
    assert_eq!(answer.from_id, ada.id, "the handler is told who asked");
    assert_eq!(answer.text.len(), 2 * long.len());
    assert!(answer.text == long.repeat(2), "the 42,000-character answer arrives whole");

    ada.sync.send_app_message(&serde_json::json!({ "plain": true }), Recipient::All).unwrap();
    let first_plain = plain.next().await.unwrap().unwrap();
    assert_eq!(first_plain.data, serde_json::json!({ "plain": true }), "requests never reach the plain stream");

    let wrong_payload = ada.sync.request::<_, Echo>(&bo.id, "echo", &42, &RequestOptions::default()).await;
    assert_eq!(rpc_code(&wrong_payload), "application-error");
    assert!(wrong_payload.unwrap_err().message().contains("payload did not decode"));
    let wrong_answer = ada.sync.request::<_, u32>(&bo.id, "echo", &"x", &RequestOptions::default()).await;
    assert_eq!(rpc_code(&wrong_answer), "application-error");
    assert!(wrong_answer.unwrap_err().message().contains("answer did not decode"));
}

/// No handler for the method: `unsupported-method`, long before the connection timeout; a
/// session id not in the call: `recipient-not-found`; malformed requests are refused.
#[wasm_bindgen_test]
async fn an_unsupported_method_and_an_unknown_recipient_fail_at_once() {
    use daily_sync::RequestOptions;
    let [ada, bo] = &ada_and_bo("rust-rpc-unsupported").await;
    let _other = bo.sync.handle("other", |_: JsonValue, _| async { Ok(()) }).unwrap();
    let patient = RequestOptions { timeout_ms: 60_000, connection_timeout_ms: 30_000 };
    let started = js_sys::Date::now();
    let unsupported = ada.sync.request::<_, JsonValue>(&bo.id, "nope", &(), &patient).await;
    assert_eq!(rpc_code(&unsupported), "unsupported-method");
    assert!(js_sys::Date::now() - started < 5_000.0, "told at once, not at a timeout");
    let nobody = ada.sync.request::<_, JsonValue>("nobody", "other", &(), &patient).await;
    assert_eq!(rpc_code(&nobody), "recipient-not-found");

    let everyone = ada.sync.request::<_, JsonValue>("*", "other", &(), &patient).await;
    assert_eq!(everyone.unwrap_err().kind(), "invalid-recipient");
    let no_method = ada.sync.request::<_, JsonValue>(&bo.id, "", &(), &patient).await;
    assert_eq!(no_method.unwrap_err().kind(), "invalid-argument");
    let too_long = RequestOptions { timeout_ms: u64::MAX, ..Default::default() };
    assert_eq!(
        ada.sync.request::<_, JsonValue>(&bo.id, "other", &(), &too_long).await.unwrap_err().kind(),
        "invalid-argument"
    );
}

/// A handler's failure reaches the caller as `application-error` with the handler's message.
#[wasm_bindgen_test]
async fn a_handlers_failure_is_an_application_error_with_its_message() {
    use daily_sync::{RequestOptions, RpcFailure};
    let [ada, bo] = &ada_and_bo("rust-rpc-failure").await;
    let _invite = bo
        .sync
        .handle("stage.invite", |seats: u32, _| async move {
            if seats == 0 {
                return Err(RpcFailure::new("the stage is full").with_data(serde_json::json!({ "retryInMs": 5000 })));
            }
            Ok(seats - 1)
        })
        .unwrap();
    let options = RequestOptions::default();
    assert_eq!(ada.sync.request::<_, u32>(&bo.id, "stage.invite", &3, &options).await.unwrap(), 2);
    match ada.sync.request::<_, u32>(&bo.id, "stage.invite", &0, &options).await {
        Err(Error::Rpc { code, message, data }) => {
            assert_eq!((code, message.as_str()), ("application-error", "the stage is full"));
            assert_eq!(data, Some(serde_json::json!({ "retryInMs": 5000 })), "the handler's data");
        }
        other => panic!("expected an application error, got {other:?}"),
    }
}

/// A handler answers while its handle lives; dropped, the method is unsupported, and it can be
/// registered again (but not twice at once).
#[wasm_bindgen_test]
async fn a_dropped_handler_is_unregistered() {
    use daily_sync::RequestOptions;
    let [ada, bo] = &ada_and_bo("rust-rpc-drop").await;
    let options = RequestOptions::default();
    let ping = bo.sync.handle("ping", |_: (), _| async { Ok("pong") }).unwrap();
    assert_eq!(ping.method(), "ping");
    assert_eq!(bo.sync.handle("ping", |_: (), _| async { Ok(1) }).unwrap_err().kind(), "invalid-argument");
    assert_eq!(ada.sync.request::<_, String>(&bo.id, "ping", &(), &options).await.unwrap(), "pong");
    drop(ping);
    assert_eq!(rpc_code(&ada.sync.request::<_, String>(&bo.id, "ping", &(), &options).await), "unsupported-method");
    let _again = bo.sync.handle("ping", |_: (), _| async { Ok("pong again") }).unwrap();
    assert_eq!(ada.sync.request::<_, String>(&bo.id, "ping", &(), &options).await.unwrap(), "pong again");
}

/// One request to everyone: each participant's own outcome, by session id.
#[wasm_bindgen_test]
async fn request_all_reports_each_participants_outcome() {
    use daily_sync::{RequestOptions, RpcFailure};
    let room = joined_room("rust-rpc-all", &["Ada", "Bo", "Cy", "Di", "Ed"]).await;
    let (ada, bo, cy, di, ed) = (&room[0], &room[1], &room[2], &room[3], &room[4]);
    let _ready = bo.sync.handle("ready", |_: (), _| async { Ok(true) }).unwrap();
    let _other = cy.sync.handle("other", |_: (), _| async { Ok(true) }).unwrap();
    let _failing = di.sync.handle("ready", |_: (), _| async { Err::<bool, _>(RpcFailure::new("not yet")) }).unwrap();
    // Ed never handled or asked anything: nobody acknowledges for him.
    let options = RequestOptions { timeout_ms: 3_000, connection_timeout_ms: 300 };
    let all = ada.sync.request_all::<_, bool>("ready", &(), &options).await.unwrap();
    assert_eq!(all.len(), 4, "everyone but the caller: {all:?}");
    assert!(matches!(all[&bo.id], Ok(true)));
    assert_eq!(rpc_code(&all[&cy.id]), "unsupported-method");
    assert!(matches!(&all[&di.id], Err(Error::Rpc { code: "application-error", message, .. }) if message == "not yet"));
    assert_eq!(rpc_code(&all[&ed.id]), "connection-timeout");
}

/// A callee that takes the request but is slow: `response-timeout`; one that leaves before it
/// answers: `recipient-left`, as soon as it is gone.
#[wasm_bindgen_test]
async fn a_slow_callee_times_out_and_one_that_leaves_is_reported() {
    use daily_sync::RequestOptions;
    let [ada, bo] = &ada_and_bo("rust-rpc-slow").await;
    let _slow = bo
        .sync
        .handle("slow", |_: (), _| async {
            TimeoutFuture::new(1_000).await;
            Ok(())
        })
        .unwrap();
    let _never =
        bo.sync.handle("never", |_: (), _| std::future::pending::<Result<(), daily_sync::RpcFailure>>()).unwrap();
    let quick = RequestOptions { timeout_ms: 300, connection_timeout_ms: 200 };
    assert_eq!(rpc_code(&ada.sync.request::<_, ()>(&bo.id, "slow", &(), &quick).await), "response-timeout");

    let patient = RequestOptions { timeout_ms: 60_000, ..Default::default() };
    let waiting = ada.sync.request::<_, ()>(&bo.id, "never", &(), &patient);
    let started = js_sys::Date::now();
    bo.call.leave().await.unwrap();
    assert_eq!(rpc_code(&waiting.await), "recipient-left");
    assert!(js_sys::Date::now() - started < 5_000.0, "told when the callee left, not at the timeout");
    ada.call.leave().await.unwrap();
}

/// Dropping a request's future cancels it: nothing is left waiting for its answer, and the next
/// request is answered as usual.
#[wasm_bindgen_test]
async fn dropping_a_request_cancels_it() {
    use daily_sync::RequestOptions;
    let [ada, bo] = &ada_and_bo("rust-rpc-cancel").await;
    let options = RequestOptions::default();
    let _slow = bo
        .sync
        .handle("slow", |n: u32, _| async move {
            TimeoutFuture::new(200).await;
            Ok(n)
        })
        .unwrap();
    let request = ada.sync.request::<_, u32>(&bo.id, "slow", &1, &options);
    assert!(format!("{:?}", ada.sync).contains("pending: 1"), "{:?}", ada.sync);
    let raced = futures::future::select(request, TimeoutFuture::new(50)).await;
    assert!(matches!(raced, futures::future::Either::Right(_)), "the answer comes after 200 ms");
    drop(raced);
    assert!(format!("{:?}", ada.sync).contains("pending: 0"), "{:?}", ada.sync);
    TimeoutFuture::new(300).await; // the cancelled request's answer arrives, and is ignored
    assert_eq!(ada.sync.request::<_, u32>(&bo.id, "slow", &2, &options).await.unwrap(), 2);
    assert!(format!("{:?}", ada.sync).contains("pending: 0"));
}

/// Request and response listen only once used, share the call's one listener per event, and stop
/// listening when the DailySync and its handlers are dropped.
#[wasm_bindgen_test]
fn request_and_response_stop_listening_when_dropped() {
    let (call, sync) = fake_sync(false);
    let events = ["app-message", "participant-joined", "participant-left"];
    assert!(events.iter().all(|event| call.listener_count(event) == 0), "nothing before first use");
    let handler = sync.handle("ping", |_: (), _| async { Ok(()) }).unwrap();
    let _plain = sync.app_messages::<JsonValue>().unwrap();
    assert!(events.iter().all(|event| call.listener_count(event) == 1), "one listener per event");
    drop(handler);
    assert_eq!(call.listener_count("participant-left"), 1, "the DailySync still listens");
    let clone = sync.clone();
    drop(sync);
    assert_eq!(call.listener_count("participant-left"), 1, "a clone still listens");
    drop(clone);
    assert_eq!(call.listener_count("participant-left"), 0);
    assert_eq!(call.listener_count("app-message"), 1, "the app-message stream still listens");
}
