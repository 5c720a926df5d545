//! The room model on a simulated network: membership, messages, limits, the session authority
//! and convergence under jitter and loss.
use super::*;
use crate::local::protocol::{app_message as server_message, leave_message};
use crate::local::sim::{Link, SimNetwork, SplitMix64};
use crate::payload::Strategy;

const ROOM: &str = "test";
const A: usize = 0;
const B: usize = 1;
const C: usize = 2;
const D: usize = 3;
/// Latency with no jitter: messages arrive in order, 10 ms later.
const STEADY: Link = Link { latency_ms: 10, jitter_ms: 0, drop_rate: 0.0 };

fn config() -> NodeConfig {
    NodeConfig::new(ROOM)
}

fn node(id: &str, config: &NodeConfig) -> Node {
    Node::new(config.clone(), Identity::new(id, id.to_uppercase()))
}

fn json(text: &str) -> Json {
    Json::parse(text).unwrap()
}

/// `a`, `b`, `c` and `d` on a bus; `a` joined at 0 and `b` at 500, the others not yet.
fn room(link: Link, config: &NodeConfig) -> SimNetwork {
    let mut net = SimNetwork::new(7, link);
    for id in ["a", "b", "c", "d"] {
        net.add(node(id, config));
    }
    net.join(A);
    net.advance(500);
    net.join(B);
    net.advance(1000);
    net
}

/// [`room`] with `c` joined too, and the events so far cleared.
fn three(link: Link, config: &NodeConfig) -> SimNetwork {
    let mut net = room(link, config);
    net.join(C);
    net.advance(1000);
    for i in [A, B, C] {
        net.take_events(i);
    }
    net
}

fn events(net: &SimNetwork, i: usize) -> Vec<Event> {
    net.events(i).iter().map(|(_, e)| e.clone()).collect()
}

fn apps(net: &SimNetwork, i: usize) -> Vec<(String, String)> {
    let app = |e: Event| match e {
        Event::AppMessage { data, from_id } => Some((data.as_str().to_owned(), from_id)),
        _ => None,
    };
    events(net, i).into_iter().filter_map(app).collect()
}

fn session_updates(net: &SimNetwork, i: usize) -> Vec<(u64, String)> {
    let update = |(t, e): &(u64, Event)| match e {
        Event::SessionStateUpdated(state) => Some((*t, state.to_json())),
        _ => None,
    };
    net.events(i).iter().filter_map(update).collect()
}

fn left(net: &SimNetwork, i: usize) -> Vec<(u64, String)> {
    let gone = |(t, e): &(u64, Event)| match e {
        Event::ParticipantLeft(p) => Some((*t, p.session_id.clone())),
        _ => None,
    };
    net.events(i).iter().filter_map(gone).collect()
}

fn state(net: &SimNetwork, i: usize) -> String {
    net.node(i).unwrap().meeting_session_state().to_json()
}

fn set(net: &mut SimNetwork, i: usize, data: &str, strategy: Strategy) {
    net.try_apply(i, |n, now| n.set_session_data(now, data, strategy)).unwrap();
}

fn send(net: &mut SimNetwork, i: usize, data: &str, to: Recipient) {
    net.try_apply(i, |n, _| n.send_app_message(data, &to)).unwrap();
}

fn authority(net: &SimNetwork, i: usize) -> Option<String> {
    net.node(i).unwrap().session_authority().map(str::to_owned)
}

