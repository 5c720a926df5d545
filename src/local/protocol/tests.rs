//! The wire protocol's tests.
use super::*;
use crate::payload::Strategy;

fn json(text: &str) -> Json {
    Json::parse(text).unwrap()
}

#[test]
fn json_is_kept_as_written_and_measured_in_utf16() {
    let j = json(r#" {"a":"é😀"} "#);
    assert_eq!(j.as_str(), r#"{"a":"é😀"}"#);
    assert_eq!(j.utf16_len(), 11);
    assert!(j.is_object());
    assert!(!json("[1]").is_object());
    assert!(Json::parse("{").is_err());
    assert!(Json::parse("").is_err());
}

#[test]
fn session_data_keeps_insertion_order_and_js_duplicate_rule() {
    let d = SessionData::parse(r#"{"b":1,"a":{"x":[1]},"b":2,"q\"":"\n"}"#).unwrap();
    assert_eq!(d.to_json(), r#"{"b":2,"a":{"x":[1]},"q\"":"\n"}"#);
    assert_eq!(d.utf16_len(), d.to_json().encode_utf16().count());
    assert!(SessionData::parse("[1]").is_err());
    assert!(SessionData::parse("null").is_err());
    assert_eq!(SessionData::parse(&d.to_json()).unwrap(), d);
    let weird = SessionData::from_entries([("\u{1}é".to_owned(), json("1"))]);
    assert_eq!(weird.to_json(), "{\"\\u0001é\":1}");
    assert_eq!(weird.utf16_len(), weird.to_json().encode_utf16().count());
}

#[test]
fn shallow_merge_replaces_top_level_keys_and_deletes() {
    let d = SessionData::parse(r#"{"a":1,"n":{"x":1,"y":2},"z":0}"#).unwrap();
    let patch = [
        ("n".to_owned(), Some(json(r#"{"x":9}"#))),
        ("a".to_owned(), None),
        ("new".to_owned(), Some(json("true"))),
        ("a".to_owned(), Some(json("3"))),
    ];
    assert_eq!(d.merged(&patch).to_json(), r#"{"a":3,"n":{"x":9},"z":0,"new":true}"#);
    assert_eq!(d.merged(&[("z".to_owned(), None)]).to_json(), r#"{"a":1,"n":{"x":1,"y":2}}"#);
    assert_eq!(d.merged(&[]), d);
}

#[test]
fn relay_helpers_build_and_read_messages() {
    let leave = leave_message("demo", "s-b");
    assert_eq!(leave, r#"{"v":1,"room":"demo","from":"s-b","type":"leave"}"#);
    let h = parse_header(&leave).unwrap();
    assert_eq!((h.room.as_str(), h.from.as_str(), h.kind, h.to), ("demo", "s-b", Kind::Leave, None));

    let app = app_message("demo", "server", &json(r#"{"n":1}"#), &Recipient::One("s-c".into()));
    assert_eq!(app, r#"{"v":1,"room":"demo","from":"server","to":["s-c"],"type":"app","body":{"n":1}}"#);
    let h = parse_header(&app).unwrap();
    assert!(h.is_for("s-c") && !h.is_for("s-a"));
    let all = app_message("demo", "server", &json("1"), &Recipient::All);
    assert!(parse_header(&all).unwrap().is_for("anyone"));

    // A relay routes kinds it does not know, and skips bodies it does not read.
    let future = r#"{"body":{"x":[1,2]},"type":"shiny","from":"s","room":"r","v":1}"#;
    assert_eq!(parse_header(future).unwrap().kind, Kind::Other);
    for bad in ["", "[]", "{}", r#"{"v":2,"room":"r","from":"s","type":"leave"}"#, r#"{"v":1,"room":"r"}"#] {
        assert!(parse_header(bad).is_none(), "{bad}");
    }
}

#[test]
fn bodies_round_trip_with_their_documented_names() {
    let body = SessionUpdateBody {
        seq: 2,
        first: 2,
        strategy: Strategy::ShallowMerge,
        data: SessionData::parse(r#"{"topic":"q&a"}"#).unwrap(),
        deleted: vec!["poll".into()],
    };
    let text = encode("demo", "s-c", Some(vec!["s-a".into()]), Kind::SessionUpdate, Some(&body));
    assert_eq!(
        text,
        r#"{"v":1,"room":"demo","from":"s-c","to":["s-a"],"type":"session-update","body":{"seq":2,"first":2,"strategy":"shallow-merge","data":{"topic":"q&a"},"deleted":["poll"]}}"#
    );
    let wire = Wire::<Json>::decode(&text).unwrap();
    let back: SessionUpdateBody = parse_body(wire.body.unwrap().as_str()).unwrap();
    assert_eq!(back, body);
    assert!(parse_body::<SessionUpdateBody>(r#"{"seq":1,"strategy":"upsert","data":{}}"#).is_err());
    assert!(parse_body::<SessionUpdateBody>(r#"{"seq":1,"strategy":"replace"}"#).is_err());
    let lenient = r#"{"deleted":null,"later":{"x":[1]},"data":{},"strategy":"replace","seq":1}"#;
    assert_eq!(parse_body::<SessionUpdateBody>(lenient).unwrap().deleted, Vec::<String>::new());
}

#[test]
fn the_documented_examples_round_trip() {
    fn round_trip<B: Body>(text: &str) {
        let wire = Wire::<Json>::decode(text).unwrap();
        assert_eq!(wire.encode(), text);
        let body: Option<B> = wire.body.as_ref().map(|b| parse_body(b.as_str()).unwrap());
        assert_eq!(encode(&wire.room, &wire.from, wire.to.clone(), wire.kind, body.as_ref()), text);
    }
    round_trip::<PresenceBody>(
        r#"{"v":1,"room":"demo","from":"s-b","type":"hello","body":{"participant":{"user_name":"Bo","user_id":"s-b","owner":false,"joined_at":1000,"userData":{"hand":true},"rev":1}}}"#,
    );
    round_trip::<PresenceBody>(
        r#"{"v":1,"room":"demo","from":"s-a","to":["s-b"],"type":"presence","body":{"participant":{"user_name":"Al","user_id":"s-a","owner":true,"joined_at":0,"rev":1},"session":{"version":3,"data":{"topic":"intro"}}}}"#,
    );
    round_trip::<Json>(r#"{"v":1,"room":"demo","from":"s-b","type":"leave"}"#);
    round_trip::<Json>(r#"{"v":1,"room":"demo","from":"s-a","to":["s-c"],"type":"app","body":{"emoji":"🎉"}}"#);
    round_trip::<SessionUpdateBody>(
        r#"{"v":1,"room":"demo","from":"s-c","to":["s-a"],"type":"session-update","body":{"seq":2,"first":2,"strategy":"shallow-merge","data":{"topic":"q&a"},"deleted":["poll"]}}"#,
    );
    round_trip::<NonfatalBody>(
        r#"{"v":1,"room":"demo","from":"s-a","to":["s-c"],"type":"nonfatal-error","body":{"type":"meeting-session-data-error","error_msg":"Meeting session data is too large (102410 characters). Maximum size suppported is 102400."}}"#,
    );
}
