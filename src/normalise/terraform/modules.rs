//! Module instances: the root module and every module call expanded into it, each
//! with its variables, lazily evaluated locals and outputs, and the provider
//! configurations (default tags) it sees.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use hcl_edit::structure::Structure;
use hcl_edit::Span as _;

use super::config::{Item, ModuleConfig, ModuleFile};
use super::eval::{Eval, Scope, V};
use super::files::FileRead;
use super::instances::{Bindings, Expanded, Expansion, Key};
use super::{attr, is_local_source, Loader};
use crate::load::LoadError;
use crate::normalise::budget::Budget;
use crate::source::{SourceFile, Span};

pub(super) enum Slot<T> {
    InProgress,
    Done(T),
}

pub(super) enum Child {
    /// One instance: no `count` / `for_each`, or one over an unknown collection.
    One(usize),
    /// `count` / `for_each` over a known collection: the instances by key (none
    /// when it is empty).
    Keyed(Vec<(Key, usize)>),
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
    /// The instances of each resource (`type.name`), once asked for.
    pub(super) expansions: RefCell<HashMap<String, Slot<Rc<Expanded>>>>,
}

impl Instance {
    /// A module instance with nothing evaluated yet.
    pub(super) fn new(
        config: Arc<ModuleConfig>,
        prefix: String,
        key: String,
        chain: Vec<PathBuf>,
        vars: HashMap<String, Rc<V>>,
        providers: BTreeMap<String, Rc<V>>,
    ) -> Instance {
        Instance {
            depth: chain.len() - 1,
            config,
            prefix,
            key,
            chain,
            vars,
            providers: RefCell::new(providers),
            locals: RefCell::new(HashMap::new()),
            outputs: RefCell::new(HashMap::new()),
            children: RefCell::new(HashMap::new()),
            expansions: RefCell::new(HashMap::new()),
        }
    }
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
    /// Resource instances made by `count` / `for_each` so far.
    pub(super) resource_instances: Cell<usize>,
    /// Files read by `file`, `templatefile`, ... (by the path asked for).
    pub(super) files: RefCell<HashMap<PathBuf, FileRead>>,
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

    fn module_output(&self, module: &str, key: Option<&V>, output: &str) -> Option<Rc<V>> {
        match self.b.child(&self.inst, module)? {
            ChildRef::One(child) => self.output_of(&child, output),
            // No instance: every output is absent (what `module.m[*].out` gives).
            ChildRef::Keyed(list) if list.is_empty() => Some(Rc::new(V::List(vec![]))),
            ChildRef::Keyed(list) => {
                match key.and_then(|key| list.iter().find(|(k, _)| k.selected_by(key))) {
                    Some((_, child)) => self.output_of(child, output),
                    // No instance selected (`module.m[*].out`, an unknown index): any
                    // of them, so unknown, referring to what each refers to.
                    None => {
                        let mut refs = BTreeSet::new();
                        for (_, child) in &list {
                            if let Some(v) = self.output_of(child, output) {
                                v.refs(&mut refs);
                            }
                        }
                        Some(Rc::new(V::unknown(
                            format!("{}module.{module}.{output}", self.inst.prefix),
                            refs,
                        )))
                    }
                }
            }
        }
    }

    fn resource(&self, rtype: &str, name: &str, key: Option<&V>) -> Vec<String> {
        let local = format!("{rtype}.{name}");
        let Some(&at) = self.inst.config.resource_names.get(&local) else {
            return vec![];
        };
        let base = format!("{}{local}", self.inst.prefix);
        self.expansion(&self.inst.config.resources[at], &base)
            .expansion
            .selected(&base, key)
    }

