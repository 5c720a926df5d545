//! The presence core, pure and clock-free (the time is passed in, in ms): what to send when, and
//! which peers' values are current; see the [module](super) documentation. The Rust API's
//! `PresenceHandle` and the channels entry's JS driver (src/js/presence_core.rs) send and receive
//! its messages.

/// A message to send: the sequence number and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing<T> {
    /// The sender's sequence number, from 1.
    pub seq: u64,
    /// The latest value.
    pub value: T,
}

/// A change to report: a participant's new value, or `None` when it is gone.
#[derive(Debug, Clone, PartialEq)]
pub struct Change<T> {
    /// The participant's session id.
    pub from: String,
    /// Its value; `None`: it left, or went stale.
    pub value: Option<T>,
}

#[derive(Debug, Clone)]
struct Peer<T> {
    seq: u64,
    value: T,
    updated_at: u64,
}

/// One participant's presence of one name; see the [module](super) documentation.
#[derive(Debug, Clone)]
pub struct Presence<T> {
    interval_ms: u64,
    stale_ms: Option<u64>,
    seq: u64,
    last_sent: Option<u64>,
    /// The latest value set, and whether it is still to be sent.
    mine: Option<T>,
    pending: bool,
    /// The others' latest, by session id (a list: a call has at most a few hundred participants).
    peers: Vec<(String, Peer<T>)>,
}

impl<T: Clone> Presence<T> {
    /// Presence sending at most once per `interval_ms`, forgetting peers silent for `stale_ms`.
    pub fn new(interval_ms: u64, stale_ms: Option<u64>) -> Self {
        Presence { interval_ms, stale_ms, seq: 0, last_sent: None, mine: None, pending: false, peers: Vec::new() }
    }

    /// Changes the interval (an adaptive one follows the room's size).
    pub fn set_interval(&mut self, interval_ms: u64) {
        self.interval_ms = interval_ms;
    }

    /// The local value changed at `now`: what to send now, if the interval allows.
    pub fn set(&mut self, now: u64, value: T) -> Option<Outgoing<T>> {
        self.mine = Some(value);
        self.pending = true;
        self.tick_send(now)
    }

    /// The local value, as last set.
    pub fn mine(&self) -> Option<&T> {
        self.mine.as_ref()
    }

    fn tick_send(&mut self, now: u64) -> Option<Outgoing<T>> {
        if !self.pending || self.last_sent.is_some_and(|at| now < at.saturating_add(self.interval_ms)) {
            return None;
        }
        let value = self.mine.clone()?;
        self.pending = false;
        self.last_sent = Some(now);
        self.seq += 1;
        Some(Outgoing { seq: self.seq, value })
    }

    /// The local value for a participant that just joined, with the current number (it has none
    /// from this sender yet, so it takes it); `None` when nothing was ever set.
    pub fn current(&self) -> Option<Outgoing<T>> {
        self.mine.clone().map(|value| Outgoing { seq: self.seq.max(1), value })
    }

    /// A peer's message: the change, unless it is older than what the peer last said.
    pub fn receive(&mut self, now: u64, from: &str, seq: u64, value: T) -> Option<Change<T>> {
        let peer = Peer { seq, value: value.clone(), updated_at: now };
        match self.peers.iter_mut().find(|(id, _)| id == from) {
            Some((_, known)) if seq <= known.seq => return None,
            Some((_, known)) => *known = peer,
            None => self.peers.push((from.to_owned(), peer)),
        }
        Some(Change { from: from.to_owned(), value: Some(value) })
    }

    /// A peer left: gone, if it had a value.
    pub fn left(&mut self, from: &str) -> Option<Change<T>> {
        let at = self.peers.iter().position(|(id, _)| id == from)?;
        self.peers.swap_remove(at);
        Some(Change { from: from.to_owned(), value: None })
    }

