//! config: `opsgate.toml` / `.opsgate.toml`, found in the scan root or a parent
//! (or named with --config). Thresholds, excluded paths, policy folders, rules to
//! disable, severity overrides, rule parameters, CloudFormation stack tags, inline
//! ignore policy and exceptions with owners and expiry dates. Unknown keys and bad
//! values are errors that point at their place in the file.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::finding::Severity;
use crate::source::{SourceFile, Span};

pub const FILE_NAMES: [&str; 2] = ["opsgate.toml", ".opsgate.toml"];

/// A config error: the file, where in it, and what is wrong.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub file: Arc<SourceFile>,
    pub span: Option<Span>,
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    policy_dirs: Vec<String>,
    allow_inline_ignores: Option<Spanned<InlineAllow>>,
    #[serde(default)]
    forbid_inline_ignores: Vec<Spanned<String>>,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    cloudformation: RawCloudFormation,
    #[serde(default)]
    exceptions: Vec<Spanned<RawException>>,
    #[serde(default)]
    limits: RawLimits,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_file_size: Option<Spanned<toml::Value>>,
    max_depth: Option<Spanned<toml::Value>>,
    max_alias_nodes: Option<Spanned<toml::Value>>,
    eval_timeout: Option<Spanned<toml::Value>>,
    max_value_size: Option<Spanned<toml::Value>>,
    max_value_items: Option<Spanned<toml::Value>>,
    max_eval_size: Option<Spanned<toml::Value>>,
    max_eval_steps: Option<Spanned<toml::Value>>,
    max_module_depth: Option<Spanned<toml::Value>>,
    max_module_instances: Option<Spanned<toml::Value>>,
    max_resource_instances: Option<Spanned<toml::Value>>,
}

/// `[limits]`: what one input may cost. Unset values keep the defaults
/// (`load::Limits::default()`, `evaluate::DEFAULT_EVAL_TIMEOUT`); command-line flags
/// win over these.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LimitsConfig {
    pub max_file_size: Option<u64>,
    pub max_depth: Option<usize>,
    pub max_alias_nodes: Option<usize>,
    pub eval_timeout: Option<std::time::Duration>,
    pub max_value_size: Option<u64>,
    pub max_value_items: Option<usize>,
    pub max_eval_size: Option<u64>,
    pub max_eval_steps: Option<usize>,
    pub max_module_depth: Option<usize>,
    pub max_module_instances: Option<usize>,
    pub max_resource_instances: Option<usize>,
}

/// A size: bytes as an integer, or a string with a unit: `"512KB"`, `"20 MB"`, `"1GB"`
/// (units of 1024; `KiB`/`MiB`/`GiB` and `B` are read too).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = (t[..split].trim(), t[split..].trim());
    let factor: u64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => {
            return Err(format!(
                "unknown size unit `{unit}` in `{s}`; use bytes (an integer) or KB, MB, GB, e.g. \"20MB\""
            ))
        }
    };
    let n: f64 = num
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .ok_or_else(|| format!("`{s}` is not a size; use bytes (an integer) or e.g. \"20MB\""))?;
    let bytes = n * factor as f64;
    if bytes < 1.0 || bytes > u64::MAX as f64 / 2.0 {
        return Err(format!(
            "`{s}` is out of range; a size must be at least 1 byte"
        ));
    }
    Ok(bytes as u64)
}

/// A duration: seconds as a number, or a string `"10s"`, `"500ms"`, `"2m"`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = (t[..split].trim(), t[split..].trim());
    let factor = match unit {
        "" | "s" | "sec" | "secs" => 1.0,
        "ms" => 0.001,
        "m" | "min" => 60.0,
        _ => {
            return Err(format!(
                "unknown time unit `{unit}` in `{s}`; use seconds (a number) or e.g. \"10s\", \"500ms\", \"2m\""
            ))
        }
    };
    let n: f64 = num
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .ok_or_else(|| format!("`{s}` is not a duration; use seconds or e.g. \"10s\""))?;
    seconds(n * factor)
        .ok_or_else(|| format!("`{s}` is out of range; use more than 0 and at most a day"))
}

