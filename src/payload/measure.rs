//! Measuring a value's size exactly as daily-js does: `JSON.stringify(data).length`, which counts
//! UTF-16 code units, not bytes. The measuring serializer only counts: it builds neither a string
//! nor a JS value, so a Rust update is measured for the price of walking it once.

use core::fmt::{self, Display};
use serde::ser::{self, Serialize};

/// Why a value cannot be measured (and so cannot be sent): it has no JSON form in JavaScript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unserializable(pub String);

impl Display for Unserializable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unserializable {}

impl ser::Error for Unserializable {
    fn custom<T: Display>(msg: T) -> Self {
        Unserializable(msg.to_string())
    }
}

/// The largest integer a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The length of `JSON.stringify(v)` in UTF-16 code units, for the JS value that
/// `serde_wasm_bindgen::Serializer::json_compatible()` makes of `value`.
///
/// ```
/// use daily_sync::payload::json_len;
/// assert_eq!(json_len(&("héllo", 1.5, None::<u8>)).unwrap(), r#"["héllo",1.5,null]"#.len() - 1);
/// ```
pub fn json_len<T: Serialize + ?Sized>(value: &T) -> Result<usize, Unserializable> {
    let mut counter = Counter { len: 0 };
    value.serialize(&mut counter)?;
    Ok(counter.len)
}

/// The length of a string's JSON form (quotes and escapes included) in UTF-16 code units.
pub fn json_str_len(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf16(),
        })
        .sum::<usize>()
}

/// The size of a JSON object from the sizes of its entries: `{` `}`, the commas, and for each
/// entry its quoted key, a colon and its value. Lets a merge know the new total without
/// stringifying the whole state.
pub fn object_len(entries: impl IntoIterator<Item = (usize, usize)>) -> usize {
    let (count, sum) =
        entries.into_iter().fold((0usize, 0usize), |(n, sum), (key, value)| (n + 1, sum + key + 1 + value));
    2 + sum + count.saturating_sub(1)
}

/// The length of a finite or non-finite number as `JSON.stringify` writes it (ECMAScript's
/// Number::toString: shortest round-trip digits, exponent form outside 1e-7 ..= 1e21).
pub fn json_number_len(v: f64) -> usize {
    if !v.is_finite() {
        return 4; // null
    }
    if v == 0.0 {
        return 1; // -0 is written as 0
    }
    let sign = usize::from(v < 0.0);
    // `{:e}` gives the same shortest round-trip digits as JavaScript, in the form d[.ddd]e[-]x.
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).count();
    let n = exp.parse::<i32>().unwrap_or(0) + 1; // position of the decimal point
    let k = digits as i32;
    let body = if k <= n && n <= 21 {
        n
    } else if 0 < n && n <= 21 {
        k + 1
    } else if -6 < n && n <= 0 {
        2 - n + k
    } else {
        let e = n - 1;
        let exp_len = 2 + if e.abs() >= 100 {
            3
        } else if e.abs() >= 10 {
            2
        } else {
            1
        };
        k + i32::from(k > 1) + exp_len
    };
    sign + body as usize
}

fn int_len(v: u64) -> usize {
    if v == 0 {
        1
    } else {
        v.ilog10() as usize + 1
    }
}

fn not_a_number(v: impl Display) -> Unserializable {
    Unserializable(format!("{v} can't be represented as a JavaScript number"))
}

fn signed_len(v: i64) -> Result<usize, Unserializable> {
    let abs = v.unsigned_abs();
    if abs > MAX_SAFE_INTEGER {
        return Err(not_a_number(v));
    }
    Ok(usize::from(v < 0) + int_len(abs))
}

struct Counter {
    len: usize,
}

/// Counts a sequence, map or struct: the brackets, the commas, and each element.
struct Compound<'a> {
    counter: &'a mut Counter,
    first: bool,
    /// Closing characters still owed (`]`, `}` or `]}` / `}}` for enum variants).
    close: usize,
}

impl Compound<'_> {
    fn comma(&mut self) {
        if !self.first {
            self.counter.len += 1;
        }
        self.first = false;
    }
}

/// Serializer methods that measure a number as the wider type it converts into losslessly.
macro_rules! widen {
    ($($method:ident: $ty:ty),* => $wide:ident) => {$(
        fn $method(self, v: $ty) -> Result<(), Unserializable> {
            self.$wide(v.into())
        }
    )*};
}

