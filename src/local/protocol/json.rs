//! The little JSON the wire protocol needs: a reader that takes known fields, checks and skips the
//! rest, and hands payloads back as the text they were written in; and writers for strings,
//! numbers and objects.
//!
//! Why not serde: the local room ships to browsers in its own wasm, and serde's generated code for
//! the protocol's handful of types was the largest part of it. Reading is a plain cursor over the
//! text; nesting is tracked on the heap, so a peer's deeply nested value cannot overflow the stack.

use std::fmt;

use crate::payload::decimal;

/// The text is not JSON, or not the shape a message of the protocol has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not JSON of the expected shape")
    }
}

impl std::error::Error for Malformed {}

/// A cursor over a JSON text.
#[derive(Debug)]
pub struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Reader { text, pos: 0 }
    }

    /// Reads a whole text with `read`, which must leave nothing after the value but whitespace.
    pub fn read_all<T>(text: &'a str, read: impl FnOnce(&mut Self) -> Result<T, Malformed>) -> Result<T, Malformed> {
        let mut reader = Reader::new(text);
        let value = read(&mut reader)?;
        match reader.peek() {
            None => Ok(value),
            Some(_) => Err(Malformed),
        }
    }

    fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// The next byte after any whitespace, not taken.
    fn peek(&mut self) -> Option<u8> {
        while matches!(self.byte(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
        self.byte()
    }

    /// Takes `byte` (after whitespace) if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect(&mut self, byte: u8) -> Result<(), Malformed> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(Malformed)
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), Malformed> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(Malformed)
        }
    }

    /// Takes a `null` if one is next: an optional field that is absent.
    pub fn null(&mut self) -> bool {
        let found = self.peek() == Some(b'n') && self.text[self.pos..].starts_with("null");
        if found {
            self.pos += 4;
        }
        found
    }

    /// Checks one value and returns its text, as written (without surrounding whitespace).
    pub fn raw(&mut self) -> Result<&'a str, Malformed> {
        let start = self.peek().map(|_| self.pos).ok_or(Malformed)?;
        // The closing bracket each open container waits for.
        let mut open: Vec<u8> = Vec::new();
        loop {
            let byte = self.peek().ok_or(Malformed)?;
            match byte {
                b'{' | b'[' => {
                    self.pos += 1;
                    let close = if byte == b'{' { b'}' } else { b']' };
                    if !self.eat(close) {
                        open.push(close);
                        if close == b'}' {
                            self.key()?;
                        }
                        continue;
                    }
                }
                b'"' => self.scan_string(None)?,
                b't' => self.literal("true")?,
                b'f' => self.literal("false")?,
                b'n' => self.literal("null")?,
                _ => self.number()?,
            }
            // A value ended: close what it ends, or go on to the next item.
            loop {
                let Some(&close) = open.last() else { return Ok(&self.text[start..self.pos]) };
                if self.eat(b',') {
                    if close == b'}' {
                        self.key()?;
                    }
                    break;
                }
                self.expect(close)?;
                open.pop();
            }
        }
    }

    /// Skips an object's key and its colon.
    fn key(&mut self) -> Result<(), Malformed> {
        self.scan_string(None)?;
        self.expect(b':')
    }

    /// Reads a string.
    pub fn string(&mut self) -> Result<String, Malformed> {
        let mut out = String::new();
        self.scan_string(Some(&mut out))?;
        Ok(out)
    }

    /// Checks a string, and decodes it into `out` when there is one.
    fn scan_string(&mut self, mut out: Option<&mut String>) -> Result<(), Malformed> {
        self.expect(b'"')?;
        loop {
            let run = self.pos;
            while matches!(self.byte(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.pos += 1;
            }
            if let Some(out) = out.as_deref_mut() {
                out.push_str(&self.text[run..self.pos]);
            }
            match self.byte().ok_or(Malformed)? {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => {
                    self.pos += 1;
                    let decoded = self.escape()?;
                    if let Some(out) = out.as_deref_mut() {
                        out.push(decoded.ok_or(Malformed)?);
                    }
                }
                _ => return Err(Malformed),
            }
        }
    }

    /// Reads the escape after a backslash: the character, or `None` for a lone surrogate (which
    /// JSON allows in a text but a Rust string cannot hold).
    fn escape(&mut self) -> Result<Option<char>, Malformed> {
        let byte = self.byte().ok_or(Malformed)?;
        self.pos += 1;
        let simple = match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                if !(0xD800..0xDC00).contains(&unit) {
                    return Ok(char::from_u32(unit));
                }
                // A high surrogate: a low one must follow to make a character.
                if !self.text[self.pos..].starts_with("\\u") {
                    return Ok(None);
                }
                self.pos += 2;
                let low = self.hex4()?;
                if !(0xDC00..0xE000).contains(&low) {
                    return Ok(None);
                }
                return Ok(char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)));
            }
            _ => return Err(Malformed),
        };
        Ok(Some(simple))
    }

    fn hex4(&mut self) -> Result<u32, Malformed> {
        let digits = self.text.get(self.pos..self.pos + 4).ok_or(Malformed)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Malformed);
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| Malformed)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.byte(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Checks a number: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Result<(), Malformed> {
        if self.byte() == Some(b'-') {
            self.pos += 1;
        }
        let first = self.byte();
        match self.digits() {
            0 => return Err(Malformed),
            n if n > 1 && first == Some(b'0') => return Err(Malformed),
            _ => {}
        }
        if self.byte() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(Malformed);
            }
        }
        if matches!(self.byte(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.byte(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(Malformed);
            }
        }
        Ok(())
    }

    /// Reads a whole number from 0 to `u64::MAX`, written without a fraction or an exponent.
    pub fn u64(&mut self) -> Result<u64, Malformed> {
        self.peek();
        let start = self.pos;
        self.number()?;
        let text = &self.text[start..self.pos];
        text.parse().map_err(|_| Malformed)
    }

    /// Reads `true` or `false`.
    pub fn bool(&mut self) -> Result<bool, Malformed> {
        match self.peek() {
            Some(b't') => self.literal("true").map(|()| true),
            Some(b'f') => self.literal("false").map(|()| false),
            _ => Err(Malformed),
        }
    }

    /// Reads an object, handing each key to `field`, which must read (or [`raw`](Self::raw)-skip)
    /// its value.
    pub fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, String) -> Result<(), Malformed>,
    ) -> Result<(), Malformed> {
        self.expect(b'{')?;
        if self.eat(b'}') {
            return Ok(());
        }
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            field(self, key)?;
            if self.eat(b'}') {
                return Ok(());
            }
            self.expect(b',')?;
        }
    }

    /// Reads an array, calling `item` for each element, which must read it.
    pub fn array(&mut self, mut item: impl FnMut(&mut Self) -> Result<(), Malformed>) -> Result<(), Malformed> {
        self.expect(b'[')?;
        if self.eat(b']') {
            return Ok(());
        }
        loop {
            item(self)?;
            if self.eat(b']') {
                return Ok(());
            }
            self.expect(b',')?;
        }
    }

    /// Reads an array of strings.
    pub fn strings(&mut self) -> Result<Vec<String>, Malformed> {
        let mut all = Vec::new();
        self.array(|r| r.string().map(|s| all.push(s)))?;
        Ok(all)
    }
}

