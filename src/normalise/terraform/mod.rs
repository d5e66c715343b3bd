//! Terraform to the policy input: one unit per root module, local (and downloaded
//! registry) child modules expanded into it with their inputs, values evaluated as
//! far as the configuration allows (`eval`), edges for every reference.

pub mod callers;
pub mod config;
pub mod eval;
mod files;
mod functions;
mod inputs;
mod instances;
mod modules;
mod nodes;
pub mod plan;
mod resources;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use hcl_edit::structure::{Body, Structure};
use serde_json::{json, Map, Value as J};

use self::config::ModuleConfig;
use self::inputs::{registry, tfvars};
use self::modules::{variable_values, Builder, Instance};
use self::resources::{emit_data, emit_resource, Emitted};
use super::budget::Budget;
use super::{by_kind_json, object, Format, Unit};
use crate::discover::Roots;
use crate::load::{Limits, LoadError};
use crate::source::SourceFile;

/// Parsed module directories, shared by all units of a scan, and what every file
/// load of the scan obeys: the limits, and the roots symlinks may point into.
pub struct Loader {
    cache: Mutex<ModuleCache>,
    /// Directories resolved, by the path asked for: each module directory is looked
    /// up several times per scan, and resolving costs a system call per component.
    resolved: Mutex<HashMap<PathBuf, PathBuf>>,
    limits: Limits,
    roots: Roots,
}

/// Parsed modules kept for the units that still need them. A parsed module takes
/// about six times its text in memory, so a large scan (the corpus ×25: 140 MB of
/// Terraform) cannot keep them all. Every module directory is parsed once to find the
/// root modules; parsed modules are kept up to `MODULE_CACHE_BUDGET` bytes of source
/// text, and once the roots are known (`expect_uses`) every module a pending root
/// loads is kept until the last such root is done (`release`). A module that was not
/// kept is parsed again when its root is scanned.
#[derive(Default)]
struct ModuleCache {
    /// Parsed modules by canonical directory, with their source bytes.
    modules: HashMap<PathBuf, (Arc<ModuleConfig>, usize)>,
    kept_bytes: usize,
    /// How many roots not yet released load each directory.
    pending: HashMap<PathBuf, usize>,
    /// The directories each root loads (itself and its local modules, transitively).
    closures: HashMap<PathBuf, Vec<PathBuf>>,
}

/// Source bytes of parsed modules kept without a pending root (see `ModuleCache`):
/// the Terraform of a typical repository fits, so it is parsed once. Larger scans
/// parse each module twice (about 10 % more time on the corpus): measured on the
/// corpus ×5, an 8 MiB budget kept 190 MB more resident (the kept modules scatter
/// among the freed ones of every later parse).
pub const MODULE_CACHE_BUDGET: usize = 1024 * 1024;

impl Default for Loader {
    fn default() -> Loader {
        Loader::new(Limits::default(), Roots::default())
    }
}

