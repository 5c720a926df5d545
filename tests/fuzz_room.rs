//! Fuzzing of `local::room::Node::receive`: arbitrary texts, and valid wire messages of every kind
//! mutated (fields replaced by wrong types, huge numbers, long strings, deep nesting, keys added or
//! removed; texts truncated, spliced, duplicated), interleaved with local calls and ticks, on a
//! joining and a joined node; two honest nodes that must still work together after a burst of
//! garbage; a flood of made-up participants. The runner and the texts: `tests/fuzz/`.

#![cfg(all(not(target_arch = "wasm32"), feature = "local-room", feature = "rest"))]

mod fuzz;

use std::collections::BTreeMap;
use std::fmt::Debug;

use daily_sync::local::protocol::{
    parse_header, Json, Kind, SessionData, MAX_ID_LEN, MAX_NAME_LEN, MAX_PARTICIPANTS, MAX_WIRE_LEN,
};
use daily_sync::local::room::{Event, Identity, MeetingState, Node, NodeConfig, Output, Participant};
use daily_sync::local::sim::{Link, SimNetwork};
use daily_sync::payload::{SESSION_DATA_LIMIT, USER_DATA_LIMIT};
use daily_sync::Recipient;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use fuzz::wire::{fake_id, garbage_id, templates, wire_text, ME, ROOM};
use fuzz::{fail, fuzz, fuzz_tests};

// ------------------------------------------------------------------------------------------------
// Node::receive

#[derive(Debug, Clone)]
enum Step {
    Text(String),
    Wait(u64),
    UserData(Option<u8>),
    App,
    Merge(u8, u8),
    Replace(u8),
    Leave,
}

fn step() -> BoxedStrategy<Step> {
    prop_oneof![
        12 => wire_text(fake_id()).prop_map(Step::Text),
        3 => prop_oneof![0u64..50, 50u64..5000, Just(u64::MAX / 2)].prop_map(Step::Wait),
        1 => prop::option::of(0u8..4).prop_map(Step::UserData),
        1 => Just(Step::App),
        1 => (0u8..4, 0u8..4).prop_map(|(k, v)| Step::Merge(k, v)),
        1 => (0u8..4).prop_map(Step::Replace),
        1 => (0u8..40).prop_map(|n| if n == 0 { Step::Leave } else { Step::Wait(1) }),
    ]
    .boxed()
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && id != "local" && id != "*"
}

/// A participant as a peer described it stays within every bound.
fn check_peer(key: &str, p: &Participant) -> Result<(), TestCaseError> {
    prop_assert!(valid_id(&p.session_id), "a peer with an invalid session id: {:.80?}", p.session_id);
    prop_assert_eq!(key, p.session_id.as_str());
    prop_assert!(p.session_id != ME, "a peer took the local session id");
    prop_assert!(!p.local, "a peer is local");
    prop_assert!(p.user_name.len() <= MAX_NAME_LEN && p.user_id.len() <= MAX_NAME_LEN, "a name over the bound");
    let size = p.user_data.as_ref().map_or(0, Json::user_data_len);
    prop_assert!(size <= USER_DATA_LIMIT, "a peer's userData of {} characters", size);
    Ok(())
}

fn check_session(data: &SessionData) -> Result<(), TestCaseError> {
    prop_assert!(data.utf16_len() <= SESSION_DATA_LIMIT, "session state of {}", data.utf16_len());
    let text = data.to_json();
    prop_assert_eq!(SessionData::parse(&text).map_err(|e| fail(e.to_string()))?, data.clone());
    Ok(())
}

/// Whatever a node sends or emits is well formed, its own, and within bounds.
fn check_outputs(outputs: &[Output], was: MeetingState, is: MeetingState) -> Result<(), TestCaseError> {
    let mut first_emit = true;
    for output in outputs {
        match output {
            Output::Send(text) => {
                prop_assert!(text.len() <= MAX_WIRE_LEN, "the node sent {} bytes, which peers drop", text.len());
                let header =
                    parse_header(text).ok_or_else(|| fail(format!("the node sent a bad text: {text:.200}")))?;
                prop_assert_eq!(header.room.as_str(), ROOM);
                prop_assert_eq!(header.from.as_str(), ME, "the node spoke for someone else");
                prop_assert!(header.kind != Kind::Other);
            }
            Output::Emit(event) => {
                if first_emit && was != MeetingState::Joined {
                    prop_assert!(
                        matches!(event, Event::JoinedMeeting(_) | Event::LeftMeeting),
                        "an event before joined-meeting: {event:.200?}"
                    );
                }
                first_emit = false;
                match event {
                    Event::JoinedMeeting(local) => prop_assert!(local.local),
                    Event::ParticipantJoined(p) | Event::ParticipantUpdated(p) | Event::ParticipantLeft(p) => {
                        if !p.local {
                            check_peer(&p.session_id, p)?;
                        }
                    }
                    Event::AppMessage { data, from_id } => {
                        prop_assert!(valid_id(from_id) && from_id != ME, "an app message from {from_id:.80?}");
                        prop_assert!(Json::parse(data.as_str()).is_ok());
                    }
                    Event::SessionStateUpdated(data) => check_session(data)?,
                    Event::NonfatalError { kind, error_msg } => {
                        prop_assert!(kind.len() <= MAX_NAME_LEN && error_msg.len() <= MAX_NAME_LEN);
                    }
                    Event::LeftMeeting => prop_assert_eq!(is, MeetingState::Left),
                }
            }
        }
    }
    Ok(())
}

