//! Module instances: the root module and every module call expanded into it, each
//! with its variables, lazily evaluated locals and outputs, and the provider
//! configurations (default tags) it sees.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use hcl_edit::structure::Structure;
use hcl_edit::Span as _;

use super::config::{Item, ModuleConfig, ModuleFile};
use super::eval::{Eval, Scope, V};
use super::{attr, is_local_source, Loader};
use crate::load::LoadError;
use crate::normalise::budget::Budget;
use crate::source::{SourceFile, Span};

pub(super) enum Slot<T> {
    InProgress,
    Done(T),
}

pub(super) enum Child {
    Instance(usize),
    /// `count = 0` / empty `for_each`: the module is not instantiated.
    Absent,
    Unresolved,
}

pub(super) struct Instance {
    pub(super) config: Arc<ModuleConfig>,
    /// `module.a.module.b.` (empty in the root module)
    pub(super) prefix: String,
    /// The key in `.terraform/modules/modules.json` (`a.b`; empty for the root).
    pub(super) key: String,
    pub(super) depth: usize,
    /// The directories (resolved) of the root module down to this one: a call of
    /// one of them again closes a cycle.
    pub(super) chain: Vec<PathBuf>,
    pub(super) vars: HashMap<String, Rc<V>>,
    /// Provider configurations visible here ("aws", "aws.west") and their default tags.
    pub(super) providers: RefCell<BTreeMap<String, Rc<V>>>,
    pub(super) locals: RefCell<HashMap<String, Slot<Rc<V>>>>,
    /// Outputs evaluated so far (a parent may read one many times).
    pub(super) outputs: RefCell<HashMap<String, Slot<Rc<V>>>>,
    pub(super) children: RefCell<HashMap<String, Slot<Child>>>,
}

pub(super) struct Builder<'l> {
    pub(super) loader: &'l Loader,
    pub(super) registry: HashMap<String, PathBuf>,
    pub(super) instances: RefCell<Vec<Rc<Instance>>>,
    pub(super) notes: RefCell<Vec<String>>,
    /// Module calls whose local `source` does not exist, located on the `source`.
    pub(super) errors: RefCell<Vec<(Arc<SourceFile>, LoadError)>>,
    /// What evaluating this root module may still cost.
    pub(super) budget: Budget,
}

pub(super) struct InstanceScope<'b> {
    pub(super) b: &'b Builder<'b>,
    pub(super) inst: Rc<Instance>,
}

impl Scope for InstanceScope<'_> {
    fn var(&self, name: &str) -> Option<Rc<V>> {
        self.inst.vars.get(name).cloned()
    }

    fn path(&self, which: &str) -> Option<String> {
        match which {
            "root" => Some(".".into()),
            "module" => {
                let root = self.inst.chain.first()?;
                Some(relative_path(root, self.inst.chain.last()?))
            }
            _ => None,
        }
    }

    fn local(&self, name: &str) -> Option<Rc<V>> {
        match self.inst.locals.borrow().get(name) {
            Some(Slot::Done(v)) => return Some(v.clone()),
            Some(Slot::InProgress) => return None, // a cycle: unknown
            None => {}
        }
        let config = &self.inst.config;
        let &(item, at) = config.local_defs.get(name)?;
        let item = &config.locals[item];
        let Some(Structure::Attribute(a)) = item.block.body.iter().nth(at) else {
            return None;
        };
        self.inst
            .locals
            .borrow_mut()
            .insert(name.to_string(), Slot::InProgress);
        let what = format!("{}local.{name}", self.inst.prefix);
        let v = Rc::new(
            self.b
                .budget
                .named(what, || self.eval_in(item.file, &a.value)),
        );
        self.inst
            .locals
            .borrow_mut()
            .insert(name.to_string(), Slot::Done(v.clone()));
        Some(v)
    }

    fn module_output(&self, module: &str, output: &str) -> Option<Rc<V>> {
        match self.b.child(&self.inst, module)? {
            ChildRef::Instance(child) => {
                match child.outputs.borrow().get(output) {
                    Some(Slot::Done(v)) => return Some(v.clone()),
                    Some(Slot::InProgress) => return None, // a cycle: unknown
                    None => {}
                }
                let scope = InstanceScope {
                    b: self.b,
                    inst: child.clone(),
                };
                let item = child.config.outputs.iter().find(|o| o.label(0) == output)?;
                let value = attr(&item.block.body, "value")?;
                child
                    .outputs
                    .borrow_mut()
                    .insert(output.to_string(), Slot::InProgress);
                let what = format!("{}module.{module}.{output}", self.inst.prefix);
                let v = Rc::new(
                    self.b
                        .budget
                        .named(what, || scope.eval_in(item.file, &value.value)),
                );
                child
                    .outputs
                    .borrow_mut()
                    .insert(output.to_string(), Slot::Done(v.clone()));
                Some(v)
            }
            ChildRef::Absent => Some(Rc::new(V::List(vec![]))),
        }
    }

    fn resource(&self, rtype: &str, name: &str) -> Option<String> {
        let local = format!("{rtype}.{name}");
        self.inst
            .config
            .resource_names
            .contains(&local)
            .then(|| format!("{}{local}", self.inst.prefix))
    }

    fn data(&self, rtype: &str, name: &str) -> Option<String> {
        let local = format!("{rtype}.{name}");
        self.inst
            .config
            .data_names
            .contains(&local)
            .then(|| format!("{}data.{local}", self.inst.prefix))
    }

    fn budget(&self) -> &Budget {
        &self.b.budget
    }
}