#[test]
fn three_participants_one_joining_late_see_each_other_and_the_room_state() {
    let mut net = room(STEADY, &config());
    net.try_apply(A, |n, now| n.set_user_data(now, Some(r#"{"hand":true}"#))).unwrap();
    send(&mut net, B, r#""before c""#, Recipient::All);
    set(&mut net, B, r#"{"topic":"intro"}"#, Strategy::Replace);
    net.advance(2000);
    net.join(C);
    assert_eq!(net.node(C).unwrap().meeting_state().as_str(), "joining-meeting");
    net.advance(1000);

    // As daily-js: joined-meeting with the local participant, a participant-joined for each one
    // already there, then the room's state.
    let events_c = events(&net, C);
    let [Event::JoinedMeeting(local), Event::ParticipantJoined(a), Event::ParticipantJoined(b), Event::SessionStateUpdated(session_state)] =
        &events_c[..]
    else {
        panic!("c's join sequence: {events_c:?}");
    };
    assert_eq!((a.session_id.as_str(), b.session_id.as_str()), ("a", "b"));
    assert_eq!(a.user_data, Some(json(r#"{"hand":true}"#)), "userData in the answer to hello");
    assert_eq!(b.user_data, None);
    assert!(local.local && !a.local);
    assert_eq!(local.session_id, "c");
    assert_eq!(session_state.to_json(), r#"{"topic":"intro"}"#);
    assert!(apps(&net, C).is_empty(), "a late joiner gets no earlier message");
    assert_eq!(apps(&net, A), [(r#""before c""#.to_owned(), "b".to_owned())]);
    let participants = net.node(C).unwrap().participants();
    assert_eq!(participants.keys().collect::<Vec<_>>(), ["a", "b", "local"]);
    assert_eq!((participants.get("a"), participants.get("local")), (Some(a), Some(local)));
    assert_eq!(net.node(C).unwrap().meeting_state(), MeetingState::Joined);

    // b's own join announced a; a and b each heard c join.
    assert!(matches!(events(&net, B).first(), Some(Event::JoinedMeeting(_))));
    for (i, expected) in [(A, vec!["b", "c"]), (B, vec!["a", "c"])] {
        let joined: Vec<String> = events(&net, i)
            .into_iter()
            .filter_map(|e| match e {
                Event::ParticipantJoined(p) => Some(p.session_id),
                _ => None,
            })
            .collect();
        assert_eq!(joined, expected);
    }
    for i in [A, B, C] {
        assert_eq!(authority(&net, i).as_deref(), Some("a"), "the earliest is the authority");
        assert_eq!(state(&net, i), r#"{"topic":"intro"}"#);
    }
}

#[test]
fn participants_serialize_their_fields() {
    let p = Participant {
        session_id: "s".into(),
        user_id: "u".into(),
        user_name: "N".into(),
        local: true,
        owner: false,
        joined_at: 5,
        user_data: Some(json(r#"{"a":1}"#)),
    };
    assert_eq!(
        p.to_json(),
        r#"{"session_id":"s","user_id":"u","user_name":"N","local":true,"owner":false,"joined_at":5,"userData":{"a":1}}"#
    );
    let bare = Participant { user_data: None, ..p };
    assert!(!bare.to_json().contains("userData"));
}

#[test]
fn app_messages_are_broadcast_or_targeted_and_never_echoed() {
    let mut net = three(STEADY, &config());
    send(&mut net, A, r#"{"n":1}"#, Recipient::All);
    send(&mut net, A, "2", Recipient::One("c".into()));
    send(&mut net, B, "3", Recipient::Many(vec!["a".into(), "c".into()]));
    send(&mut net, C, "4", Recipient::One("c".into()));
    send(&mut net, A, "5", Recipient::One("nobody".into()));
    net.inject(&server_message(ROOM, "server", &json("6"), &Recipient::One("b".into())));
    net.advance(100);
    let m = |d: &str, f: &str| (d.to_owned(), f.to_owned());
    assert_eq!(apps(&net, A), [m("3", "b")]);
    assert_eq!(apps(&net, B), [m(r#"{"n":1}"#, "a"), m("6", "server")]);
    assert_eq!(apps(&net, C), [m(r#"{"n":1}"#, "a"), m("2", "a"), m("3", "b")]);
}

#[test]
fn a_joining_participant_hears_messages_after_its_joined_meeting() {
    let mut net = room(STEADY, &config());
    net.join(C);
    net.advance(50); // b has heard c's hello; c's join window is still open
    send(&mut net, B, "1", Recipient::All);
    net.advance(1000);
    let events = events(&net, C);
    assert!(matches!(events.first(), Some(Event::JoinedMeeting(_))));
    assert_eq!(apps(&net, C), [("1".to_owned(), "b".to_owned())]);
}

#[test]
fn limits_and_daily_js_messages() {
    let mut n = node("a", &config());
    let err = n.send_app_message("1", &Recipient::All).unwrap_err();
    assert_eq!((err.message.as_str(), err.kind()), ("sendAppMessage() only supported after join.", "not-joined"));
    let err = n.set_session_data(0, "{}", Strategy::Replace).unwrap_err();
    assert_eq!((err.message.as_str(), err.kind()), ("setMeetingSessionData only supported after join.", "not-joined"));

    // daily-js measures a string by its own length, anything else by its JSON.
    let just_fits = format!("\"{}\"", "x".repeat(4096));
    assert!(n.set_user_data(0, Some(&just_fits)).is_ok());
    let too_big = format!("\"{}\"", "x".repeat(4097));
    let err = n.set_user_data(0, Some(&too_big)).unwrap_err();
    assert_eq!(err.message, "userData is too large (4097 characters). Maximum size suppported is 4096.");
    let too_big = format!("{{\"a\":\"{}\"}}", "x".repeat(4089));
    let err = n.set_user_data(0, Some(&too_big)).unwrap_err();
    assert_eq!(err.message, "userData is too large (4097 characters). Maximum size suppported is 4096.");
    assert!(matches!(err.error, Error::PayloadTooLarge { size: 4097, limit: 4096 }));
    let at_limit = format!("\"{}\"", "é".repeat(4094));
    assert!(n.set_user_data(0, Some(&at_limit)).unwrap().is_empty(), "kept for the join");
    assert!(n.next_deadline().is_none());

    assert_eq!(n.join(0).len(), 1);
    assert!(matches!(n.tick(DEFAULT_JOIN_WINDOW_MS - 1).as_slice(), []));
    let out = n.tick(DEFAULT_JOIN_WINDOW_MS);
    let Some(Output::Emit(Event::JoinedMeeting(local))) = out.first() else { panic!("{out:?}") };
    assert_eq!(local.user_data, Some(json(&at_limit)));

    let at_limit = format!("\"{}\"", "😀".repeat(2047)); // 2 + 2 × 2047 = 4096 UTF-16 units
    assert_eq!(n.send_app_message(&at_limit, &Recipient::All).unwrap().len(), 1);
    let over = format!("\"{}\"", "x".repeat(4095));
    let err = n.send_app_message(&over, &Recipient::All).unwrap_err();
    assert_eq!(err.message, "Message data too large. Max size is 4096");
    assert!(matches!(err.error, Error::PayloadTooLarge { size: 4097, limit: 4096 }));
    assert_eq!(n.send_app_message("1", &Recipient::Many(vec![])).unwrap_err().kind(), "invalid-recipient");
    assert_eq!(n.send_app_message("{", &Recipient::All).unwrap_err().kind(), "invalid-argument");

    let mut small = node("s", &NodeConfig { app_message_limit: 100, join_window_ms: 0, ..config() });
    small.join(0);
    small.tick(0);
    let err = small.send_app_message(&format!("\"{}\"", "x".repeat(99)), &Recipient::All).unwrap_err();
    assert_eq!(err.message, "Message data too large. Max size is 100");

    for not_object in ["[1]", "null", "\"s\"", "3"] {
        let err = n.set_session_data(0, not_object, Strategy::Replace).unwrap_err();
        assert_eq!(err.message, "Meeting session data must be a plain (map-like) object");
        assert_eq!(err.kind(), "not-plain-object");
    }
    let over = format!(r#"{{"k":"{}"}}"#, "x".repeat(102_400));
    let err = n.set_session_data(0, &over, Strategy::ShallowMerge).unwrap_err();
    assert_eq!(
        err.message,
        "Meeting session data is too large (102408 characters). Maximum size suppported is 102400."
    );
    assert!(matches!(err.error, Error::PayloadTooLarge { size: 102_408, limit: 102_400 }));
    let at_limit = format!(r#"{{"k":"{}"}}"#, "x".repeat(102_392));
    let out = n.set_session_data(0, &at_limit, Strategy::Replace).unwrap();
    assert!(out.contains(&Output::Emit(Event::SessionStateUpdated(SessionData::parse(&at_limit).unwrap()))));
}

#[test]
fn session_updates_are_paced_and_the_last_one_arrives() {
    let mut net = three(STEADY, &config());
    let start = net.now();
    for i in 0..25 {
        set(&mut net, B, &format!(r#"{{"n":{i}}}"#), Strategy::Replace);
        net.advance(100);
    }
    net.advance(2000);
    for i in [A, B, C] {
        let updates = session_updates(&net, i);
        let times: Vec<u64> = updates.iter().map(|(t, _)| *t).collect();
        assert!(times[0] <= start + 30, "idle: the first update goes at once ({times:?})");
        assert!(times.windows(2).all(|w| w[1] - w[0] >= 1000), "at most one per second: {times:?}");
        assert!((3..=4).contains(&times.len()), "{times:?}");
        assert_eq!(updates.last().unwrap().1, r#"{"n":24}"#);
        assert_eq!(state(&net, i), r#"{"n":24}"#);
    }
}

#[test]
fn batches_follow_daily_js_rules() {
    let mut net = three(STEADY, &config());
    let merge = |net: &mut SimNetwork, i: usize, data: &str| set(net, i, data, Strategy::ShallowMerge);
    merge(&mut net, B, r#"{"a":1,"n":{"x":1,"y":1}}"#);
    net.advance(100);
    assert_eq!(state(&net, C), r#"{"a":1,"n":{"x":1,"y":1}}"#);
    merge(&mut net, B, r#"{"n":{"x":2}}"#);
    net.try_apply(B, |n, now| {
        let out = n.set_session_data(now, "{}", Strategy::ShallowMerge)?;
        assert!(out.is_empty(), "an empty merge is a no-op");
        n.set_session_entries(now, vec![("a".into(), None), ("z".into(), Some(json("0")))], Strategy::ShallowMerge)
    })
    .unwrap();
    merge(&mut net, C, r#"{"c":true}"#);
    net.advance(1500);
    for i in [A, B, C] {
        assert_eq!(state(&net, i), r#"{"n":{"x":2},"z":0,"c":true}"#, "nested objects are replaced");
        assert_eq!(session_updates(&net, i).len(), 2, "one broadcast at once, one for the batch");
    }

    merge(&mut net, B, r#"{"p":1}"#);
    net.advance(20);
    merge(&mut net, B, r#"{"q":1}"#);
    net.advance(20);
    set(&mut net, C, r#"{"r":1}"#, Strategy::Replace);
    net.advance(20);
    merge(&mut net, B, r#"{"m":2}"#);
    net.advance(1500);
    for i in [A, B, C] {
        assert_eq!(state(&net, i), r#"{"r":1,"m":2}"#, "a replace in a batch makes it a replace");
        // Within a second of the last broadcast, so all four went out together.
        assert_eq!(session_updates(&net, i).len(), 3);
    }
}

#[test]
fn a_merge_over_the_limit_is_refused_with_a_nonfatal_error() {
    let mut net = three(STEADY, &config());
    let big = |key: &str, c: &str| format!(r#"{{"{key}":"{}"}}"#, c.repeat(60_000));
    set(&mut net, B, &big("b", "x"), Strategy::ShallowMerge);
    net.advance(50);
    set(&mut net, C, &big("c", "y"), Strategy::ShallowMerge);
    net.advance(1500);
    let size = format!(r#"{{"b":"{}","c":"{}"}}"#, "x".repeat(60_000), "y".repeat(60_000)).len();
    let error = Event::NonfatalError {
        kind: "meeting-session-data-error".into(),
        error_msg: format!("Meeting session data is too large ({size} characters). Maximum size suppported is 102400."),
    };
    assert_eq!(
        events(&net, C).into_iter().filter(|e| matches!(e, Event::NonfatalError { .. })).collect::<Vec<_>>(),
        [error]
    );
    for i in [A, B, C] {
        assert_eq!(state(&net, i), big("b", "x"), "the state is as before the refused update");
        assert_eq!(session_updates(&net, i).len(), 1);
    }
    assert!(!events(&net, B).iter().any(|e| matches!(e, Event::NonfatalError { .. })));

    // The authority's own update is refused the same way, locally.
    set(&mut net, A, &big("a", "z"), Strategy::ShallowMerge);
    assert!(matches!(events(&net, A).last(), Some(Event::NonfatalError { kind, .. }) if kind == SESSION_DATA_ERROR));
}

#[test]
fn leave_heartbeat_timeout_and_a_relay_forged_leave() {
    let mut net = three(STEADY, &config());
    net.leave(B);
    assert_eq!(events(&net, B), [Event::LeftMeeting]);
    assert_eq!(net.node(B).unwrap().meeting_state().as_str(), "left-meeting");
    assert!(net.node(B).unwrap().next_deadline().is_none());
    net.advance(50);
    for i in [A, C] {
        assert_eq!(left(&net, i).iter().map(|(_, id)| id.as_str()).collect::<Vec<_>>(), ["b"]);
        assert!(!net.node(i).unwrap().participants().contains_key("b"));
    }

    let closed = net.now();
    net.kill(C);
    net.advance(3000);
    assert_eq!(left(&net, A).len(), 1, "c is not gone yet");
    net.advance(2000);
    let (t, id) = left(&net, A)[1].clone();
    assert_eq!(id, "c");
    // Silent for the timeout since its last heartbeat, sent at most a heartbeat before it closed.
    assert!(t + 1000 >= closed + 3500 && t <= closed + 3500 + 10, "timed out at {t}, closed at {closed}");

    net.join(D);
    net.advance(1000);
    assert!(net.node(A).unwrap().participants().contains_key("d"));
    net.inject(&leave_message(ROOM, "d"));
    net.advance(50);
    assert_eq!(left(&net, A).last().unwrap().1, "d");
    net.advance(3000); // d, still running, keeps sending heartbeats: a `leave` is final
    assert!(!net.node(A).unwrap().participants().contains_key("d"));
    assert_eq!(
        events(&net, A).iter().filter(|e| matches!(e, Event::ParticipantJoined(p) if p.session_id == "d")).count(),
        1
    );
}

#[test]
fn the_authority_hands_over_when_it_leaves_or_vanishes() {
    let mut net = three(STEADY, &config());
    set(&mut net, A, r#"{"a":1}"#, Strategy::ShallowMerge);
    net.advance(50);
    set(&mut net, A, r#"{"a2":2}"#, Strategy::ShallowMerge); // held by the pacing...
    net.leave(A); // ...and sent before the goodbye
    net.advance(50);
    for i in [B, C] {
        assert_eq!(state(&net, i), r#"{"a":1,"a2":2}"#);
        assert_eq!(authority(&net, i).as_deref(), Some("b"), "b joined before c");
    }
    set(&mut net, C, r#"{"c":1}"#, Strategy::ShallowMerge);
    net.advance(100);
    assert_eq!(state(&net, B), r#"{"a":1,"a2":2,"c":1}"#);
    assert_eq!(state(&net, C), r#"{"a":1,"a2":2,"c":1}"#);

    net.kill(B);
    net.advance(5000);
    assert_eq!(authority(&net, C).as_deref(), Some("c"));
    set(&mut net, C, r#"{"d":1}"#, Strategy::ShallowMerge);
    assert_eq!(state(&net, C), r#"{"a":1,"a2":2,"c":1,"d":1}"#, "alone, c applies its own update at once");
    net.join(D);
    net.advance(1000);
    let first_state = events(&net, D).into_iter().find_map(|e| match e {
        Event::SessionStateUpdated(state) => Some(state.to_json()),
        _ => None,
    });
    assert_eq!(first_state.as_deref(), Some(r#"{"a":1,"a2":2,"c":1,"d":1}"#), "d's join brings the room's state");
}

#[test]
fn user_data_is_delayed_but_the_last_change_arrives() {
    let config = NodeConfig { user_data_delay_ms: 200, ..config() };
    let mut net = three(STEADY, &config);
    for i in 0..5 {
        let data = format!(r#"{{"i":{i}}}"#);
        net.try_apply(A, |n, now| n.set_user_data(now, Some(&data))).unwrap();
        net.advance(30);
    }
    net.advance(1000);
    let updates_of = |net: &SimNetwork, i: usize, id: &str| -> Vec<Option<Json>> {
        let of = |e: Event| match e {
            Event::ParticipantUpdated(p) if p.session_id == id => Some(p.user_data),
            _ => None,
        };
        events(net, i).into_iter().filter_map(of).collect()
    };
    assert_eq!(updates_of(&net, A, "a").len(), 5, "the local participant sees each change at once");
    for i in [B, C] {
        assert_eq!(updates_of(&net, i, "a"), [Some(json(r#"{"i":4}"#))], "one send for the burst");
    }
    net.try_apply(A, |n, now| n.set_user_data(now, None)).unwrap();
    net.advance(500);
    assert_eq!(net.node(B).unwrap().participants().get("a").unwrap().user_data, None);
}

#[test]
fn the_last_update_of_a_writer_wins_despite_reordering() {
    let jittery = Link { latency_ms: 5, jitter_ms: 200, drop_rate: 0.0 };
    let mut net = three(jittery, &config());
    for i in 0..30 {
        set(&mut net, B, &format!(r#"{{"n":{i}}}"#), Strategy::Replace);
        let data = format!(r#"{{"u":{i}}}"#);
        net.try_apply(C, |n, now| n.set_user_data(now, Some(&data))).unwrap();
        net.advance(10);
    }
    net.advance(3000);
    for i in [A, B, C] {
        assert_eq!(state(&net, i), r#"{"n":29}"#);
    }
    for i in [A, B] {
        assert_eq!(net.node(i).unwrap().participants().get("c").unwrap().user_data, Some(json(r#"{"u":29}"#)));
    }
}

#[test]
fn an_in_page_bus_joins_at_the_first_tick() {
    let config = NodeConfig { join_window_ms: 0, ..config() };
    let mut net = SimNetwork::new(1, Link::INSTANT);
    net.add(node("a", &config));
    net.add(node("b", &config));
    net.join(A);
    net.advance(0);
    assert!(matches!(events(&net, A).as_slice(), [Event::JoinedMeeting(_), Event::SessionStateUpdated(_)]));
    net.advance(10);
    net.join(B);
    net.advance(0);
    assert!(matches!(&events(&net, B)[..2], [Event::JoinedMeeting(_), Event::ParticipantJoined(a)] if a.session_id == "a"));
    assert!(matches!(events(&net, A).last(), Some(Event::ParticipantJoined(p)) if p.session_id == "b"));
}

#[test]
fn garbage_is_counted_and_ignored() {
    let mut n = node("a", &NodeConfig { join_window_ms: 0, ..config() });
    n.join(0);
    n.tick(0);
    let info = r#"{"user_name":"Z","user_id":"z","owner":false,"joined_at":1,"rev":1}"#;
    let msg = |from: &str, kind: &str, body: &str| {
        format!(
            r#"{{"v":1,"room":"test","from":"{from}","type":"{kind}"{}}}"#,
            if body.is_empty() { String::new() } else { format!(r#","body":{body}"#) }
        )
    };
    let long_id = "i".repeat(MAX_ID_LEN + 1);
    let big_user_data = format!(
        r#"{{"participant":{{"user_name":"Z","user_id":"z","owner":false,"joined_at":1,"rev":1,"userData":"{}"}}}}"#,
        "x".repeat(5000)
    );
    let many: Vec<String> = (0..=MAX_PARTICIPANTS).map(|i| format!("\"{i}\"")).collect();
    let bad = [
        String::new(),
        "nope".into(),
        "[]".into(),
        "{}".into(),
        "null".into(),
        r#"{"v":2,"room":"test","from":"z","type":"leave"}"#.into(),
        r#"{"v":1,"room":"other","from":"z","type":"leave"}"#.into(),
        r#"{"v":1,"room":"test","type":"leave"}"#.into(),
        r#"{"v":"1","room":"test","from":"z","type":"leave"}"#.into(),
        msg("", "leave", ""),
        msg("local", "leave", ""),
        msg("*", "leave", ""),
        msg(&long_id, "leave", ""),
        msg("z", "shiny", "{}"),
        msg("z", "hello", ""),
        msg("z", "hello", r#"{"participant":{}}"#),
        msg("z", "presence", &format!(r#"{{"participant":{info},"session":{{"version":1,"data":[1]}}}}"#)),
        msg("z", "presence", &big_user_data),
        msg("z", "app", ""),
        msg("z", "session-update", r#"{"seq":1,"strategy":"upsert","data":{}}"#),
        msg("z", "session-update", r#"{"seq":1,"strategy":"replace","data":[1]}"#),
        msg("z", "session-update", r#"{"seq":-1,"strategy":"replace","data":{}}"#),
        msg("z", "nonfatal-error", ""),
        format!(r#"{{"v":1,"room":"test","from":"z","to":[{}],"type":"leave"}}"#, many.join(",")),
        format!("{}x", msg("z", "leave", "")),
        "x".repeat(MAX_WIRE_LEN + 1),
    ];
    for text in &bad {
        assert!(n.receive(5, text).is_empty(), "{text:.80}");
    }
    assert_eq!(n.dropped(), bad.len() as u64);
    // Deep but valid JSON is carried as text, never walked recursively.
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    assert!(matches!(n.receive(5, &msg("z", "app", &deep)).as_slice(), [Output::Emit(Event::AppMessage { .. })]));
    // Not malformed, just not ours: our own echo, and a message for someone else.
    assert!(n.receive(5, &msg("a", "app", "1")).is_empty());
    assert!(n.receive(5, r#"{"v":1,"room":"test","from":"z","to":["y"],"type":"app","body":1}"#).is_empty());
    assert_eq!(n.dropped(), bad.len() as u64);
    assert_eq!(n.participants().len(), 1);
    assert_eq!(n.meeting_session_state().to_json(), "{}");

    // A flood of made-up participants is bounded.
    for i in 0..MAX_PARTICIPANTS + 100 {
        n.receive(6, &msg(&format!("p{i}"), "hello", &format!(r#"{{"participant":{info}}}"#)));
    }
    assert_eq!(n.participants().len(), MAX_PARTICIPANTS);
    assert_eq!(n.dropped(), bad.len() as u64 + 101);
}

mod convergence;
