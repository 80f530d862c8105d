//! Request parameters as CloudPayments accepts them (spec §1.2, §14.1).
//!
//! A body is JSON or `application/x-www-form-urlencoded`; names match case-insensitively; an
//! explicit `null` is the same as leaving the parameter out; numbers may come as strings and
//! booleans as `true/false/1/0` in any case. Every accessor answers with a message the merchant
//! can act on, never a panic.

use std::collections::BTreeMap;
use std::str::FromStr;

use oblako_core::money::{Currency, Money};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;

use crate::amount::{AmountError, parse_amount};

/// Most fields one request may carry (spec §1.2).
pub const MAX_FIELDS: usize = 150_000;
/// Deepest JSON nesting accepted.
pub const MAX_DEPTH: usize = 64;
/// Longest string parameter accepted unless an accessor says otherwise.
pub const DEFAULT_MAX_LEN: usize = 4096;

/// A refused parameter or body; the text is the envelope's `Message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// The body is not valid JSON.
    #[error("Invalid JSON body: {0}")]
    MalformedJson(String),
    /// The body is not a JSON object.
    #[error("The request body must be a JSON object")]
    NotAnObject,
    /// The form body cannot be decoded.
    #[error("Invalid form body")]
    MalformedForm,
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("The request body is nested too deeply")]
    TooDeep,
    /// More than [`MAX_FIELDS`] fields.
    #[error("The request has too many fields")]
    TooManyFields,
    /// The same name twice (in a JSON object at any depth, or differing only in case).
    #[error("Parameter {0} is given more than once")]
    Duplicate(String),
    /// A required parameter is absent.
    #[error("{0} is required")]
    Required(String),
    /// A parameter of the wrong type or form.
    #[error("Invalid {0} value")]
    Invalid(String),
    /// A string longer than allowed.
    #[error("{0} is too long (at most {1} characters)")]
    TooLong(String, usize),
    /// A currency outside the accepted list.
    #[error("Unknown currency {0}")]
    UnknownCurrency(String),
    /// A refused amount.
    #[error(transparent)]
    Amount(#[from] AmountError),
}

/// The parameters of one request, keyed by lower-cased name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    fields: BTreeMap<String, Value>,
}