impl InstanceScope<'_> {
    pub(super) fn eval_in(&self, file: usize, expr: &hcl_edit::expr::Expression) -> V {
        let f = &self.inst.config.files[file];
        Eval::new(self, &f.hcl, Some(&f.source)).eval(expr)
    }
}

pub(super) enum ChildRef {
    Instance(Rc<Instance>),
    Absent,
}

/// Variable defaults and tfvars cannot refer to anything (but may still compute).
pub(super) struct EmptyScope<'b>(pub(super) &'b Budget);

impl Scope for EmptyScope<'_> {
    fn var(&self, _: &str) -> Option<Rc<V>> {
        None
    }
    fn local(&self, _: &str) -> Option<Rc<V>> {
        None
    }
    fn module_output(&self, _: &str, _: &str) -> Option<Rc<V>> {
        None
    }
    fn budget(&self) -> &Budget {
        self.0
    }
    fn resource(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn data(&self, _: &str, _: &str) -> Option<String> {
        None
    }
}

pub(super) fn variable_values(
    config: &ModuleConfig,
    inputs: &HashMap<String, V>,
    prefix: &str,
    budget: &Budget,
) -> HashMap<String, Rc<V>> {
    let mut vars = HashMap::new();
    for item in &config.variables {
        let name = item.label(0).to_string();
        let value = inputs.get(&name).cloned().or_else(|| {
            attr(&item.block.body, "default").map(|d| {
                let f = &config.files[item.file];
                budget.named(format!("{prefix}var.{name}"), || {
                    Eval::new(&EmptyScope(budget), &f.hcl, Some(&f.source)).eval(&d.value)
                })
            })
        });
        let value =
            value.unwrap_or_else(|| V::unknown(format!("{prefix}var.{name}"), BTreeSet::new()));
        vars.insert(name, Rc::new(value));
    }
    vars
}

impl<'l> Builder<'l> {
    pub(super) fn child(&self, parent: &Rc<Instance>, name: &str) -> Option<ChildRef> {
        if let Some(slot) = parent.children.borrow().get(name) {
            return match slot {
                Slot::Done(Child::Instance(i)) => {
                    Some(ChildRef::Instance(self.instances.borrow()[*i].clone()))
                }
                Slot::Done(Child::Absent) => Some(ChildRef::Absent),
                _ => None,
            };
        }
        parent
            .children
            .borrow_mut()
            .insert(name.to_string(), Slot::InProgress);
        let child = self.instantiate(parent, name);
        let result = match &child {
            Child::Instance(i) => Some(ChildRef::Instance(self.instances.borrow()[*i].clone())),
            Child::Absent => Some(ChildRef::Absent),
            Child::Unresolved => None,
        };
        parent
            .children
            .borrow_mut()
            .insert(name.to_string(), Slot::Done(child));
        result
    }