impl Loader {
    /// A loader for a scan of `roots` (see `discover::Roots`) within `limits`.
    pub fn new(limits: Limits, roots: Roots) -> Loader {
        Loader {
            cache: Mutex::default(),
            resolved: Mutex::default(),
            limits,
            roots,
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn roots(&self) -> &Roots {
        &self.roots
    }

    /// The cache key of a directory: its canonical path (as written if that fails).
    pub fn canonical(&self, dir: &Path) -> PathBuf {
        if let Some(r) = self.resolved.lock().expect("loader lock").get(dir) {
            return r.clone();
        }
        let r = canonical(dir);
        let mut resolved = self.resolved.lock().expect("loader lock");
        resolved.insert(dir.to_path_buf(), r.clone());
        r
    }

    /// The parsed module in `dir`: kept from an earlier call, or parsed now (and kept
    /// while the cache's budget allows).
    pub fn get(&self, dir: &Path) -> Arc<ModuleConfig> {
        let key = self.canonical(dir);
        if let Some((c, _)) = self.cache.lock().expect("loader lock").modules.get(&key) {
            return c.clone();
        }
        let config = Arc::new(ModuleConfig::load(dir, &self.limits, &self.roots));
        let bytes = config.source_bytes();
        let mut cache = self.cache.lock().expect("loader lock");
        if let Some((c, _)) = cache.modules.get(&key) {
            return c.clone();
        }
        let needed = cache.pending.get(&key).is_some_and(|n| *n > 0);
        if needed || cache.kept_bytes + bytes <= MODULE_CACHE_BUDGET {
            cache.kept_bytes += bytes;
            cache.modules.insert(key, (config.clone(), bytes));
        }
        config
    }

    /// The scan will build a unit for each of `roots`; `calls` gives each parsed
    /// directory's local module calls. Modules those units load are kept until
    /// `release` of the last of them.
    pub fn expect_uses(&self, roots: &[PathBuf], calls: &HashMap<PathBuf, Vec<PathBuf>>) {
        let mut cache = self.cache.lock().expect("loader lock");
        for root in roots {
            let root = self.canonical(root);
            let mut closure = vec![root.clone()];
            let mut seen: BTreeSet<PathBuf> = BTreeSet::from([root.clone()]);
            let mut i = 0;
            while i < closure.len() {
                for next in calls.get(&closure[i]).into_iter().flatten() {
                    if seen.insert(next.clone()) {
                        closure.push(next.clone());
                    }
                }
                i += 1;
            }
            for dir in &closure {
                *cache.pending.entry(dir.clone()).or_default() += 1;
            }
            cache.closures.insert(root, closure);
        }
    }

    /// The unit of root module `root` is built: modules no other pending root loads
    /// are dropped.
    pub fn release(&self, root: &Path) {
        let mut cache = self.cache.lock().expect("loader lock");
        let Some(closure) = cache.closures.remove(&self.canonical(root)) else {
            return;
        };
        for dir in closure {
            let Some(n) = cache.pending.get_mut(&dir) else {
                continue;
            };
            *n -= 1;
            if *n == 0 {
                cache.pending.remove(&dir);
                if let Some((_, bytes)) = cache.modules.remove(&dir) {
                    cache.kept_bytes -= bytes;
                }
            }
        }
    }

    /// Directories that the module in `dir` calls with a local `source`.
    pub fn local_calls(&self, dir: &Path) -> Vec<PathBuf> {
        let config = self.get(dir);
        config
            .modules
            .iter()
            .filter_map(|m| literal_attr(&m.block.body, "source").filter(|s| is_local_source(s)))
            .filter_map(|source| config.dir.join(source).canonicalize().ok())
            .collect()
    }

    /// Directories that modules among `dirs` call with a local `source`: they are
    /// scanned as part of their callers, not as units of their own.
    pub fn called_dirs(&self, dirs: &[PathBuf]) -> BTreeSet<PathBuf> {
        dirs.iter().flat_map(|d| self.local_calls(d)).collect()
    }
}

/// The cache key of a directory: its canonical path (as written if that fails).
pub fn canonical(dir: &Path) -> PathBuf {
    dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())
}

pub(super) fn is_local_source(s: &str) -> bool {
    s.starts_with("./") || s.starts_with("../") || s == "." || s == ".."
}

/// A string attribute written as a literal (`source = "./x"`).
pub(super) fn literal_attr<'b>(body: &'b Body, name: &str) -> Option<&'b str> {
    body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == name => a.value.as_str(),
        _ => None,
    })
}

pub(super) fn attr<'b>(body: &'b Body, name: &str) -> Option<&'b hcl_edit::structure::Attribute> {
    body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == name => Some(a),
        _ => None,
    })
}

/// Options that apply to root modules.
#[derive(Debug, Clone, Default)]
pub struct TerraformOptions {
    pub var_files: Vec<PathBuf>,
}