fn seconds(n: f64) -> Option<std::time::Duration> {
    (n > 0.0 && n <= 86_400.0).then(|| std::time::Duration::from_secs_f64(n))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum InlineAllow {
    All(bool),
    Only(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
struct RawRules {
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
    /// `[rules."OPS-ORG-001"]` parameter tables, checked against the rules' metadata.
    /// (Flattened maps carry no spans: errors are placed by finding the key.)
    #[serde(flatten)]
    params: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCloudFormation {
    stack_tags: Option<Vec<String>>,
    #[serde(default)]
    parameter_files: Vec<RawParameterFile>,
}

/// `[[cloudformation.parameter_files]]`: deploy-time parameter values for the
/// templates `templates` matches (every template without it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameterFile {
    file: Spanned<String>,
    templates: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    rule: Spanned<String>,
    resource: Spanned<String>,
    path: Option<Spanned<String>>,
    reason: String,
    owner: String,
    expires: Spanned<toml::value::Datetime>,
}

/// An exception to a rule, recorded with its reason, owner and expiry.
#[derive(Debug, Clone)]
pub struct Exception {
    pub rule: String,
    pub resource: String,
    pub path: Option<String>,
    pub reason: String,
    pub owner: String,
    /// `YYYY-MM-DD`
    pub expires: String,
    /// Where it is written, for listings: `opsgate.toml:12`.
    pub line: usize,
    resource_glob: globset::GlobMatcher,
    path_glob: Option<globset::GlobMatcher>,
}

impl Exception {
    /// Does it cover a finding of `rule` on `resource` in `file` (relative to the
    /// config file's folder)?
    pub fn covers(&self, rule: &str, resource: &str, file: &str) -> bool {
        self.rule.eq_ignore_ascii_case(rule) && self.could_match(resource, file)
    }

    /// Would it cover some rule's finding on `resource` in `file`? A `count` /
    /// `for_each` instance (`aws_x.y["a"]`) is matched by its own address or its
    /// block's (`aws_x.y`), so one exception can name every instance.
    pub fn could_match(&self, resource: &str, file: &str) -> bool {
        (self.resource_glob.is_match(resource)
            || self
                .resource_glob
                .is_match(&*crate::finding::block_address(resource)))
            && self.path_glob.as_ref().is_none_or(|g| g.is_match(file))
    }
}

/// Which rules may be ignored with an inline comment or JSON Metadata.
#[derive(Debug, Clone, Default)]
pub struct InlinePolicy {
    /// None: every rule, unless forbidden below.
    pub only: Option<Vec<String>>,
    pub forbidden: Vec<String>,
}

impl InlinePolicy {
    pub fn allows(&self, rule: &str) -> bool {
        let listed = |list: &[String]| list.iter().any(|r| r.eq_ignore_ascii_case(rule));
        self.only.as_deref().is_none_or(listed) && !listed(&self.forbidden)
    }
}

/// The configuration, checked.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from (None: defaults).
    pub file: Option<Arc<SourceFile>>,
    /// The folder globs and exception paths are relative to.
    pub root: PathBuf,
    pub fail_on: Option<Severity>,
    pub exclude: Vec<String>,
    pub exclude_set: globset::GlobSet,
    pub policy_dirs: Vec<PathBuf>,
    pub disable: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
    /// Per-rule parameters, with `[cloudformation] stack_tags` as OPS-ORG-001's.
    pub rule_params: BTreeMap<String, serde_json::Value>,
    pub inline: InlinePolicy,
    pub exceptions: Vec<Exception>,
    pub limits: LimitsConfig,
    /// `[[cloudformation.parameter_files]]`, in order (later files win): the file
    /// (relative to `root`), the templates it applies to, and where it is written.
    pub parameter_files: Vec<ParameterFileEntry>,
    /// Checked once the rules are known (ids and parameter names).
    rule_refs: Vec<(String, Option<String>, Range<usize>)>,
}

/// A `[[cloudformation.parameter_files]]` entry.
#[derive(Debug, Clone)]
pub struct ParameterFileEntry {
    pub file: PathBuf,
    pub templates: Option<globset::GlobMatcher>,
    /// The `file` value's place in the config file.
    pub span: Range<usize>,
}

/// The config file for a scan of `paths`: the first opsgate.toml / .opsgate.toml in
/// the folder of the first path or one of its parents.
pub fn discover(paths: &[PathBuf]) -> Option<PathBuf> {
    let start = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let start = std::fs::canonicalize(&start).unwrap_or(start);
    let dir = if start.is_dir() {
        start
    } else {
        start.parent()?.to_path_buf()
    };
    dir.ancestors()
        .flat_map(|d| FILE_NAMES.iter().map(move |n| d.join(n)))
        .find(|p| p.is_file())
}

fn span(r: Range<usize>) -> Option<Span> {
    Some(Span {
        start: r.start,
        end: r.end,
    })
}

/// Reads and checks the config file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let display = crate::discover::display_path(path);
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: Arc::new(SourceFile::new(display.clone(), "")),
        span: None,
        message: format!("cannot read the config file: {e}"),
    })?;
    let file = Arc::new(SourceFile::new(display, text));
    let root = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    parse(file, root)
}

