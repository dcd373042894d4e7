//! Test support: a small, hand-written validator for the OpenAPI 3.0 subset used by the
//! fragments in `openapi-fragments/` (see `openapi-fragments/README.md`).
//!
//! Include it from a test file with
//! `#[path = "support/openapi.rs"] mod openapi;` (or from a `tests/support/mod.rs`).
//!
//! Supported schema keywords: `type` (integer, number, string, boolean, object, array),
//! `nullable`, `properties`, `required`, `additionalProperties` (true / false / schema),
//! `items`, `enum`, `allOf`, `anyOf`, `oneOf` (+ `discriminator` with `mapping`), `not`,
//! `$ref` (local `#/...` and relative-file `other.yaml#/...`), `format` (`byte`, `date-time`,
//! `x-date-time-no-offset`, `int32`, `int64`), `readOnly` (rejected in request bodies),
//! `minItems`, `maxItems`, `minLength`, `maxLength`, and the extensions
//! `x-required-prefix-ci` (case-insensitive string prefix) and `x-violation-message`.
//! Any other keyword (for example `pattern`) is reported by [`Fragments::lint`] and makes
//! loading fail, so nothing is silently ignored.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use base64::Engine as _;
use serde_json::Value;

/// Every fragment document under `openapi-fragments/`, keyed by its path relative to that
/// directory with `/` separators (for example `schemas/message.yaml`).
#[allow(dead_code)]
pub struct Fragments {
    root: PathBuf,
    docs: BTreeMap<String, Value>,
}

static FRAGMENTS: OnceLock<Fragments> = OnceLock::new();

/// Loads every fragment under openapi-fragments/ (path from env!("CARGO_MANIFEST_DIR")).
/// Panics if a fragment does not parse or fails [`Fragments::lint`].
#[allow(dead_code)]
pub fn fragments() -> &'static Fragments {
    FRAGMENTS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi-fragments");
        match Fragments::load(&root) {
            Ok(f) => f,
            Err(problems) => panic!(
                "openapi-fragments at {} are invalid:\n  {}",
                root.display(),
                problems.join("\n  ")
            ),
        }
    })
}

/// Convenience: panics with all violations listed.
#[allow(dead_code)]
pub fn assert_request_conforms(method: &str, path: &str, content_type: &str, body: &[u8]) {
    if let Err(violations) = fragments().validate_request(method, path, content_type, body) {
        panic!(
            "{} {} ({}) does not conform to openapi-fragments ({} violation(s)):\n  {}\nbody: {}",
            method,
            path,
            content_type,
            violations.len(),
            violations.join("\n  "),
            String::from_utf8_lossy(body)
        );
    }
}

const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Keywords the validator evaluates.
const SCHEMA_KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "nullable",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "discriminator",
    "format",
    "readOnly",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
];
/// Keywords that carry no validation meaning.
const ANNOTATION_KEYWORDS: &[&str] = &[
    "title",
    "description",
    "default",
    "example",
    "deprecated",
    "externalDocs",
];
const FORMATS: &[&str] = &[
    "byte",
    "date-time",
    "x-date-time-no-offset",
    "int32",
    "int64",
];
const TYPES: &[&str] = &["integer", "number", "string", "boolean", "object", "array"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A body the client sends: readOnly properties are violations.
    Request,
    /// A body the server sends: readOnly properties are fine.
    Response,
}

struct Ctx {
    mode: Mode,
    errors: Vec<String>,
    depth: usize,
}

