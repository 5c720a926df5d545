//! The wire format of channel messages, and cutting a message into chunks.
//!
//! # Wire format (version 1)
//!
//! A chunk is the `data` of one app message: a JSON object whose marker key `"$ds"` (value: the
//! format version, `1`) tells it from plain app messages. A receiver treats any `data` with a
//! `"$ds"` key as this layer's and never as a plain message; a chunk of another version is dropped.
//!
//! A message whose envelope fits in one app message travels whole, its JSON value as is in `"v"`:
//!
//! ```text
//! {"$ds":1,"c":"chat","s":5,"v":{"text":"hi","n":1}}
//! ```
//!
//! A larger one is cut into `n >= 2` chunks, `i` from `0` to `n - 1`:
//!
//! ```text
//! {"$ds":1,"c":"chat","s":6,"i":0,"n":3,"p":"{'text':'a very lo"}
//! {"$ds":1,"c":"chat","s":6,"i":1,"n":3,"p":"ng text...'"}
//! {"$ds":1,"c":"chat","s":6,"i":2,"n":3,"p":",'n':2}"}
//! ```
//!
//! - `c`: the channel, 1 to 64 UTF-16 units, no control characters;
//! - `d`: `1` in a message sent to chosen participants (direct), absent in a broadcast;
//! - `s`: the message's sequence number, counting from 0, a safe integer: per sender and channel
//!   for broadcasts, per sender, channel and receiver for direct messages, so a message sent to
//!   one participant leaves no gap in what the others count;
//! - `i`, `n`: the chunk's index and the chunk count (only in chunks of a cut message);
//! - `p`: a piece of the message's JSON text. The pieces, concatenated, are that text with every
//!   `"` and `'` swapped. In a JSON string a `"` costs two characters (`\"`) and a `'` one, and
//!   JSON text is full of `"` but has few `'`, so the swap makes nearly every character of typical
//!   JSON cost one; only `'` and `\` cost two. (The swap only uses printable ASCII, so no JSON
//!   encoder on the way can make a piece longer than measured here.)
//!
//! Every chunk is measured as daily-js measures it (`JSON.stringify(data).length`, UTF-16 units)
//! and is at most the limit: chunks are cut on `char` boundaries (never inside a surrogate pair),
//! each filled as far as the limit allows.

use crate::payload::{check_size, json_str_len, Error, APP_MESSAGE_LIMIT, MAX_SAFE_INTEGER};

/// The marker key of every chunk.
pub const MARKER: &str = crate::payload::CHUNK_MARKER;
/// The format version, the marker's value.
pub const VERSION: u32 = 1;
/// The longest channel name, in UTF-16 units.
pub const MAX_CHANNEL_LEN: usize = 64;
/// The default cap on one message's JSON text: 1 MiB characters.
pub const DEFAULT_MAX_SIZE: usize = 1 << 20;
/// The smallest app message limit [`encode`] accepts (room for the longest header and a piece).
pub const MIN_LIMIT: usize = 512;
/// The longest header of a cut chunk (everything but the piece), in UTF-16 units: `{"$ds":1,"c":`,
/// a 64-unit channel at two units each with its quotes, `,"s":` and 16 digits, `,"d":1`, `,"i":`
/// and `,"n":` with 10 digits each, `,"p":"` and `"}`.
const MAX_HEADER: usize = 13 + (2 + 2 * MAX_CHANNEL_LEN) + (5 + 16) + 6 + 2 * (5 + 10) + 6 + 2;

/// The sizes both ends agree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most characters of one app message (`JSON.stringify(data).length`). Senders use it to
    /// cut; receivers derive the chunk count cap from it, so it must not be above the senders'.
    pub limit: usize,
    /// The largest message, as the length of its JSON text (UTF-16 units).
    pub max_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { limit: APP_MESSAGE_LIMIT, max_size: DEFAULT_MAX_SIZE }
    }
}

impl Limits {
    /// The most chunks a message of at most `max_size` characters of JSON text can take: every
    /// cut chunk carries at least `(limit - 203) / 2` units of it (a header of at most 202, one
    /// unit lost at the end, and at most two characters per unit).
    pub fn max_chunks(&self) -> u32 {
        let per_chunk = (self.limit.saturating_sub(MAX_HEADER + 1) / 2).max(1);
        u32::try_from(self.max_size.div_ceil(per_chunk)).unwrap_or(u32::MAX).max(2)
    }
}