/// Builds the unit for the root module in `dir`. Problems in single files come back
/// as located errors; the rest of the module is still checked.
pub fn normalise(
    dir: &Path,
    loader: &Loader,
    options: &TerraformOptions,
) -> (Unit, Vec<(Arc<SourceFile>, LoadError)>) {
    let mut errors = Vec::new();
    let root_config = loader.get(dir);
    let mut file_notes = Vec::new();
    let budget = Budget::new(loader.limits());
    let root_vars = tfvars(
        dir,
        &options.var_files,
        loader,
        &budget,
        &mut errors,
        &mut file_notes,
    );
    let vars = variable_values(&root_config, &root_vars, "", &budget);
    let builder = Builder {
        loader,
        registry: registry(dir),
        instances: RefCell::new(Vec::new()),
        notes: RefCell::new(file_notes),
        errors: RefCell::new(Vec::new()),
        budget,
        resource_instances: std::cell::Cell::new(0),
        files: RefCell::new(HashMap::new()),
    };
    let root = Rc::new(Instance::new(
        root_config,
        String::new(),
        String::new(),
        vec![loader.canonical(dir)],
        vars,
        BTreeMap::new(),
    ));
    builder.add_own_providers(&root);
    builder.instances.borrow_mut().push(root);
    // Expand every module call, breadth first (instances are appended as found).
    let mut i = 0;
    while i < builder.instances.borrow().len() {
        let inst = builder.instances.borrow()[i].clone();
        for m in &inst.config.modules {
            builder.child(&inst, m.label(0));
        }
        i += 1;
    }

    let mut emitted = Emitted::default();
    let mut seen_configs = BTreeSet::new();
    for inst in builder.instances.borrow().iter() {
        let scope = modules::InstanceScope {
            b: &builder,
            inst: inst.clone(),
        };
        for item in &inst.config.resources {
            emit_resource(&scope, item, &mut emitted);
        }
        for item in &inst.config.data {
            emit_data(&scope, item, &mut emitted);
        }
        if seen_configs.insert(inst.config.dir.clone()) {
            errors.extend(inst.config.errors.iter().cloned());
            builder
                .notes
                .borrow_mut()
                .extend(inst.config.notes.iter().cloned());
        }
    }
    let root = builder.instances.borrow()[0].clone();
    let variables: Map<String, J> = {
        let mut v: Vec<_> = root
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.into_iter().collect()
    };
    let name = crate::discover::display_path(dir);
    let input = object([
        ("format", Format::Terraform.as_str().into()),
        ("unit", name.as_str().into()),
        ("resources", J::Object(emitted.resources)),
        ("data", J::Object(emitted.data)),
        ("by_kind", by_kind_json(emitted.by_kind)),
        ("edges", J::Array(emitted.edges)),
        ("parameters", J::Object(Map::new())),
        ("variables", J::Object(variables)),
    ]);
    errors.extend(builder.errors.take());
    let mut notes = builder.notes.into_inner();
    for o in builder.budget.into_overruns() {
        if let Some(file) = o.file {
            errors.push((file, o.error));
        }
    }
    notes.extend(emitted.notes);
    let unit = Unit {
        format: Format::Terraform,
        name,
        input,
        resources: emitted.sources,
        notes,
    };
    (unit, errors)
}

/// The tags of an `aws_autoscaling_group`: it tags through `tag { key, value }`
/// blocks, and the provider's `default_tags` do not reach it. A block whose key
/// cannot be known makes the tag set unknown.
pub(super) fn autoscaling_group_tags(properties: &J) -> J {
    let blocks = match properties.get("tag") {
        None | Some(J::Null) => return json!({}),
        Some(J::Array(blocks)) => blocks,
        Some(other) if crate::normalise::is_unknown(other) => return other.clone(),
        Some(_) => return json!({}),
    };
    let mut out = Map::new();
    for b in blocks {
        match b.get("key") {
            Some(J::String(k)) => {
                out.insert(k.clone(), b.get("value").cloned().unwrap_or(J::Null));
            }
            Some(u) if crate::normalise::is_unknown(u) => return u.clone(),
            _ if crate::normalise::is_unknown(b) => return b.clone(),
            _ => {}
        }
    }
    J::Object(out)
}

#[cfg(test)]
mod cache_tests {
    use super::*;

    /// A module that a pending root loads stays parsed (even past the budget) until
    /// the last such root is released, then it is dropped.
    #[test]
    fn modules_are_kept_while_a_root_needs_them() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        let child = tmp.path().join("child");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&child).unwrap();
        std::fs::write(
            root.join("main.tf"),
            "module \"c\" {\n  source = \"../child\"\n}\n",
        )
        .unwrap();
        // Larger than the budget, so only a pending root keeps it.
        let big = format!(
            "locals {{\n  x = \"{}\"\n}}\n",
            "a".repeat(MODULE_CACHE_BUDGET + 1)
        );
        std::fs::write(child.join("main.tf"), big).unwrap();
        let loader = Loader::default();
        let calls = HashMap::from([(canonical(&root), loader.local_calls(&root))]);
        assert_eq!(calls[&canonical(&root)], vec![canonical(&child)]);
        loader.expect_uses(std::slice::from_ref(&root), &calls);
        let kept = |dir: &Path| {
            loader
                .cache
                .lock()
                .unwrap()
                .modules
                .contains_key(&canonical(dir))
        };
        assert!(!kept(&child));
        loader.get(&child);
        assert!(kept(&child));
        loader.release(&root);
        assert!(!kept(&child));
        assert!(!kept(&root));
        assert_eq!(loader.cache.lock().unwrap().kept_bytes, 0);
    }
}
