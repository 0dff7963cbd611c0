//! JSON has no NaN or infinity: serde_json writes them as `null`, which sends
//! a value the caller never meant. requests refuses them (`InvalidJSONError`);
//! so does sessio, by walking the value once before it is serialized.

use std::fmt;

use serde::ser::{self, Serialize};

/// The first NaN or infinite float in `value`, as an error.
pub(crate) fn check_finite<T: Serialize + ?Sized>(value: &T) -> Result<(), NotFinite> {
    value.serialize(Walk)
}

/// A float JSON cannot hold (or a failure of the value's own `Serialize`).
#[derive(Debug)]
pub(crate) struct NotFinite(String);

impl fmt::Display for NotFinite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotFinite {}

impl ser::Error for NotFinite {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        NotFinite(msg.to_string())
    }
}

fn float(value: f64) -> Result<(), NotFinite> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(NotFinite(format!(
            "{value} is not a JSON number (JSON has no NaN or infinity)"
        )))
    }
}

/// Walks a value without writing anything, failing on a non-finite float.
struct Walk;

type Done = Result<(), NotFinite>;

/// Values that hold no float: nothing to check.
macro_rules! pass {
    ($($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method(self, _: $ty) -> Done {
            Ok(())
        }
    )*};
}

impl ser::Serializer for Walk {
    type Ok = ();
    type Error = NotFinite;
    type SerializeSeq = Walk;
    type SerializeTuple = Walk;
    type SerializeTupleStruct = Walk;
    type SerializeTupleVariant = Walk;
    type SerializeMap = Walk;
    type SerializeStruct = Walk;
    type SerializeStructVariant = Walk;

    fn serialize_f32(self, v: f32) -> Done {
        float(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Done {
        float(v)
    }
    pass!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
    );
    fn serialize_none(self) -> Done {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        value.serialize(Walk)
    }
    fn serialize_unit(self) -> Done {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Done {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Done {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Done {
        value.serialize(Walk)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Done {
        value.serialize(Walk)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Walk, NotFinite> {
        Ok(Walk)
    }
    fn serialize_tuple(self, _: usize) -> Result<Walk, NotFinite> {
        Ok(Walk)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Walk, NotFinite> {
        Ok(Walk)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Walk, NotFinite> {
        Ok(Walk)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Walk, NotFinite> {
        Ok(Walk)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Walk, NotFinite> {
        Ok(Walk)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Walk, NotFinite> {
        Ok(Walk)
    }
}

/// The compound parts of a value: each element, field, key and value is
/// walked in turn.
macro_rules! walk_each {
    ($($trait:ident :: $method:ident ($($name:ty)?)),* $(,)?) => {$(
        impl ser::$trait for Walk {
            type Ok = ();
            type Error = NotFinite;
            fn $method<T: Serialize + ?Sized>(&mut self, $(_: $name,)? value: &T) -> Done {
                value.serialize(Walk)
            }
            fn end(self) -> Done {
                Ok(())
            }
        }
    )*};
}

walk_each!(
    SerializeSeq::serialize_element(),
    SerializeTuple::serialize_element(),
    SerializeTupleStruct::serialize_field(),
    SerializeTupleVariant::serialize_field(),
    SerializeStruct::serialize_field(&'static str),
    SerializeStructVariant::serialize_field(&'static str),
);

impl ser::SerializeMap for Walk {
    type Ok = ();
    type Error = NotFinite;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Done {
        key.serialize(Walk)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        value.serialize(Walk)
    }
    fn end(self) -> Done {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(serde::Serialize)]
    struct Reading {
        name: &'static str,
        values: Vec<Option<f64>>,
        nested: BTreeMap<&'static str, (f32, u8)>,
    }

    #[test]
    fn finite_values_pass_and_any_nan_or_infinity_anywhere_fails() {
        let ok = Reading {
            name: "a",
            values: vec![Some(1.5), None],
            nested: BTreeMap::from([("k", (2.0, 3))]),
        };
        assert!(check_finite(&ok).is_ok());
        assert!(check_finite(&serde_json::json!({"a": [1, 2.5, null]})).is_ok());

        let deep = Reading {
            name: "b",
            values: vec![None, Some(1.0)],
            nested: BTreeMap::from([("k", (f32::INFINITY, 3))]),
        };
        let err = check_finite(&deep).unwrap_err();
        assert!(err.to_string().contains("inf"), "{err}");
        assert!(check_finite(&f64::NAN).is_err());
        assert!(check_finite(&vec![Some(f64::NEG_INFINITY)]).is_err());
    }
}