/// What a chunk carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece<T> {
    /// The whole message: the value of `"v"`, which the glue keeps as it is (a JS value).
    Whole(T),
    /// A piece of a cut message (still swapped: see [`push_decoded`]).
    Text(String),
}

/// One received chunk, its header read.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk<T> {
    /// The channel.
    pub channel: String,
    /// Sent to chosen participants: its sequence numbers are the receiver's own.
    pub direct: bool,
    /// The message's sequence number.
    pub seq: u64,
    /// The chunk's index, from 0 (0 for a whole message).
    pub index: u32,
    /// The message's chunk count (1 for a whole message).
    pub count: u32,
    /// What it carries.
    pub piece: Piece<T>,
}

impl<T> Chunk<T> {
    /// Checks the rules a well-formed chunk follows: a valid channel, a safe-integer `seq`,
    /// `index < count`, `count` within [`Limits::max_chunks`], a whole message as one chunk, a
    /// piece only in a message of two chunks or more, and no empty piece.
    pub fn validate(&self, limits: &Limits) -> Result<(), &'static str> {
        check_channel(&self.channel)?;
        if self.seq > MAX_SAFE_INTEGER {
            return Err("the sequence number is not a safe integer");
        }
        if self.index >= self.count {
            return Err("the index is not below the count");
        }
        if self.count > limits.max_chunks() {
            return Err("the count is over the cap");
        }
        match &self.piece {
            Piece::Whole(_) if self.count != 1 => Err("a whole message is one chunk"),
            Piece::Text(_) if self.count < 2 => Err("a piece in a single-chunk message"),
            Piece::Text(piece) if piece.is_empty() => Err("an empty piece"),
            _ => Ok(()),
        }
    }
}

/// An envelope's fields as the glue reads them from the parsed `data` (numbers as JS numbers),
/// before any check; `None` for a missing key.
#[derive(Debug, Clone)]
pub struct Fields<T> {
    /// `"$ds"`.
    pub version: Option<f64>,
    /// `"c"`, when a string.
    pub channel: Option<String>,
    /// `"d"`, when a number.
    pub direct: Option<f64>,
    /// `"s"`, when a number.
    pub seq: Option<f64>,
    /// `"i"`, when a number.
    pub index: Option<f64>,
    /// `"n"`, when a number.
    pub count: Option<f64>,
    /// `"v"`, when present (whatever its value).
    pub value: Option<T>,
    /// `"p"`, when a string.
    pub piece: Option<String>,
}

impl<T> Default for Fields<T> {
    fn default() -> Self {
        Fields {
            version: None,
            channel: None,
            direct: None,
            seq: None,
            index: None,
            count: None,
            value: None,
            piece: None,
        }
    }
}

impl<T> Fields<T> {
    /// The chunk, or `None` when the envelope has the wrong version, misses a field, has a number
    /// that is not a non-negative safe integer, or mixes the two shapes (`v` with `i`, `n` or
    /// `p`). The limits are checked later, by [`Chunk::validate`].
    pub fn parse(self) -> Option<Chunk<T>> {
        if self.version != Some(f64::from(VERSION)) {
            return None;
        }
        let channel = self.channel?;
        let direct = match self.direct {
            None => false,
            Some(1.0) => true,
            Some(_) => return None,
        };
        let seq = safe_int(self.seq?)?;
        let (index, count, piece) = match (self.value, self.piece) {
            (Some(value), None) if self.index.is_none() && self.count.is_none() => (0, 1, Piece::Whole(value)),
            (None, Some(piece)) => {
                let index = u32::try_from(safe_int(self.index?)?).ok()?;
                (index, u32::try_from(safe_int(self.count?)?).ok()?, Piece::Text(piece))
            }
            _ => return None,
        };
        Some(Chunk { channel, direct, seq, index, count, piece })
    }
}

