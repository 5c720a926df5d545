//! Convergence under jitter and loss: every node ends with the same session state and everyone's
//! latest `userData`, for chosen and random operations.
use super::*;
use proptest::prelude::{any, prop_oneof, proptest, ProptestConfig, Strategy as _};

#[derive(Debug, Clone)]
enum Op {
    Wait(u64),
    UserData(usize, Option<u8>),
    Merge(usize, u8, u8),
    Delete(usize, u8),
    Replace(usize, u8, u8),
    App(usize),
}

/// Runs `ops` on a, b and c (c joining after the first third), lets the room settle, and
/// checks every node holds the same session state and sees everyone's latest `userData`; then
/// each node in turn writes a key of its own, and every node must end with the last write (none
/// lost to the network: a writer resends until the authority acknowledges).
fn run_and_check_convergence(seed: u64, link: Link, ops: &[Op]) {
    // Losses must not make peers time out here: timeouts are tested on their own.
    let config = NodeConfig { peer_timeout_ms: 10_000, ..config() };
    let mut net = SimNetwork::new(seed, link);
    for id in ["a", "b", "c"] {
        net.add(node(id, &config));
    }
    net.join(A);
    net.join(B);
    for (k, op) in ops.iter().enumerate() {
        if k == ops.len() / 3 {
            net.join(C);
        }
        // Calls before c joined are refused or held, as daily-js's are: ignore the results.
        let _ = match op.clone() {
            Op::Wait(ms) => {
                net.advance(ms);
                Ok(())
            }
            Op::UserData(i, v) => {
                net.try_apply(i, |n, now| n.set_user_data(now, v.map(|v| format!(r#"{{"v":{v}}}"#)).as_deref()))
            }
            Op::Merge(i, k, v) => net
                .try_apply(i, |n, now| n.set_session_data(now, &format!(r#"{{"k{k}":{v}}}"#), Strategy::ShallowMerge)),
            Op::Delete(i, k) => net.try_apply(i, |n, now| {
                n.set_session_entries(now, vec![(format!("k{k}"), None)], Strategy::ShallowMerge)
            }),
            Op::Replace(i, k, v) => {
                net.try_apply(i, |n, now| n.set_session_data(now, &format!(r#"{{"k{k}":{v}}}"#), Strategy::Replace))
            }
            Op::App(i) => net.try_apply(i, |n, _| n.send_app_message("{}", &Recipient::All)),
        };
    }
    if ops.len() / 3 >= ops.len() {
        net.join(C);
    }
    net.advance(8000);
    // Each write gets 12 heartbeats' worth of resends: at 15% loss, all of them lost has a chance
    // of about 1e-10 (4 s left 1 run in 60 failing by chance alone).
    for i in 0..3 {
        net.try_apply(i, |n, now| n.set_session_data(now, &format!(r#"{{"last":{i}}}"#), Strategy::ShallowMerge))
            .expect("joined, so the write is taken");
        net.advance(12_000);
    }
    let nodes: Vec<&Node> = (0..3).filter_map(|i| net.node(i)).collect();
    for n in &nodes {
        assert_eq!(
            n.meeting_session_state().get("last").map(|v| v.as_str().to_owned()),
            Some("2".to_owned()),
            "the last write, at {}",
            n.local_session_id()
        );
    }
    for n in &nodes {
        assert_eq!(n.meeting_state(), MeetingState::Joined);
        assert_eq!(
            n.meeting_session_state(),
            nodes[0].meeting_session_state(),
            "session state of {}",
            n.local_session_id()
        );
        assert_eq!(n.session_authority(), Some("a"));
        let seen = n.participants();
        for other in &nodes {
            let id = other.local_session_id();
            let expected = other.participants().get("local").unwrap().user_data.clone();
            let key = if id == n.local_session_id() { "local" } else { id };
            assert_eq!(
                seen.get(key).map(|p| p.user_data.clone()),
                Some(expected),
                "{id}'s userData seen by {}",
                n.local_session_id()
            );
        }
    }
}

#[test]
fn user_data_and_session_state_converge_under_jitter_and_loss() {
    let mut rng = SplitMix64::new(42);
    let mut ops = Vec::new();
    for _ in 0..300 {
        let i = rng.up_to(2) as usize;
        let (k, v) = (rng.up_to(5) as u8, rng.up_to(9) as u8);
        ops.push(match rng.up_to(5) {
            0 => Op::UserData(i, (v > 1).then_some(v)),
            1 => Op::Merge(i, k, v),
            2 => Op::Delete(i, k),
            3 => Op::Replace(i, k, v),
            4 => Op::App(i),
            _ => Op::Wait(0),
        });
        ops.push(Op::Wait(rng.up_to(100)));
    }
    let link = Link { latency_ms: 5, jitter_ms: 80, drop_rate: 0.1 };
    run_and_check_convergence(9, link, &ops);
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    prop_oneof![
        (0u64..400).prop_map(Op::Wait),
        (0..3usize, proptest::option::of(0u8..4)).prop_map(|(i, v)| Op::UserData(i, v)),
        (0..3usize, 0u8..4, 0u8..4).prop_map(|(i, k, v)| Op::Merge(i, k, v)),
        (0..3usize, 0u8..4).prop_map(|(i, k)| Op::Delete(i, k)),
        (0..3usize, 0u8..4, 0u8..4).prop_map(|(i, k, v)| Op::Replace(i, k, v)),
        (0..3usize).prop_map(Op::App),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn random_operations_converge(
        seed in any::<u64>(),
        jitter in 0u64..150,
        drop_rate in 0.0f64..0.15,
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        run_and_check_convergence(seed, Link { latency_ms: 2, jitter_ms: jitter, drop_rate }, &ops);
    }
}
