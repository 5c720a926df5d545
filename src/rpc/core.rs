//! The bookkeeping of request and response, pure and clock-free (the time is passed in, in ms):
//! which requests wait for which participant, until when, and which requests a callee already
//! took. The payloads stay with the driver; this core deals in ids, participants and outcomes.
//!
//! A request goes to one participant, or to everyone at once (one message, one id, an entry per
//! participant). The callee acknowledges on receipt, then answers; a caller that hears nothing by
//! the connection deadline reports `connection-timeout` (nobody took it), one acknowledged but not
//! answered by the response deadline `response-timeout` (taken, but slow).

/// Why a request failed: the codes of the JS API's errors of kind `'rpc'`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpcCode {
    /// The callee has no handler for the method.
    UnsupportedMethod,
    /// The session id is not in the call.
    RecipientNotFound,
    /// The handler failed.
    ApplicationError,
    /// Nothing acknowledged the request in time.
    ConnectionTimeout,
    /// Acknowledged, but not answered in time.
    ResponseTimeout,
    /// The callee left before it answered.
    RecipientLeft,
    /// The caller cancelled it.
    Cancelled,
}

impl RpcCode {
    /// The code's name, as the JS API and the wire say it.
    pub fn as_str(self) -> &'static str {
        match self {
            RpcCode::UnsupportedMethod => "unsupported-method",
            RpcCode::RecipientNotFound => "recipient-not-found",
            RpcCode::ApplicationError => "application-error",
            RpcCode::ConnectionTimeout => "connection-timeout",
            RpcCode::ResponseTimeout => "response-timeout",
            RpcCode::RecipientLeft => "recipient-left",
            RpcCode::Cancelled => "cancelled",
        }
    }

    /// The code a peer's answer names; an unknown one is the handler's failure.
    pub fn from_wire(code: &str) -> RpcCode {
        match code {
            "unsupported-method" => RpcCode::UnsupportedMethod,
            "recipient-not-found" => RpcCode::RecipientNotFound,
            "connection-timeout" => RpcCode::ConnectionTimeout,
            "response-timeout" => RpcCode::ResponseTimeout,
            "recipient-left" => RpcCode::RecipientLeft,
            "cancelled" => RpcCode::Cancelled,
            _ => RpcCode::ApplicationError,
        }
    }

    /// The crate's error for this code, saying what [`message`](Self::message) says.
    pub fn error(self) -> crate::payload::Error {
        crate::payload::Error::Rpc {
            code: self.as_str(),
            message: self.message().to_owned(),
            #[cfg(any(doc, rust_api))]
            data: None,
        }
    }

    /// What the error says, for the codes the caller's side decides.
    pub fn message(self) -> &'static str {
        match self {
            RpcCode::UnsupportedMethod => "the participant has no handler for the method",
            RpcCode::RecipientNotFound => "no participant of this session id is in the call",
            RpcCode::ApplicationError => "the handler failed",
            RpcCode::ConnectionTimeout => "the request was not acknowledged in time",
            RpcCode::ResponseTimeout => "no answer in time",
            RpcCode::RecipientLeft => "the participant left before answering",
            RpcCode::Cancelled => "the request was cancelled",
        }
    }
}

/// The deadlines of one request, in ms from when it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Until an acknowledgement (at most `response`).
    pub connection: u64,
    /// Until the answer.
    pub response: u64,
}

impl Timeouts {
    /// The default connection timeout: well before a response timeout, long enough for a request
    /// of many chunks on a loaded call.
    pub const CONNECTION_MS: u64 = 2_000;
    /// The default response timeout.
    pub const RESPONSE_MS: u64 = 10_000;

    /// The deadlines for a response timeout of `response` ms (the connection one no later).
    pub fn new(response: u64) -> Self {
        Timeouts { connection: Self::CONNECTION_MS.min(response), response }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts::new(Self::RESPONSE_MS)
    }
}

/// A request still waiting for one participant's answer.
#[derive(Debug, Clone)]
struct Pending {
    id: u64,
    to: String,
    acked: bool,
    connection_deadline: u64,
    response_deadline: u64,
}