    fn instantiate(&self, parent: &Rc<Instance>, name: &str) -> Child {
        let Some(item) = parent.config.modules.iter().find(|m| m.label(0) == name) else {
            return Child::Unresolved;
        };
        let scope = InstanceScope {
            b: self,
            inst: parent.clone(),
        };
        let body = &item.block.body;
        let address = format!("{}module.{name}", parent.prefix);
        if instance_count_is_zero(&scope, item) {
            self.notes.borrow_mut().push(format!(
                "{address}: count/for_each is known to be empty; not expanded"
            ));
            return Child::Absent;
        }
        let key = if parent.key.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", parent.key)
        };
        let source = attr(body, "source").map(|a| scope.eval_in(item.file, &a.value));
        let dir = match source.as_ref().and_then(V::as_str) {
            Some(s) if is_local_source(s) => {
                Some(crate::discover::clean_path(&parent.config.dir.join(s)))
            }
            Some(_) => self.registry.get(&key).cloned(),
            None => None,
        };
        let Some(dir) = dir.filter(|d| d.is_dir()) else {
            let source = source.as_ref().and_then(V::as_str).unwrap_or("?");
            if is_local_source(source) {
                // `terraform init` fails on it too: an error, not a note.
                self.missing_local_source(parent, item, source);
                return Child::Unresolved;
            }
            self.notes.borrow_mut().push(format!(
                "{address}: module source \"{source}\" is not available locally (run `terraform init` for registry and git modules); its resources are not checked"
            ));
            return Child::Unresolved;
        };
        // A module that calls itself, or a call back into a module on the way here:
        // Terraform rejects both; the modules of the cycle are checked once, here.
        let resolved = self.loader.canonical(&dir);
        if let Some(at) = parent.chain.iter().position(|d| *d == resolved) {
            let source = source.as_ref().and_then(V::as_str).unwrap_or("?");
            let message = if at + 1 == parent.chain.len() {
                format!(
                    "module \"{name}\" calls the module it is in (source `{source}`), which \
                     Terraform rejects; this module's resources are checked once"
                )
            } else {
                let path: Vec<String> = parent.chain[at..]
                    .iter()
                    .chain([&resolved])
                    .map(|d| crate::discover::display_path(d))
                    .collect();
                format!(
                    "module \"{name}\" (source `{source}`) closes a cycle of module calls ({}), \
                     which Terraform rejects; each module of the cycle is checked once",
                    path.join(" -> ")
                )
            };
            self.module_cap(parent, item, message);
            return Child::Unresolved;
        }
        let limits = *self.budget.limits();
        if parent.depth + 1 > limits.max_module_depth {
            self.module_cap(
                parent,
                item,
                format!(
                    "module \"{name}\" is nested {} levels below the root module, deeper than the \
                 max_module_depth limit of {}, so its resources are not checked; raise it with \
                 --max-module-depth or `max_module_depth` under [limits] in opsgate.toml (at \
                 most {})",
                    parent.depth + 1,
                    limits.max_module_depth,
                    crate::load::MAX_MODULE_DEPTH_CEILING
                ),
            );
            return Child::Unresolved;
        }
        if self.instances.borrow().len() >= limits.max_module_instances {
            self.module_cap(
                parent,
                item,
                format!(
                    "the root module expands to more than {} module instances (the \
                 max_module_instances limit), so this call of module \"{name}\" and its \
                 resources are not checked; raise it with --max-module-instances or \
                 `max_module_instances` under [limits] in opsgate.toml",
                    limits.max_module_instances
                ),
            );
            return Child::Unresolved;
        }
        let mut inputs = HashMap::new();
        for s in body.iter() {
            if let Structure::Attribute(a) = s {
                let k = a.key.as_str();
                if ![
                    "source",
                    "version",
                    "count",
                    "for_each",
                    "providers",
                    "depends_on",
                ]
                .contains(&k)
                {
                    let what = format!("{address}.var.{k}");
                    let v = self
                        .budget
                        .named(what, || scope.eval_in(item.file, &a.value));
                    inputs.insert(k.to_string(), v);
                }
            }
        }
        let mut providers = parent.providers.borrow().clone();
        if let Some(map) = attr(body, "providers") {
            if let hcl_edit::expr::Expression::Object(o) = &map.value {
                for (k, v) in o.iter() {
                    let child_name = match k {
                        hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                        hcl_edit::expr::ObjectKey::Expression(e) => traversal_name(e),
                    };
                    let parent_name = traversal_name(v.expr());
                    let tags = parent
                        .providers
                        .borrow()
                        .get(&parent_name)
                        .cloned()
                        .unwrap_or_else(|| Rc::new(V::Obj(BTreeMap::new())));
                    providers.insert(child_name, tags);
                }
            }
        }
        let config = self.loader.get(&dir);
        let prefix = format!("{address}.");
        let vars = variable_values(&config, &inputs, &prefix, &self.budget);
        let mut chain = parent.chain.clone();
        chain.push(resolved);
        let inst = Rc::new(Instance {
            chain,
            config,
            prefix,
            key,
            depth: parent.depth + 1,
            vars,
            providers: RefCell::new(providers),
            locals: RefCell::new(HashMap::new()),
            outputs: RefCell::new(HashMap::new()),
            children: RefCell::new(HashMap::new()),
        });
        self.add_own_providers(&inst);
        let mut instances = self.instances.borrow_mut();
        instances.push(inst);
        Child::Instance(instances.len() - 1)
    }

    /// The error for a module call whose local `source` is not a directory, on the
    /// `source` value, with the nearest directory that is there when one is close.
    fn missing_local_source(&self, parent: &Instance, item: &Item, source: &str) {
        let file = &parent.config.files[item.file];
        let span = source_span(file, item);
        let path = crate::discover::clean_path(&parent.config.dir.join(source));
        let hint = nearest_directory(&path)
            .map(|near| match source.trim_end_matches('/').rsplit_once('/') {
                Some((written, _)) => format!("; did you mean `{written}/{near}`?"),
                None => format!("; did you mean `{near}`?"),
            })
            .unwrap_or_default();
        let message = format!(
            "module source `{source}` does not exist (no directory {}){hint}",
            crate::discover::display_path(&path)
        );
        let error = match span {
            Some(span) => LoadError::at(span, message),
            None => LoadError::whole_file(message),
        };
        self.error_once(file, error);
    }

    /// A module call not expanded because a cap is reached, on its `source`; once per
    /// call, however many instances reach it.
    fn module_cap(&self, parent: &Instance, item: &Item, message: String) {
        let file = &parent.config.files[item.file];
        let error = match source_span(file, item) {
            Some(span) => LoadError::at(span, message),
            None => LoadError::whole_file(message),
        };
        let mut errors = self.errors.borrow_mut();
        if !errors.iter().any(|(f, e)| {
            Arc::ptr_eq(f, &file.source) && e.span == error.span && error.span.is_some()
        }) {
            errors.push((file.source.clone(), error));
        }
    }

    fn error_once(&self, file: &ModuleFile, error: LoadError) {
        let mut errors = self.errors.borrow_mut();
        if !errors
            .iter()
            .any(|(f, e)| Arc::ptr_eq(f, &file.source) && *e == error)
        {
            errors.push((file.source.clone(), error));
        }
    }

    /// Provider blocks of a module: their `default_tags`, by `aws` / `aws.alias`.
    pub(super) fn add_own_providers(&self, inst: &Rc<Instance>) {
        let scope = InstanceScope {
            b: self,
            inst: inst.clone(),
        };
        for p in &inst.config.providers {
            let body = &p.block.body;
            let name = match attr(body, "alias").map(|a| scope.eval_in(p.file, &a.value)) {
                Some(V::Str(alias)) => format!("{}.{alias}", p.label(0)),
                _ => p.label(0).to_string(),
            };
            let tags = body
                .iter()
                .find_map(|s| match s {
                    Structure::Block(b) if b.ident.as_str() == "default_tags" => {
                        attr(&b.body, "tags")
                    }
                    _ => None,
                })
                .map(|a| scope.eval_in(p.file, &a.value))
                .unwrap_or(V::Obj(BTreeMap::new()));
            inst.providers.borrow_mut().insert(name, Rc::new(tags));
        }
    }
}

