//! Validates the bot's REST request bodies against Discord's official OpenAPI document, when
//! `../shared/discord-api-spec/openapi.json` exists; otherwise says once that it skipped.

use super::fake_discord::Request;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

struct Spec {
    /// (method, path template segments, request schema)
    ops: Vec<(String, Vec<String>, Value)>,
    components: Value,
    validators: Mutex<HashMap<usize, std::sync::Arc<jsonschema::Validator>>>,
}

fn spec() -> Option<&'static Spec> {
    static SPEC: OnceLock<Option<Spec>> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/discord-api-spec/openapi.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            // Written to the real stderr, past libtest's capture, so the notice is always seen.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "NOTICE: {} not found: request bodies are NOT validated against Discord's schema (skipped)",
                path.display()
            );
            return None;
        };
        let doc: Value = serde_json::from_str(&text).expect("openapi.json parses");
        let mut ops = Vec::new();
        for (p, item) in doc["paths"].as_object().unwrap() {
            for (m, op) in item.as_object().unwrap() {
                if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
                    let segs = p.trim_start_matches('/').split('/').map(String::from).collect();
                    ops.push((m.to_uppercase(), segs, schema.clone()));
                }
            }
        }
        Some(Spec {
            ops,
            components: doc["components"].clone(),
            validators: Mutex::new(HashMap::new()),
        })
    })
    .as_ref()
}

/// Whether the official schema is available (tests print a notice when it is not).
pub fn available() -> bool {
    spec().is_some()
}

/// `Some(description)` when `req` has a JSON body that violates the schema of its operation.
pub fn check(req: &Request) -> Option<String> {
    let spec = spec()?;
    if req.json.is_null() {
        return None;
    }
    let p = req
        .path
        .trim_start_matches("/api/v10")
        .trim_start_matches('/');
    let segs: Vec<&str> = p.split('/').collect();
    let (i, _) = spec.ops.iter().enumerate().find(|(_, (m, t, _))| {
        *m == req.method
            && t.len() == segs.len()
            && t.iter()
                .zip(&segs)
                .all(|(t, s)| t.starts_with('{') || t == s)
    })?;
    let validator = {
        let mut cache = spec.validators.lock().unwrap();
        cache
            .entry(i)
            .or_insert_with(|| {
                let mut root = json!({
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "components": spec.components,
                });
                let s = &spec.ops[i].2;
                for (k, v) in s.as_object().unwrap() {
                    root[k] = v.clone();
                }
                std::sync::Arc::new(jsonschema::validator_for(&root).expect("schema compiles"))
            })
            .clone()
    };
    let body = normalize(req.json.clone());
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        None
    } else {
        Some(format!(
            "{} {}: body does not match Discord's schema: {}\nbody: {}",
            req.method,
            req.path,
            errors.join("; "),
            req.json
        ))
    }
}

/// Where Discord's OpenAPI document is narrower than what Discord documents and accepts:
/// - permission bitfields are documented as strings ("default_member_permissions?: ?string") and
///   serenity sends them so, while the OpenAPI document types them as integers;
/// - an uploaded attachment's `id` is the index of the file part, an integer in Discord's own
///   examples (`"attachments": [{"id": 0, ...}]`) and in serenity, a snowflake string in the
///   OpenAPI document.
fn normalize(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "default_member_permissions" {
                        if let Some(n) = x.as_str().and_then(|s| s.parse::<u64>().ok()) {
                            *x = Value::from(n);
                        }
                    }
                    if k == "attachments" {
                        for a in x.as_array_mut().into_iter().flatten() {
                            if let Some(n) = a.get("id").and_then(Value::as_u64) {
                                a["id"] = Value::from(n.to_string());
                            }
                        }
                    }
                    walk(x);
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}