/// How a request to one participant ended, for the driver to settle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The request.
    pub id: u64,
    /// The participant asked.
    pub to: String,
    /// `Ok(())`: the participant answered, and the driver has the answer in hand; else why not.
    pub result: Result<(), RpcCode>,
}

/// What the callee does with a request that came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming {
    /// A new request for a method with a handler: acknowledge it, run the handler, answer.
    Run,
    /// A new request for a method with no handler: answer `unsupported-method`.
    Unsupported,
    /// Already taken: do nothing (a handler never runs twice).
    Duplicate,
}

/// How many of a stream's latest request ids a callee tells apart: an id this far below the
/// highest one taken from that stream counts as taken (never run twice, even when forgotten).
pub const WINDOW: u64 = 1024;

/// A request id is `stream << STREAM_SHIFT` plus its number in the stream. Each core numbers in a
/// stream of its own (a random one, [`RpcCore::with_stream`]): two DailySyncs on one call object,
/// one after the other (as React's StrictMode makes them) or side by side, never take each other's
/// answers, and a callee tells their requests apart.
pub const STREAM_SHIFT: u32 = 32;

/// The most streams a callee remembers, all callers together; past it, the oldest is forgotten.
pub const STREAMS: usize = 64;

/// The requests taken from one caller's stream: the highest id, and a bit for each of the
/// [`WINDOW`] ids up to it, so telling a duplicate costs the same however many came before.
#[derive(Debug)]
struct Taken {
    caller: String,
    stream: u64,
    high: u64,
    bits: [u64; (WINDOW / 64) as usize],
}

impl Taken {
    /// Marks `id` taken; false when it already was, or is too old to tell.
    fn take(&mut self, id: u64) -> bool {
        if id.saturating_add(WINDOW) <= self.high {
            return false;
        }
        let bit = |id: u64| ((id % WINDOW / 64) as usize, 1u64 << (id % 64));
        if id > self.high {
            // The ids after the highest so far are new: their bits, left from `WINDOW` ids ago, go.
            for newer in id.saturating_sub(WINDOW - 1).max(self.high + 1)..=id {
                let (word, mask) = bit(newer);
                self.bits[word] &= !mask;
            }
            self.high = id;
        }
        let (word, mask) = bit(id);
        let new = self.bits[word] & mask == 0;
        self.bits[word] |= mask;
        new
    }
}

/// One participant's requests and their deadlines; see the [module](self) documentation.
#[derive(Debug, Default)]
pub struct RpcCore {
    next_id: u64,
    pending: Vec<Pending>,
    /// The requests taken, per caller.
    taken: Vec<Taken>,
}

impl RpcCore {
    /// A core with nothing pending, numbering its requests in stream 0.
    pub fn new() -> Self {
        RpcCore::default()
    }

    /// A core numbering its requests in `stream` (ids stay safe integers for a stream below 2^20).
    pub fn with_stream(stream: u32) -> Self {
        RpcCore { next_id: u64::from(stream) << STREAM_SHIFT, ..RpcCore::default() }
    }

    /// A request to `to`, sent at `now`: its id. `present` says whether `to` is in the call; when it
    /// is not, the request fails at once with [`RpcCode::RecipientNotFound`].
    pub fn request(&mut self, now: u64, to: &str, present: bool, timeouts: Timeouts) -> Result<u64, RpcCode> {
        if !present {
            return Err(RpcCode::RecipientNotFound);
        }
        let id = self.take_id();
        self.wait(now, id, to, timeouts);
        Ok(id)
    }

    /// A request to each of `everyone` (the other participants), sent once at `now`: its id.
    pub fn request_all(&mut self, now: u64, everyone: &[String], timeouts: Timeouts) -> u64 {
        let id = self.take_id();
        for to in everyone {
            self.wait(now, id, to, timeouts);
        }
        id
    }

    fn take_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn wait(&mut self, now: u64, id: u64, to: &str, timeouts: Timeouts) {
        self.pending.push(Pending {
            id,
            to: to.to_owned(),
            acked: false,
            connection_deadline: now.saturating_add(timeouts.connection.min(timeouts.response)),
            response_deadline: now.saturating_add(timeouts.response),
        });
    }