impl Fields<serde_json::Value> {
    /// The fields of a parsed envelope, read as the glue reads them from the JS object (a key of
    /// the wrong type is `None`), for code that has it as `serde_json`; `None` when it is not an
    /// object.
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        use serde_json::Value;
        let object = value.as_object()?;
        let number = |key: &str| object.get(key).and_then(Value::as_f64);
        let string = |key: &str| object.get(key).and_then(Value::as_str).map(String::from);
        Some(Fields {
            version: number(MARKER),
            channel: string("c"),
            direct: number("d"),
            seq: number("s"),
            index: number("i"),
            count: number("n"),
            value: object.get("v").cloned(),
            piece: string("p"),
        })
    }
}

/// A JS number as a non-negative safe integer.
fn safe_int(v: f64) -> Option<u64> {
    (v >= 0.0 && v <= MAX_SAFE_INTEGER as f64 && v.fract() == 0.0).then_some(v as u64)
}

/// The chunks of one message, each the JSON text of one app message's `data` (for the glue to
/// `JSON.parse` and send in order).
///
/// `json_text` is the message's `JSON.stringify` output; its length (UTF-16 units) must be at
/// most `limits.max_size` (else [`Error::PayloadTooLarge`]). When the whole envelope fits in
/// `limits.limit` the result is one chunk carrying the text as is in `"v"`; otherwise the text is
/// cut into pieces. Refused with [`Error::InvalidArgument`]: a channel that is empty, longer than
/// 64 UTF-16 units or has control characters, a `seq` over `MAX_SAFE_INTEGER`, a limit under
/// [`MIN_LIMIT`], an empty text, and text with raw control characters (not JSON text) that would
/// need more than [`Limits::max_chunks`] chunks.
///
/// ```
/// use daily_sync::channel::codec::{encode, Limits};
/// let chunks = encode("chat", 5, r#"{"text":"hi"}"#, Limits::default()).unwrap();
/// assert_eq!(chunks, [r#"{"$ds":1,"c":"chat","s":5,"v":{"text":"hi"}}"#]);
/// ```
pub fn encode(channel: &str, seq: u64, json_text: &str, limits: Limits) -> Result<Vec<String>, Error> {
    encode_on(channel, false, seq, json_text, limits)
}