/// Writes a string as `JSON.stringify` does (the escapes [`json_str_len`](crate::payload::json_str_len)
/// counts).
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                for nibble in [c as u32 >> 4, c as u32 & 0xF] {
                    out.push(char::from_digit(nibble, 16).unwrap_or('0'));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Writes an object field by field: `{"a":1,"b":2}`.
#[derive(Debug)]
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    /// Opens the object.
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        ObjectWriter { out, empty: true }
    }

    /// Writes `key` and its colon, and returns the text for its value to be written to.
    pub fn key(&mut self, key: &str) -> &mut String {
        if !std::mem::take(&mut self.empty) {
            self.out.push(',');
        }
        push_str(self.out, key);
        self.out.push(':');
        self.out
    }

    /// Writes a string field.
    pub fn str(&mut self, key: &str, value: &str) {
        push_str(self.key(key), value);
    }

    /// Writes a whole number field.
    pub fn u64(&mut self, key: &str, value: u64) {
        self.key(key).push_str(&decimal(value));
    }

    /// Writes a boolean field.
    pub fn bool(&mut self, key: &str, value: bool) {
        self.key(key).push_str(if value { "true" } else { "false" });
    }

    /// Writes a field whose value is JSON text already.
    pub fn raw(&mut self, key: &str, json: &str) {
        self.key(key).push_str(json);
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.push('}');
    }
}

