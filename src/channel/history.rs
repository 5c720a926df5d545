//! Channel history: the last N broadcast messages of a channel that a member saw or sent, and, for
//! a member that opens the channel late, the merge that hands it those first (marked as replays,
//! in order) and the live messages after them, none twice; and whom such a member asks for it.
//! Pure: the driver asks the peer it is told to (over request and response) and feeds the answer
//! in.
//!
//! Whom to ask ([`History::ask`]): the longest present of the participants that were in the call
//! before the member, one at a time, none twice, none once one gave it. The driver offers them
//! once the member is in the call with the channel open, again at each `participant-joined`
//! (daily-js announces those already there only after `joined-meeting`), and after each answer.
//! Live broadcasts are held only while a peer is asked, so a member alone in the call holds
//! nothing. npm/channels.js applies the same rule in JS over [`start_fetch`](History::start_fetch)
//! and [`replayed`](History::replayed): in the channels entry's wasm it cost about 480 B gzipped,
//! in JS 175 B, of a budget with little room left.
//!
//! Only broadcasts are history: a message sent to chosen participants is theirs alone.

use std::collections::VecDeque;

/// One message of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry<T> {
    /// Its sender's session id.
    pub from: String,
    /// The sender's sequence number on the channel.
    pub seq: u64,
    /// The message.
    pub data: T,
}

/// A message to hand the app, and whether it is a replay of history.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered<T> {
    /// The message.
    pub entry: Entry<T>,
    /// Whether it came from the history rather than live.
    pub replay: bool,
}

/// The history a member keeps, and its replay state; see the [module](self) documentation.
#[derive(Debug, Clone)]
pub struct History<T> {
    capacity: usize,
    kept: VecDeque<Entry<T>>,
    /// While the member fetches the history: the live broadcasts held until it is replayed, and
    /// the member's own (`true`), kept in their order but not delivered to it.
    held: Option<Vec<(Entry<T>, bool)>>,
    /// A peer is being asked.
    asking: bool,
    /// The peers asked so far.
    asked: Vec<String>,
    /// A peer gave its history: nobody else is asked.
    got: bool,
}

impl<T: Clone> History<T> {
    /// A history of the last `capacity` messages.
    pub fn new(capacity: usize) -> Self {
        History { capacity, kept: VecDeque::new(), held: None, asking: false, asked: Vec::new(), got: false }
    }

    /// How many messages it keeps at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Keeps `entry` (a broadcast this member sent, or delivered), the oldest going past capacity.
    pub fn record(&mut self, entry: Entry<T>) {
        if self.capacity == 0 {
            return;
        }
        if self.kept.len() == self.capacity {
            self.kept.pop_front();
        }
        self.kept.push_back(entry);
    }

    /// The messages kept, oldest first: what this member answers a late member with.
    pub fn entries(&self) -> impl Iterator<Item = &Entry<T>> {
        self.kept.iter()
    }

    /// A peer is asked for the history: live broadcasts wait until it is replayed.
    pub fn start_fetch(&mut self) {
        self.held.get_or_insert_with(Vec::new);
    }

    /// Whether the member is waiting for a peer's history (live broadcasts are held meanwhile).
    pub fn fetching(&self) -> bool {
        self.held.is_some()
    }

    /// Whom to ask, of `peers` (session ids, the longest present first), by its place in them: the
    /// first not asked yet, unless a peer is being asked or one gave the history. Live broadcasts
    /// are held from then on; with nobody to ask, those held go out (returned).
    pub fn ask(&mut self, peers: impl IntoIterator<Item = String>) -> (Option<usize>, Vec<Delivered<T>>) {
        if self.got || self.asking {
            return (None, Vec::new());
        }
        match peers.into_iter().enumerate().find(|(_, id)| !self.asked.contains(id)) {
            Some((at, id)) => {
                self.asked.push(id);
                self.asking = true;
                self.start_fetch();
                (Some(at), Vec::new())
            }
            None => (None, self.replayed(None)),
        }
    }

