//! Channel history: the last N broadcast messages of a channel that a member saw or sent, and, for
//! a member that opens the channel late, the merge that hands it those first (marked as replays,
//! in order) and the live messages after them, none twice. Pure: the driver fetches the history
//! from a peer (over request and response) and feeds it in.
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
}

impl<T: Clone> History<T> {
    /// A history of the last `capacity` messages.
    pub fn new(capacity: usize) -> Self {
        History { capacity, kept: VecDeque::new(), held: None }
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

    /// The member opened the channel late: live broadcasts wait until the history is replayed.
    pub fn start_fetch(&mut self) {
        self.held.get_or_insert_with(Vec::new);
    }

    /// Whether the member is waiting for the history.
    pub fn fetching(&self) -> bool {
        self.held.is_some()
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
    /// that came both ways is delivered once, live.
    pub fn replayed(&mut self, fetched: Option<Vec<Entry<T>>>) -> Vec<Delivered<T>> {
        let held = self.held.take().unwrap_or_default();
        let fetched = fetched.unwrap_or_default();
        let skip = fetched.len().saturating_sub(self.capacity);
        let mut out = Vec::with_capacity(fetched.len() - skip + held.len());
        for entry in fetched.into_iter().skip(skip) {
            let same = |other: &Entry<T>| other.from == entry.from && other.seq == entry.seq;
            let came_live = held.iter().any(|(h, _)| same(h));
            if !came_live && !out.iter().any(|d: &Delivered<T>| same(&d.entry)) {
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

    #[test]
    fn a_late_member_gets_the_history_first_then_the_live_messages_once() {
        let mut history = History::new(3);
        history.start_fetch();
        assert_eq!(history.live(e("b", 7)), None, "held while the history is fetched");
        assert_eq!(history.live(e("a", 5)), None);
        // The peer's history: a0..a5 (a5 also came live), b6; the last 3 of what it sends.
        let fetched = vec![e("a", 3), e("a", 4), e("b", 6), e("a", 5)];
        let out = history.replayed(Some(fetched));
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
        history.start_fetch();
        history.live(e("b", 0));
        history.own(e("me", 0));
        history.live(e("b", 1));
        let out = history.replayed(Some(vec![e("a", 0)]));
        assert_eq!(names(&out), [("a0".into(), true), ("b0".into(), false), ("b1".into(), false)]);
        assert_eq!(history.entries().map(|x| x.data.as_str()).collect::<Vec<_>>(), ["a0", "b0", "me0", "b1"]);
        history.own(e("me", 1));
        assert_eq!(history.entries().last().map(|x| x.data.as_str()), Some("me1"));
    }

    #[test]
    fn with_no_history_to_be_had_the_held_messages_go_out() {
        let mut history = History::new(10);
        history.start_fetch();
        history.live(e("a", 0));
        assert_eq!(names(&history.replayed(None)), [("a0".into(), false)]);
    }

    #[test]
    fn a_history_that_repeats_itself_is_delivered_once() {
        let mut history = History::new(10);
        history.start_fetch();
        assert_eq!(names(&history.replayed(Some(vec![e("a", 0), e("a", 0)]))), [("a0".into(), true)]);
    }
}