/// Writes an array of strings.
pub fn push_strings(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_str(out, item);
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Result<&str, Malformed> {
        Reader::read_all(text, |r| r.raw())
    }

    #[test]
    fn raw_checks_and_returns_one_value_as_written() {
        for ok in [
            "0",
            "-0",
            "1.5e-3",
            "-12E+4",
            "true",
            "false",
            "null",
            r#""a\"\\\/\b\f\n\r\t\u00e9""#,
            "[]",
            "{}",
            r#" [1, {"a" : [true, null], "b":{}} , "x"] "#,
            r#"{"":{"":[]}}"#,
            r#""\ud800""#,
        ] {
            assert_eq!(raw(ok), Ok(ok.trim()), "{ok}");
        }
        for bad in [
            "",
            " ",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "+1",
            "tru",
            "nul",
            "[1,]",
            "[,1]",
            "{,}",
            r#"{"a"}"#,
            r#"{"a":}"#,
            r#"{"a":1,}"#,
            r#"{1:2}"#,
            "[1 2]",
            r#""a"#,
            "\"\u{1}\"",
            r#""\x""#,
            r#""\u12g4""#,
            "[}",
            "{]",
            "[1]]",
            "1 2",
            "NaN",
            "'a'",
        ] {
            assert_eq!(raw(bad), Err(Malformed), "{bad:?}");
        }
    }

    #[test]
    fn deep_nesting_is_walked_without_recursion() {
        let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        assert_eq!(raw(&deep).map(str::len), Ok(400_000));
        assert_eq!(raw(&deep[..300_000]), Err(Malformed));
    }

    #[test]
    fn strings_decode_escapes_and_surrogate_pairs() {
        let read = |text: &str| Reader::read_all(text, |r| r.string());
        assert_eq!(read(r#""a\n\u00e9\ud83d\ude00""#), Ok("a\né😀".to_owned()));
        assert_eq!(read(r#""\ud800""#), Err(Malformed));
        assert_eq!(read(r#""\ud800\u0041""#), Err(Malformed));
        assert_eq!(read("1"), Err(Malformed));
    }

    #[test]
    fn numbers_read_as_whole_numbers_only() {
        let read = |text: &str| Reader::read_all(text, |r| r.u64());
        assert_eq!(read(" 18446744073709551615 "), Ok(u64::MAX));
        for bad in ["18446744073709551616", "-1", "1.0", "1e3", "01", "\"1\""] {
            assert_eq!(read(bad), Err(Malformed), "{bad}");
        }
    }

    #[test]
    fn writers_write_what_json_stringify_writes() {
        let mut out = String::new();
        let mut object = ObjectWriter::new(&mut out);
        object.str("s", "q\"\u{1}\u{1f}é");
        object.u64("n", 0);
        object.u64("m", u64::MAX);
        object.bool("b", true);
        object.raw("r", "[1]");
        push_strings(object.key("l"), &["a".into(), "b".into()]);
        object.end();
        assert_eq!(out, r#"{"s":"q\"\u0001\u001fé","n":0,"m":18446744073709551615,"b":true,"r":[1],"l":["a","b"]}"#);
    }
}