fn check_node(node: &Node, my_user_data: &Option<Json>) -> Result<(), TestCaseError> {
    let participants = node.participants();
    prop_assert!(participants.len() <= MAX_PARTICIPANTS, "{} participants", participants.len());
    let local = participants.get("local").ok_or_else(|| fail("no local participant"))?;
    prop_assert_eq!(local.session_id.as_str(), ME, "peer input changed who the local participant is");
    prop_assert_eq!(&local.user_data, my_user_data, "peer input changed the local userData");
    prop_assert!(local.local && local.user_name == "Me");
    for (key, p) in participants.iter().filter(|(k, _)| k.as_str() != "local") {
        check_peer(key, p)?;
    }
    check_session(node.meeting_session_state())?;
    if matches!(node.meeting_state(), MeetingState::Joining | MeetingState::Joined) {
        prop_assert!(node.next_deadline().is_some(), "in a call with no deadline");
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct NodeCase {
    join_window_ms: u64,
    start: u64,
    steps: Vec<Step>,
}

fn node_case() -> BoxedStrategy<NodeCase> {
    (
        prop_oneof![Just(0u64), Just(300u64)],
        prop_oneof![Just(1000u64), Just(u64::MAX - 10_000)],
        prop::collection::vec(step(), 1..40),
    )
        .prop_map(|(join_window_ms, start, steps)| NodeCase { join_window_ms, start, steps })
        .boxed()
}

fn run_node_case(case: NodeCase) -> Result<(), TestCaseError> {
    let config = NodeConfig { join_window_ms: case.join_window_ms, ..NodeConfig::new(ROOM) };
    let mut node = Node::new(config, Identity::new(ME, "Me"));
    let mut now = case.start;
    let mut mine: Option<Json> = None;
    let out = node.join(now);
    check_outputs(&out, MeetingState::New, node.meeting_state())?;
    if case.join_window_ms == 0 {
        let out = node.tick(now);
        check_outputs(&out, MeetingState::Joining, node.meeting_state())?;
    }
    for step in case.steps {
        let was = node.meeting_state();
        let out = match step {
            Step::Text(text) => {
                let dropped = node.dropped();
                let out = node.receive(now, &text);
                let grew = node.dropped() - dropped;
                prop_assert!(grew <= 1, "one text counted {} times", grew);
                let in_call = matches!(was, MeetingState::Joining | MeetingState::Joined);
                if in_call && serde_json::from_str::<serde::de::IgnoredAny>(&text).is_err() {
                    prop_assert_eq!(grew, 1, "a text that is not JSON was not counted: {:.120}", text);
                }
                if !in_call {
                    prop_assert!(out.is_empty() && grew == 0, "a node out of the call acted on a text");
                }
                out
            }
            Step::Wait(ms) => {
                now = now.saturating_add(ms);
                node.tick(now)
            }
            Step::UserData(v) => {
                let text = v.map(|v| format!(r#"{{"v":{v}}}"#));
                match node.set_user_data(now, text.as_deref()) {
                    Ok(out) => {
                        mine = text.as_deref().map(|t| Json::parse(t).expect("valid"));
                        out
                    }
                    Err(e) => return Err(fail(format!("a valid userData was refused: {e}"))),
                }
            }
            Step::App => node.send_app_message(r#"{"hi":1}"#, &Recipient::All).unwrap_or_default(),
            Step::Merge(k, v) => {
                let data = format!(r#"{{"k{k}":{v}}}"#);
                node.set_session_data(now, &data, daily_sync::session::throttle::Strategy::ShallowMerge)
                    .unwrap_or_default()
            }
            Step::Replace(k) => {
                let data = format!(r#"{{"r{k}":true}}"#);
                node.set_session_data(now, &data, daily_sync::session::throttle::Strategy::Replace).unwrap_or_default()
            }
            Step::Leave => node.leave(now),
        };
        check_outputs(&out, was, node.meeting_state())?;
        check_node(&node, &mine)?;
    }
    Ok(())
}

fuzz_tests!(
    node_receive_survives_garbage_and_mutated_messages,
    long_node_receive_survives_garbage_and_mutated_messages,
    |run| {
        fuzz(
            "Node::receive (sequences of texts, ticks and local calls)",
            run.cases(96, 200_000),
            node_case(),
            run_node_case,
        );
    }
);

// Two honest participants and a burst of garbage from made-up ids: once the garbage stops and the
// made-up participants have timed out, the two still exchange messages, userData and session data.

const HONEST_A: &str = "HONEST-A";
const HONEST_B: &str = "HONEST-B";

#[derive(Debug, Clone)]
struct RoomCase {
    seed: u64,
    garbage: Vec<(u64, String)>,
}

fn room_case() -> BoxedStrategy<RoomCase> {
    (any::<u64>(), prop::collection::vec((0u64..200, wire_text(garbage_id())), 1..30))
        .prop_map(|(seed, garbage)| RoomCase { seed, garbage })
        .boxed()
}

fn run_room_case(case: RoomCase) -> Result<(), TestCaseError> {
    let config = NodeConfig::new(ROOM);
    let mut net = SimNetwork::new(case.seed, Link { latency_ms: 2, jitter_ms: 5, drop_rate: 0.0 });
    let a = net.add(Node::new(config.clone(), Identity::new(HONEST_A, "A")));
    let b = net.add(Node::new(config, Identity::new(HONEST_B, "B")));
    net.join(a);
    net.advance(100);
    net.join(b);
    net.advance(1000);
    for (wait, text) in &case.garbage {
        net.inject(text);
        net.advance(*wait);
    }
    // Every made-up participant falls silent and times out.
    net.advance(10_000);
    net.take_events(a);
    net.take_events(b);
    net.try_apply(a, |n, _| n.send_app_message(r#"{"fresh":1}"#, &Recipient::All)).map_err(|e| fail(e.message))?;
    net.try_apply(a, |n, now| n.set_user_data(now, Some(r#"{"fresh":2}"#))).map_err(|e| fail(e.message))?;
    net.try_apply(b, |n, now| {
        n.set_session_data(now, r#"{"fresh":3}"#, daily_sync::session::throttle::Strategy::ShallowMerge)
    })
    .map_err(|e| fail(e.message))?;
    net.advance(3000);
    let (na, nb) = (net.node(a).expect("a"), net.node(b).expect("b"));
    for n in [na, nb] {
        prop_assert_eq!(n.meeting_state(), MeetingState::Joined);
        prop_assert_eq!(
            n.participants().len(),
            2,
            "made-up participants are still there: {:?}",
            n.participants().keys()
        );
    }
    let heard = net.events(b).iter().any(|(_, e)| {
        matches!(e, Event::AppMessage { data, from_id } if from_id == HONEST_A && data.as_str() == r#"{"fresh":1}"#)
    });
    prop_assert!(heard, "b did not hear a's message after the garbage");
    let a_seen_by_b = nb.participants().get(HONEST_A).and_then(|p| p.user_data.clone());
    prop_assert_eq!(a_seen_by_b.as_ref().map(Json::as_str), Some(r#"{"fresh":2}"#));
    prop_assert_eq!(na.meeting_session_state(), nb.meeting_session_state(), "the session states differ");
    prop_assert_eq!(na.meeting_session_state().get("fresh").map(Json::as_str), Some("3"));
    Ok(())
}

fuzz_tests!(two_honest_nodes_still_work_after_garbage, long_two_honest_nodes_still_work_after_garbage, |run| {
    fuzz("two honest nodes after a burst of garbage", run.cases(24, 20_000), room_case(), run_room_case);
});

/// A flood of made-up participants (hello, app, session-update, leave from 5,000 ids) leaves the
/// node's state bounded: its size (measured by its Debug text) after 5,000 is no more than after
/// the first 3,000, by which its `gone` list and peer table are full.
#[test]
fn a_flood_of_made_up_participants_is_bounded() {
    let config = NodeConfig { join_window_ms: 0, ..NodeConfig::new(ROOM) };
    let mut node = Node::new(config, Identity::new(ME, "Me"));
    node.join(0);
    node.tick(0);
    let mut size_at = BTreeMap::new();
    for i in 0..5000u64 {
        let from = format!("flood-{i}");
        for tree in templates(&from, 10 + i, 1, false) {
            if tree["type"] != "leave" {
                node.receive(1 + i / 100, &tree.to_string());
            }
        }
        // Half of them stay (until the table is full), half leave.
        if i % 2 == 0 {
            node.receive(1 + i / 100, &format!(r#"{{"v":1,"room":"{ROOM}","from":"{from}","type":"leave"}}"#));
        }
        assert!(node.participants().len() <= MAX_PARTICIPANTS);
        if i == 2999 || i == 4999 {
            size_at.insert(i, format!("{node:?}").len());
        }
    }
    assert_eq!(node.participants().len(), MAX_PARTICIPANTS);
    let (first, last) = (size_at[&2999], size_at[&4999]);
    eprintln!("flood: node state {first} B of Debug text after 3,000 made-up ids, {last} B after 5,000");
    assert!(last <= first + first / 10, "the node's state grew from {first} to {last} B with made-up ids");
}
