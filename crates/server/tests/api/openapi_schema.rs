//! The OpenAPI description as the tests read it: its operations, and a small JSON Schema
//! validator for the parts of the language it uses (`$ref`, `anyOf`, `oneOf`, `allOf`, `type`,
//! `enum`, `const`, `properties`, `required`, `additionalProperties`, `items`, `minimum`,
//! `maximum`, `minLength`, `maxLength`). `pattern` and `format` are left to schemathesis, which
//! checks them against a live server.

use std::collections::BTreeSet;

use oblako_server::api::openapi::OPENAPI_JSON;
use serde_json::Value;

use crate::helpers::Reply;

pub struct Spec(pub Value);

/// A path as both sides spell it: parameters as `{}`, lower case.
pub fn template(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if !in_param => out.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    out
}

impl Spec {
    pub fn load() -> Spec {
        Spec(serde_json::from_str(OPENAPI_JSON).expect("openapi.json is JSON"))
    }

    /// `(METHOD, template)` of every operation described.
    pub fn operations(&self) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for (path, item) in self.0["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                out.insert((method.to_ascii_uppercase(), template(path)));
            }
        }
        out
    }

    /// `(METHOD, path as written)` of every operation described.
    pub fn raw_operations(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (path, item) in self.0["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                out.push((method.to_ascii_uppercase(), path.clone()));
            }
        }
        out
    }

    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(pointer) => {
                let target = self
                    .0
                    .pointer(pointer.trim_start_matches('#'))
                    .unwrap_or_else(|| panic!("dangling $ref {pointer}"));
                self.resolve(target)
            }
            None => value,
        }
    }

    /// The documented response of `method path` with `status`, or a panic naming what is missing.
    fn response(&self, method: &str, path: &str, status: u16) -> &Value {
        let operation = &self.0["paths"][path][method.to_ascii_lowercase()];
        assert!(operation.is_object(), "{method} {path} is not described");
        let response = &operation["responses"][status.to_string()];
        assert!(
            response.is_object(),
            "{method} {path}: status {status} is not documented"
        );
        self.resolve(response)
    }

    /// Checks that `reply` is a documented answer of `method path` (the path as the description
    /// writes it): its status is listed, its content type is the documented one, and its body
    /// validates against the schema.
    pub fn check(&self, method: &str, path: &str, reply: &Reply) {
        let response = self.response(method, path, reply.status.as_u16());
        let content = response["content"].as_object().expect("content");
        let media = reply.content_type().split(';').next().unwrap_or("").trim();
        let schema = &content
            .get(media)
            .unwrap_or_else(|| panic!("{method} {path}: content type {media:?} not documented"))["schema"];
        let body: Value = reply.json();
        if let Err(e) = self.validate(schema, &body, "$") {
            panic!(
                "{method} {path} {}: {e}\nbody: {body}",
                reply.status.as_u16()
            );
        }
    }

    pub fn validate(&self, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
        let schema = self.resolve(schema);
        if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
            let errors: Vec<String> = options
                .iter()
                .filter_map(|o| self.validate(o, value, at).err())
                .collect();
            if errors.len() == options.len() {
                return Err(format!("{at}: matches no anyOf option: {errors:?}"));
            }
        }
        if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
            let passing = options
                .iter()
                .filter(|o| self.validate(o, value, at).is_ok())
                .count();
            if passing != 1 {
                return Err(format!("{at}: matches {passing} oneOf options"));
            }
        }
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.validate(part, value, at)?;
        }
        if let Some(types) = schema.get("type") {
            let names: Vec<&str> = match types {
                Value::String(name) => vec![name.as_str()],
                Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
                _ => return Err(format!("{at}: bad type keyword")),
            };
            if !names.iter().any(|name| is_type(value, name)) {
                return Err(format!("{at}: {value} is not of type {names:?}"));
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            return Err(format!("{at}: {value} is not one of {allowed:?}"));
        }
        if let Some(constant) = schema.get("const")
            && constant != value
        {
            return Err(format!("{at}: {value} is not {constant}"));
        }
        self.bounds(schema, value, at)?;
        if let Value::Object(object) = value {
            self.object(schema, object, at)?;
        }
        if let (Some(items), Value::Array(list)) = (schema.get("items"), value) {
            for (n, item) in list.iter().enumerate() {
                self.validate(items, item, &format!("{at}[{n}]"))?;
            }
        }
        Ok(())
    }

    fn bounds(&self, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
        if let Some(n) = value.as_f64() {
            let below = schema["minimum"].as_f64().is_some_and(|min| n < min);
            let above = schema["maximum"].as_f64().is_some_and(|max| n > max);
            if below || above {
                return Err(format!("{at}: {n} is out of bounds"));
            }
        }
        if let Some(text) = value.as_str() {
            let len = text.chars().count() as u64;
            let short = schema["minLength"].as_u64().is_some_and(|min| len < min);
            let long = schema["maxLength"].as_u64().is_some_and(|max| len > max);
            if short || long {
                return Err(format!("{at}: {text:?} has a length out of bounds"));
            }
        }
        Ok(())
    }

    fn object(
        &self,
        schema: &Value,
        object: &serde_json::Map<String, Value>,
        at: &str,
    ) -> Result<(), String> {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = name.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                return Err(format!("{at}: required key {name} is missing"));
            }
        }
        for (name, value) in object {
            let place = format!("{at}.{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(property) => self.validate(property, value, &place)?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        return Err(format!("{place}: key not in the schema"));
                    }
                    Some(extra @ Value::Object(_)) => self.validate(extra, value, &place)?,
                    _ => {}
                },
            }
        }
        Ok(())
    }
}

fn is_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        // With `arbitrary_precision`, an integer is a number whose text has no fraction.
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}
