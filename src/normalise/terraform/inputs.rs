//! What a root module gets from outside: variable files and downloaded modules.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hcl_edit::structure::Structure;
use serde_json::Value as J;

use super::eval::{Eval, V};
use super::modules::EmptyScope;
use super::Loader;
use crate::load::{self, LoadError};
use crate::normalise::budget::Budget;
use crate::source::SourceFile;

/// Variables of a root module: `terraform.tfvars`, `*.auto.tfvars` (in name order),
/// their `.json` forms, then `--var-file`s, later ones winning.
/// Files found in `dir` that are symlinks out of the scan roots are not read
/// (`--var-file`s are: the user named them); every file obeys the size limit.
pub(super) fn tfvars(
    dir: &Path,
    var_files: &[PathBuf],
    loader: &Loader,
    budget: &Budget,
    errors: &mut Vec<(Arc<SourceFile>, LoadError)>,
    notes: &mut Vec<String>,
) -> HashMap<String, V> {
    let mut files: Vec<PathBuf> = ["terraform.tfvars", "terraform.tfvars.json"]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .collect();
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
                })
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    files.extend(auto);
    files.retain(|f| match loader.roots().check_link(f) {
        Ok(()) => true,
        Err(why) => {
            notes.push(format!("{}: {why}", crate::discover::display_path(f)));
            false
        }
    });
    files.extend(var_files.iter().cloned());
    let mut vars = HashMap::new();
    for path in files {
        let display = crate::discover::display_path(&path);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let text = match loader
            .limits()
            .check_size(size)
            .map_or(Ok(()), Err)
            .and_then(|()| {
                std::fs::read(&path).map_err(|e| LoadError::whole_file(format!("cannot read: {e}")))
            })
            .and_then(load::decode)
        {
            Ok(t) => t,
            Err(e) => {
                errors.push((Arc::new(SourceFile::new(display, String::new())), e));
                continue;
            }
        };
        if display.ends_with(".json") {
            match serde_json::from_str::<J>(&text) {
                Ok(J::Object(o)) => {
                    vars.extend(o.iter().map(|(k, v)| (k.clone(), V::from_json(v))))
                }
                _ => errors.push((
                    Arc::new(SourceFile::new(display, text)),
                    LoadError::whole_file("a .tfvars.json file must hold one JSON object"),
                )),
            }
            continue;
        }
        let source = Arc::new(SourceFile::new(display, text));
        match load::hcl::parse_with(&source.text, loader.limits()) {
            Ok(body) => {
                let scope = EmptyScope(budget);
                for s in body.iter() {
                    if let Structure::Attribute(a) = s {
                        let name = a.key.as_str();
                        let v = budget.named(format!("var.{name}"), || {
                            Eval::new(&scope, &source.text, Some(&source)).eval(&a.value)
                        });
                        vars.insert(name.to_string(), v);
                    }
                }
            }
            Err(e) => errors.push((source, e)),
        }
    }
    vars
}

/// `.terraform/modules/modules.json`: where `terraform init` put registry and git modules.
pub(super) fn registry(root: &Path) -> HashMap<String, PathBuf> {
    let path = root.join(".terraform/modules/modules.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return HashMap::new();
    };
    let Ok(j) = serde_json::from_str::<J>(&text) else {
        return HashMap::new();
    };
    j.get("Modules")
        .and_then(J::as_array)
        .map(|mods| {
            mods.iter()
                .filter_map(|m| {
                    Some((
                        m.get("Key")?.as_str()?.to_string(),
                        root.join(m.get("Dir")?.as_str()?),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}