#[allow(dead_code)]
impl Fragments {
    /// Loads and lints every `*.yaml` / `*.yml` file under `root` (recursively).
    pub fn load(root: &Path) -> Result<Fragments, Vec<String>> {
        let mut files = Vec::new();
        collect_yaml_files(root, &mut files)
            .map_err(|e| vec![format!("{}: {e}", root.display())])?;
        files.sort();
        let mut problems = Vec::new();
        let mut docs = BTreeMap::new();
        for file in &files {
            let key = file
                .strip_prefix(root)
                .expect("file under root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let text = match std::fs::read_to_string(file) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{key}: cannot read: {e}"));
                    continue;
                }
            };
            match serde_yaml_ng::from_str::<Value>(&text) {
                Ok(v) => {
                    docs.insert(key, v);
                }
                Err(e) => problems.push(format!("{key}: YAML parse error: {e}")),
            }
        }
        if docs.is_empty() && problems.is_empty() {
            problems.push(format!("no fragment files found under {}", root.display()));
        }
        let fragments = Fragments {
            root: root.to_path_buf(),
            docs,
        };
        problems.extend(fragments.lint());
        if problems.is_empty() {
            Ok(fragments)
        } else {
            Err(problems)
        }
    }

    /// Directory the fragments were loaded from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Fragment files loaded (relative paths, `/`-separated).
    pub fn files(&self) -> Vec<String> {
        self.docs.keys().cloned().collect()
    }

    /// Operations defined: (METHOD, path template) pairs.
    pub fn operations(&self) -> Vec<(String, String)> {
        let mut ops = Vec::new();
        for doc in self.docs.values() {
            if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
                for (template, item) in paths {
                    if let Some(item) = item.as_object() {
                        for m in HTTP_METHODS {
                            if item.contains_key(*m) {
                                ops.push((m.to_ascii_uppercase(), template.clone()));
                            }
                        }
                    }
                }
            }
        }
        ops.sort();
        ops
    }

    /// Names of all component schemas across the fragment files.
    pub fn schema_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .docs
            .values()
            .filter_map(|d| d.pointer("/components/schemas").and_then(Value::as_object))
            .flat_map(|m| m.keys().cloned())
            .collect();
        names.sort();
        names
    }

    /// Validates a request body the client sent: finds the operation whose path template matches
    /// `path` (a concrete path after the Graph base, e.g. "/me/sendMail" or "/users/adele%40contoso.com/sendMail";
    /// match segments case-insensitively, `{param}` matches one segment) and `method`, picks the
    /// media type by `content_type` (parameters like charset ignored), and validates `body`.
    /// Err lists every violation with its JSON path ("$.message.toRecipients[0].emailAddress: missing required property 'address'").
    pub fn validate_request(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<(), Vec<String>> {
        let (doc_key, template, operation) = self.find_operation(method, path)?;
        let label = format!("{} {}", method.to_ascii_uppercase(), template);

        let Some(request_body) = operation.get("requestBody") else {
            return if body.is_empty() {
                Ok(())
            } else {
                Err(vec![format!(
                    "{label}: the operation declares no request body, but {} byte(s) were sent",
                    body.len()
                )])
            };
        };
        let (rb_doc, request_body) = self
            .deref(doc_key, request_body)
            .map_err(|e| vec![format!("{label}: requestBody: {e}")])?;
        let required = request_body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if body.is_empty() {
            return if required {
                Err(vec![format!("{label}: request body is required but empty")])
            } else {
                Ok(())
            };
        }

        let wanted = media_type_essence(content_type);
        let content = request_body
            .get("content")
            .and_then(Value::as_object)
            .ok_or_else(|| vec![format!("{label}: requestBody has no content map")])?;
        let Some((media, media_obj)) = content
            .iter()
            .find(|(k, _)| media_type_essence(k) == wanted)
        else {
            return Err(vec![format!(
                "{label}: media type '{content_type}' is not accepted; the operation accepts: {}",
                content.keys().cloned().collect::<Vec<_>>().join(", ")
            )]);
        };
        let schema = media_obj
            .get("schema")
            .ok_or_else(|| vec![format!("{label}: {media}: no schema")])?;

        let value = if wanted == "application/json" || wanted.ends_with("+json") {
            serde_json::from_slice::<Value>(body)
                .map_err(|e| vec![format!("$: body is not valid JSON ({e})")])?
        } else if wanted == "text/plain" {
            let text = std::str::from_utf8(body)
                .map_err(|e| vec![format!("$: text/plain body is not UTF-8 ({e})")])?;
            // Base64 MIME may be wrapped (the docs wrap at 76 columns): drop CRLF / LF line breaks.
            Value::String(text.replace("\r\n", "").replace('\n', ""))
        } else {
            return Err(vec![format!(
                "{label}: the validator cannot check media type '{media}' (only JSON and text/plain)"
            )]);
        };

        let mut ctx = Ctx {
            mode: Mode::Request,
            errors: Vec::new(),
            depth: 0,
        };
        self.validate(&mut ctx, rb_doc, schema, &value, "$", None);
        if ctx.errors.is_empty() {
            Ok(())
        } else {
            Err(ctx.errors)
        }
    }

    /// Validates a JSON value against a named schema, e.g. "microsoft.graph.message" (searching all
    /// fragment files). Request semantics: readOnly properties are violations.
    pub fn validate_schema(&self, schema_name: &str, value: &Value) -> Result<(), Vec<String>> {
        self.validate_named(schema_name, value, Mode::Request)
    }

    /// Like [`Fragments::validate_schema`] but for bodies the server sends (readOnly properties allowed),
    /// e.g. a sandbox error body against "microsoft.graph.ODataErrors.ODataError".
    pub fn validate_response_schema(
        &self,
        schema_name: &str,
        value: &Value,
    ) -> Result<(), Vec<String>> {
        self.validate_named(schema_name, value, Mode::Response)
    }

    fn validate_named(
        &self,
        schema_name: &str,
        value: &Value,
        mode: Mode,
    ) -> Result<(), Vec<String>> {
        let found = self.docs.iter().find_map(|(k, d)| {
            d.pointer("/components/schemas")
                .and_then(|s| s.get(schema_name))
                .map(|s| (k.as_str(), s))
        });
        let Some((doc, schema)) = found else {
            return Err(vec![format!(
                "unknown schema '{schema_name}'; the fragments define: {}",
                self.schema_names().join(", ")
            )]);
        };
        let mut ctx = Ctx {
            mode,
            errors: Vec::new(),
            depth: 0,
        };
        self.validate(&mut ctx, doc, schema, value, "$", Some(schema_name));
        if ctx.errors.is_empty() {
            Ok(())
        } else {
            Err(ctx.errors)
        }
    }

    // ----------------------------------------------------------------------------------------
    // Operation lookup
    // ----------------------------------------------------------------------------------------

    fn find_operation(
        &self,
        method: &str,
        path: &str,
    ) -> Result<(&str, &str, &Value), Vec<String>> {
        let concrete = concrete_segments(path);
        let method_lc = method.to_ascii_lowercase();
        let mut best: Option<(usize, &str, &str, &Value)> = None; // (literal segments, doc, template, path item)
        for (doc_key, doc) in &self.docs {
            let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
                continue;
            };
            for (template, item) in paths {
                if let Some(literals) = match_template(template, &concrete) {
                    if best.map_or(true, |(l, ..)| literals > l) {
                        best = Some((literals, doc_key.as_str(), template.as_str(), item));
                    }
                }
            }
        }
        let Some((_, doc_key, template, item)) = best else {
            return Err(vec![format!(
                "no operation in openapi-fragments matches {} {path}; defined operations: {}",
                method.to_ascii_uppercase(),
                self.operations()
                    .iter()
                    .map(|(m, p)| format!("{m} {p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )]);
        };
        match item.get(method_lc.as_str()) {
            Some(op) if HTTP_METHODS.contains(&method_lc.as_str()) => Ok((doc_key, template, op)),
            _ => Err(vec![format!(
                "{path} matches {template}, which defines no {} operation (defined: {})",
                method.to_ascii_uppercase(),
                HTTP_METHODS
                    .iter()
                    .filter(|m| item.get(**m).is_some())
                    .map(|m| m.to_ascii_uppercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            )]),
        }
    }

    // ----------------------------------------------------------------------------------------
    // $ref resolution
    // ----------------------------------------------------------------------------------------

    /// Resolves a `$ref` string found in document `doc` to (document key, target).
    fn resolve_ref<'a>(
        &'a self,
        doc: &str,
        reference: &str,
    ) -> Result<(&'a str, &'a Value), String> {
        let (file, pointer) = match reference.split_once('#') {
            Some((f, p)) => (f, p),
            None => (reference, ""),
        };
        let target_key = if file.is_empty() {
            doc.to_string()
        } else {
            let base = match doc.rsplit_once('/') {
                Some((dir, _)) => format!("{dir}/{file}"),
                None => file.to_string(),
            };
            normalize_key(&base).ok_or_else(|| {
                format!("$ref '{reference}' (from {doc}) leaves openapi-fragments/")
            })?
        };
        let (key, target_doc) = self.docs.get_key_value(&target_key).ok_or_else(|| {
            format!("$ref '{reference}' (from {doc}): no fragment file '{target_key}'")
        })?;
        let target = if pointer.is_empty() {
            target_doc
        } else {
            target_doc.pointer(pointer).ok_or_else(|| {
                format!("$ref '{reference}' (from {doc}): '{pointer}' not found in {key}")
            })?
        };
        Ok((key.as_str(), target))
    }

    /// Follows `$ref`s (up to a limit) until a non-reference object is reached.
    fn deref<'a>(
        &'a self,
        mut doc: &'a str,
        mut value: &'a Value,
    ) -> Result<(&'a str, &'a Value), String> {
        for _ in 0..32 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let (d, v) = self.resolve_ref(doc, r)?;
                    doc = d;
                    value = v;
                }
                None => return Ok((doc, value)),
            }
        }
        Err("$ref chain too long (cycle?)".to_string())
    }

    fn is_read_only(&self, doc: &str, schema: &Value) -> bool {
        let mut doc = doc;
        let mut schema = schema;
        for _ in 0..32 {
            if schema.get("readOnly").and_then(Value::as_bool) == Some(true) {
                return true;
            }
            match schema.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.resolve_ref(doc, r) {
                    Ok((d, s)) => {
                        doc = d;
                        schema = s;
                    }
                    Err(_) => return false,
                },
                None => return false,
            }
        }
        false
    }

    // ----------------------------------------------------------------------------------------
    // Validation
    // ----------------------------------------------------------------------------------------

    fn validate(
        &self,
        ctx: &mut Ctx,
        doc: &str,
        schema: &Value,
        value: &Value,
        path: &str,
        name: Option<&str>,
    ) {
        ctx.depth += 1;
        if ctx.depth > 200 {
            ctx.errors
                .push(format!("{path}: nesting too deep for the validator"));
            ctx.depth -= 1;
            return;
        }
        self.validate_inner(ctx, doc, schema, value, path, name);
        ctx.depth -= 1;
    }

    fn validate_inner(
        &self,
        ctx: &mut Ctx,
        doc: &str,
        schema: &Value,
        value: &Value,
        path: &str,
        name: Option<&str>,
    ) {
        let Some(s) = schema.as_object() else {
            if schema.as_bool() == Some(false) {
                ctx.errors.push(format!("{path}: no value is allowed here"));
            }
            return;
        };

        // $ref: OpenAPI 3.0 ignores sibling keywords.
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            match self.resolve_ref(doc, r) {
                Ok((d, target)) => {
                    let target_name = r.rsplit('/').next().filter(|n| !n.is_empty());
                    self.validate(ctx, d, target, value, path, target_name.or(name));
                }
                Err(e) => ctx.errors.push(format!("{path}: schema error: {e}")),
            }
            return;
        }

        let schema_label = name.map(|n| format!(" (schema {n})")).unwrap_or_default();

        if value.is_null() {
            if s.get("nullable").and_then(Value::as_bool) == Some(true) {
                return;
            }
            if let Some(t) = s.get("type").and_then(Value::as_str) {
                ctx.errors.push(format!(
                    "{path}: null is not allowed (expected {t}, not nullable){schema_label}"
                ));
                return;
            }
        }

        if let Some(t) = s.get("type").and_then(Value::as_str) {
            if !type_matches(t, value) {
                ctx.errors.push(format!(
                    "{path}: expected {t}, found {} {}{schema_label}",
                    json_kind(value),
                    short(value)
                ));
                return;
            }
        }

        if let Some(options) = s.get("enum").and_then(Value::as_array) {
            if !options.contains(value) {
                ctx.errors.push(format!(
                    "{path}: {} is not one of the allowed values [{}]{schema_label}",
                    short(value),
                    options.iter().map(short).collect::<Vec<_>>().join(", ")
                ));
            }
        }

        if let Some(f) = s.get("format").and_then(Value::as_str) {
            if let Some(problem) = check_format(f, value) {
                ctx.errors.push(format!("{path}: {problem}"));
            }
        }

        if let Some(text) = value.as_str() {
            let len = text.chars().count() as u64;
            if let Some(min) = s.get("minLength").and_then(Value::as_u64) {
                if len < min {
                    ctx.errors
                        .push(format!("{path}: string shorter than minLength {min}"));
                }
            }
            if let Some(max) = s.get("maxLength").and_then(Value::as_u64) {
                if len > max {
                    ctx.errors
                        .push(format!("{path}: string longer than maxLength {max}"));
                }
            }
            if let Some(prefix) = s.get("x-required-prefix-ci").and_then(Value::as_str) {
                if !text
                    .to_ascii_lowercase()
                    .starts_with(&prefix.to_ascii_lowercase())
                {
                    ctx.errors.push(format!(
                        "{path}: {} must start with '{prefix}' (case-insensitive)",
                        short(value)
                    ));
                }
            }
        }

        if let Some(items) = value.as_array() {
            if let Some(max) = s.get("maxItems").and_then(Value::as_u64) {
                if items.len() as u64 > max {
                    ctx.errors.push(format!(
                        "{path}: {} items, more than maxItems {max}",
                        items.len()
                    ));
                }
            }
            if let Some(min) = s.get("minItems").and_then(Value::as_u64) {
                if (items.len() as u64) < min {
                    ctx.errors.push(format!(
                        "{path}: {} items, fewer than minItems {min}",
                        items.len()
                    ));
                }
            }
            if let Some(item_schema) = s.get("items") {
                for (i, item) in items.iter().enumerate() {
                    self.validate(ctx, doc, item_schema, item, &format!("{path}[{i}]"), None);
                }
            }
        }

        if let Some(obj) = value.as_object() {
            if let Some(required) = s.get("required").and_then(Value::as_array) {
                for r in required.iter().filter_map(Value::as_str) {
                    if !obj.contains_key(r) {
                        ctx.errors.push(format!(
                            "{path}: missing required property '{r}'{schema_label}"
                        ));
                    }
                }
            }
            let properties = s.get("properties").and_then(Value::as_object);
            let additional = s.get("additionalProperties");
            for (k, v) in obj {
                let child = child_path(path, k);
                if let Some(prop_schema) = properties.and_then(|p| p.get(k)) {
                    if ctx.mode == Mode::Request && self.is_read_only(doc, prop_schema) {
                        ctx.errors.push(format!(
                            "{child}: '{k}' is readOnly (server-set) and must not be sent in a request{schema_label}"
                        ));
                        continue;
                    }
                    self.validate(ctx, doc, prop_schema, v, &child, None);
                } else {
                    match additional {
                        Some(Value::Bool(false)) => ctx.errors.push(format!(
                            "{child}: unknown property '{k}'{schema_label}: not declared and additionalProperties is false"
                        )),
                        Some(extra @ Value::Object(_)) => self.validate(ctx, doc, extra, v, &child, None),
                        _ => {}
                    }
                }
            }
        }

        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for sub in all {
                self.validate(ctx, doc, sub, value, path, name);
            }
        }

        let violation_message = s.get("x-violation-message").and_then(Value::as_str);

        if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
            let mut branch_errors = Vec::new();
            let mut matched = false;
            for sub in any {
                let errs = self.sub_errors(ctx, doc, sub, value, path);
                if errs.is_empty() {
                    matched = true;
                    break;
                }
                branch_errors.push(errs.join("; "));
            }
            if !matched {
                ctx.errors.push(match violation_message {
                    Some(m) => format!("{path}: {m}"),
                    None => format!(
                        "{path}: matches none of the anyOf alternatives{schema_label}: [{}]",
                        branch_errors.join("] | [")
                    ),
                });
            }
        }

        if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
            if let Some(disc) = s.get("discriminator") {
                self.validate_discriminated(ctx, doc, disc, value, path, &schema_label);
            } else {
                let mut branch_errors = Vec::new();
                let mut matches = 0;
                for sub in one {
                    let errs = self.sub_errors(ctx, doc, sub, value, path);
                    if errs.is_empty() {
                        matches += 1;
                    } else {
                        branch_errors.push(errs.join("; "));
                    }
                }
                if matches == 0 {
                    ctx.errors.push(match violation_message {
                        Some(m) => format!("{path}: {m}"),
                        None => format!(
                            "{path}: matches none of the oneOf alternatives{schema_label}: [{}]",
                            branch_errors.join("] | [")
                        ),
                    });
                } else if matches > 1 {
                    ctx.errors.push(format!("{path}: matches {matches} oneOf alternatives, expected exactly one{schema_label}"));
                }
            }
        }

        if let Some(not) = s.get("not") {
            if self.sub_errors(ctx, doc, not, value, path).is_empty() {
                ctx.errors.push(match violation_message {
                    Some(m) => format!("{path}: {m}"),
                    None => format!("{path}: must not match the 'not' schema{schema_label}"),
                });
            }
        }
    }

    fn sub_errors(
        &self,
        ctx: &Ctx,
        doc: &str,
        schema: &Value,
        value: &Value,
        path: &str,
    ) -> Vec<String> {
        let mut sub = Ctx {
            mode: ctx.mode,
            errors: Vec::new(),
            depth: ctx.depth,
        };
        self.validate(&mut sub, doc, schema, value, path, None);
        sub.errors
    }

    fn validate_discriminated(
        &self,
        ctx: &mut Ctx,
        doc: &str,
        disc: &Value,
        value: &Value,
        path: &str,
        schema_label: &str,
    ) {
        let Some(obj) = value.as_object() else {
            ctx.errors.push(format!(
                "{path}: expected object, found {} {}{schema_label}",
                json_kind(value),
                short(value)
            ));
            return;
        };
        let Some(prop) = disc.get("propertyName").and_then(Value::as_str) else {
            ctx.errors.push(format!(
                "{path}: schema error: discriminator without propertyName"
            ));
            return;
        };
        let mapping = disc.get("mapping").and_then(Value::as_object);
        let expected = || {
            mapping
                .map(|m| {
                    m.keys()
                        .map(|k| format!("'{k}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default()
        };
        match obj.get(prop) {
            None => ctx.errors.push(format!(
                "{path}: missing required property '{prop}' (discriminator; one of {}){schema_label}",
                expected()
            )),
            Some(Value::String(tag)) => match mapping.and_then(|m| m.get(tag)).and_then(Value::as_str) {
                Some(target) => match self.resolve_ref(doc, target) {
                    Ok((d, sub)) => {
                        let name = target.rsplit('/').next();
                        self.validate(ctx, d, sub, value, path, name);
                    }
                    Err(e) => ctx.errors.push(format!("{path}: schema error: {e}")),
                },
                None => ctx.errors.push(format!(
                    "{}: unknown {prop} '{tag}', expected one of {}{schema_label}",
                    child_path(path, prop),
                    expected()
                )),
            },
            Some(other) => ctx.errors.push(format!(
                "{}: expected string, found {} {}",
                child_path(path, prop),
                json_kind(other),
                short(other)
            )),
        }
    }

    // ----------------------------------------------------------------------------------------
    // Lint
    // ----------------------------------------------------------------------------------------

    /// Structural problems in the fragments: missing OpenAPI 3.0 top-level fields, unresolvable
    /// `$ref`s (anywhere, including discriminator mappings), schema keywords or formats the validator
    /// does not implement, object schemas with `properties` but no explicit `additionalProperties`,
    /// `$ref` with validating siblings, and schema names defined in more than one file.
    pub fn lint(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (key, doc) in &self.docs {
            let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
            if !version.starts_with("3.0.") {
                problems.push(format!("{key}: 'openapi' must be 3.0.x, found '{version}'"));
            }
            let info_ok = doc.pointer("/info/title").and_then(Value::as_str).is_some()
                && doc
                    .pointer("/info/version")
                    .and_then(Value::as_str)
                    .is_some();
            if !info_ok {
                problems.push(format!("{key}: 'info' needs title and version"));
            }
            if !doc.get("paths").is_some_and(Value::is_object) {
                problems.push(format!(
                    "{key}: 'paths' object is required by OpenAPI 3.0 (use paths: {{}})"
                ));
            }
            self.lint_refs(key, doc, "", &mut problems);

            if let Some(schemas) = doc
                .pointer("/components/schemas")
                .and_then(Value::as_object)
            {
                for (name, schema) in schemas {
                    names.entry(name.clone()).or_default().push(key.clone());
                    lint_schema(
                        key,
                        &format!("#/components/schemas/{name}"),
                        schema,
                        &mut problems,
                    );
                }
            }
            for section in ["requestBodies", "responses"] {
                if let Some(m) = doc
                    .pointer(&format!("/components/{section}"))
                    .and_then(Value::as_object)
                {
                    for (name, obj) in m {
                        lint_content(
                            key,
                            &format!("#/components/{section}/{name}"),
                            obj,
                            &mut problems,
                        );
                    }
                }
            }
            if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
                for (template, item) in paths {
                    let base = format!("#/paths/{template}");
                    lint_parameters(key, &base, item, &mut problems);
                    for m in HTTP_METHODS {
                        let Some(op) = item.get(*m) else { continue };
                        let at = format!("{base}/{m}");
                        lint_parameters(key, &at, op, &mut problems);
                        if let Some(rb) = op.get("requestBody") {
                            lint_content(key, &format!("{at}/requestBody"), rb, &mut problems);
                        }
                        match op.get("responses").and_then(Value::as_object) {
                            Some(rs) if !rs.is_empty() => {
                                for (code, r) in rs {
                                    lint_content(
                                        key,
                                        &format!("{at}/responses/{code}"),
                                        r,
                                        &mut problems,
                                    );
                                }
                            }
                            _ => problems.push(format!("{key}{at}: 'responses' is required")),
                        }
                    }
                }
            }
        }
        for (name, files) in names {
            if files.len() > 1 {
                problems.push(format!(
                    "schema '{name}' is defined in several files: {}",
                    files.join(", ")
                ));
            }
        }
        problems
    }

    fn lint_refs(&self, key: &str, value: &Value, at: &str, problems: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let here = format!("{at}/{k}");
                    if k == "$ref" {
                        match v.as_str() {
                            Some(r) => {
                                if let Err(e) = self.resolve_ref(key, r) {
                                    problems.push(format!("{key}#{here}: {e}"));
                                }
                            }
                            None => problems.push(format!("{key}#{here}: $ref must be a string")),
                        }
                    } else if k == "discriminator" {
                        if let Some(mapping) = v.get("mapping").and_then(Value::as_object) {
                            for (tag, target) in mapping {
                                match target.as_str().map(|t| self.resolve_ref(key, t)) {
                                    Some(Ok(_)) => {}
                                    Some(Err(e)) => {
                                        problems.push(format!("{key}#{here}/mapping/{tag}: {e}"))
                                    }
                                    None => problems.push(format!(
                                        "{key}#{here}/mapping/{tag}: must be a string"
                                    )),
                                }
                            }
                        }
                    } else {
                        self.lint_refs(key, v, &here, problems);
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    self.lint_refs(key, v, &format!("{at}/{i}"), problems);
                }
            }
            _ => {}
        }
    }
}