/// Parses config text (`file`) whose relative paths are relative to `root`.
pub fn parse(file: Arc<SourceFile>, root: PathBuf) -> Result<Config, ConfigError> {
    let err = |span: Option<Span>, message: String| ConfigError {
        file: file.clone(),
        span,
        message,
    };
    let raw: Raw = toml::from_str(&file.text)
        .map_err(|e| err(e.span().and_then(span), toml_message(e.message())))?;
    let mut config = Config {
        file: Some(file.clone()),
        root: root.clone(),
        ..Default::default()
    };
    let severity = |s: &Spanned<String>| {
        Severity::parse(&s.get_ref().to_ascii_lowercase()).ok_or_else(|| {
            err(
                span(s.span()),
                format!(
                    "unknown severity `{}`; use high, medium, low or info",
                    s.get_ref()
                ),
            )
        })
    };
    if let Some(f) = &raw.fail_on {
        config.fail_on = Some(severity(f)?);
    }
    config.limits = limits(&raw.limits).map_err(|(at, m)| err(span(at), m))?;
    let mut globs = globset::GlobSetBuilder::new();
    for g in &raw.exclude {
        let glob = globset::Glob::new(g.get_ref())
            .map_err(|e| err(span(g.span()), format!("invalid glob: {e}")))?;
        globs.add(glob);
        config.exclude.push(g.get_ref().clone());
    }
    config.exclude_set = globs
        .build()
        .map_err(|e| err(None, format!("invalid exclude globs: {e}")))?;
    config.policy_dirs = raw.policy_dirs.iter().map(|d| root.join(d)).collect();
    for d in &raw.rules.disable {
        config.disable.push(d.get_ref().to_ascii_uppercase());
        config.rule_refs.push((d.get_ref().clone(), None, d.span()));
    }
    for (id, sev) in &raw.rules.severity {
        config
            .severity
            .insert(id.get_ref().to_ascii_uppercase(), severity(sev)?);
        config
            .rule_refs
            .push((id.get_ref().clone(), None, id.span()));
    }
    for (id, value) in &raw.rules.params {
        let id_upper = id.to_ascii_uppercase();
        // Where the key is written: the first mention of it in the file.
        let at = file
            .text
            .find(id.as_str())
            .map(|i| i..i + id.len())
            .unwrap_or(0..0);
        let Some(table) = value.as_table().filter(|_| id_upper.contains('-')) else {
            let hint = crate::suggest::hint(
                id,
                ["disable", "severity"],
                "; [rules] takes disable, severity and a table per rule id",
            );
            return Err(err(span(at), format!("unknown key `rules.{id}`{hint}")));
        };
        let mut params = serde_json::Map::new();
        for (k, v) in table {
            let key_at = file.text[at.end..]
                .find(k.as_str())
                .map(|i| at.end + i..at.end + i + k.len())
                .unwrap_or(at.clone());
            config.rule_refs.push((id.clone(), Some(k.clone()), key_at));
            params.insert(k.clone(), toml_to_json(v));
        }
        config
            .rule_params
            .insert(id_upper, serde_json::Value::Object(params));
    }
    for p in &raw.cloudformation.parameter_files {
        let templates = match &p.templates {
            None => None,
            Some(t) => Some(
                globset::Glob::new(t.get_ref())
                    .map(|g| g.compile_matcher())
                    .map_err(|why| err(span(t.span()), format!("invalid glob: {why}")))?,
            ),
        };
        config.parameter_files.push(ParameterFileEntry {
            file: config.root.join(p.file.get_ref()),
            templates,
            span: p.file.span(),
        });
    }
    if let Some(tags) = &raw.cloudformation.stack_tags {
        let entry = config
            .rule_params
            .entry("OPS-ORG-001".into())
            .or_insert_with(|| serde_json::json!({}));
        entry["stack_tags"] = serde_json::json!(tags);
    }
    config.inline = InlinePolicy {
        only: match raw
            .allow_inline_ignores
            .as_ref()
            .map(|s| s.get_ref().clone())
        {
            None | Some(InlineAllow::All(true)) => None,
            Some(InlineAllow::All(false)) => Some(Vec::new()),
            Some(InlineAllow::Only(list)) => Some(list),
        },
        forbidden: raw
            .forbid_inline_ignores
            .iter()
            .map(|r| r.get_ref().clone())
            .collect(),
    };
    for r in &raw.forbid_inline_ignores {
        config.rule_refs.push((r.get_ref().clone(), None, r.span()));
    }
    for e in &raw.exceptions {
        let x = e.get_ref();
        let glob = |s: &Spanned<String>| {
            globset::Glob::new(s.get_ref())
                .map(|g| g.compile_matcher())
                .map_err(|why| err(span(s.span()), format!("invalid glob: {why}")))
        };
        let d = x.expires.get_ref();
        let Some(date) = d.date.filter(|_| d.time.is_none()) else {
            return Err(err(
                span(x.expires.span()),
                "`expires` must be a date, e.g. 2027-03-31".into(),
            ));
        };
        for (what, value) in [("reason", &x.reason), ("owner", &x.owner)] {
            if value.trim().is_empty() {
                return Err(err(
                    span(e.span()),
                    format!("an exception needs a non-empty `{what}`"),
                ));
            }
        }
        config
            .rule_refs
            .push((x.rule.get_ref().clone(), None, x.rule.span()));
        config.exceptions.push(Exception {
            rule: x.rule.get_ref().to_ascii_uppercase(),
            resource: x.resource.get_ref().clone(),
            path: x.path.as_ref().map(|p| p.get_ref().clone()),
            reason: x.reason.trim().to_string(),
            owner: x.owner.trim().to_string(),
            expires: format!("{:04}-{:02}-{:02}", date.year, date.month, date.day),
            line: file.position(e.span().start).line,
            resource_glob: glob(&x.resource)?,
            path_glob: x.path.as_ref().map(glob).transpose()?,
        });
    }
    Ok(config)
}

