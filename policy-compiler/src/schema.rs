//! The JSON Schemas of the documents the CLI writes for tools: the
//! evidence report and the Statement of Applicability (`aimsgate schema
//! evidence-report`, `aimsgate schema soa`; published under `schemas/`).
//!
//! Each is generated from the Rust types the document is serialised from,
//! so it cannot describe another layout than the one written; a test keeps
//! the published copies current and validates real documents against them.
//! Objects are closed (`additionalProperties: false`): a consumer
//! validating a document learns of a member it does not know instead of
//! silently ignoring it, and a field added without regenerating the
//! published schema fails that test.

use schemars::JsonSchema;
use serde_json::Value;

/// Where the published schemas live; each one's `$id` is this and its
/// file name.
pub const BASE_URI: &str = "https://aimsgate.dev/schemas/";

/// The schema of document type `T`, published as `file`, whose `schema`
/// member always holds `version` (e.g. `aimsgate.soa/1`).
pub fn document<T: JsonSchema>(file: &str, version: &str) -> schemars::Schema {
    let mut schema = schemars::schema_for!(T);
    schema.insert("$id".to_owned(), format!("{BASE_URI}{file}").into());
    if let Some(map) = schema.as_object_mut() {
        close(map);
        if let Some(Value::Object(member)) = map
            .get_mut("properties")
            .and_then(|properties| properties.get_mut("schema"))
        {
            member.insert("const".to_owned(), version.into());
        }
    }
    schema
}

/// Sets `additionalProperties: false` on every object schema that lists
/// its properties and says nothing of others.
fn close(map: &mut serde_json::Map<String, Value>) {
    if map.contains_key("properties") && !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    map.values_mut().for_each(close_value);
}

fn close_value(value: &mut Value) {
    match value {
        Value::Object(map) => close(map),
        Value::Array(items) => items.iter_mut().for_each(close_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Inner {
        a: u32,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Doc {
        schema: String,
        inner: Inner,
    }

    #[test]
    fn documents_are_closed_and_name_their_version() {
        let schema = document::<Doc>("doc.v1.schema.json", "doc/1");
        let value = schema.as_value();
        assert_eq!(
            value["$id"],
            "https://aimsgate.dev/schemas/doc.v1.schema.json"
        );
        assert_eq!(value["properties"]["schema"]["const"], "doc/1");
        assert_eq!(value["additionalProperties"], false);
        assert_eq!(value["$defs"]["Inner"]["additionalProperties"], false);
    }
}