fn lint_parameters(key: &str, at: &str, holder: &Value, problems: &mut Vec<String>) {
    if let Some(params) = holder.get("parameters").and_then(Value::as_array) {
        for (i, p) in params.iter().enumerate() {
            if let Some(schema) = p.get("schema") {
                lint_schema(
                    key,
                    &format!("{at}/parameters/{i}/schema"),
                    schema,
                    problems,
                );
            }
        }
    }
}

/// Lints the schemas of a request body or response object (`content.*.schema`).
fn lint_content(key: &str, at: &str, obj: &Value, problems: &mut Vec<String>) {
    if let Some(content) = obj.get("content").and_then(Value::as_object) {
        for (media, m) in content {
            match m.get("schema") {
                Some(schema) => lint_schema(
                    key,
                    &format!("{at}/content/{media}/schema"),
                    schema,
                    problems,
                ),
                None => problems.push(format!("{key}{at}/content/{media}: no schema")),
            }
        }
    }
}

fn lint_schema(key: &str, at: &str, schema: &Value, problems: &mut Vec<String>) {
    let Some(s) = schema.as_object() else {
        problems.push(format!("{key}{at}: schema must be an object"));
        return;
    };
    for k in s.keys() {
        if !SCHEMA_KEYWORDS.contains(&k.as_str())
            && !ANNOTATION_KEYWORDS.contains(&k.as_str())
            && !k.starts_with("x-")
        {
            problems.push(format!(
                "{key}{at}: keyword '{k}' is not supported by tests/support/openapi.rs"
            ));
        }
    }
    if s.contains_key("$ref") {
        for k in s.keys() {
            if k != "$ref" && SCHEMA_KEYWORDS.contains(&k.as_str()) {
                problems.push(format!("{key}{at}: '{k}' next to $ref is ignored in OpenAPI 3.0 (wrap the $ref in allOf)"));
            }
        }
        return;
    }
    if let Some(t) = s.get("type") {
        if !t.as_str().is_some_and(|t| TYPES.contains(&t)) {
            problems.push(format!("{key}{at}: unsupported type {t}"));
        }
    }
    if let Some(f) = s.get("format") {
        if !f.as_str().is_some_and(|f| FORMATS.contains(&f)) {
            problems.push(format!("{key}{at}: unsupported format {f}"));
        }
    }
    if s.contains_key("discriminator") && !s.contains_key("oneOf") {
        problems.push(format!(
            "{key}{at}: discriminator is only supported together with oneOf"
        ));
    }
    if s.contains_key("properties") && !s.contains_key("additionalProperties") {
        problems.push(format!(
            "{key}{at}: object schema with properties must declare additionalProperties (false unless open on purpose)"
        ));
    }
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            lint_schema(key, &format!("{at}/properties/{name}"), p, problems);
        }
    }
    for k in ["items", "not"] {
        if let Some(sub) = s.get(k) {
            lint_schema(key, &format!("{at}/{k}"), sub, problems);
        }
    }
    match s.get("additionalProperties") {
        None | Some(Value::Bool(_)) => {}
        Some(sub @ Value::Object(_)) => {
            lint_schema(key, &format!("{at}/additionalProperties"), sub, problems)
        }
        Some(other) => problems.push(format!(
            "{key}{at}: additionalProperties must be a boolean or schema, found {other}"
        )),
    }
    for k in ["allOf", "anyOf", "oneOf"] {
        if let Some(v) = s.get(k) {
            match v.as_array() {
                Some(list) if !list.is_empty() => {
                    for (i, sub) in list.iter().enumerate() {
                        lint_schema(key, &format!("{at}/{k}/{i}"), sub, problems);
                    }
                }
                _ => problems.push(format!("{key}{at}: {k} must be a non-empty array")),
            }
        }
    }
}