    /// Whether request `id` still waits for `from`.
    pub fn is_pending(&self, id: u64, from: &str) -> bool {
        self.pending.iter().any(|p| p.id == id && p.to == from)
    }

    /// `from` acknowledged request `id`.
    pub fn acknowledged(&mut self, id: u64, from: &str) {
        if let Some(p) = self.pending.iter_mut().find(|p| p.id == id && p.to == from) {
            p.acked = true;
        }
    }

    /// `from` answered request `id` (`Ok`, or the code its answer names): the outcome, unless the
    /// request was not waiting for it (late, cancelled, or forged).
    pub fn answered(&mut self, id: u64, from: &str, result: Result<(), RpcCode>) -> Option<Outcome> {
        let at = self.pending.iter().position(|p| p.id == id && p.to == from)?;
        let p = self.pending.remove(at);
        Some(Outcome { id: p.id, to: p.to, result })
    }

    /// The caller cancelled request `id`: its outcomes, each [`RpcCode::Cancelled`].
    pub fn cancel(&mut self, id: u64) -> Vec<Outcome> {
        self.settle(|p| p.id == id, RpcCode::Cancelled)
    }

    /// `who` left the call: the requests waiting for it fail with [`RpcCode::RecipientLeft`], and
    /// what it asked is forgotten (a session id never comes back).
    pub fn left(&mut self, who: &str) -> Vec<Outcome> {
        self.taken.retain(|taken| taken.caller != who);
        self.settle(|p| p.to == who, RpcCode::RecipientLeft)
    }

    /// The call ended for this participant: everything pending fails with `code`.
    pub fn clear(&mut self, code: RpcCode) -> Vec<Outcome> {
        self.settle(|_| true, code)
    }

    fn settle(&mut self, which: impl Fn(&Pending) -> bool, code: RpcCode) -> Vec<Outcome> {
        let mut out = Vec::new();
        self.pending.retain(|p| {
            if which(p) {
                out.push(Outcome { id: p.id, to: p.to.clone(), result: Err(code) });
                false
            } else {
                true
            }
        });
        out
    }

    /// The requests past a deadline at `now`.
    pub fn tick(&mut self, now: u64) -> Vec<Outcome> {
        let mut out = Vec::new();
        self.pending.retain(|p| {
            let code = if now >= p.response_deadline {
                if p.acked {
                    RpcCode::ResponseTimeout
                } else {
                    RpcCode::ConnectionTimeout
                }
            } else if !p.acked && now >= p.connection_deadline {
                RpcCode::ConnectionTimeout
            } else {
                return true;
            };
            out.push(Outcome { id: p.id, to: p.to.clone(), result: Err(code) });
            false
        });
        out
    }

    /// When [`tick`](Self::tick) must run next.
    pub fn next_deadline(&self) -> Option<u64> {
        self.pending.iter().map(|p| if p.acked { p.response_deadline } else { p.connection_deadline }).min()
    }