    /// What is due at `now`: the trailing send, and the peers gone stale.
    pub fn tick(&mut self, now: u64) -> (Option<Outgoing<T>>, Vec<Change<T>>) {
        let send = self.tick_send(now);
        let mut gone = Vec::new();
        if let Some(stale) = self.stale_ms {
            self.peers.retain(|(from, peer)| {
                let fresh = now < peer.updated_at.saturating_add(stale);
                if !fresh {
                    gone.push(Change { from: from.clone(), value: None });
                }
                fresh
            });
        }
        (send, gone)
    }

    /// When [`tick`](Self::tick) must run next.
    pub fn next_deadline(&self) -> Option<u64> {
        let send = self.pending.then(|| self.last_sent.map_or(0, |at| at.saturating_add(self.interval_ms)));
        let stale =
            self.stale_ms.and_then(|stale| self.peers.iter().map(|(_, p)| p.updated_at.saturating_add(stale)).min());
        [send, stale].into_iter().flatten().min()
    }

    /// The others' values, with when each was last updated (ms).
    pub fn others(&self) -> impl Iterator<Item = (&str, &T, u64)> {
        self.peers.iter().map(|(from, peer)| (from.as_str(), &peer.value, peer.updated_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thousand_sets_in_a_second_make_one_message_per_interval_and_the_last_goes_out() {
        let mut p = Presence::new(50, None);
        let mut sent = Vec::new();
        for i in 0..1000u64 {
            let now = i; // one set per ms
            if let Some(out) = p.tick(now).0 {
                sent.push((now, out));
            }
            if let Some(out) = p.set(now, i) {
                sent.push((now, out));
            }
        }
        while let Some(at) = p.next_deadline() {
            if let Some(out) = p.tick(at).0 {
                sent.push((at, out));
            }
        }
        assert!(sent.len() <= 1000 / 50 + 1, "{} messages", sent.len());
        assert!(sent.windows(2).all(|w| w[1].0 >= w[0].0 + 50), "at most one per interval");
        assert_eq!(sent.last().map(|(_, out)| out.value), Some(999), "the last value went out");
        assert!(sent.windows(2).all(|w| w[1].1.seq == w[0].1.seq + 1));
    }

    #[test]
    fn a_late_message_never_overwrites_a_newer_one() {
        let mut p: Presence<i32> = Presence::new(50, None);
        assert_eq!(p.receive(0, "a", 2, 20), Some(Change { from: "a".into(), value: Some(20) }));
        assert_eq!(p.receive(1, "a", 1, 10), None);
        assert_eq!(p.receive(2, "a", 2, 10), None);
        assert_eq!(p.others().map(|(_, v, _)| *v).collect::<Vec<_>>(), [20]);
    }

    #[test]
    fn a_peer_that_leaves_or_goes_stale_is_gone_and_comes_back_on_its_next_value() {
        let mut p: Presence<i32> = Presence::new(50, Some(1000));
        p.receive(0, "a", 1, 1);
        p.receive(500, "b", 1, 1);
        assert_eq!(p.next_deadline(), Some(1000));
        assert_eq!(p.tick(1000).1, [Change { from: "a".into(), value: None }]);
        assert_eq!(p.left("b"), Some(Change { from: "b".into(), value: None }));
        assert_eq!(p.left("b"), None);
        assert_eq!(p.receive(1200, "a", 2, 5).map(|c| c.value), Some(Some(5)));
    }

    #[test]
    fn no_stale_ms_keeps_values_until_leave() {
        let mut p: Presence<i32> = Presence::new(50, None);
        p.receive(0, "a", 1, 1);
        assert!(p.tick(1_000_000).1.is_empty());
        assert_eq!(p.next_deadline(), None);
    }

    #[test]
    fn a_newcomer_gets_the_current_value() {
        let mut p = Presence::new(50, None);
        assert_eq!(p.current(), None);
        p.set(0, "x");
        assert_eq!(p.current(), Some(Outgoing { seq: 1, value: "x" }));
    }
}
