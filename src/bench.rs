//! Benchmark entry points for the Rust API, compiled only with the `bench` feature (never in the
//! npm package). `npm run bench` builds them into `bench/pkg/` and drives them from
//! `bench/bench-page.js`, against the same call object (a stub of daily-js's) as the JS API, so the
//! two can be compared in one run. See BENCHMARKS.md.

use std::future::poll_fn;
use std::pin::Pin;

use futures_core::Stream;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::{DailySync, Recipient};

/// A point of a stroke.
#[derive(Debug, Clone, Serialize)]
struct Point {
    x: f64,
    y: f64,
}

/// A pen stroke on a shared whiteboard.
#[derive(Debug, Clone, Serialize)]
struct Stroke {
    id: u32,
    color: String,
    width: f64,
    closed: bool,
    points: Vec<Point>,
}

/// The benchmark's typed app message: a batch of whiteboard strokes, about 1 KB of JSON.
#[derive(Debug, Clone, Serialize)]
struct Batch {
    kind: String,
    seq: u32,
    author: String,
    strokes: Vec<Stroke>,
}

fn batch() -> Batch {
    let strokes = (0..4u32)
        .map(|s| Stroke {
            id: 1000 + s,
            color: ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"][s as usize].to_owned(),
            width: 2.5,
            closed: s % 2 == 0,
            points: (0..7u32)
                .map(|p| Point { x: f64::from(100 + 13 * p + s) + 0.25, y: f64::from(200 + 7 * p + 3 * s) + 0.5 })
                .collect(),
        })
        .collect();
    Batch {
        kind: "whiteboard-strokes".to_owned(),
        seq: 42,
        author: "3f2b8c1e-5d7a-4b9e-8c6f-0a1b2c3d4e5f".to_owned(),
        strokes,
    }
}

/// The benchmark's 1 KB struct as the JS API's user would write it: the same value, made by the
/// same serializer the typed send uses, so both sides send the equivalent object.
#[wasm_bindgen(js_name = benchRustPayload)]
pub fn bench_rust_payload() -> Result<JsValue, JsValue> {
    Ok(crate::convert::to_js(&batch())?)
}

/// Sends the 1 KB struct `n` times to everyone with the typed `DailySync::send_app_message`
/// (serialized on each send, as an app would). Returns `n`.
#[wasm_bindgen(js_name = benchRustSend)]
pub fn bench_rust_send(call: JsValue, n: u32) -> Result<u32, JsValue> {
    let sync = DailySync::new(call)?;
    let batch = batch();
    for _ in 0..n {
        sync.send_app_message(&batch, Recipient::All)?;
    }
    Ok(n)
}

/// Subscribes to `app-message` on `call` through `DailySync::app_messages::<serde_json::Value>()`
/// (before returning, so no event emitted afterwards is missed) and consumes `n` messages; the
/// promise resolves with the sum of their `data.n` (a checksum the page verifies) or rejects if one
/// did not decode.
#[wasm_bindgen(js_name = benchRustStream)]
pub fn bench_rust_stream(call: JsValue, n: u32) -> Result<js_sys::Promise, JsValue> {
    let sync = DailySync::new(call)?;
    let stream = sync.app_messages::<serde_json::Value>()?;
    Ok(sum_of(stream, n, move |message| {
        let _alive = &sync; // the DailySync lives while its stream is read, as an app's does
        Ok(message.map_err(rejected)?.data.get("n").and_then(serde_json::Value::as_f64).unwrap_or(0.0))
    }))
}

/// Resolves with the sum of `value` of the first `n` items of `stream` (fewer if it ends), or
/// rejects with the first error of `value`.
fn sum_of<S: Stream + Unpin + 'static>(
    mut stream: S,
    n: u32,
    mut value: impl FnMut(S::Item) -> Result<f64, JsValue> + 'static,
) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        let mut sum = 0.0;
        for _ in 0..n {
            let Some(item) = poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await else { break };
            sum += value(item)?;
        }
        Ok(JsValue::from_f64(sum))
    })
}

/// A message that did not decode, as the page sees it.
fn rejected(error: crate::messages::DecodeError) -> JsValue {
    JsValue::from_str(&error.to_string())
}

