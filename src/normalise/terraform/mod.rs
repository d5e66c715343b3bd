//! Terraform to the policy input: one unit per root module, local (and downloaded
//! registry) child modules expanded into it with their inputs, values evaluated as
//! far as the configuration allows (`eval`), edges for every reference.

pub mod config;
pub mod eval;
mod inputs;
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
use super::{Format, Unit};
use crate::discover::Roots;
use crate::load::{Limits, LoadError};
use crate::source::SourceFile;

/// Parsed module directories, shared by all units of a scan, and what every file
/// load of the scan obeys: the limits, and the roots symlinks may point into.
#[derive(Default)]
pub struct Loader {
    cache: Mutex<HashMap<PathBuf, Arc<ModuleConfig>>>,
    limits: Limits,
    roots: Roots,
}

impl Loader {
    /// A loader for a scan of `roots` (see `discover::Roots`) within `limits`.
    pub fn new(limits: Limits, roots: Roots) -> Loader {
        Loader {
            cache: Mutex::default(),
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

    pub fn get(&self, dir: &Path) -> Arc<ModuleConfig> {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if let Some(c) = self.cache.lock().expect("loader lock").get(&key) {
            return c.clone();
        }
        let config = Arc::new(ModuleConfig::load(dir, &self.limits, &self.roots));
        self.cache
            .lock()
            .expect("loader lock")
            .entry(key)
            .or_insert(config)
            .clone()
    }

    /// Directories that modules among `dirs` call with a local `source`: they are
    /// scanned as part of their callers, not as units of their own.
    pub fn called_dirs(&self, dirs: &[PathBuf]) -> BTreeSet<PathBuf> {
        let mut called = BTreeSet::new();
        for dir in dirs {
            let config = self.get(dir);
            for m in &config.modules {
                if let Some(source) =
                    literal_attr(&m.block.body, "source").filter(|s| is_local_source(s))
                {
                    if let Ok(p) = config.dir.join(source).canonicalize() {
                        called.insert(p);
                    }
                }
            }
        }
        called
    }
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
    let root_vars = tfvars(
        dir,
        &options.var_files,
        loader,
        &mut errors,
        &mut file_notes,
    );
    let vars = variable_values(&root_config, &root_vars, "");
    let builder = Builder {
        loader,
        registry: registry(dir),
        instances: RefCell::new(Vec::new()),
        notes: RefCell::new(file_notes),
    };
    let root = Rc::new(Instance {
        config: root_config,
        prefix: String::new(),
        key: String::new(),
        depth: 0,
        vars,
        providers: RefCell::new(BTreeMap::new()),
        locals: RefCell::new(HashMap::new()),
        children: RefCell::new(HashMap::new()),
    });
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
    let input = json!({
        "format": Format::Terraform.as_str(),
        "unit": name,
        "resources": emitted.resources,
        "data": emitted.data,
        "by_kind": emitted.by_kind,
        "edges": emitted.edges,
        "parameters": {},
        "variables": variables,
    });
    let mut notes = builder.notes.into_inner();
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
