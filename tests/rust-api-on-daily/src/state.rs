//! Session data and ordered room state.

use crate::harness::*;

#[derive(Debug, Serialize, Deserialize)]
struct Stage {
    speaker: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Poll {
    yes: u32,
}

pub(crate) type Room = BTreeMap<String, Value>;

fn room(value: Value) -> Room {
    match value {
        Value::Object(map) => map.into_iter().collect(),
        _ => Room::new(),
    }
}

scenario! {
    /// Session data: handles of one DailySync, of different types, share one throttle and each
    /// merge reaches the others; set, merge and delete in one interval converge everywhere; a state
    /// past 102,400 characters is refused and changes nothing; a DailySync made on a joined call has
    /// the room's state at once.
    "sessionData", session_data => session_data_on()
}

async fn session_data_on(page: &Page) -> Check {
    let options = SyncOptions { session_data_interval_ms: 300, ..Default::default() };
    let [ann, bo] = joined(page, &options)?;
    let at_bo = bo.sync.session_data::<Room>().or_fail("Bo's session_data()")?;
    let writes = || page.session_writes().map(i64::from).or_fail("the stand-in's count of writes");
    let before = writes()?;
    let stage = ann.sync.session_data::<Stage>().or_fail("Ann's stage handle")?;
    let poll = ann.sync.session_data::<Poll>().or_fail("Ann's poll handle")?;
    stage.merge(&Stage { speaker: "ann".into() }).or_fail("the stage merge")?;
    poll.merge(&Poll { yes: 3 }).or_fail("the poll merge")?;
    stage.merge(&json!({ "topic": "rust" })).or_fail("the topic merge")?;
    let all_three = room(json!({ "speaker": "ann", "yes": 3, "topic": "rust" }));
    until("the three keys at Bo", || at_bo.get().is_ok_and(|state| state == all_three)).await?;
    // One throttle: the first merge goes at once, the two others together on the trailing edge
    // (a throttle per handle would send each handle's first merge at once: three writes).
    ensure_eq!(writes()? - before, 2, "writes for three merges on two handles in one interval");

    let mut states = at_bo.states().or_fail("Bo's session states")?;
    let whole = ann.sync.session_data::<Room>().or_fail("Ann's untyped handle")?;
    whole.set(&room(json!({ "a": 1 }))).or_fail("set")?;
    whole.merge(&json!({ "b": 2 })).or_fail("merge")?;
    whole.delete(["a"]).or_fail("delete")?;
    let expected = room(json!({ "b": 2 }));
    ensure_eq!(whole.get().or_fail("Ann's view")?, expected, "Ann's view, at once");
    first_matching(&mut states, "{b: 2} in Bo's session states", |state| *state == expected).await?;
    ensure_eq!(at_bo.get().or_fail("Bo's view")?, expected, "Bo's view");

    let big = room(json!({ "big": "x".repeat(102_400) }));
    match whole.set(&big) {
        Err(Error::PayloadTooLarge { size, limit }) => {
            ensure_eq!((size, limit), (102_410, 102_400), "the refused state's size and limit")
        }
        other => return Err(format!("a state of 102,410 characters: expected PayloadTooLarge, got {other:?}")),
    }
    ensure_eq!(kind_of(&whole.merge(&big)), "payload-too-large", "a merge past the limit");
    ensure_eq!(whole.get().or_fail("Ann's view")?, expected, "Ann's view after the refused state");

    let fresh = DailySync::new(bo.call.as_js().clone()).or_fail("a second DailySync on Bo's joined call")?;
    let view = fresh.session_data::<Room>().or_fail("its session_data()")?.get().or_fail("its view")?;
    ensure_eq!(view, expected, "a DailySync made on a joined call: the room's state at once");
    TimeoutFuture::new(400).await;
    ensure_eq!(at_bo.get().or_fail("Bo's view")?, expected, "Bo's view, an interval later");
    Ok(())
}

scenario! {
    /// Ordered room state: ten increments from each of two participants, all at once, applied one
    /// at a time by the longest present: each apply sees its own total, none is lost.
    "orderedIncrements", ordered_increments => ordered_increments_on()
}

async fn ordered_increments_on(page: &Page) -> Check {
    let options = SyncOptions { session_data_interval_ms: 16, ..Default::default() };
    let peers: [Peer; 3] = joined(page, &options)?;
    let mut ordered = Vec::new();
    for peer in &peers {
        ordered.push(peer.sync.ordered().or_fail(&format!("{}'s ordered()", peer.name))?);
    }
    let applies = ordered[1..].iter().flat_map(|o| (0..10).map(move |_| o.apply(&[OrderedOp::increment("n", 1.0)])));
    let results = futures::future::join_all(applies.collect::<Vec<_>>()).await;
    let mut totals = results
        .into_iter()
        .map(|applied| {
            applied.or_fail("an increment")?.get("n").and_then(Value::as_f64).or_fail("n after an increment")
        })
        .collect::<Check<Vec<f64>>>()?;
    totals.sort_by(f64::total_cmp);
    let one_at_a_time: Vec<f64> = (1..=20).map(f64::from).collect();
    ensure_eq!(totals, one_at_a_time, "the totals the twenty increments saw");
    let mut views = Vec::new();
    for peer in &peers {
        views.push(peer.sync.session_data::<Room>().or_fail("session_data()")?);
    }
    let twenty = |view: &daily_sync::session::SessionData<Room>| {
        view.get().is_ok_and(|state| state.get("n").and_then(Value::as_f64) == Some(20.0))
    };
    until("n = 20 at everyone", || views.iter().all(twenty)).await?;
    // A DailySync made again on Bo's call object (a remount): its increment is applied, not taken
    // for a retry of the first one's batches.
    drop(ordered);
    let [_, bo, _] = peers;
    drop(bo.sync);
    let again =
        DailySync::with_options(bo.call.as_js().clone(), &options).or_fail("a second DailySync on Bo's call")?;
    let applied = again.ordered().or_fail("its ordered()")?.apply(&[OrderedOp::increment("n", 1.0)]).await;
    ensure_eq!(applied.or_fail("its increment")?.get("n").and_then(Value::as_f64), Some(21.0), "n after the remount");
    Ok(())
}
