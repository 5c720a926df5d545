//! The Rust constants against conformance/constants.json, the one list both implementations are
//! checked against (the JS side: tests/page/conformance.test.mjs). The file is read at test time:
//! it ships in the repository, not in the crate.

use serde_json::Value;

fn constants() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/conformance/constants.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"))
}

fn number(table: &Value, name: &str) -> u64 {
    table[name].as_u64().unwrap_or_else(|| panic!("constants.json has no number {name}"))
}

#[test]
fn the_rust_constants_are_the_shared_ones() {
    let table = constants();
    assert_eq!(number(&table, "appMessageLimit"), crate::payload::APP_MESSAGE_LIMIT as u64);
    assert_eq!(number(&table, "userDataLimit"), crate::payload::USER_DATA_LIMIT as u64);
    assert_eq!(number(&table, "sessionDataLimit"), crate::payload::SESSION_DATA_LIMIT as u64);
    assert_eq!(number(&table, "streamBuffer"), crate::events::STREAM_BUFFER as u64);
    assert_eq!(number(&table, "minSessionDataIntervalMs"), crate::sync::MIN_SESSION_DATA_INTERVAL_MS);
    assert_eq!(
        number(&table, "defaultSessionDataIntervalMs"),
        crate::sync::SyncOptions::default().session_data_interval_ms
    );
    assert_eq!(number(&table, "maxHeldBeforeJoin"), crate::held::MAX_HELD as u64);
    assert_eq!(table["chunkMarker"], crate::payload::CHUNK_MARKER);
    let methods: Vec<&str> =
        table["callObjectMethods"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    assert_eq!(methods, crate::sys::REQUIRED_METHODS);
}