// --------------------------------------------------------------------------------------------
// Helpers
// --------------------------------------------------------------------------------------------

fn collect_yaml_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml_files(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

/// Normalizes `a/b/../c` style keys; None if the path escapes the root.
fn normalize_key(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// `application/json; charset=utf-8` -> `application/json`.
fn media_type_essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Path segments of a concrete request path. Accepts a bare path ("/me/sendMail") and, for
/// convenience, a full Graph URL (everything up to and including the version segment is dropped).
/// Query string and fragment are ignored.
fn concrete_segments(path: &str) -> Vec<String> {
    let mut p = path.split(['?', '#']).next().unwrap_or("");
    if let Some(rest) = p
        .strip_prefix("https://")
        .or_else(|| p.strip_prefix("http://"))
    {
        p = rest.find('/').map_or("", |i| &rest[i..]);
        let lower = p.to_ascii_lowercase();
        for version in ["/v1.0/", "/beta/"] {
            if lower.starts_with(version) {
                p = &p[version.len() - 1..];
                break;
            }
        }
    }
    p.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Some(number of literal segments) when the template matches.
fn match_template(template: &str, concrete: &[String]) -> Option<usize> {
    let t: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    if t.len() != concrete.len() {
        return None;
    }
    let mut literals = 0;
    for (ts, cs) in t.iter().zip(concrete) {
        if ts.starts_with('{') && ts.ends_with('}') {
            if cs.is_empty() {
                return None;
            }
        } else if ts.eq_ignore_ascii_case(cs) {
            literals += 1;
        } else {
            return None;
        }
    }
    Some(literals)
}

fn child_path(path: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if simple {
        format!("{path}.{key}")
    } else {
        format!("{path}['{}']", key.replace('\'', "\\'"))
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "number" => v.is_number(),
        "integer" => {
            v.is_i64()
                || v.is_u64()
                || v.as_f64()
                    .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
        }
        _ => false,
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Short rendering of a value for messages.
fn short(v: &Value) -> String {
    let s = match v {
        Value::Array(a) => format!("[…{} item(s)]", a.len()),
        Value::Object(o) => format!("{{…{} propert(y/ies)}}", o.len()),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// None when `value` satisfies `format` (or the format does not apply to its type).
fn check_format(format: &str, value: &Value) -> Option<String> {
    match (format, value) {
        ("byte", Value::String(s)) => match base64::engine::general_purpose::STANDARD.decode(s) {
            Ok(_) => None,
            Err(e) => Some(format!(
                "not valid standard base64 (format byte: alphabet A-Z a-z 0-9 + /, '=' padding): {e}; value {}",
                short(value)
            )),
        },
        ("date-time", Value::String(s)) => match parse_date_time(s) {
            Some(true) => None,
            Some(false) => Some(format!("{} has no UTC offset (format date-time is RFC 3339)", short(value))),
            None => Some(format!("{} is not an RFC 3339 date-time", short(value))),
        },
        ("x-date-time-no-offset", Value::String(s)) => match parse_date_time(s) {
            Some(false) => None,
            Some(true) => Some(format!(
                "{} carries a UTC offset; expected a local date-time like 2026-03-15T09:00:00",
                short(value)
            )),
            None => Some(format!("{} is not a date-time like 2026-03-15T09:00:00", short(value))),
        },
        ("int32", v) if v.is_number() => {
            let ok = v.as_f64().is_some_and(|f| (i32::MIN as f64..=i32::MAX as f64).contains(&f));
            (!ok).then(|| format!("{v} is outside the Int32 range"))
        }
        ("int64", v) if v.is_number() => {
            (!(v.is_i64() || v.as_f64().is_some_and(|f| f.fract() == 0.0 && f.abs() < 9.2e18)))
                .then(|| format!("{v} is outside the Int64 range"))
        }
        _ => None,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]`. Some(has_offset) if well formed, None otherwise.
/// Fractions: 1 to 12 digits (Graph returns up to 7; the subset's date-time pattern allows 12).
fn parse_date_time(s: &str) -> Option<bool> {
    let b = s.as_bytes();
    let digits = |from: usize, n: usize| -> Option<u32> {
        let part = b.get(from..from + n)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !matches!(b.get(10), Some(b'T' | b't'))
    {
        return None;
    }
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=12).contains(&n) {
            return None;
        }
        i += 1 + n;
    }
    match &b[i..] {
        [] => Some(false),
        [b'Z' | b'z'] => Some(true),
        [sign, ..] if matches!(sign, b'+' | b'-') && b.len() == i + 6 => {
            let (oh, om) = (digits(i + 1, 2)?, digits(i + 4, 2)?);
            (b[i + 3] == b':' && oh <= 23 && om <= 59).then_some(true)
        }
        _ => None,
    }
}
