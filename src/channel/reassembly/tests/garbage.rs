//! The garbage property: whatever chunks, ticks, departures and arrivals come, the reassembler
//! never panics, stays within every cap, and its accounting matches what it holds.
use super::*;

/// One step of the garbage property.
#[derive(Debug, Clone)]
enum Op {
    Chunk(u8, Fields<u32>),
    Tick(u64),
    Forget(u8),
    Joined(u8),
}

/// Small caps, so that every one of them is reached.
fn small() -> Config {
    Config {
        limits: Limits { limit: 512, max_size: 1000 },
        timeout_ms: 100,
        window: 4,
        max_buffered_per_sender: 1500,
        max_senders: 3,
        max_channels_per_sender: 2,
    }
}

const NUMBERS: [f64; 8] =
    [-1.0, 1.5, f64::NAN, f64::INFINITY, 9_007_199_254_740_992.0, 4_294_967_296.0, 7.0e15, 70.0];
/// Three good channels and two bad ones.
const CHANNELS: [&str; 5] = ["a", "b", "c", "\u{0}", "a\u{1f}"];
const CHARS: [char; 6] = ['a', '\'', '"', '\\', 'é', '😀'];

/// Runs the steps, checking the caps and the accounting after each; returns how many
/// reassembled messages, whole messages and gaps came out, and the counters.
fn run(ops: impl IntoIterator<Item = Op>) -> ([u64; 3], Stats) {
    let mut r = Reassembler::<u32>::new(small());
    let mut seen = [0; 3];
    let mut now = 0;
    for op in ops {
        let out = match op {
            Op::Chunk(from, fields) => r.receive_fields(&from.to_string(), fields, now),
            Op::Tick(dt) => {
                now += dt;
                r.tick(now)
            }
            Op::Forget(from) => {
                r.forget(&from.to_string());
                Vec::new()
            }
            Op::Joined(from) => {
                r.joined(&from.to_string(), now);
                Vec::new()
            }
        };
        for d in &out {
            match d {
                Delivery::Message { body: Body::Text(t), .. } => {
                    assert!(utf16_len(t) <= 1000);
                    seen[0] += 1;
                }
                Delivery::Message { .. } => seen[1] += 1,
                Delivery::Gap { first_missing, last_missing, .. } => {
                    assert!(first_missing <= last_missing);
                    seen[2] += 1;
                }
            }
        }
        r.check();
        assert!(r.next_deadline().is_none_or(|d| d > now), "nothing overdue after a step");
    }
    (seen, r.stats())
}

/// A random step: mostly plausible chunks (siblings agree on the count), a quarter of them
/// corrupted in one field, and ticks, departures and arrivals.
fn random_op(rng: &mut Rng) -> Op {
    let from = rng.below(4) as u8;
    match rng.below(16) {
        0 => return Op::Tick(rng.below(150)),
        1 | 2 => return Op::Tick(rng.below(20)),
        3 => return Op::Forget(from),
        4 => return Op::Joined(from),
        _ => {}
    }
    let seq = if rng.below(10) == 0 { rng.below(80) } else { rng.below(8) };
    let count = 1 + seq % 4;
    let len = [1, 2, 10, 100, 300, 600][rng.below(6) as usize];
    let piece = |rng: &mut Rng| -> String {
        (0..1 + rng.below(len)).map(|_| CHARS[rng.below(CHARS.len() as u64) as usize]).collect()
    };
    let mut fields = Fields {
        version: Some(1.0),
        channel: Some(CHANNELS[rng.below(3) as usize].to_string()),
        direct: None,
        seq: Some(seq as f64),
        index: (count > 1).then(|| rng.below(count) as f64),
        count: (count > 1).then_some(count as f64),
        value: (count == 1).then(|| rng.next() as u32),
        piece: (count > 1).then(|| piece(rng)),
    };
    let garbage = |rng: &mut Rng| match rng.below(NUMBERS.len() as u64 + 2) {
        0 => None,
        1 => Some(rng.below(6) as f64),
        n => Some(NUMBERS[n as usize - 2]),
    };
    if rng.below(4) == 0 {
        match rng.below(9) {
            0 => fields.version = [None, Some(2.0), Some(0.0)][rng.below(3) as usize],
            1 => fields.channel = [None, Some(String::new()), Some("x".repeat(65))][rng.below(3) as usize].clone(),
            2 => fields.seq = garbage(rng),
            3 => fields.index = garbage(rng),
            4 => fields.count = garbage(rng),
            5 => fields.value = fields.value.xor(Some(7)),
            6 => fields.piece = [None, Some(String::new()), Some(piece(rng))][rng.below(3) as usize].clone(),
            7 => fields.piece = fields.piece.map(|p| p.repeat(1 + rng.below(4) as usize)),
            _ => fields.channel = Some(CHANNELS[3 + rng.below(2) as usize].to_string()),
        }
    }
    Op::Chunk(from, fields)
}

proptest! {
    /// Whatever arrives, the reassembler never panics and never exceeds its caps.
    #[test]
    fn garbage_never_breaks_the_caps(seeds in prop::collection::vec(any::<u64>(), 0..80)) {
        let _ = run(seeds.into_iter().map(|seed| random_op(&mut Rng(seed))));
    }
}

/// `cargo test --release --lib channel:: -- --ignored --nocapture`
#[test]
#[ignore]
fn garbage_never_breaks_the_caps_long_run() {
    let started = std::time::Instant::now();
    let mut rng = Rng(0x5eed);
    let (cases, mut steps, mut seen, mut stats) = (1_000_000u64, 0u64, [0u64; 3], Stats::default());
    for _ in 0..cases {
        let n = 1 + rng.below(40);
        steps += n;
        let (s, t) = run((0..n).map(|_| random_op(&mut rng)).collect::<Vec<_>>());
        seen.iter_mut().zip(s).for_each(|(a, b)| *a += b);
        stats.malformed += t.malformed;
        stats.duplicate += t.duplicate;
        stats.over_cap += t.over_cap;
        stats.timeout += t.timeout;
        stats.too_old += t.too_old;
    }
    println!("{cases} cases ({steps} steps) in {:.1?}", started.elapsed());
    println!("delivered {} reassembled, {} whole, {} gaps; dropped {stats:?}", seen[0], seen[1], seen[2]);
}