impl Config {
    /// Checks rule ids and parameter names against the loaded rules'
    /// metadata (`rules`: id → parameter names).
    pub fn check_rules(&self, rules: &BTreeMap<String, Vec<String>>) -> Result<(), ConfigError> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        for (id, param, at) in &self.rule_refs {
            let upper = id.to_ascii_uppercase();
            let Some(params) = rules.get(&upper) else {
                let hint = crate::suggest::hint(
                    id,
                    rules.keys().map(String::as_str),
                    "; `opsgate rules` lists them",
                );
                return Err(ConfigError {
                    file: file.clone(),
                    span: span(at.clone()),
                    message: format!("unknown rule `{id}`{hint}"),
                });
            };
            if let Some(p) = param {
                if !params.contains(p) {
                    let near = crate::suggest::nearest(p, params.iter().map(String::as_str));
                    return Err(ConfigError {
                        file: file.clone(),
                        span: span(at.clone()),
                        message: match near {
                            _ if params.is_empty() => {
                                format!("rule {upper} has no parameters (`{p}` given)")
                            }
                            Some(near) => format!(
                                "rule {upper} has no parameter `{p}`; did you mean `{near}`?"
                            ),
                            None => format!(
                                "rule {upper} has no parameter `{p}`; its parameters are {}",
                                params.join(", ")
                            ),
                        },
                    });
                }
            }
        }
        Ok(())
    }

    /// Is `path` (a scanned file or folder) excluded? Globs match the path relative
    /// to the config file's folder.
    pub fn excludes(&self, path: &Path) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let root = std::fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        let rel = abs.strip_prefix(&root).unwrap_or(path);
        self.exclude_set.is_match(rel)
    }

    /// `file` (as displayed: relative to the current folder) relative to the config
    /// file's folder, '/'-separated, for exception paths.
    pub fn relative(&self, file: &str) -> String {
        let abs = std::fs::canonicalize(file).unwrap_or_else(|_| PathBuf::from(file));
        let root = std::fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        abs.strip_prefix(&root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| file.to_string())
    }
}