/// Where a module call's `source` is written (in the file the user wrote, for
/// .tf.json too).
fn source_span(file: &ModuleFile, item: &Item) -> Option<Span> {
    match &file.json {
        Some(json) => json
            .get("module")
            .and_then(|m| m.get(item.label(0)))
            .and_then(|m| m.get("source"))
            .map(|n| n.span),
        None => attr(&item.block.body, "source")
            .and_then(|a| a.value.span())
            .map(|r| Span::new(r.start, r.end))
            .or_else(|| Some(item.header_span())),
    }
}

/// The directory beside `path` whose name is nearest to its last component.
fn nearest_directory(path: &std::path::Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let siblings: Vec<String> = std::fs::read_dir(path.parent()?)
        .ok()?
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    crate::suggest::nearest(name, siblings.iter().map(String::as_str)).map(str::to_string)
}

/// `aws.west` from a traversal expression, as written.
pub(super) fn traversal_name(e: &hcl_edit::expr::Expression) -> String {
    use hcl_edit::expr::{Expression, TraversalOperator};
    match e {
        Expression::Variable(v) => v.as_str().to_string(),
        Expression::Traversal(t) => {
            let mut s = traversal_name(&t.expr);
            for op in &t.operators {
                if let TraversalOperator::GetAttr(a) = op.value() {
                    s.push('.');
                    s.push_str(a.as_str());
                }
            }
            s
        }
        _ => String::new(),
    }
}

pub(super) fn instance_count_is_zero(scope: &InstanceScope, item: &Item) -> bool {
    let body = &item.block.body;
    if let Some(c) = attr(body, "count") {
        if matches!(scope.eval_in(item.file, &c.value), V::Num(n) if n == 0.0) {
            return true;
        }
    }
    if let Some(f) = attr(body, "for_each") {
        return match scope.eval_in(item.file, &f.value) {
            V::List(l) => l.is_empty(),
            V::Obj(m) => m.is_empty(),
            _ => false,
        };
    }
    false
}

/// `to` from `from` (both resolved folders), `/`-separated: `.`, `modules/x`,
/// `../shared`.
fn relative_path(from: &std::path::Path, to: &std::path::Path) -> String {
    let (a, b): (Vec<_>, Vec<_>) = (from.components().collect(), to.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let parts: Vec<String> = std::iter::repeat_n("..".to_string(), a.len() - common)
        .chain(
            b[common..]
                .iter()
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        )
        .collect();
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}
