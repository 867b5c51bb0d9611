//! A JSON object read lazily: key -> raw JSON value pairs borrowed from the input, so a parser
//! decodes only the values it needs. Paths are lists of keys (keys may contain dots, as
//! Kubernetes annotation names do); a numeric segment indexes an array.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON object as borrowed key -> raw value pairs, in document order.
pub struct JsonObject<'a> {
    fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> JsonObject<'a> {
    /// Parse a JSON object (anything else is an error).
    pub fn parse(raw: &'a [u8]) -> serde_json::Result<JsonObject<'a>> {
        serde_json::from_slice(raw)
    }

    fn raw(&self, key: &str) -> Option<&'a RawValue> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// The raw value at a path of keys (a numeric segment indexes an array).
    pub fn raw_at(&self, path: &[&str]) -> Option<&'a RawValue> {
        let (first, rest) = path.split_first()?;
        let mut value = self.raw(first)?;
        for segment in rest {
            value = child(value, segment)?;
        }
        Some(value)
    }

    /// The scalar at a path, as text (strings decoded, numbers and booleans verbatim).
    pub fn str_at(&self, path: &[&str]) -> Option<Cow<'a, str>> {
        self.raw_at(path).and_then(scalar)
    }

    /// The raw JSON text at a path (objects and arrays included).
    pub fn json_at(&self, path: &[&str]) -> Option<&'a str> {
        self.raw_at(path).map(RawValue::get)
    }

    /// The elements of the array at a path (empty when it is not an array).
    pub fn array_at(&self, path: &[&str]) -> Vec<&'a RawValue> {
        self.raw_at(path)
            .and_then(|raw| serde_json::from_str::<Vec<&'a RawValue>>(raw.get()).ok())
            .unwrap_or_default()
    }

    /// Every scalar field, and those of objects one level down as `parent.child`, in
    /// document order (for reading every field that says something in words). The elements
    /// of an array count as fields of the array's name (`"errors":["Maximum number of API
    /// keys reached"]`, `"details":[{"reason":"MAX_KEYS"}]` as `details.reason`).
    pub fn scalars(&self) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
        let mut out = Vec::new();
        for (key, value) in &self.fields {
            push_scalars(key.clone(), value, NESTING_READ, &mut out);
        }
        out
    }

    /// Whether the object has this key at the top level.
    pub fn has(&self, key: &str) -> bool {
        self.raw(key).is_some()
    }

    /// The scalar at `key`, or at `parent.child` inside a nested object.
    pub fn lookup(&self, key: &str) -> Option<Cow<'a, str>> {
        if let Some(raw) = self.raw(key) {
            return scalar(raw);
        }
        let (parent, child) = key.split_once('.')?;
        let nested = self.raw(parent)?;
        if !nested.get().starts_with('{') {
            return None;
        }
        let object: JsonObject<'a> = serde_json::from_str(nested.get()).ok()?;
        object.lookup(child)
    }
}

/// How many elements of an array are read as words (the rest are left out).
const ARRAY_ELEMENTS_READ: usize = 8;

/// How many objects and arrays down scalars are read (`error.details[].reason` is three).
const NESTING_READ: u32 = 3;

/// The scalars of one value named `key`: itself, the members of an object, the elements of
/// an array, while `levels` nestings are left to enter.
fn push_scalars<'a>(
    key: Cow<'a, str>,
    value: &'a RawValue,
    levels: u32,
    out: &mut Vec<(Cow<'a, str>, Cow<'a, str>)>,
) {
    match value.get().as_bytes().first() {
        Some(b'{') if levels > 0 => {
            if let Ok(inner) = JsonObject::parse(value.get().as_bytes()) {
                for (k, v) in &inner.fields {
                    push_scalars(Cow::Owned(format!("{key}.{k}")), v, levels - 1, out);
                }
            }
        }
        Some(b'[') if levels > 0 => {
            if let Ok(elements) = serde_json::from_str::<Vec<&'a RawValue>>(value.get()) {
                for element in elements.into_iter().take(ARRAY_ELEMENTS_READ) {
                    push_scalars(key.clone(), element, levels - 1, out);
                }
            }
        }
        _ => {
            if let Some(text) = scalar(value) {
                out.push((key, text));
            }
        }
    }
}

/// The member `segment` of an object, or element `segment` of an array.
fn child<'a>(value: &'a RawValue, segment: &str) -> Option<&'a RawValue> {
    match value.get().as_bytes().first()? {
        b'{' => JsonObject::parse(value.get().as_bytes()).ok()?.raw(segment),
        b'[' => {
            let index: usize = segment.parse().ok()?;
            serde_json::from_str::<Vec<&'a RawValue>>(value.get())
                .ok()?
                .get(index)
                .copied()
        }
        _ => None,
    }
}

/// A string value (borrowed unless it has escapes), or the literal text of a number or bool.
pub fn scalar(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get();
    match text.as_bytes().first()? {
        b'"' => serde_json::from_str::<CowStr<'_>>(text).ok().map(|s| s.0),
        b'{' | b'[' | b'n' => None,
        _ => Some(Cow::Borrowed(text)),
    }
}

/// A string that borrows from the input when it can.
pub struct CowStr<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(StrVisitor)
    }
}

impl<'de> Deserialize<'de> for JsonObject<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = JsonObject<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some((key, value)) = map.next_entry::<CowStr<'de>, &'de RawValue>()? {
                    fields.push((key.0, value));
                }
                Ok(JsonObject { fields })
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}
