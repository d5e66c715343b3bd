//! Deploy-time values of CloudFormation parameters, from the files a team deploys
//! with (`--cfn-parameters`, `[cloudformation] parameter_files`). They win over the
//! template's defaults, as `--var-file` does over a Terraform variable's default.
//!
//! Three forms are read:
//! - the CloudFormation CLI's `[{"ParameterKey": "Env", "ParameterValue": "prod"}]`
//!   (`"UsePreviousValue": true` leaves the value unknown);
//! - CodePipeline's template configuration and `sam`'s `{"Parameters": {"Env": "prod"}}`;
//! - `samconfig.toml`: `parameter_overrides` of `[default.deploy.parameters]` (or
//!   `[default.global.parameters]`), a string `"Env=prod Name=\"a b\""` or a list of
//!   `"Key=Value"` strings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as J;

/// Parameter values: `None` is a value given as unknown (`UsePreviousValue`).
pub type Values = BTreeMap<String, Option<String>>;

/// The values of one parameter file, and the templates they apply to.
#[derive(Debug, Clone)]
pub struct ParameterFile {
    /// The templates the values apply to; `None`: every template.
    pub templates: Option<TemplateGlob>,
    pub values: Values,
}

/// A glob over template paths relative to a folder (the config file's).
#[derive(Debug, Clone)]
pub struct TemplateGlob {
    pub glob: globset::GlobMatcher,
    pub root: PathBuf,
}

impl ParameterFile {
    /// Does it apply to the template at `path`?
    pub fn applies_to(&self, path: &Path) -> bool {
        let Some(TemplateGlob { glob, root }) = &self.templates else {
            return true;
        };
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        glob.is_match(abs.strip_prefix(&root).unwrap_or(path))
    }
}

/// The values of the files that apply to the template at `path`, later files winning.
pub fn for_template(files: &[ParameterFile], path: &Path) -> Values {
    let mut values = Values::new();
    for f in files.iter().filter(|f| f.applies_to(path)) {
        values.extend(f.values.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    values
}

/// Reads a parameter file of any of the three forms; the error says where and why.
pub fn read(path: &Path, max_bytes: u64) -> Result<Values, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read: {e}"))?
        .len();
    if size > max_bytes {
        return Err(format!(
            "{size} bytes, more than the max_file_size limit of {max_bytes}"
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    if path.extension().is_some_and(|e| e == "toml") {
        return samconfig(&text);
    }
    let json: J = serde_json::from_str(&text)
        .map_err(|e| format!("{}:{}: invalid JSON: {e}", e.line(), e.column()))?;
    match json {
        J::Array(items) => cli_form(&items),
        J::Object(o) => match o.get("Parameters") {
            Some(J::Object(p)) => p
                .iter()
                .map(|(k, v)| Ok((k.clone(), Some(scalar(v, k)?))))
                .collect(),
            _ => Err(SHAPES.into()),
        },
        _ => Err(SHAPES.into()),
    }
}

const SHAPES: &str = "expected [{\"ParameterKey\": ..., \"ParameterValue\": ...}] (the CloudFormation CLI) or {\"Parameters\": {...}} (CodePipeline, sam)";

fn scalar(v: &J, key: &str) -> Result<String, String> {
    match v {
        J::String(s) => Ok(s.clone()),
        J::Number(n) => Ok(n.to_string()),
        J::Bool(b) => Ok(b.to_string()),
        // A list parameter may be given as a list: CloudFormation joins it with commas.
        J::Array(items) => items
            .iter()
            .map(|i| scalar(i, key))
            .collect::<Result<Vec<_>, _>>()
            .map(|parts| parts.join(",")),
        _ => Err(format!("the value of parameter {key} is not a string")),
    }
}

fn cli_form(items: &[J]) -> Result<Values, String> {
    let mut values = Values::new();
    for (i, item) in items.iter().enumerate() {
        let key = item
            .get("ParameterKey")
            .and_then(J::as_str)
            .ok_or_else(|| format!("item {i} has no ParameterKey; {SHAPES}"))?;
        let value = match item.get("ParameterValue") {
            Some(v) => Some(scalar(v, key)?),
            None if item.get("UsePreviousValue") == Some(&J::Bool(true)) => None,
            None => return Err(format!("parameter {key} has no ParameterValue")),
        };
        values.insert(key.to_string(), value);
    }
    Ok(values)
}

/// `parameter_overrides` of samconfig.toml's default environment.
fn samconfig(text: &str) -> Result<Values, String> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let line = text[..s.start].matches('\n').count() + 1;
                let column = s.start - text[..s.start].rfind('\n').map_or(0, |i| i + 1) + 1;
                format!("{line}:{column}: ")
            })
            .unwrap_or_default();
        format!("{at}invalid TOML: {}", e.message())
    })?;
    let overrides = ["deploy", "global"].iter().find_map(|command| {
        doc.get("default")?
            .get(command)?
            .get("parameters")?
            .get("parameter_overrides")
    });
    let pairs: Vec<String> = match overrides {
        None => return Ok(Values::new()),
        Some(toml::Value::String(s)) => split_words(s)?,
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or("parameter_overrides lists strings \"Key=Value\"")
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("parameter_overrides is a string or a list of strings".into()),
    };
    pairs
        .iter()
        .map(|pair| {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| format!("`{pair}` in parameter_overrides is not Key=Value"))?;
            Ok((k.to_string(), Some(unquote(v))))
        })
        .collect()
}