    /// The peer asked answered with its history (oldest first; `None`: it had none, failed or
    /// left). With it, what to deliver ([`replayed`](Self::replayed)); without, nothing yet: the
    /// next peer is to be asked ([`ask`](Self::ask)), live broadcasts still held. Ignored when
    /// nobody is asked.
    pub fn answered(&mut self, fetched: Option<Vec<Entry<T>>>) -> Vec<Delivered<T>> {
        if !std::mem::take(&mut self.asking) || fetched.is_none() {
            return Vec::new();
        }
        self.got = true;
        self.replayed(fetched)
    }

    /// A broadcast of the member's own: kept, in its place after what the history brings.
    pub fn own(&mut self, entry: Entry<T>) {
        match &mut self.held {
            Some(held) => held.push((entry, true)),
            None => self.record(entry),
        }
    }

    /// A live broadcast: delivered at once (and kept), or held while the history is fetched.
    pub fn live(&mut self, entry: Entry<T>) -> Option<Delivered<T>> {
        match &mut self.held {
            Some(held) => {
                held.push((entry, false));
                None
            }
            None => {
                self.record(entry.clone());
                Some(Delivered { entry, replay: false })
            }
        }
    }

    /// The history came (`fetched`, oldest first; `None`: no peer could give it): the last
    /// `capacity` of it as replays, in order, then the live broadcasts held meanwhile. A message
    /// that came both ways (held, or delivered before a peer was asked) is delivered once, live.
    pub fn replayed(&mut self, fetched: Option<Vec<Entry<T>>>) -> Vec<Delivered<T>> {
        let held = self.held.take().unwrap_or_default();
        let fetched = fetched.unwrap_or_default();
        let skip = fetched.len().saturating_sub(self.capacity);
        let mut out = Vec::with_capacity(fetched.len() - skip + held.len());
        for entry in fetched.into_iter().skip(skip) {
            let same = |other: &Entry<T>| other.from == entry.from && other.seq == entry.seq;
            // What was kept already came live, or earlier in this history.
            if !held.iter().any(|(h, _)| same(h)) && !self.kept.iter().any(same) {
                self.record(entry.clone());
                out.push(Delivered { entry, replay: true });
            }
        }
        for (entry, own) in held {
            self.record(entry.clone());
            if !own {
                out.push(Delivered { entry, replay: false });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(from: &str, seq: u64) -> Entry<String> {
        Entry { from: from.into(), seq, data: format!("{from}{seq}") }
    }

    fn names(out: &[Delivered<String>]) -> Vec<(String, bool)> {
        out.iter().map(|d| (d.entry.data.clone(), d.replay)).collect()
    }

    #[test]
    fn keeps_the_last_n_in_order() {
        let mut history = History::new(3);
        for seq in 0..5 {
            history.record(e("a", seq));
        }
        assert_eq!(history.entries().map(|x| x.seq).collect::<Vec<_>>(), [2, 3, 4]);
        let mut none = History::new(0);
        none.record(e("a", 0));
        assert_eq!(none.entries().count(), 0);
    }

    #[test]
    fn a_present_member_gets_live_messages_and_no_replay() {
        let mut history = History::new(2);
        assert_eq!(history.live(e("a", 0)), Some(Delivered { entry: e("a", 0), replay: false }));
        assert!(!history.fetching());
        assert_eq!(history.entries().count(), 1, "what it saw live is kept for later members");
    }

    fn ids(peers: &[&str]) -> Vec<String> {
        peers.iter().map(|id| (*id).to_owned()).collect()
    }

    /// Starts a fetch from the peer `p`, the only one there.
    fn asking(history: &mut History<String>) {
        assert_eq!(history.ask(ids(&["p"])), (Some(0), vec![]));
        assert!(history.fetching());
    }

    #[test]
    fn a_late_member_gets_the_history_first_then_the_live_messages_once() {
        let mut history = History::new(3);
        asking(&mut history);
        assert_eq!(history.live(e("b", 7)), None, "held while the history is fetched");
        assert_eq!(history.live(e("a", 5)), None);
        // The peer's history: a0..a5 (a5 also came live), b6; the last 3 of what it sends.
        let fetched = vec![e("a", 3), e("a", 4), e("b", 6), e("a", 5)];
        let out = history.answered(Some(fetched));
        assert_eq!(
            names(&out),
            [("a4".into(), true), ("b6".into(), true), ("b7".into(), false), ("a5".into(), false)],
            "the last 3 of the history (a5 only once, as it came live), then the live ones"
        );
        assert!(!history.fetching());
        assert_eq!(history.live(e("a", 6)).map(|d| d.replay), Some(false));
        assert_eq!(history.entries().map(|x| x.data.as_str()).collect::<Vec<_>>(), ["b7", "a5", "a6"]);
    }

    #[test]
    fn own_messages_sent_while_fetching_are_kept_in_their_place_and_not_delivered() {
        let mut history = History::new(10);
        asking(&mut history);
        history.live(e("b", 0));
        history.own(e("me", 0));
        history.live(e("b", 1));
        let out = history.answered(Some(vec![e("a", 0)]));
        assert_eq!(names(&out), [("a0".into(), true), ("b0".into(), false), ("b1".into(), false)]);
        assert_eq!(history.entries().map(|x| x.data.as_str()).collect::<Vec<_>>(), ["a0", "b0", "me0", "b1"]);
        history.own(e("me", 1));
        assert_eq!(history.entries().last().map(|x| x.data.as_str()), Some("me1"));
    }

    #[test]
    fn with_no_history_to_be_had_the_held_messages_go_out() {
        let mut history = History::new(10);
        asking(&mut history);
        history.live(e("a", 0));
        assert_eq!(history.answered(None), [], "held while the next one may be asked");
        assert!(history.fetching());
        let (next, out) = history.ask(ids(&["p"]));
        assert_eq!((next, names(&out)), (None, vec![("a0".into(), false)]), "p was asked: nobody left");
        assert!(!history.fetching());
    }

    #[test]
    fn a_history_that_repeats_itself_is_delivered_once() {
        let mut history = History::new(10);
        asking(&mut history);
        assert_eq!(names(&history.answered(Some(vec![e("a", 0), e("a", 0)]))), [("a0".into(), true)]);
    }

    #[test]
    fn a_member_alone_asks_nobody_and_holds_nothing() {
        let mut history = History::new(10);
        assert_eq!(history.ask(ids(&[])), (None, vec![]));
        assert!(!history.fetching());
        assert_eq!(history.live(e("n", 0)).map(|d| d.replay), Some(false), "a newcomer's broadcast, at once");
        assert_eq!(history.answered(Some(vec![e("x", 0)])), [], "nobody was asked");
    }

    #[test]
    fn peers_are_asked_one_at_a_time_in_the_order_given_none_twice() {
        let mut history = History::new(10);
        assert_eq!(history.ask(ids(&[])).0, None, "daily-js lists nobody at joined-meeting");
        assert_eq!(history.ask(ids(&["c"])).0, Some(0), "the first one announced, at once");
        assert_eq!(history.ask(ids(&["a", "b", "c"])).0, None, "one at a time");
        assert_eq!(history.live(e("c", 4)), None, "held while c is asked");
        assert_eq!(history.answered(None), []);
        assert_eq!(history.ask(ids(&["c", "a", "b"])), (Some(1), vec![]), "c had none: a, still holding");
        let out = history.answered(Some(vec![e("c", 3), e("c", 4)]));
        assert_eq!(names(&out), [("c3".into(), true), ("c4".into(), false)]);
        assert_eq!(history.ask(ids(&["b"])).0, None, "the history came: nobody else is asked");
        assert_eq!(history.answered(Some(vec![e("z", 0)])), [], "nobody is asked");
        assert!(!history.fetching());
    }

    #[test]
    fn with_every_peer_failing_the_held_messages_go_out_and_one_there_later_is_asked() {
        let mut history = History::new(10);
        assert_eq!(history.ask(ids(&["a"])).0, Some(0));
        history.live(e("n", 0));
        history.answered(None);
        let (next, out) = history.ask(ids(&[]));
        assert_eq!((next, names(&out)), (None, vec![("n0".into(), false)]), "a left: nobody to ask, released");
        assert!(!history.fetching());
        assert_eq!(history.live(e("n", 1)).map(|d| d.replay), Some(false));
        // A peer there later is still asked; what came live meanwhile is not replayed again.
        assert_eq!(history.ask(ids(&["a", "b"])).0, Some(1), "a was asked");
        let out = history.answered(Some(vec![e("x", 0), e("n", 0), e("n", 1)]));
        assert_eq!(names(&out), [("x0".into(), true)]);
    }
}