/// The seven methods of `ser::Serializer` that open a compound value, which differ only in their
/// arguments: `$plain` opens a sequence, tuple, map or struct, `$variant` a tuple or struct variant
/// (given the variant's name).
macro_rules! compound_openers {
    ($plain:ident, $variant:ident) => {
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unserializable> {
            self.$plain()
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unserializable> {
            self.$plain()
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Unserializable> {
            self.$plain()
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unserializable> {
            self.$plain()
        }
        fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Unserializable> {
            self.$plain()
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            variant: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Unserializable> {
            self.$variant(variant)
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            variant: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Unserializable> {
            self.$variant(variant)
        }
    };
}

impl<'a> Counter {
    fn open(&'a mut self, prefix: usize, close: usize) -> Compound<'a> {
        self.len += prefix;
        Compound { counter: self, first: true, close }
    }
    /// `[` or `{`, closed by one character.
    fn open_plain(&'a mut self) -> Result<Compound<'a>, Unserializable> {
        Ok(self.open(1, 1))
    }
    /// `{"variant":[` or `{"variant":{`, closed by two.
    fn open_variant(&'a mut self, variant: &str) -> Result<Compound<'a>, Unserializable> {
        Ok(self.open(1 + json_str_len(variant) + 1 + 1, 2))
    }
}

impl<'a> ser::Serializer for &'a mut Counter {
    type Ok = ();
    type Error = Unserializable;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    widen!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32 => serialize_i64);
    widen!(serialize_u8: u8, serialize_u16: u16, serialize_u32: u32 => serialize_u64);
    widen!(serialize_f32: f32 => serialize_f64);

    fn serialize_bool(self, v: bool) -> Result<(), Unserializable> {
        self.len += if v { 4 } else { 5 };
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Unserializable> {
        self.len += signed_len(v)?;
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Unserializable> {
        self.serialize_i64(i64::try_from(v).map_err(|_| not_a_number(v))?)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Unserializable> {
        if v > MAX_SAFE_INTEGER {
            return Err(not_a_number(v));
        }
        self.len += int_len(v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Unserializable> {
        self.serialize_u64(u64::try_from(v).map_err(|_| not_a_number(v))?)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Unserializable> {
        self.len += json_number_len(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Unserializable> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Unserializable> {
        self.len += json_str_len(v);
        Ok(())
    }
    /// serde-wasm-bindgen makes bytes a `Uint8Array`, which `JSON.stringify` writes as
    /// `{"0":1,"1":2}`.
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Unserializable> {
        self.len += 2 + v.len().saturating_sub(1);
        for (i, b) in v.iter().enumerate() {
            self.len += int_len(i as u64) + 3 + int_len(u64::from(*b));
        }
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Unserializable> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unserializable> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unserializable> {
        self.len += 4; // null
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unserializable> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Unserializable> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), Unserializable> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unserializable> {
        self.len += 2 + json_str_len(variant) + 1; // {"variant":…}
        value.serialize(self)
    }
    compound_openers!(open_plain, open_variant);
}

impl Compound<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unserializable> {
        self.comma();
        value.serialize(&mut *self.counter)
    }
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Unserializable> {
        self.comma();
        self.counter.len += json_str_len(key) + 1;
        value.serialize(&mut *self.counter)
    }
    fn end(self) -> Result<(), Unserializable> {
        self.counter.len += self.close;
        Ok(())
    }
}

/// The compound serializers whose parts are elements (`[a,b]`) or named fields (`{"k":v}`): each
/// measures through [`Compound::element`] or [`Compound::field`].
macro_rules! compound {
    ($($trait:ident: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Unserializable;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unserializable> {
                self.element(value)
            }
            fn end(self) -> Result<(), Unserializable> {
                Compound::end(self)
            }
        }
    )*};
    ($($trait:ident),* ; named) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Unserializable;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Unserializable> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), Unserializable> {
                Compound::end(self)
            }
        }
    )*};
}

compound!(
    SerializeSeq: serialize_element,
    SerializeTuple: serialize_element,
    SerializeTupleStruct: serialize_field,
    SerializeTupleVariant: serialize_field
);
compound!(SerializeStruct, SerializeStructVariant; named);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Unserializable;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unserializable> {
        self.comma();
        self.counter.len += key.serialize(KeyCounter)? + 1;
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unserializable> {
        value.serialize(&mut *self.counter)
    }
    fn end(self) -> Result<(), Unserializable> {
        Compound::end(self)
    }
}

/// Measures a map key as JavaScript writes a property name: always a quoted string.
struct KeyCounter;

macro_rules! key_as_number {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<usize, Unserializable> {
            Ok(2 + v.to_string().len())
        }
    )*};
}

impl ser::Serializer for KeyCounter {
    type Ok = usize;
    type Error = Unserializable;
    type SerializeSeq = ser::Impossible<usize, Unserializable>;
    type SerializeTuple = ser::Impossible<usize, Unserializable>;
    type SerializeTupleStruct = ser::Impossible<usize, Unserializable>;
    type SerializeTupleVariant = ser::Impossible<usize, Unserializable>;
    type SerializeMap = ser::Impossible<usize, Unserializable>;
    type SerializeStruct = ser::Impossible<usize, Unserializable>;
    type SerializeStructVariant = ser::Impossible<usize, Unserializable>;

    key_as_number!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64);

    fn serialize_str(self, v: &str) -> Result<usize, Unserializable> {
        Ok(json_str_len(v))
    }
    fn serialize_char(self, v: char) -> Result<usize, Unserializable> {
        Ok(json_str_len(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_bool(self, v: bool) -> Result<usize, Unserializable> {
        Ok(if v { 6 } else { 7 })
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<usize, Unserializable> {
        Ok(json_str_len(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<usize, Unserializable> {
        value.serialize(self)
    }
    fn serialize_f32(self, _: f32) -> Result<usize, Unserializable> {
        Err(key_error())
    }
    fn serialize_f64(self, _: f64) -> Result<usize, Unserializable> {
        Err(key_error())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<usize, Unserializable> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<usize, Unserializable> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<usize, Unserializable> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<usize, Unserializable> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<usize, Unserializable> {
        Err(key_error())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<usize, Unserializable> {
        Err(key_error())
    }
    compound_openers!(refuse, refuse_variant);
}

impl KeyCounter {
    fn refuse<T>(self) -> Result<T, Unserializable> {
        Err(key_error())
    }
    fn refuse_variant<T>(self, _: &str) -> Result<T, Unserializable> {
        Err(key_error())
    }
}

fn key_error() -> Unserializable {
    Unserializable("a map key must be a string, an integer or a unit variant".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn utf16(s: &str) -> usize {
        s.encode_utf16().count()
    }

    #[test]
    fn strings_count_utf16_units_and_escapes() {
        assert_eq!(json_str_len(""), 2);
        assert_eq!(json_str_len("a\"b\\c\n"), 2 + 6 + 3);
        assert_eq!(json_str_len("\u{1}"), 2 + 6);
        assert_eq!(json_str_len("é"), 3);
        assert_eq!(json_str_len("😀"), 4, "an astral character is two UTF-16 units");
    }

    #[test]
    fn numbers_follow_ecmascript_number_to_string() {
        for (v, js) in [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (123456.789, "123456.789"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5e21, "1.5e+21"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.25e-7, "1.25e-7"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::NAN, "null"),
            (f64::INFINITY, "null"),
            (0.000123, "0.000123"),
        ] {
            assert_eq!(json_number_len(v), js.len(), "{v} is written {js}");
        }
    }

    #[test]
    fn structures_match_serde_json_where_it_agrees_with_javascript() {
        #[derive(serde::Serialize)]
        struct Hand {
            raised: bool,
            at: Option<u32>,
            who: String,
            tags: Vec<&'static str>,
        }
        #[derive(serde::Serialize)]
        enum Shape {
            Unit,
            New(u8),
            Tuple(u8, u8),
            Named { x: i32 },
        }
        let hand = Hand { raised: true, at: None, who: "Zoë \"Z\"".into(), tags: vec!["a", "b"] };
        let text = serde_json::to_string(&hand).unwrap();
        assert_eq!(json_len(&hand).unwrap(), utf16(&text));
        for shape in [Shape::Unit, Shape::New(3), Shape::Tuple(1, 2), Shape::Named { x: -4 }] {
            assert_eq!(json_len(&shape).unwrap(), utf16(&serde_json::to_string(&shape).unwrap()));
        }
        let map: std::collections::BTreeMap<u32, &str> = [(1, "x"), (20, "y")].into();
        assert_eq!(json_len(&map).unwrap(), utf16(r#"{"1":"x","20":"y"}"#));
        assert_eq!(json_len(&json!({"a": [1, {"b": null}], "c": {}})).unwrap(), 27);
        assert_eq!(json_len(&Vec::<u8>::new()).unwrap(), 2);
    }

    #[test]
    fn integers_beyond_javascript_precision_are_refused() {
        assert!(json_len(&(MAX_SAFE_INTEGER + 1)).is_err());
        assert!(json_len(&i64::MIN).is_err());
        assert_eq!(json_len(&MAX_SAFE_INTEGER).unwrap(), 16);
    }

    proptest! {
        #[test]
        fn any_string_measures_as_serde_json_writes_it(s in any::<String>()) {
            prop_assert_eq!(json_str_len(&s), utf16(&serde_json::to_string(&s).unwrap()));
        }

        #[test]
        fn integers_measure_as_their_decimal_form(v in -(MAX_SAFE_INTEGER as i64)..=(MAX_SAFE_INTEGER as i64)) {
            prop_assert_eq!(json_len(&v).unwrap(), v.to_string().len());
        }
    }
}