/// [`encode`] for a broadcast (`direct` false) or a message to chosen participants (`direct`
/// true: the chunks carry `"d":1`, and `seq` counts the messages to that receiver).
///
/// ```
/// use daily_sync::channel::codec::{encode_on, Limits};
/// let chunks = encode_on("chat", true, 0, r#"{"text":"hi"}"#, Limits::default()).unwrap();
/// assert_eq!(chunks, [r#"{"$ds":1,"c":"chat","s":0,"d":1,"v":{"text":"hi"}}"#]);
/// ```
pub fn encode_on(channel: &str, direct: bool, seq: u64, json_text: &str, limits: Limits) -> Result<Vec<String>, Error> {
    let invalid = |why: &str| Error::InvalidArgument(why.into());
    check_channel(channel).map_err(invalid)?;
    if seq > MAX_SAFE_INTEGER {
        return Err(invalid("the sequence number is not a safe integer"));
    }
    if limits.limit < MIN_LIMIT {
        return Err(invalid("the app message limit is under 512"));
    }
    if json_text.is_empty() {
        return Err(invalid("the JSON text is empty"));
    }
    let size = utf16_len(json_text);
    check_size(size, limits.max_size)?;

    let mut head = String::from(r#"{"$ds":1,"c":""#);
    channel.chars().for_each(|c| push_escaped(&mut head, c));
    head.push_str(r#"","s":"#);
    push_decimal(&mut head, seq);
    if direct {
        head.push_str(r#","d":1"#);
    }
    let head_len = utf16_len(&head);
    if head_len + r#","v":}"#.len() + size <= limits.limit {
        head.push_str(r#","v":"#);
        head.push_str(json_text);
        head.push('}');
        return Ok(vec![head]);
    }

    // Each chunk's length but the digits of `i` and `n`.
    let fixed = head_len + r#","i":,"n":,"p":""}"#.len();
    // Cut with room for `digits` digits of `n`; more digits make more chunks, so start from a
    // lower bound on the count and widen until the count's digits fit.
    let mut digits = decimal_len(size.div_ceil(limits.limit.saturating_sub(fixed + 2).max(1)) as u64);
    let ends = loop {
        let ends = cut(json_text, limits.limit.saturating_sub(fixed + digits));
        let needed = decimal_len(ends.len() as u64);
        if needed <= digits {
            break ends;
        }
        digits = needed;
    };
    if ends.len() > limits.max_chunks() as usize {
        return Err(invalid("the text has raw control characters: it is not JSON text"));
    }

    head.push_str(r#","i":"#);
    let mut chunks = Vec::with_capacity(ends.len());
    let mut start = 0;
    for (i, &end) in ends.iter().enumerate() {
        let mut chunk = String::with_capacity(limits.limit);
        chunk.push_str(&head);
        push_decimal(&mut chunk, i as u64);
        chunk.push_str(r#","n":"#);
        push_decimal(&mut chunk, ends.len() as u64);
        chunk.push_str(r#","p":""#);
        json_text.get(start..end).unwrap_or_default().chars().for_each(|c| push_escaped(&mut chunk, swap(c)));
        chunk.push_str(r#""}"#);
        chunks.push(chunk);
        start = end;
    }
    Ok(chunks)
}

/// The end (byte offset) of each piece when chunk `i` has `room - digits(i)` characters for its
/// escaped, swapped piece.
fn cut(text: &str, room: usize) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut left = room.saturating_sub(1);
    for (at, c) in text.char_indices() {
        let cost = escaped_len(swap(c));
        // `at > 0`: the first piece is never empty. Later pieces start with the character that
        // did not fit, which always fits an empty piece (room > 300 > 6).
        if cost > left && at > 0 {
            ends.push(at);
            left = room.saturating_sub(decimal_len(ends.len() as u64));
        }
        left = left.saturating_sub(cost);
    }
    ends.push(text.len());
    ends
}

/// Swaps `"` and `'` (its own inverse).
fn swap(c: char) -> char {
    match c {
        '"' => '\'',
        '\'' => '"',
        c => c,
    }
}

/// Appends a piece, swapped back: the pieces of a message appended in order give its JSON text.
pub fn push_decoded(out: &mut String, piece: &str) {
    out.extend(piece.chars().map(swap));
}

/// A character's length inside a JSON string, as `JSON.stringify` writes it.
fn escaped_len(c: char) -> usize {
    json_str_len(c.encode_utf8(&mut [0; 4])) - 2
}

/// Appends a character as `JSON.stringify` writes it inside a string.
fn push_escaped(out: &mut String, c: char) {
    let escape = match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\u{8}' => "\\b",
        '\u{c}' => "\\f",
        c if (c as u32) < 0x20 => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[(c as usize >> 4) & 15]));
            out.push(char::from(HEX[c as usize & 15]));
            return;
        }
        c => {
            out.push(c);
            return;
        }
    };
    out.push_str(escape);
}

/// Appends a number in decimal (without `core::fmt`).
fn push_decimal(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[at..].iter().for_each(|&d| out.push(char::from(d)));
}

/// The number of decimal digits of `n`.
fn decimal_len(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |log| log as usize + 1)
}

/// A string's length in UTF-16 units (JavaScript's `length`).
pub(crate) fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// Checks a channel name: 1 to 64 UTF-16 units, no control characters.
pub fn check_channel(channel: &str) -> Result<(), &'static str> {
    check_name(channel)
}

/// Checks the name of a channel an app opens: as [`check_channel`], and not starting with `$`,
/// which marks the library's own channels (request and response travel on `$rpc`).
pub fn check_app_channel(channel: &str) -> Result<(), &'static str> {
    if channel.starts_with('$') {
        return Err("a channel name must not start with '$': those are daily-sync's own");
    }
    check_name(channel)
}

fn check_name(channel: &str) -> Result<(), &'static str> {
    if channel.is_empty() {
        Err("a channel name must not be empty")
    } else if utf16_len(channel) > MAX_CHANNEL_LEN {
        Err("a channel name must be at most 64 characters")
    } else if channel.chars().any(|c| (c as u32) < 0x20) {
        Err("a channel name must not have control characters")
    } else {
        Ok(())
    }
}

/// The codec's tests, and helpers shared with the reassembler's.
#[cfg(test)]
pub(crate) mod tests;
