//! The functions that read files: `file`, `filebase64`, `fileexists` and
//! `templatefile`. The scanned repository is untrusted, so a path is read only when
//! it resolves inside the scan roots (symlinks followed, then checked), within
//! `max_value_size`, and each file once per unit; anything else is unknown.
//!
//! Relative paths are relative to the root module's directory, as Terraform reads
//! them from its working directory (`"${path.module}/policy.json"` from a child
//! module is `modules/x/policy.json` there).

use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::eval::{Eval, V};
use super::modules::{EmptyScope, InstanceScope};
use crate::normalise::budget::Exceeded;

/// What reading a path gave.
#[derive(Debug, Clone)]
pub enum FileRead {
    /// The file's bytes.
    Bytes(Rc<Vec<u8>>),
    /// Nothing is at the path (inside the scan roots).
    Missing,
    /// Larger than `max_value_size`: its size.
    TooLarge(u64),
    /// Cannot be known here: outside the scan roots, a directory, unreadable, or no
    /// file access in this scope (templates, variable defaults).
    Unavailable,
}

impl InstanceScope<'_> {
    /// Reads `path` (see the module's comment), once per unit.
    pub(super) fn read(&self, path: &str) -> FileRead {
        let base = &self.inst.chain[0];
        let wanted = base.join(path);
        if let Some(r) = self.b.files.borrow().get(&wanted) {
            return r.clone();
        }
        let r = self.read_uncached(base, &wanted, path);
        self.b.files.borrow_mut().insert(wanted, r.clone());
        r
    }

    fn read_uncached(&self, base: &Path, wanted: &Path, path: &str) -> FileRead {
        let resolved = match std::fs::canonicalize(wanted) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return match inside(self, base, &nearest_existing(wanted)) {
                    true => FileRead::Missing,
                    false => FileRead::Unavailable,
                }
            }
            Err(_) => return FileRead::Unavailable,
        };
        if !inside(self, base, &resolved) {
            self.b.notes.borrow_mut().push(format!(
                "{}: the configuration reads \"{path}\", outside the scan root; its value is unknown",
                crate::discover::display_path(base)
            ));
            return FileRead::Unavailable;
        }
        let Ok(meta) = std::fs::metadata(&resolved) else {
            return FileRead::Unavailable;
        };
        if !meta.is_file() {
            return FileRead::Unavailable;
        }
        let limits = self.b.budget.limits();
        let max = limits.max_value_bytes.min(limits.max_file_bytes);
        if meta.len() > max {
            return FileRead::TooLarge(meta.len());
        }
        let mut bytes = Vec::new();
        let read =
            std::fs::File::open(&resolved).and_then(|f| f.take(max + 1).read_to_end(&mut bytes));
        match read {
            Ok(n) if n as u64 > max => FileRead::TooLarge(n as u64),
            Ok(_) => match self.b.budget.charge(bytes.len() as u64) {
                Ok(()) => FileRead::Bytes(Rc::new(bytes)),
                Err(_) => FileRead::Unavailable,
            },
            Err(_) => FileRead::Unavailable,
        }
    }
}

/// Inside the scan roots; without roots (a library caller), inside the root module.
fn inside(scope: &InstanceScope, base: &Path, resolved: &Path) -> bool {
    let roots = scope.b.loader.roots();
    if roots.is_empty() {
        resolved.starts_with(base)
    } else {
        roots.contains(resolved)
    }
}

/// The nearest ancestor of `path` that exists, resolved (where a missing file would
/// be).
fn nearest_existing(path: &Path) -> PathBuf {
    path.ancestors()
        .find_map(|a| std::fs::canonicalize(a).ok())
        .unwrap_or_default()
}

impl Eval<'_> {
    /// `file`, `filebase64`, `fileexists` and `templatefile`: `None` for another
    /// function; `Some(Err)` when a file is over the size cap.
    pub(super) fn file_function(&self, name: &str, args: &[V]) -> Option<Result<V, Exceeded>> {
        if !matches!(name, "file" | "filebase64" | "fileexists" | "templatefile") {
            return None;
        }
        let unknown = || V::unknown(String::new(), BTreeSet::new());
        let Some(V::Str(path)) = args.first() else {
            return Some(Ok(unknown()));
        };
        let read = self.scope.read_file(path);
        let bytes = match read {
            FileRead::Bytes(b) => b,
            FileRead::Missing if name == "fileexists" => return Some(Ok(V::Bool(false))),
            FileRead::TooLarge(n) if name != "fileexists" => {
                return Some(Err(Exceeded::ValueBytes(n)))
            }
            FileRead::TooLarge(_) => return Some(Ok(V::Bool(true))),
            FileRead::Missing | FileRead::Unavailable => return Some(Ok(unknown())),
        };
        let text = || std::str::from_utf8(&bytes).ok().map(str::to_string);
        Some(Ok(match name {
            "fileexists" => V::Bool(true),
            "filebase64" => V::Str(data_encoding::BASE64.encode(&bytes)),
            "file" => text().map_or_else(unknown, V::Str),
            _ => match (text(), args.get(1)) {
                (Some(t), Some(V::Obj(vars))) => self.render_template_file(&t, vars),
                _ => unknown(),
            },
        }))
    }

    /// A `templatefile` template: it sees the variables given, and no `var`, `local`
    /// or file of the configuration (Terraform's rule, which also rules out
    /// recursion).
    fn render_template_file(&self, text: &str, vars: &std::collections::BTreeMap<String, V>) -> V {
        let Ok(template) = hcl_edit::parser::parse_template(text) else {
            return V::unknown(String::new(), BTreeSet::new());
        };
        let scope = EmptyScope(self.scope.budget());
        let bindings = vars.iter().map(|(k, v)| (k.clone(), Rc::new(v.clone())));
        Eval::new(&scope, text, None)
            .with(bindings)
            .template_value(&template)
    }
}