impl Params {
    /// Parses a JSON object body. An empty body is an empty parameter set.
    pub fn from_json(body: &[u8]) -> Result<Params, ParamError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Params::default());
        }
        if let Some(key) = unique::first_duplicate_key(body) {
            return Err(ParamError::Duplicate(key));
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            ParamError::MalformedJson(format!("line {} column {}", e.line(), e.column()))
        })?;
        let Value::Object(object) = value else {
            return Err(ParamError::NotAnObject);
        };
        let mut fields = BTreeMap::new();
        let mut count = 0usize;
        for (name, value) in object {
            count += count_fields(&value, 1)?;
            if count > MAX_FIELDS {
                return Err(ParamError::TooManyFields);
            }
            insert(&mut fields, &name, value)?;
        }
        Ok(Params { fields })
    }

    /// Parses an `application/x-www-form-urlencoded` body.
    pub fn from_form(body: &[u8]) -> Result<Params, ParamError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(body).map_err(|_| ParamError::MalformedForm)?;
        if pairs.len() > MAX_FIELDS {
            return Err(ParamError::TooManyFields);
        }
        let mut fields = BTreeMap::new();
        for (name, value) in pairs {
            insert(&mut fields, &name, Value::String(value))?;
        }
        Ok(Params { fields })
    }

    /// The raw value of `name`; `None` when absent or `null`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields
            .get(&name.to_ascii_lowercase())
            .filter(|v| !v.is_null())
    }

    /// A string parameter of at most [`DEFAULT_MAX_LEN`] characters; numbers are taken as their
    /// text (an `InvoiceId` sent as `123` is `"123"`).
    pub fn string(&self, name: &str) -> Result<Option<String>, ParamError> {
        self.string_max(name, DEFAULT_MAX_LEN)
    }

    /// A string parameter of at most `max_len` characters.
    pub fn string_max(&self, name: &str, max_len: usize) -> Result<Option<String>, ParamError> {
        let text = match self.get(name) {
            None => return Ok(None),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(_) => return Err(ParamError::Invalid(name.to_owned())),
        };
        if text.chars().count() > max_len {
            return Err(ParamError::TooLong(name.to_owned(), max_len));
        }
        Ok(Some(text))
    }

    /// A string parameter that must be present and non-empty.
    pub fn required_string(&self, name: &str, max_len: usize) -> Result<String, ParamError> {
        match self.string_max(name, max_len)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(ParamError::Required(name.to_owned())),
        }
    }

    /// A list of strings: a JSON array, or a comma-separated string (form bodies).
    pub fn string_list(&self, name: &str) -> Result<Option<Vec<String>>, ParamError> {
        let invalid = || ParamError::Invalid(name.to_owned());
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(|s| s.trim().to_owned()).ok_or_else(invalid))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(Value::String(s)) => Ok(Some(
                s.split(',')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect(),
            )),
            Some(_) => Err(invalid()),
        }
    }

    /// A boolean: JSON `true/false`, `1/0`, or the strings `true/false/1/0` in any case.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ParamError> {
        let invalid = || ParamError::Invalid(name.to_owned());
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) => match n.to_string().as_str() {
                "1" => Ok(Some(true)),
                "0" => Ok(Some(false)),
                _ => Err(invalid()),
            },
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                "" => Ok(None),
                _ => Err(invalid()),
            },
            Some(_) => Err(invalid()),
        }
    }

    /// An integer; a fractional number is rounded half away from zero, as CloudPayments does.
    pub fn i64(&self, name: &str) -> Result<Option<i64>, ParamError> {
        let invalid = || ParamError::Invalid(name.to_owned());
        let text = match self.get(name) {
            None => return Ok(None),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(Value::String(s)) => s.trim().to_owned(),
            Some(_) => return Err(invalid()),
        };
        if text.len() > 64 {
            return Err(invalid());
        }
        let value = if text.contains(['e', 'E']) {
            Decimal::from_scientific(&text).map_err(|_| invalid())?
        } else {
            Decimal::from_str(&text).map_err(|_| invalid())?
        };
        value
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .to_i64()
            .map(Some)
            .ok_or_else(invalid)
    }

    /// An IPv4 or IPv6 address in its usual text (`IpAddress`); empty counts as absent.
    pub fn ip_address(&self, name: &str) -> Result<Option<String>, ParamError> {
        match self.string_max(name, 64)? {
            Some(text) if text.is_empty() => Ok(None),
            Some(text) => text
                .parse::<std::net::IpAddr>()
                .map(|ip| Some(ip.to_string()))
                .map_err(|_| ParamError::Invalid(name.to_owned())),
            None => Ok(None),
        }
    }

    /// `Currency`, defaulting to RUB.
    pub fn currency(&self) -> Result<Currency, ParamError> {
        match self.string_max("Currency", 8)? {
            None => Ok(Currency::RUB),
            Some(code) if code.trim().is_empty() => Ok(Currency::RUB),
            Some(code) => Currency::from_code(code.trim())
                .ok_or_else(|| ParamError::UnknownCurrency(code.trim().to_owned())),
        }
    }

    /// A required amount in `currency`, parsed exactly.
    pub fn amount(&self, name: &str, currency: Currency) -> Result<Money, ParamError> {
        let text = match self.get(name) {
            None => return Err(ParamError::Required(name.to_owned())),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) if s.trim().is_empty() => {
                return Err(ParamError::Required(name.to_owned()));
            }
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(ParamError::Invalid(name.to_owned())),
        };
        Ok(parse_amount(name, &text, currency)?)
    }

    /// `JsonData`-style parameters: a JSON string is kept as sent, an object is re-serialized.
    pub fn json_text(&self, name: &str, max_len: usize) -> Result<Option<String>, ParamError> {
        let text = match self.get(name) {
            None => return Ok(None),
            Some(Value::String(s)) => s.clone(),
            Some(v @ (Value::Object(_) | Value::Array(_))) => v.to_string(),
            Some(_) => return Err(ParamError::Invalid(name.to_owned())),
        };
        if text.len() > max_len {
            return Err(ParamError::TooLong(name.to_owned(), max_len));
        }
        Ok(Some(text))
    }

    /// A stable text of all parameters (sorted lower-cased names, canonical JSON values), used to
    /// tell a retry of the same request from a different request under the same `X-Request-ID`.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        for (name, value) in &self.fields {
            if value.is_null() {
                continue;
            }
            out.push_str(name);
            out.push('=');
            match value {
                Value::String(s) => out.push_str(s),
                other => out.push_str(&other.to_string()),
            }
            out.push('\n');
        }
        out
    }
}

fn insert(
    fields: &mut BTreeMap<String, Value>,
    name: &str,
    value: Value,
) -> Result<(), ParamError> {
    let key = name.to_ascii_lowercase();
    if fields.contains_key(&key) {
        return Err(ParamError::Duplicate(name.to_owned()));
    }
    fields.insert(key, value);
    Ok(())
}

fn count_fields(value: &Value, depth: usize) -> Result<usize, ParamError> {
    if depth > MAX_DEPTH {
        return Err(ParamError::TooDeep);
    }
    match value {
        Value::Object(map) => map
            .values()
            .try_fold(1, |n, v| Ok(n + count_fields(v, depth + 1)?)),
        Value::Array(items) => items
            .iter()
            .try_fold(1, |n, v| Ok(n + count_fields(v, depth + 1)?)),
        _ => Ok(1),
    }
}

mod unique;

#[cfg(test)]
mod tests;