    fn resource_value(&self, rtype: &str, name: &str) -> Option<Rc<V>> {
        let local = format!("{rtype}.{name}");
        let &at = self.inst.config.resource_names.get(&local)?;
        let base = format!("{}{local}", self.inst.prefix);
        Some(
            self.expansion(&self.inst.config.resources[at], &base)
                .value
                .clone(),
        )
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

    fn read_file(&self, path: &str) -> FileRead {
        self.read(path)
    }
}

impl InstanceScope<'_> {
    /// Output `output` of module instance `child`, evaluated once; `None` for an
    /// output it does not declare, or one that depends on itself.
    fn output_of(&self, child: &Rc<Instance>, output: &str) -> Option<Rc<V>> {
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
        let what = format!("{}{output}", child.prefix);
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

    pub(super) fn eval_in(&self, file: usize, expr: &hcl_edit::expr::Expression) -> V {
        self.eval_with(file, expr, &[])
    }

    /// With more names bound (`count`, `each` of an instance).
    pub(super) fn eval_with(
        &self,
        file: usize,
        expr: &hcl_edit::expr::Expression,
        bindings: &[(String, Rc<V>)],
    ) -> V {
        let f = &self.inst.config.files[file];
        Eval::new(self, &f.hcl, Some(&f.source))
            .with(bindings.iter().cloned())
            .eval(expr)
    }

    /// The instances of resource `item` (address `base`), evaluated once. One that
    /// depends on itself (`count = length(aws_x.this)`) is unknown.
    pub(super) fn expansion(&self, item: &Item, base: &str) -> Rc<Expanded> {
        let name = format!("{}.{}", item.label(0), item.label(1));
        match self.inst.expansions.borrow().get(&name) {
            Some(Slot::Done(e)) => return e.clone(),
            Some(Slot::InProgress) => {
                return Rc::new(Expanded::new(Expansion::Unknown, base, &self.b.budget))
            }
            None => {}
        }
        self.inst
            .expansions
            .borrow_mut()
            .insert(name.clone(), Slot::InProgress);
        let e = Rc::new(Expanded::new(
            super::instances::expand(self, item, base),
            base,
            &self.b.budget,
        ));
        self.inst
            .expansions
            .borrow_mut()
            .insert(name, Slot::Done(e.clone()));
        e
    }
}

pub(super) enum ChildRef {
    One(Rc<Instance>),
    Keyed(Vec<(Key, Rc<Instance>)>),
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
    fn module_output(&self, _: &str, _: Option<&V>, _: &str) -> Option<Rc<V>> {
        None
    }
    fn budget(&self) -> &Budget {
        self.0
    }
    fn resource(&self, _: &str, _: &str, _: Option<&V>) -> Vec<String> {
        vec![]
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
                Slot::Done(child) => self.child_ref(child),
                Slot::InProgress => None,
            };
        }
        parent
            .children
            .borrow_mut()
            .insert(name.to_string(), Slot::InProgress);
        let child = self.instantiate(parent, name);
        let result = self.child_ref(&child);
        parent
            .children
            .borrow_mut()
            .insert(name.to_string(), Slot::Done(child));
        result
    }

    fn child_ref(&self, child: &Child) -> Option<ChildRef> {
        let instances = self.instances.borrow();
        match child {
            Child::One(i) => Some(ChildRef::One(instances[*i].clone())),
            Child::Keyed(list) => Some(ChildRef::Keyed(
                list.iter()
                    .map(|(k, i)| (k.clone(), instances[*i].clone()))
                    .collect(),
            )),
            Child::Unresolved => None,
        }
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
        let expansion = super::instances::expand(&scope, item, &address);
        if expansion.is_empty() {
            self.notes.borrow_mut().push(format!(
                "{address}: count/for_each is known to be empty; not expanded"
            ));
            return Child::Keyed(vec![]);
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
        let config = self.loader.get(&dir);
        let mut chain = parent.chain.clone();
        chain.push(resolved);
        let members: Vec<(Option<Key>, &Bindings)> = match &expansion {
            Expansion::One | Expansion::Unknown => vec![(None, &[])],
            Expansion::Keyed(list) => list
                .iter()
                .map(|m| (Some(m.key.clone()), m.bindings.as_slice()))
                .collect(),
        };
        let mut made = Vec::new();
        for (member, bindings) in members {
            if self.instances.borrow().len() >= limits.max_module_instances {
                self.module_cap(
                    parent,
                    item,
                    format!(
                        "the root module expands to more than {} module instances (the \
                     max_module_instances limit), so this call of module \"{name}\" and its \
                     resources are not checked{}; raise it with --max-module-instances or \
                     `max_module_instances` under [limits] in opsgate.toml",
                        limits.max_module_instances,
                        if made.is_empty() {
                            String::new()
                        } else {
                            format!(" past its first {} instances", made.len())
                        }
                    ),
                );
                break;
            }
            let instance_address = match &member {
                Some(k) => format!("{address}{}", k.suffix()),
                None => address.clone(),
            };
            let inputs = self.module_inputs(&scope, item, &instance_address, bindings);
            let providers = self.passed_providers(parent, item);
            let prefix = format!("{instance_address}.");
            let vars = variable_values(&config, &inputs, &prefix, &self.budget);
            let inst = Rc::new(Instance::new(
                config.clone(),
                prefix,
                key.clone(),
                chain.clone(),
                vars,
                providers,
            ));
            self.add_own_providers(&inst);
            let mut instances = self.instances.borrow_mut();
            instances.push(inst);
            made.push((member, instances.len() - 1));
        }
        match expansion {
            Expansion::One | Expansion::Unknown => match made.first() {
                Some((_, i)) => Child::One(*i),
                None => Child::Unresolved,
            },
            Expansion::Keyed(_) => Child::Keyed(
                made.into_iter()
                    .filter_map(|(k, i)| Some((k?, i)))
                    .collect(),
            ),
        }
    }

    /// The arguments of a module call that set its variables, evaluated for one
    /// instance.
    fn module_inputs(
        &self,
        scope: &InstanceScope,
        item: &Item,
        address: &str,
        bindings: &[(String, Rc<V>)],
    ) -> HashMap<String, V> {
        let mut inputs = HashMap::new();
        for s in item.block.body.iter() {
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
                        .named(what, || scope.eval_with(item.file, &a.value, bindings));
                    inputs.insert(k.to_string(), v);
                }
            }
        }
        inputs
    }

    /// The provider configurations a call's instances see: the caller's, with the
    /// call's `providers` map applied.
    fn passed_providers(&self, parent: &Instance, item: &Item) -> BTreeMap<String, Rc<V>> {
        let mut providers = parent.providers.borrow().clone();
        if let Some(map) = attr(&item.block.body, "providers") {
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
        providers
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
        self.error_at(file, source_span(file, item), message);
    }

    /// An error at `span` of `file`, once per place (a module called several times
    /// reaches the same place in each instance).
    pub(super) fn error_at(&self, file: &ModuleFile, span: Option<Span>, message: String) {
        let error = match span {
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