    /// A request `id` from `from` came in, for a method with a handler (`handled`) or not.
    pub fn incoming(&mut self, from: &str, id: u64, handled: bool) -> Incoming {
        let stream = id >> STREAM_SHIFT;
        let at = match self.taken.iter().position(|taken| taken.stream == stream && taken.caller == from) {
            Some(at) => at,
            None => {
                if self.taken.len() == STREAMS {
                    self.taken.remove(0);
                }
                let bits = [0; (WINDOW / 64) as usize];
                self.taken.push(Taken { caller: from.to_owned(), stream, high: 0, bits });
                self.taken.len() - 1
            }
        };
        if !self.taken[at].take(id) {
            return Incoming::Duplicate;
        }
        if handled {
            Incoming::Run
        } else {
            Incoming::Unsupported
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timeouts = Timeouts { connection: 100, response: 1000 };

    fn ok(id: u64, to: &str) -> Option<Outcome> {
        Some(Outcome { id, to: to.into(), result: Ok(()) })
    }

    #[test]
    fn an_answer_settles_its_request_once() {
        let mut core = RpcCore::new();
        let id = core.request(0, "b", true, T).unwrap();
        assert_eq!(core.next_deadline(), Some(100));
        core.acknowledged(id, "b");
        assert_eq!(core.next_deadline(), Some(1000), "acknowledged: only the response deadline is left");
        assert_eq!(core.answered(id, "c", Ok(())), None, "an answer from someone else is not this one's");
        assert_eq!(core.answered(id, "b", Ok(())), ok(id, "b"));
        assert_eq!(core.answered(id, "b", Ok(())), None, "a second answer is ignored");
        assert_eq!(core.next_deadline(), None);
    }

    #[test]
    fn an_unknown_recipient_fails_at_once() {
        let mut core = RpcCore::new();
        assert_eq!(core.request(0, "nobody", false, T), Err(RpcCode::RecipientNotFound));
        assert_eq!(core.next_deadline(), None);
    }

    #[test]
    fn no_acknowledgement_is_a_connection_timeout_well_before_the_response_timeout() {
        let mut core = RpcCore::new();
        let silent = core.request(0, "b", true, T).unwrap();
        let slow = core.request(0, "c", true, T).unwrap();
        core.acknowledged(slow, "c");
        assert!(core.tick(99).is_empty());
        assert_eq!(core.tick(100), [Outcome { id: silent, to: "b".into(), result: Err(RpcCode::ConnectionTimeout) }]);
        assert!(core.tick(999).is_empty());
        assert_eq!(core.tick(1000), [Outcome { id: slow, to: "c".into(), result: Err(RpcCode::ResponseTimeout) }]);
    }

    #[test]
    fn the_connection_deadline_is_never_after_the_response_deadline() {
        assert_eq!(Timeouts::new(500), Timeouts { connection: 500, response: 500 });
        let mut core = RpcCore::new();
        core.request(0, "b", true, Timeouts { connection: 5000, response: 300 }).unwrap();
        assert_eq!(core.tick(300)[0].result, Err(RpcCode::ConnectionTimeout));
    }

    #[test]
    fn a_recipient_that_leaves_fails_its_requests_and_no_other() {
        let mut core = RpcCore::new();
        let to_b = core.request(0, "b", true, T).unwrap();
        let to_c = core.request(0, "c", true, T).unwrap();
        assert_eq!(core.left("b"), [Outcome { id: to_b, to: "b".into(), result: Err(RpcCode::RecipientLeft) }]);
        assert!(core.is_pending(to_c, "c"));
    }

    #[test]
    fn a_request_to_everyone_settles_per_participant() {
        let mut core = RpcCore::new();
        let everyone = ["b".to_owned(), "c".to_owned(), "d".to_owned()];
        let id = core.request_all(0, &everyone, T);
        assert_eq!(core.answered(id, "b", Ok(())), ok(id, "b"));
        assert_eq!(
            core.answered(id, "c", Err(RpcCode::UnsupportedMethod)).unwrap().result,
            Err(RpcCode::UnsupportedMethod)
        );
        let late = core.tick(100);
        assert_eq!(late, [Outcome { id, to: "d".into(), result: Err(RpcCode::ConnectionTimeout) }]);
        assert_eq!(core.next_deadline(), None);
    }

    #[test]
    fn cancelling_settles_every_participant_of_the_request_and_a_late_answer_is_ignored() {
        let mut core = RpcCore::new();
        let id = core.request_all(0, &["b".to_owned(), "c".to_owned()], T);
        let other = core.request(0, "b", true, T).unwrap();
        let cancelled = core.cancel(id);
        assert_eq!(cancelled.len(), 2);
        assert!(cancelled.iter().all(|o| o.result == Err(RpcCode::Cancelled)));
        assert_eq!(core.answered(id, "b", Ok(())), None);
        assert!(core.is_pending(other, "b"));
        assert_eq!(core.clear(RpcCode::RecipientLeft).len(), 1);
    }

    #[test]
    fn a_duplicate_request_never_runs_a_handler_twice() {
        let mut core = RpcCore::new();
        assert_eq!(core.incoming("a", 1, true), Incoming::Run);
        assert_eq!(core.incoming("a", 1, true), Incoming::Duplicate);
        assert_eq!(core.incoming("b", 1, true), Incoming::Run, "ids are per caller");
        assert_eq!(core.incoming("a", 2, false), Incoming::Unsupported);
        assert_eq!(core.incoming("a", 2, false), Incoming::Duplicate);
    }

    #[test]
    fn duplicates_are_told_in_any_order_within_the_window_and_older_ids_count_as_taken() {
        let mut core = RpcCore::new();
        // A caller's ids arrive out of order, with gaps (its requests to others).
        for id in [5, 3, 9, 4, 1000, 7] {
            assert_eq!(core.incoming("a", id, true), Incoming::Run, "{id} is new");
        }
        for id in [5, 3, 9, 4, 1000, 7] {
            assert_eq!(core.incoming("a", id, true), Incoming::Duplicate, "{id} was taken");
        }
        assert_eq!(core.incoming("a", 8, true), Incoming::Run, "a gap inside the window is still new");
        // Far ahead: the window moves, and its reused bits do not make new ids look taken.
        let far = 1000 + WINDOW + 3;
        assert_eq!(core.incoming("a", far, true), Incoming::Run);
        assert_eq!(core.incoming("a", 9 + WINDOW, true), Incoming::Run, "taken 9's bit is reused for {}", 9 + WINDOW);
        assert_eq!(core.incoming("a", 1000, true), Incoming::Duplicate, "too old to tell: never run twice");
        assert_eq!(core.incoming("a", far - WINDOW + 1, true), Incoming::Run, "the oldest id still told apart");
        // Leaving forgets the caller.
        core.left("a");
        assert_eq!(core.incoming("a", 5, true), Incoming::Run);
    }

    #[test]
    fn two_cores_of_one_caller_are_told_apart_by_their_streams() {
        let (mut first, mut second) = (RpcCore::with_stream(7), RpcCore::with_stream(9));
        let a = first.request(0, "b", true, T).unwrap();
        let b = second.request(0, "b", true, T).unwrap();
        assert_ne!(a, b, "the same number in two streams is two ids");
        assert_eq!(second.answered(a, "b", Ok(())), None, "the other core's answer is not this one's");
        let mut callee = RpcCore::new();
        for id in [a, b, a + 1, b + 1] {
            assert_eq!(callee.incoming("x", id, true), Incoming::Run, "{id}: streams interleave");
        }
        assert_eq!(callee.incoming("x", a, true), Incoming::Duplicate);
        // The stream highest: its ids still safe integers.
        assert!(RpcCore::with_stream((1 << 20) - 1).request(0, "b", true, T).unwrap() < 1 << 53);
        // Past STREAMS streams the oldest is forgotten, so memory stays bounded.
        for stream in 100..100 + STREAMS as u64 {
            callee.incoming("y", (stream << STREAM_SHIFT) + 1, true);
        }
        assert_eq!(callee.incoming("x", a, true), Incoming::Run, "x's first stream was forgotten");
    }

    #[test]
    fn ten_thousand_requests_in_order_each_run_once() {
        let mut core = RpcCore::new();
        assert!((1..=10_000).all(|id| core.incoming("a", id, true) == Incoming::Run));
        assert!((10_000 - WINDOW + 1..=10_000).all(|id| core.incoming("a", id, true) == Incoming::Duplicate));
    }

    #[test]
    fn codes_round_trip_through_their_names() {
        for code in [
            RpcCode::UnsupportedMethod,
            RpcCode::RecipientNotFound,
            RpcCode::ApplicationError,
            RpcCode::ConnectionTimeout,
            RpcCode::ResponseTimeout,
            RpcCode::RecipientLeft,
            RpcCode::Cancelled,
        ] {
            assert_eq!(RpcCode::from_wire(code.as_str()), code);
        }
        assert_eq!(RpcCode::from_wire("anything else"), RpcCode::ApplicationError);
    }
}