/// `Env=prod Name="a b"` as sam splits it: at spaces outside quotes.
fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                word.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                word.push(c);
            }
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            (_, c) => word.push(c),
        }
    }
    if quote.is_some() {
        return Err("parameter_overrides has an unclosed quote".into());
    }
    if !word.is_empty() {
        words.push(word);
    }
    Ok(words)
}

fn unquote(v: &str) -> String {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(name: &str, text: &str) -> Result<Vec<(String, Option<String>)>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        read(&path, 1 << 20).map(|v| v.into_iter().collect())
    }

    fn pairs(list: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect()
    }

    #[test]
    fn the_three_forms() {
        assert_eq!(
            values(
                "p.json",
                r#"[{"ParameterKey": "Env", "ParameterValue": "prod"},
                    {"ParameterKey": "Old", "UsePreviousValue": true},
                    {"ParameterKey": "Count", "ParameterValue": 3}]"#
            ),
            Ok(pairs(&[
                ("Count", Some("3")),
                ("Env", Some("prod")),
                ("Old", None)
            ]))
        );
        assert_eq!(
            values(
                "c.json",
                r#"{"Parameters": {"Env": "prod", "Subnets": ["a", "b"]}, "Tags": {}}"#
            ),
            Ok(pairs(&[("Env", Some("prod")), ("Subnets", Some("a,b"))]))
        );
        assert_eq!(
            values(
                "samconfig.toml",
                "version = 0.1\n[default.deploy.parameters]\nstack_name = \"s\"\nparameter_overrides = \"Env=prod Name=\\\"a b\\\" Empty=''\"\n"
            ),
            Ok(pairs(&[("Empty", Some("")), ("Env", Some("prod")), ("Name", Some("a b"))]))
        );
        assert_eq!(
            values(
                "samconfig.toml",
                "[default.global.parameters]\nparameter_overrides = [\"Env=dev\", \"X=1=2\"]\n"
            ),
            Ok(pairs(&[("Env", Some("dev")), ("X", Some("1=2"))]))
        );
        assert_eq!(values("samconfig.toml", "version = 0.1\n"), Ok(vec![]));
    }

    #[test]
    fn errors_say_where_and_why() {
        assert_eq!(
            values(
                "p.json",
                "[{\"ParameterKey\": \"Env\",\n  \"ParameterValue\": }]"
            ),
            Err("2:21: invalid JSON: expected value at line 2 column 21".into())
        );
        assert!(values("p.json", "{\"Env\": \"prod\"}")
            .unwrap_err()
            .starts_with("expected [{\"ParameterKey\""));
        assert_eq!(
            values("p.json", "[{\"ParameterKey\": \"Env\"}]"),
            Err("parameter Env has no ParameterValue".into())
        );
        assert!(values(
            "samconfig.toml",
            "[default.deploy.parameters]\nparameter_overrides = \"A='x\"\n"
        )
        .unwrap_err()
        .contains("unclosed quote"));
        assert!(values("samconfig.toml", "[default\n")
            .unwrap_err()
            .starts_with("1:"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big.json"), "[]   ").unwrap();
        assert!(read(&dir.path().join("big.json"), 2)
            .unwrap_err()
            .contains("max_file_size"));
    }
}
