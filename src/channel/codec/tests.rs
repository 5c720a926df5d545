//! The codec's tests; `wire` and `text` serve the reassembler's tests too.

/// Test helpers shared with the reassembler's tests: reading a chunk's JSON text as the glue
/// reads the parsed object.
pub(crate) mod wire {
    use super::*;
    use serde_json::Value;

    /// The fields of a chunk's JSON text, as the glue would read them with `Reflect`.
    pub(crate) fn fields(text: &str) -> Fields<Value> {
        let value: Value = serde_json::from_str(text).expect("a chunk is JSON");
        Fields::from_json(&value).expect("a chunk is an object")
    }

    /// A chunk's JSON text, parsed.
    pub(crate) fn chunk(text: &str) -> Chunk<Value> {
        fields(text).parse().expect("a well-formed chunk")
    }

    /// The message back from its chunks' JSON texts (in any order): its JSON text.
    pub(crate) fn decode(texts: &[String]) -> String {
        let mut chunks: Vec<Chunk<Value>> = texts.iter().map(|t| chunk(t)).collect();
        chunks.sort_by_key(|c| c.index);
        let mut out = String::new();
        for c in chunks {
            match c.piece {
                Piece::Whole(v) => out.push_str(&serde_json::to_string(&v).unwrap()),
                Piece::Text(p) => push_decoded(&mut out, &p),
            }
        }
        out
    }
}

use wire::{chunk, decode, fields};
use super::*;
use proptest::prelude::*;
use serde_json::{json, Value};

const MIB: usize = 1 << 20;

fn limits(limit: usize) -> Limits {
    Limits { limit, ..Limits::default() }
}

/// The chunk's length as daily-js measures it: `JSON.stringify` of the parsed object, for
/// which serde_json writes the same text (strings and integers only).
fn measured(text: &str) -> usize {
    let reserialized = serde_json::to_string(&serde_json::from_str::<Value>(text).unwrap()).unwrap();
    assert_eq!(utf16_len(&reserialized), utf16_len(text), "the chunk is written as JSON.stringify writes it");
    utf16_len(text)
}

/// The UTF-16 units of the message's text that a cut chunk carries.
fn payload(text: &str) -> usize {
    match chunk(text).piece {
        Piece::Text(p) => utf16_len(&p),
        Piece::Whole(_) => panic!("not a cut chunk"),
    }
}

/// A typical message: an array of objects of strings and numbers, some strings with an
/// apostrophe, a quote or a newline.
fn typical(size: usize) -> String {
    let mut text = String::from("[");
    let mut i = 0u64;
    while text.len() < size {
        let item = json!({
            "id": i,
            "user": format!("user-{}", i % 97),
            "text": match i % 10 {
                0 => "it's a \"quoted\" word\nand a new line".to_string(),
                1 => "Grüße, ça va? 😀".to_string(),
                _ => format!("message number {i} in the typical chat stream"),
            },
            "at": 1_700_000_000_000u64 + i * 1234,
            "score": (i as f64) * 0.25,
        });
        if i > 0 {
            text.push(',');
        }
        text.push_str(&serde_json::to_string(&item).unwrap());
        i += 1;
    }
    text.push(']');
    text
}

/// The least and the mean share of payload in the full chunks (all but the last), each
/// checked to be within the limit.
fn efficiency(chunks: &[String]) -> (f64, f64) {
    let full = &chunks[..chunks.len() - 1];
    let ratios: Vec<f64> = full
        .iter()
        .map(|c| {
            let len = measured(c);
            assert!(len <= 4096);
            payload(c) as f64 / len as f64
        })
        .collect();
    let min = ratios.iter().cloned().fold(1.0, f64::min);
    (min, ratios.iter().sum::<f64>() / ratios.len() as f64)
}