/// toml's message, with serde's "unknown field `x`, expected one of `a`, `b`, …"
/// (the whole list) turned into "unknown key `x`; did you mean `a`?".
fn toml_message(message: &str) -> String {
    let message = message.trim();
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((field, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    // The expected names are the backquoted words after the field.
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let hint = crate::suggest::hint(
        field,
        names,
        "; the README's \"Adopting it on an existing repository\" lists the keys",
    );
    format!("unknown key `{field}`{hint}")
}

type Located = (Range<usize>, String);

fn limits(raw: &RawLimits) -> Result<LimitsConfig, Located> {
    use toml::Value as T;
    let located = |v: &Spanned<T>, m: String| (v.span(), format!("[limits] {m}"));
    let count = |v: &Spanned<T>, name: &str, max: u64| match v.get_ref() {
        T::Integer(n) if *n >= 1 && (*n as u64) <= max => Ok(*n as usize),
        T::Integer(n) => Err(located(
            v,
            format!("`{name}` must be between 1 and {max}, got {n}"),
        )),
        other => Err(located(
            v,
            format!("`{name}` must be an integer, got {}", other.type_str()),
        )),
    };
    let size = |v: &Spanned<T>, name: &str, example: &str| match v.get_ref() {
        T::Integer(n) if *n >= 1 => Ok(*n as u64),
        T::Integer(n) => Err(located(
            v,
            format!("`{name}` must be at least 1 byte, got {n}"),
        )),
        T::String(s) => parse_size(s).map_err(|m| located(v, format!("`{name}`: {m}"))),
        other => Err(located(
            v,
            format!(
                "`{name}` must be bytes (an integer) or a string such as \"{example}\", got {}",
                other.type_str()
            ),
        )),
    };
    let mut out = LimitsConfig::default();
    if let Some(v) = &raw.max_file_size {
        out.max_file_size = Some(size(v, "max_file_size", "20MB")?);
    }
    if let Some(v) = &raw.max_value_size {
        out.max_value_size = Some(size(v, "max_value_size", "1MB")?);
    }
    if let Some(v) = &raw.max_eval_size {
        out.max_eval_size = Some(size(v, "max_eval_size", "64MB")?);
    }
    if let Some(v) = &raw.max_value_items {
        out.max_value_items = Some(count(v, "max_value_items", u32::MAX as u64)?);
    }
    if let Some(v) = &raw.max_eval_steps {
        out.max_eval_steps = Some(count(v, "max_eval_steps", u32::MAX as u64)?);
    }
    if let Some(v) = &raw.max_module_depth {
        out.max_module_depth = Some(count(
            v,
            "max_module_depth",
            crate::load::MAX_MODULE_DEPTH_CEILING as u64,
        )?);
    }
    if let Some(v) = &raw.max_module_instances {
        out.max_module_instances = Some(count(v, "max_module_instances", u32::MAX as u64)?);
    }
    if let Some(v) = &raw.max_resource_instances {
        out.max_resource_instances = Some(count(v, "max_resource_instances", u32::MAX as u64)?);
    }
    if let Some(v) = &raw.max_depth {
        out.max_depth = Some(count(
            v,
            "max_depth",
            crate::load::MAX_DEPTH_CEILING as u64,
        )?);
    }
    if let Some(v) = &raw.max_alias_nodes {
        out.max_alias_nodes = Some(count(v, "max_alias_nodes", u32::MAX as u64)?);
    }
    if let Some(v) = &raw.eval_timeout {
        let bad = |m: String| located(v, format!("`eval_timeout`: {m}"));
        out.eval_timeout = Some(match v.get_ref() {
            T::Integer(n) => seconds(*n as f64).ok_or_else(|| {
                bad(format!(
                    "{n} is out of range; use more than 0 and at most a day"
                ))
            })?,
            T::Float(n) => seconds(*n).ok_or_else(|| {
                bad(format!(
                    "{n} is out of range; use more than 0 and at most a day"
                ))
            })?,
            T::String(s) => parse_duration(s).map_err(bad)?,
            other => {
                return Err(bad(format!(
                    "must be seconds (a number) or a string such as \"10s\", got {}",
                    other.type_str()
                )))
            }
        });
    }
    Ok(out)
}

fn toml_to_json(v: &toml::Value) -> serde_json::Value {
    match v {
        toml::Value::String(s) => serde_json::json!(s),
        toml::Value::Integer(i) => serde_json::json!(i),
        toml::Value::Float(f) => serde_json::json!(f),
        toml::Value::Boolean(b) => serde_json::json!(b),
        toml::Value::Datetime(d) => serde_json::json!(d.to_string()),
        toml::Value::Array(a) => serde_json::Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Result<Config, ConfigError> {
        parse(
            Arc::new(SourceFile::new("opsgate.toml".into(), text)),
            PathBuf::from("."),
        )
    }

    fn line_of(e: &ConfigError) -> usize {
        e.file.position(e.span.unwrap().start).line
    }

    #[test]
    fn reads_the_design_example() {
        let c = cfg(r#"
fail_on = "medium"
exclude = ["examples/**"]
policy_dirs = ["ops-policies"]
forbid_inline_ignores = ["OPS-DEP-001"]

[rules]
disable = ["OPS-TEL-018"]
severity = { "OPS-HLT-006" = "info" }

[rules."OPS-ORG-001"]
required_tags = ["Owner", "CostCenter"]

[cloudformation]
stack_tags = ["Owner"]

[[exceptions]]
rule = "OPS-DEP-001"
resource = "Legacy*"
path = "stacks/legacy/**"
reason = "bucket is re-creatable from source"
owner = "platform-team"
expires = 2027-03-31
"#)
        .unwrap();
        assert_eq!(c.fail_on, Some(Severity::Medium));
        assert_eq!(c.disable, ["OPS-TEL-018"]);
        assert_eq!(c.severity["OPS-HLT-006"], Severity::Info);
        assert_eq!(
            c.rule_params["OPS-ORG-001"],
            serde_json::json!({"required_tags": ["Owner", "CostCenter"], "stack_tags": ["Owner"]})
        );
        assert!(c.exclude_set.is_match("examples/a/b.yaml"));
        let x = &c.exceptions[0];
        assert_eq!((x.expires.as_str(), x.line), ("2027-03-31", 17));
        assert!(x.covers("OPS-DEP-001", "LegacyBucket", "stacks/legacy/a.yaml"));
        assert!(!x.covers("OPS-DEP-001", "LegacyBucket", "stacks/new/a.yaml"));
        assert!(!x.covers("OPS-DEP-002", "LegacyBucket", "stacks/legacy/a.yaml"));
        assert!(!c.inline.allows("OPS-DEP-001"));
        assert!(c.inline.allows("OPS-TEL-001"));
    }

    #[test]
    fn inline_ignores_allowed_for_all_none_or_a_list() {
        assert!(cfg("").unwrap().inline.allows("OPS-TEL-001"));
        let none = cfg("allow_inline_ignores = false\n").unwrap();
        assert!(!none.inline.allows("OPS-TEL-001"));
        let some = cfg("allow_inline_ignores = [\"OPS-TEL-018\"]\n").unwrap();
        assert!(some.inline.allows("ops-tel-018"));
        assert!(!some.inline.allows("OPS-TEL-001"));
    }

    #[test]
    fn errors_point_at_their_line() {
        let e = cfg("fail_on = \"low\"\nfail_onn = \"high\"\n").unwrap_err();
        assert!(
            e.message == "unknown key `fail_onn`; did you mean `fail_on`?",
            "{}",
            e.message
        );
        assert_eq!(line_of(&e), 2);
        let e = cfg("\n\nfail_on = \"urgent\"\n").unwrap_err();
        assert!(e.message.contains("unknown severity `urgent`"));
        assert_eq!(line_of(&e), 3);
        let e = cfg("[[exceptions]]\nrule = \"OPS-DEP-001\"\nresource = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"soon\"\n").unwrap_err();
        assert_eq!(line_of(&e), 6, "{}", e.message);
        let e = cfg("[[exceptions]]\nrule = \"OPS-DEP-001\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2027-01-01\n").unwrap_err();
        assert!(e.message.contains("owner"), "{}", e.message);
        let e = cfg("exclude = [\"a/[\"]\n").unwrap_err();
        assert!(e.message.contains("invalid glob"), "{}", e.message);
    }

    #[test]
    fn unknown_keys_suggest_the_nearest_not_the_whole_list() {
        let e = cfg("\n[limits]\nmax_dept = 3\n").unwrap_err();
        assert_eq!(
            e.message,
            "unknown key `max_dept`; did you mean `max_depth`?"
        );
        assert_eq!(line_of(&e), 3);
        let e = cfg("[rules]\ndisabel = [\"OPS-TEL-001\"]\n").unwrap_err();
        assert_eq!(
            e.message,
            "unknown key `rules.disabel`; did you mean `disable`?"
        );
        let e = cfg("[[exceptions]]\nrule = \"OPS-DEP-001\"\nresource = \"*\"\nreason = \"r\"\nowners = \"o\"\nexpires = 2027-01-01\n").unwrap_err();
        assert_eq!(e.message, "unknown key `owners`; did you mean `owner`?");
        assert_eq!(line_of(&e), 5);
        let e = cfg("colour = true\n").unwrap_err();
        assert_eq!(
            e.message,
            "unknown key `colour`; the README's \"Adopting it on an existing repository\" lists the keys"
        );
    }

    #[test]
    fn unknown_rules_and_parameters_are_errors() {
        let c = cfg("[rules]\ndisable = [\"OPS-TEL-999\"]\n").unwrap();
        let rules: BTreeMap<String, Vec<String>> = [
            ("OPS-TEL-001".to_string(), vec![]),
            ("OPS-ORG-001".to_string(), vec!["required_tags".to_string()]),
        ]
        .into();
        let e = c.check_rules(&rules).unwrap_err();
        assert_eq!(
            e.message,
            "unknown rule `OPS-TEL-999`; `opsgate rules` lists them"
        );
        assert_eq!(line_of(&e), 2);
        let c = cfg("[rules]\nseverity = { \"OPS-TEL-01\" = \"low\" }\n").unwrap();
        let e = c.check_rules(&rules).unwrap_err();
        assert_eq!(
            e.message,
            "unknown rule `OPS-TEL-01`; did you mean `OPS-TEL-001`?"
        );
        assert_eq!(line_of(&e), 2);
        let c = cfg("forbid_inline_ignores = [\"OPS-ORG-01\"]\n").unwrap();
        let e = c.check_rules(&rules).unwrap_err();
        assert_eq!(
            e.message,
            "unknown rule `OPS-ORG-01`; did you mean `OPS-ORG-001`?"
        );
        let c = cfg("[[exceptions]]\nrule = \"OPS-TEL-0001\"\nresource = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n").unwrap();
        let e = c.check_rules(&rules).unwrap_err();
        assert_eq!(
            e.message,
            "unknown rule `OPS-TEL-0001`; did you mean `OPS-TEL-001`?"
        );
        assert_eq!(line_of(&e), 2);
        let c = cfg("[rules.\"OPS-ORG-001\"]\nrequired_tag = [\"Owner\"]\n").unwrap();
        let e = c.check_rules(&rules).unwrap_err();
        assert_eq!(
            e.message,
            "rule OPS-ORG-001 has no parameter `required_tag`; did you mean `required_tags`?"
        );
        let c = cfg("[rules.\"OPS-ORG-001\"]\nowner = [\"Owner\"]\n").unwrap();
        let e = c.check_rules(&rules).unwrap_err();
        assert_eq!(
            e.message,
            "rule OPS-ORG-001 has no parameter `owner`; its parameters are required_tags"
        );
    }
}
