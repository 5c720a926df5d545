//! Ordered room state: concurrent changes from several participants, and the orderer leaving.
use super::*;

/// `names` joined to a local room whose session data syncs every 20 ms, each with its ordered
/// state opened before join (every participant may have to order).
async fn ordered_room(room: &str, names: &[&str]) -> Vec<(Peer, daily_sync::Ordered)> {
    use daily_sync::JoinOptions;
    let mut peers = Vec::new();
    for name in names {
        let call = local_call(room, Some(20));
        let sync = DailySync::new(call.clone().into()).unwrap();
        let ordered = sync.ordered().unwrap();
        call.join(&JoinOptions { user_name: Some((*name).into()), ..Default::default() }).await.unwrap();
        let id = call.local_session_id().unwrap();
        peers.push((Peer { call, sync, id }, ordered));
    }
    for _ in 0..200 {
        if peers.iter().all(|(p, _)| p.sync.participants::<JsonValue>().unwrap().len() == names.len()) {
            return peers;
        }
        TimeoutFuture::new(10).await;
    }
    panic!("the participants of {room} never all saw each other");
}

/// Waits until every one of `peers` sees `key` at `value` in its session data.
async fn everyone_sees(peers: &[&Peer], key: &str, value: serde_json::Value) {
    let sees = |p: &Peer| {
        p.sync.session_data::<BTreeMap<String, JsonValue>>().unwrap().get().unwrap().get(key) == Some(&value)
    };
    for _ in 0..300 {
        if peers.iter().all(|p| sees(p)) {
            return;
        }
        TimeoutFuture::new(10).await;
    }
    let views: Vec<_> = peers
        .iter()
        .map(|p| p.sync.session_data::<BTreeMap<String, JsonValue>>().unwrap().get().unwrap().get(key).cloned())
        .collect();
    panic!("not everyone sees {key} = {value}: {views:?}");
}

/// Concurrent increments from three participants lose none; push keeps the last `max`, remove
/// drops equal items, and a batch with a bad op is refused whole.
#[wasm_bindgen_test]
async fn ordered_state_loses_no_concurrent_change() {
    use daily_sync::OrderedOp;
    let peers = ordered_room("rust-ordered", &["Ann", "Bo", "Cy"]).await;
    let applies =
        peers.iter().flat_map(|(_, ordered)| (0..20).map(|_| ordered.apply(&[OrderedOp::increment("n", 1.0)])));
    let results = futures::future::join_all(applies.collect::<Vec<_>>()).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let mut counts: Vec<i64> = results.iter().filter_map(|r| r.as_ref().ok()?.get("n")?.as_i64()).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=60).collect::<Vec<_>>(), "each increment applied once, in one order");
    let all: Vec<&Peer> = peers.iter().map(|(p, _)| p).collect();
    everyone_sees(&all, "n", serde_json::json!(60)).await;

    let bo = &peers[1].1;
    for q in ["a", "b", "a", "c", "d"] {
        bo.apply(&[OrderedOp::push("queue", serde_json::json!(q), Some(4))]).await.unwrap();
    }
    let now = bo.apply(&[OrderedOp::remove("queue", serde_json::json!("a"))]).await.unwrap();
    assert_eq!(now["queue"], serde_json::json!(["b", "c", "d"]), "the oldest dropped past max, then every 'a' removed");

    let cy = &peers[2].1;
    cy.apply(&[OrderedOp::set("title", serde_json::json!("Q&A"))]).await.unwrap();
    let refused = cy.apply(&[OrderedOp::set("x", serde_json::json!(1)), OrderedOp::increment("title", 1.0)]).await;
    assert!(matches!(&refused, Err(Error::InvalidArgument(why)) if why.contains("ops[1]")), "{refused:?}");
    assert!(matches!(cy.apply(&[OrderedOp::set("", serde_json::json!(1))]).await, Err(Error::InvalidArgument(_))));
    let after = cy.apply(&[OrderedOp::increment("n", 0.0)]).await.unwrap();
    assert_eq!(after["n"], serde_json::json!(60));
    everyone_sees(&all, "title", serde_json::json!("Q&A")).await;
    let view = peers[0].0.sync.session_data::<BTreeMap<String, JsonValue>>().unwrap().get().unwrap();
    assert_eq!(view.get("x"), None, "nothing of the refused batch");
    for (peer, _) in &peers {
        peer.call.leave().await.unwrap();
    }
}

/// The participant that orders leaves while two others apply: its successor takes over from
/// session data, and every change is applied exactly once.
#[wasm_bindgen_test]
async fn ordered_state_survives_the_orderer_leaving_mid_stream() {
    use daily_sync::OrderedOp;
    let peers = ordered_room("rust-ordered-takeover", &["Ann", "Bo", "Cy"]).await;
    let mut applies = Vec::new();
    for round in 0..30 {
        for (_, ordered) in &peers[1..] {
            applies.push(ordered.apply(&[OrderedOp::increment("n", 1.0)]));
        }
        if round == 10 {
            peers[0].0.call.leave().await.unwrap();
        }
    }
    let results = futures::future::join_all(applies).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let rest: Vec<&Peer> = peers[1..].iter().map(|(p, _)| p).collect();
    everyone_sees(&rest, "n", serde_json::json!(60)).await;
    for (peer, _) in &peers[1..] {
        peer.call.leave().await.unwrap();
    }
}