/// Where the Rust Stream's time goes (bench/bench-page.js, "breakdown"): the same `n` app messages
/// consumed by `how`:
/// - `"events"`: the raw `EventStream` (the fan-out, the buffer, the waker), nothing decoded;
/// - `"typed"`: `app_messages::<Reaction>()`, a struct instead of `serde_json::Value`;
/// - `"json"`: the raw stream, with `data` decoded by one `JSON.stringify` and `serde_json`;
/// - `"cached"`: the raw stream, decoded as `AppMessages<serde_json::Value>` decodes (`fromId` as a
///   `String`, `data` by serde-wasm-bindgen) but with the key strings made once, not per message;
/// - `"closure"`: no DailySync: what a Rust developer writes by hand (see [`hand_written`]).
///
/// Resolves with the sum of `data.n`, as `benchRustStream` does.
#[wasm_bindgen(js_name = benchRustStreamBreakdown)]
pub fn bench_rust_stream_breakdown(call: JsValue, n: u32, how: String) -> Result<js_sys::Promise, JsValue> {
    let sync = DailySync::new(call)?;
    // Keys made once (a JsValue::from_str per lookup costs a UTF-8 decode each time).
    let (data_key, n_key, from_key) = (JsValue::from_str("data"), JsValue::from_str("n"), JsValue::from_str("fromId"));
    let get = |object: &JsValue, key: &JsValue| js_sys::Reflect::get(object, key).unwrap_or(JsValue::UNDEFINED);
    let events = || crate::events::EventStream::new(sync.call(), "app-message");
    match how.as_str() {
        "events" => {
            Ok(sum_of(events()?, n, move |payload| Ok(get(&get(&payload, &data_key), &n_key).as_f64().unwrap_or(0.0))))
        }
        "typed" => Ok(sum_of(sync.app_messages::<Reaction>()?, n, |message| Ok(message.map_err(rejected)?.data.n))),
        "json" => Ok(sum_of(events()?, n, move |payload| {
            let text = js_sys::JSON::stringify(&get(&payload, &data_key))?;
            let value: serde_json::Value =
                serde_json::from_str(&String::from(text)).map_err(|error| JsValue::from_str(&error.to_string()))?;
            Ok(value.get("n").and_then(serde_json::Value::as_f64).unwrap_or(0.0))
        })),
        "cached" => Ok(sum_of(events()?, n, move |payload| {
            let from_id = get(&payload, &from_key).as_string().ok_or("no fromId")?;
            let data: serde_json::Value = serde_wasm_bindgen::from_value(get(&payload, &data_key))?;
            drop(from_id);
            Ok(data.get("n").and_then(serde_json::Value::as_f64).unwrap_or(0.0))
        })),
        "closure" => {
            // What a Rust developer writes by hand: a Closure on the call object's `app-message`,
            // and serde_wasm_bindgen::from_value of `data` into the struct.
            let call = sync.call().clone();
            drop(sync);
            Ok(hand_written(call, n))
        }
        other => Err(JsValue::from_str(&format!("no breakdown named {other}"))),
    }
}

/// The reaction the typed benchmarks decode.
#[derive(serde::Deserialize)]
struct Reaction {
    #[allow(dead_code)]
    kind: String,
    #[allow(dead_code)]
    emoji: String,
    n: f64,
}

type Listener = Closure<dyn FnMut(JsValue)>;

/// A hand-written consumer: a `Closure` on `app-message` decoding `data` as a [`Reaction`] with
/// serde_wasm_bindgen; resolves with the sum of `data.n` of `n` messages, then removes itself.
fn hand_written(call: crate::sys::CallObject, n: u32) -> js_sys::Promise {
    use std::cell::RefCell;
    use std::rc::Rc;
    js_sys::Promise::new(&mut |resolve, reject| {
        let listener: Rc<RefCell<Option<Listener>>> = Rc::default();
        let (count, sum) = (Rc::new(std::cell::Cell::new(0u32)), Rc::new(std::cell::Cell::new(0.0)));
        let (data_key, me) = (JsValue::from_str("data"), listener.clone());
        let target = call.clone();
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let data = js_sys::Reflect::get(&event, &data_key).unwrap_or(JsValue::UNDEFINED);
            match serde_wasm_bindgen::from_value::<Reaction>(data) {
                Ok(reaction) => sum.set(sum.get() + reaction.n),
                Err(error) => drop(reject.call1(&JsValue::NULL, &JsValue::from_str(&error.to_string()))),
            }
            count.set(count.get() + 1);
            if count.get() == n {
                if let Some(function) = me.borrow().as_ref() {
                    let _ = target.off("app-message", function.as_ref().unchecked_ref());
                }
                let _ = resolve.call1(&JsValue::NULL, &JsValue::from_f64(sum.get()));
                // Dropped once this call has returned.
                let me = me.clone();
                wasm_bindgen_futures::spawn_local(async move { drop(me.borrow_mut().take()) });
            }
        });
        let _ = call.on("app-message", closure.as_ref().unchecked_ref());
        *listener.borrow_mut() = Some(closure);
    })
}