#[test]
fn the_wire_format() {
    let whole = encode("chat", 5, r#"{"text":"hi","n":1}"#, Limits::default()).unwrap();
    assert_eq!(whole, [r#"{"$ds":1,"c":"chat","s":5,"v":{"text":"hi","n":1}}"#]);
    let text = format!(r#"{{"text":"{}","it's":"a\\b"}}"#, "x".repeat(600));
    let cut = encode("chat", 6, &text, limits(512)).unwrap();
    assert_eq!(cut.len(), 2);
    assert!(cut[0].starts_with(r#"{"$ds":1,"c":"chat","s":6,"i":0,"n":2,"p":"{'text':'xxx"#), "{}", cut[0]);
    assert!(cut[1].starts_with(r#"{"$ds":1,"c":"chat","s":6,"i":1,"n":2,"p":"xxx"#), "{}", cut[1]);
    assert!(cut[1].ends_with(r#"xxx','it\"s':'a\\\\b'}"}"#), "{}", cut[1]);
    assert_eq!(measured(&cut[0]), 512, "the first chunk is filled to the limit");
    assert_eq!(decode(&cut), text);
    let escaped = encode("a\"b\\é😀", 0, "1", Limits::default()).unwrap();
    assert_eq!(escaped, [r#"{"$ds":1,"c":"a\"b\\é😀","s":0,"v":1}"#]);
    assert_eq!(chunk(&escaped[0]).channel, "a\"b\\é😀");
}

#[test]
fn a_message_is_whole_exactly_when_its_envelope_fits() {
    let head = r#"{"$ds":1,"c":"c","s":0,"v":""#.len() + 2; // and `"}`
    let fits = format!("\"{}\"", "y".repeat(4096 - head));
    let whole = encode("c", 0, &fits, Limits::default()).unwrap();
    assert_eq!(whole.len(), 1);
    assert_eq!(measured(&whole[0]), 4096);
    let over = format!("\"{}\"", "y".repeat(4097 - head));
    let cut = encode("c", 0, &over, Limits::default()).unwrap();
    assert_eq!(cut.len(), 2);
    assert_eq!(decode(&cut), over);
}

#[test]
fn bad_arguments_are_refused() {
    let kind = |r: Result<Vec<String>, Error>| r.unwrap_err().kind();
    assert_eq!(kind(encode("", 0, "1", Limits::default())), "invalid-argument");
    assert_eq!(kind(encode(&"c".repeat(65), 0, "1", Limits::default())), "invalid-argument");
    assert!(encode(&"c".repeat(64), 0, "1", Limits::default()).is_ok());
    assert_eq!(kind(encode(&"😀".repeat(33), 0, "1", Limits::default())), "invalid-argument");
    assert_eq!(kind(encode("a\nb", 0, "1", Limits::default())), "invalid-argument");
    assert_eq!(kind(encode("c", MAX_SAFE_INTEGER + 1, "1", Limits::default())), "invalid-argument");
    assert!(encode("c", MAX_SAFE_INTEGER, "1", Limits::default()).is_ok());
    assert_eq!(kind(encode("c", 0, "1", limits(511))), "invalid-argument");
    assert_eq!(kind(encode("c", 0, "", Limits::default())), "invalid-argument");
    let big = "1".repeat(MIB + 1);
    match encode("c", 0, &big, Limits::default()) {
        Err(Error::PayloadTooLarge { size, limit }) => assert_eq!((size, limit), (MIB + 1, MIB)),
        other => panic!("unexpected {other:?}"),
    }
    let small = Limits { limit: 4096, max_size: 10 };
    assert!(encode("c", 0, "\"12345678\"", small).is_ok());
    assert!(matches!(encode("c", 0, "\"123456789\"", small), Err(Error::PayloadTooLarge { size: 11, limit: 10 })));
}

#[test]
fn a_mebibyte_of_typical_json_is_cut_efficiently() {
    let text = typical(MIB - 200);
    let size = utf16_len(&text);
    assert!(size <= MIB);
    let chunks = encode("chat", 123_456, &text, Limits::default()).unwrap();
    let most = (MIB.div_ceil(4096) as f64 * 1.05) as usize;
    assert!(chunks.len() <= most, "{} chunks, at most {most}", chunks.len());
    assert!(measured(chunks.last().unwrap()) <= 4096);
    let (min, mean) = efficiency(&chunks);
    println!(
        "typical JSON: {size} characters in {} chunks; full chunks carry {:.2}% (min) {:.2}% (mean) payload",
        chunks.len(),
        min * 100.0,
        mean * 100.0
    );
    assert!(min >= 0.95, "a full chunk carries only {:.2}%", min * 100.0);
    assert_eq!(decode(&chunks), text);
    // The same text with no apostrophes or escapes at all: the header is the only cost.
    let plain = format!("\"{}\"", "a".repeat(MIB - 2));
    let chunks = encode("chat", 123_456, &plain, Limits::default()).unwrap();
    let (min, _) = efficiency(&chunks);
    println!("1 MiB of plain text: {} chunks, full chunks {:.2}% payload", chunks.len(), min * 100.0);
    assert!(chunks.len() <= most);
}

#[test]
fn the_worst_case_stays_within_the_receivers_cap() {
    // Every character costs two, with the longest channel (every unit costing two) and seq.
    let channel = "\"".repeat(MAX_CHANNEL_LEN);
    for limit in [MIN_LIMIT, 777, 4096] {
        let limits = Limits { limit, max_size: 20_000 };
        for (fill, direct) in ["\\", "'", "\n", "😀", "é"].into_iter().flat_map(|f| [(f, false), (f, true)]) {
            let text: String = fill.repeat(limits.max_size / utf16_len(fill));
            let chunks = encode_on(&channel, direct, MAX_SAFE_INTEGER, &text, limits).unwrap();
            assert!(chunks.len() <= limits.max_chunks() as usize, "{limit} {fill:?}: {}", chunks.len());
            assert!(chunks.iter().all(|c| measured(c) <= limit));
            assert_eq!(decode(&chunks), text);
        }
    }
    let text = "\\".repeat(MIB);
    let chunks = encode("chat", 7, &text, Limits::default()).unwrap();
    let (min, _) = efficiency(&chunks[..50]);
    println!("worst case (1 MiB of backslashes): {} chunks, full chunks {:.2}% payload", chunks.len(), min * 100.0);
    assert!(chunks.len() <= Limits::default().max_chunks() as usize);
    // The cap leaves room for the longest header, a direct message's `"d":1` included.
    assert_eq!(Limits::default().max_chunks(), 540);
}

#[test]
fn raw_control_characters_are_escaped_and_refused_when_over_the_cap() {
    let limits = Limits { limit: 512, max_size: 3000 };
    let text = "a\u{1}b\u{1f}".repeat(200);
    let chunks = encode("c", 0, &text, Limits { limit: 512, ..limits }).unwrap();
    assert_eq!(decode(&chunks), text);
    let many = "\u{1}".repeat(3000);
    assert_eq!(encode("c", 0, &many, limits).unwrap_err().kind(), "invalid-argument");
}

#[test]
fn fields_are_parsed_strictly() {
    let good = fields(r#"{"$ds":1,"c":"x","s":3,"i":1,"n":2,"p":"ab"}"#).parse().unwrap();
    assert_eq!((good.channel.as_str(), good.seq, good.index, good.count), ("x", 3, 1, 2));
    assert_eq!(good.piece, Piece::Text("ab".into()));
    let whole = fields(r#"{"$ds":1,"c":"x","s":0,"v":null}"#).parse().unwrap();
    assert_eq!((whole.index, whole.count, whole.piece), (0, 1, Piece::Whole(Value::Null)));
    for bad in [
        r#"{"c":"x","s":0,"v":1}"#,
        r#"{"$ds":2,"c":"x","s":0,"v":1}"#,
        r#"{"$ds":"1","c":"x","s":0,"v":1}"#,
        r#"{"$ds":1,"c":7,"s":0,"v":1}"#,
        r#"{"$ds":1,"c":"x","v":1}"#,
        r#"{"$ds":1,"c":"x","s":-1,"v":1}"#,
        r#"{"$ds":1,"c":"x","s":1.5,"v":1}"#,
        r#"{"$ds":1,"c":"x","s":9007199254740992,"v":1}"#,
        r#"{"$ds":1,"c":"x","s":"1","v":1}"#,
        r#"{"$ds":1,"c":"x","s":0}"#,
        r#"{"$ds":1,"c":"x","s":0,"v":1,"p":"a","i":0,"n":2}"#,
        r#"{"$ds":1,"c":"x","s":0,"v":1,"i":0,"n":1}"#,
        r#"{"$ds":1,"c":"x","s":0,"i":0,"p":"a"}"#,
        r#"{"$ds":1,"c":"x","s":0,"n":2,"p":"a"}"#,
        r#"{"$ds":1,"c":"x","s":0,"i":0,"n":4294967296,"p":"a"}"#,
        r#"{"$ds":1,"c":"x","s":0,"i":0,"n":2,"p":5}"#,
    ] {
        assert!(fields(bad).parse().is_none(), "{bad}");
    }
}

#[test]
fn chunks_are_validated() {
    let limits = Limits::default();
    let ok = Chunk { channel: "c".to_string(), direct: false, seq: 0, index: 1, count: 2, piece: Piece::<()>::Text("a".into()) };
    assert!(ok.validate(&limits).is_ok());
    let with = |f: &dyn Fn(&mut Chunk<()>)| {
        let mut c = ok.clone();
        f(&mut c);
        c.validate(&limits)
    };
    assert!(with(&|c| c.channel = String::new()).is_err());
    assert!(with(&|c| c.channel = "c".repeat(65)).is_err());
    assert!(with(&|c| c.channel = "\u{0}".into()).is_err());
    assert!(with(&|c| c.seq = MAX_SAFE_INTEGER + 1).is_err());
    assert!(with(&|c| c.seq = MAX_SAFE_INTEGER).is_ok());
    assert!(with(&|c| c.index = 2).is_err());
    assert!(with(&|c| c.count = 0).is_err());
    assert!(with(&|c| c.count = limits.max_chunks()).is_ok());
    assert!(with(&|c| c.count = limits.max_chunks() + 1).is_err());
    assert!(with(&|c| (c.index, c.count) = (0, 1)).is_err(), "a piece in a single-chunk message");
    assert!(with(&|c| c.piece = Piece::Text(String::new())).is_err());
    assert!(with(&|c| c.piece = Piece::Whole(())).is_err(), "a whole message claiming two chunks");
    assert!(with(&|c| (c.index, c.count, c.piece) = (0, 1, Piece::Whole(()))).is_ok());
}

#[test]
fn helpers_match_javascript() {
    for c in ['a', '"', '\'', '\\', '\n', '\u{1}', '\u{1f}', '\u{7f}', 'é', '😀', '\u{2028}'] {
        let mut s = String::new();
        push_escaped(&mut s, c);
        let js = serde_json::to_string(&c.to_string()).unwrap();
        assert_eq!(format!("\"{s}\""), js);
        assert_eq!(utf16_len(&s), escaped_len(c));
    }
    for n in [0, 9, 10, 99, 100, 12345, MAX_SAFE_INTEGER, u64::MAX] {
        let mut s = String::new();
        push_decimal(&mut s, n);
        assert_eq!(s, n.to_string());
        assert_eq!(decimal_len(n), s.len());
    }
}

/// Any text (quotes, backslashes, apostrophes, control, non-ASCII and astral characters).
pub(crate) fn text(len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    const SPECIAL: [char; 7] = ['"', '\'', '\\', '\n', '\u{1}', 'é', '😀'];
    let one = (0..10usize, any::<char>()).prop_map(|(pick, any)| match pick {
        0..=6 => SPECIAL[pick],
        7 => any,
        _ => char::from(b'a' + (any as u32 % 26) as u8),
    });
    prop::collection::vec(one, len).prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #[test]
    fn any_text_survives_cutting(text in text(0..1500), limit in 512usize..1200, seq in 0..=MAX_SAFE_INTEGER) {
        let limits = Limits { limit, max_size: 20_000 };
        // As a JSON string (the whole path: whole or cut), and as raw text, cut.
        let json_text = serde_json::to_string(&text).unwrap();
        let chunks = encode("ch", seq, &json_text, limits).unwrap();
        prop_assert_eq!(decode(&chunks), json_text);
        for raw in [&text, &format!("{text}{}", "z".repeat(limit))].into_iter().filter(|raw| !raw.is_empty()) {
            let chunks = encode("ch", seq, raw, limits).unwrap();
            if chunks.len() > 1 {
                prop_assert_eq!(&decode(&chunks), raw);
            }
        }
        for c in &chunks {
            prop_assert!(measured(c) <= limit);
            let parsed = chunk(c);
            prop_assert!(parsed.validate(&limits).is_ok());
            prop_assert_eq!(parsed.seq, seq);
        }
        if chunks.len() > 1 {
            for c in &chunks[..chunks.len() - 1] {
                prop_assert!(measured(c) + 6 > limit, "a full chunk is filled");
            }
        }
    }
}
