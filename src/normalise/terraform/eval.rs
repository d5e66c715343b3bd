//! Terraform expressions evaluated as far as the configuration allows.
//!
//! Values are JSON-like; what cannot be known before apply (resource attributes,
//! data sources, unset variables, `count.index`, unsupported functions) is
//! `Unknown`, carrying the expression's source text and the addresses of the
//! resources it refers to — those become edges of the graph. Unknown never turns
//! into a guess: an operation on an unknown operand is unknown.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};
use serde_json::{json, Value as J};

use crate::normalise::budget::{Budget, Exceeded, Weight};
use crate::source::{SourceFile, Span};

#[derive(Debug, Clone, PartialEq, Default)]
pub enum V {
    #[default]
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<V>),
    Obj(BTreeMap<String, V>),
    Unknown(Arc<Unknown>),
    /// `jsonencode` of a partly unknown value: JSON text whose unknown parts are
    /// `{"$unknown": ...}` objects, so a policy that decodes it (container
    /// definitions, redrive policies) sees the known parts; `refs` keeps the edges.
    PartialJson(Arc<Unknown>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    /// The source text of the expression that could not be evaluated.
    pub text: String,
    /// Resource and data source addresses the expression refers to.
    pub refs: BTreeSet<String>,
}

impl V {
    pub fn unknown(text: impl Into<String>, refs: BTreeSet<String>) -> V {
        V::Unknown(Arc::new(Unknown {
            text: text.into(),
            refs,
        }))
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, V::Unknown(_))
    }

    /// Known all the way down (no unknown element or member).
    pub fn is_wholly_known(&self) -> bool {
        match self {
            V::Unknown(_) | V::PartialJson(_) => false,
            V::List(items) => items.iter().all(V::is_wholly_known),
            V::Obj(m) => m.values().all(V::is_wholly_known),
            _ => true,
        }
    }

    /// Every reference carried anywhere in the value.
    pub fn refs(&self, out: &mut BTreeSet<String>) {
        match self {
            V::Unknown(u) | V::PartialJson(u) => out.extend(u.refs.iter().cloned()),
            V::List(items) => items.iter().for_each(|i| i.refs(out)),
            V::Obj(m) => m.values().for_each(|v| v.refs(out)),
            _ => {}
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a template would print it.
    pub(super) fn to_text(&self) -> Option<String> {
        match self {
            V::Str(s) => Some(s.clone()),
            V::Num(n) => Some(num_text(*n)),
            V::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn from_json(j: &J) -> V {
        match j {
            J::Null => V::Null,
            J::Bool(b) => V::Bool(*b),
            J::Number(n) => V::Num(n.as_f64().unwrap_or(0.0)),
            J::String(s) => V::Str(s.clone()),
            J::Array(a) => V::List(a.iter().map(V::from_json).collect()),
            J::Object(o) => V::Obj(
                o.iter()
                    .map(|(k, v)| (k.clone(), V::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// The policy-input JSON: unknown becomes `{"$unknown": text}`.
    pub fn to_json(&self) -> J {
        match self {
            V::Null => J::Null,
            V::Bool(b) => J::Bool(*b),
            V::Num(n) => num_json(*n),
            V::Str(s) => J::String(s.clone()),
            V::List(items) => J::Array(items.iter().map(V::to_json).collect()),
            V::Obj(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            V::Unknown(u) => json!({ "$unknown": u.text }),
            V::PartialJson(u) => J::String(u.text.clone()),
        }
    }
}

fn num_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn num_json(n: f64) -> J {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        J::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(J::Null, J::Number)
    }
}

/// What an expression can refer to, provided by the module being evaluated. Stored
/// values are shared (`Rc`): the evaluator copies only the part an expression
/// selects, after charging the unit's budget for it.
pub trait Scope {
    fn var(&self, name: &str) -> Option<Rc<V>>;
    fn local(&self, name: &str) -> Option<Rc<V>>;
    /// Output `output` of module call `module`; `key` is the index written after the
    /// call's name (`module.m["k"].out`), which selects one of its instances.
    fn module_output(&self, module: &str, key: Option<&V>, output: &str) -> Option<Rc<V>>;
    /// The full addresses of `type.name` when this module declares that resource: the
    /// instance `key` selects (`type.name[0]`), else all of its instances.
    fn resource(&self, rtype: &str, name: &str, key: Option<&V>) -> Vec<String>;
    /// `type.name` as a value: unknown (referring to it) for one instance, a list
    /// (`count`) or map (`for_each`) of its instances, each unknown, when they are
    /// known; `None` when this module declares no such resource. (By default one
    /// unknown referring to the addresses `resource` gives.)
    fn resource_value(&self, rtype: &str, name: &str) -> Option<Rc<V>> {
        let refs: BTreeSet<String> = self.resource(rtype, name, None).into_iter().collect();
        let text = refs.iter().next()?.clone();
        Some(Rc::new(V::unknown(text, refs)))
    }
    /// The full address of `data.type.name` when this module declares it.
    fn data(&self, rtype: &str, name: &str) -> Option<String>;
    /// What evaluating the unit may still cost.
    fn budget(&self) -> &Budget;
    /// `path.module` (this module's folder from the root module's, `/`-separated) and
    /// `path.root` (`.`); `None` for the others (`path.cwd` is the machine's).
    fn path(&self, _which: &str) -> Option<String> {
        None
    }
    /// A file the configuration reads (`file`, `templatefile`, ...): only where the
    /// scope allows it (see `files`).
    fn read_file(&self, _path: &str) -> super::files::FileRead {
        super::files::FileRead::Unavailable
    }
}

/// Evaluates expressions of one file against a scope.
pub struct Eval<'a> {
    pub scope: &'a dyn Scope,
    /// The text the expressions' spans refer to.
    pub text: &'a str,
    /// The file, for locating a cap reached; with `spans_in_file`, the spans are
    /// offsets into it (HCL), else `text` is a rendering of it (.tf.json).
    pub file: Option<&'a Arc<SourceFile>>,
    pub spans_in_file: bool,
    /// Names bound by `for` expressions and `dynamic` block iterators.
    pub bindings: Vec<(String, Rc<V>)>,
}

impl<'a> Eval<'a> {
    /// Expressions of `file` (its text, or for .tf.json the rendering in `text`).
    pub fn new(scope: &'a dyn Scope, text: &'a str, file: Option<&'a Arc<SourceFile>>) -> Eval<'a> {
        let spans_in_file = file.is_some_and(|f| std::ptr::eq(&*f.text, text));
        Eval {
            scope,
            text,
            file,
            spans_in_file,
            bindings: Vec::new(),
        }
    }

    /// The same evaluator with more names bound (inner bindings shadow outer ones).
    pub fn with(&self, more: impl IntoIterator<Item = (String, Rc<V>)>) -> Eval<'a> {
        let mut bindings = self.bindings.clone();
        bindings.extend(more);
        Eval {
            scope: self.scope,
            text: self.text,
            file: self.file,
            spans_in_file: self.spans_in_file,
            bindings,
        }
    }

    fn binding(&self, name: &str) -> Option<&Rc<V>> {
        self.bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// The text of `e`, as an unknown value carries it. The copy is charged: a long
    /// expression evaluated in many module instances would otherwise be copied
    /// without bound. Past the budget the text is `…`.
    fn source(&self, e: &impl hcl_edit::Span) -> String {
        let text = match e.span() {
            Some(r)
                if r.end <= self.text.len()
                    && self.text.is_char_boundary(r.start)
                    && self.text.is_char_boundary(r.end) =>
            {
                self.text[r.clone()].trim()
            }
            _ => "",
        };
        let budget = self.scope.budget();
        if let Err(exceeded) = budget.charge(text.len() as u64) {
            let span = e
                .span()
                .filter(|_| self.spans_in_file)
                .map(|r| Span::new(r.start, r.end));
            budget.overrun(self.file, span, exceeded);
            return "…".to_string();
        }
        text.to_string()
    }

    /// Unknown for `expr`, carrying the references of its parts.
    fn unknown_of(&self, expr: &impl hcl_edit::Span, parts: &[&V]) -> V {
        let mut refs = BTreeSet::new();
        for p in parts {
            p.refs(&mut refs);
        }
        V::unknown(self.source(expr), refs)
    }

    /// A cap reached at `expr`: recorded for the unit, and the value is unknown,
    /// keeping the references `refs` (so no relationship a rule looks for is lost).
    fn over(&self, expr: &impl hcl_edit::Span, exceeded: Exceeded, refs: BTreeSet<String>) -> V {
        let span = expr
            .span()
            .filter(|_| self.spans_in_file)
            .map(|r| Span::new(r.start, r.end));
        self.scope.budget().overrun(self.file, span, exceeded);
        V::unknown(self.source(expr), refs)
    }

    /// A value built at `expr` (a template, a function's result, a `for`): within the
    /// per-value caps and charged to the unit, or unknown.
    fn built(&self, expr: &impl hcl_edit::Span, v: V) -> V {
        if v.is_unknown() {
            return v;
        }
        match self.scope.budget().built(weight(&v, u64::MAX)) {
            Ok(()) => v,
            Err(e) => {
                let mut refs = BTreeSet::new();
                v.refs(&mut refs);
                self.over(expr, e, refs)
            }
        }
    }

    /// A copy of a stored value (a variable, local, output or bound name), charged to
    /// the unit before it is made.
    fn copied(&self, expr: &impl hcl_edit::Span, v: &V) -> V {
        charged_copy(self.scope.budget(), v).unwrap_or_else(|e| {
            let mut refs = BTreeSet::new();
            v.refs(&mut refs);
            self.over(expr, e, refs)
        })
    }

    /// The resources and data sources `expr` names directly, read from its syntax
    /// alone: the references of an expression that is not evaluated.
    fn syntactic_refs(&self, expr: &Expression) -> BTreeSet<String> {
        struct Refs<'e, 'a> {
            ev: &'e Eval<'a>,
            out: BTreeSet<String>,
        }
        impl hcl_edit::visit::Visit for Refs<'_, '_> {
            fn visit_traversal(&mut self, t: &hcl_edit::expr::Traversal) {
                let name = |i: usize| match t.operators.get(i).map(|o| o.value()) {
                    Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
                    _ => None,
                };
                if let Expression::Variable(root) = &t.expr {
                    let root = root.as_str();
                    let found = match root {
                        "data" => name(0)
                            .zip(name(1))
                            .and_then(|(ty, n)| self.ev.scope.data(ty, n)),
                        _ if self.ev.binding(root).is_some() => None,
                        _ => {
                            self.out.extend(
                                name(0)
                                    .map(|n| self.ev.scope.resource(root, n, None))
                                    .unwrap_or_default(),
                            );
                            None
                        }
                    };
                    self.out.extend(found);
                }
                hcl_edit::visit::visit_traversal(self, t);
            }
        }
        let mut v = Refs {
            ev: self,
            out: BTreeSet::new(),
        };
        hcl_edit::visit::Visit::visit_expr(&mut v, expr);
        v.out
    }

    pub fn eval(&self, expr: &Expression) -> V {
        self.eval_at(expr)
    }

    fn eval_at(&self, expr: &Expression) -> V {
        let budget = self.scope.budget();
        match budget
            .step()
            .and_then(|()| budget.nested(|| self.eval_expr(expr)))
        {
            Ok(v) => v,
            Err(e) => self.over(expr, e, self.syntactic_refs(expr)),
        }
    }

    fn eval_expr(&self, expr: &Expression) -> V {
        match expr {
            Expression::Null(_) => V::Null,
            Expression::Bool(b) => V::Bool(*b.value()),
            Expression::Number(n) => V::Num(n.value().as_f64().unwrap_or(0.0)),
            Expression::String(s) => V::Str(s.value().clone()),
            Expression::Array(a) => V::List(a.iter().map(|e| self.eval_at(e)).collect()),
            Expression::Object(o) => {
                let mut out = BTreeMap::new();
                let mut unknown_keys = Vec::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => V::Str(i.as_str().to_string()),
                        ObjectKey::Expression(e) => self.eval_at(e),
                    };
                    let value = self.eval_at(v.expr());
                    match key.to_text() {
                        Some(k) => {
                            out.insert(k, value);
                        }
                        None => unknown_keys.push(key),
                    }
                }
                if unknown_keys.is_empty() {
                    V::Obj(out)
                } else {
                    let parts: Vec<&V> = unknown_keys.iter().chain(out.values()).collect();
                    self.unknown_of(o, &parts)
                }
            }
            Expression::StringTemplate(t) => {
                let v = self.template(t, t);
                self.built(t, v)
            }
            Expression::HeredocTemplate(h) => {
                let v = self.template(&h.template, &**h);
                let v = match (v, h.indent()) {
                    (V::Str(s), Some(_)) => V::Str(dedent(&s)),
                    (v, _) => v,
                };
                self.built(&**h, v)
            }
            Expression::Parenthesis(p) => self.eval_at(p.inner()),
            Expression::Variable(v) => match self.binding(v.as_str()) {
                Some(b) => self.copied(v, b),
                None => V::unknown(v.as_str().to_string(), BTreeSet::new()),
            },
            Expression::Conditional(c) => {
                let cond = self.eval_at(&c.cond_expr);
                match cond {
                    V::Bool(true) => self.eval_at(&c.true_expr),
                    V::Bool(false) => self.eval_at(&c.false_expr),
                    V::Str(ref s) if s == "true" => self.eval_at(&c.true_expr),
                    V::Str(ref s) if s == "false" => self.eval_at(&c.false_expr),
                    _ => {
                        let t = self.eval_at(&c.true_expr);
                        let f = self.eval_at(&c.false_expr);
                        self.unknown_of(&**c, &[&cond, &t, &f])
                    }
                }
            }
            Expression::FuncCall(f) => {
                let args: Vec<V> = f.args.iter().map(|a| self.eval_at(a)).collect();
                let name = f.name.name.as_str();
                let known = if f.name.is_namespaced() {
                    Ok(None)
                } else if let Some(read) = self.file_function(name, &args) {
                    read.map(|v| (!v.is_unknown()).then_some(v))
                } else {
                    call(name, &args, f.args.expand_final(), self.scope.budget())
                };
                let parts = args.iter().collect::<Vec<_>>();
                match known {
                    Ok(Some(v)) => self.built(&**f, v),
                    Ok(None) => self.unknown_of(&**f, &parts),
                    Err(e) => {
                        let mut refs = BTreeSet::new();
                        parts.iter().for_each(|p| p.refs(&mut refs));
                        self.over(&**f, e, refs)
                    }
                }
            }
            Expression::Traversal(t) => self.traversal(t),
            Expression::UnaryOp(u) => {
                let v = self.eval_at(&u.expr);
                match (u.operator.value(), &v) {
                    (UnaryOperator::Not, V::Bool(b)) => V::Bool(!b),
                    (UnaryOperator::Neg, V::Num(n)) => V::Num(-n),
                    _ => self.unknown_of(&**u, &[&v]),
                }
            }
            Expression::BinaryOp(b) => {
                let l = self.eval_at(&b.lhs_expr);
                let r = self.eval_at(&b.rhs_expr);
                binary(*b.operator.value(), &l, &r)
                    .unwrap_or_else(|| self.unknown_of(&**b, &[&l, &r]))
            }
            Expression::ForExpr(f) => {
                let v = self.for_expr(f);
                self.built(&**f, v)
            }
        }
    }

    /// `[for k, v in coll : value if cond]` and `{for k, v in coll : key => value}`
    /// (with `...` after the value, the values of one key grouped into a list) over a
    /// known collection; unknown as soon as any part is.
    fn for_expr(&self, f: &hcl_edit::expr::ForExpr) -> V {
        let coll = self.eval_at(&f.intro.collection_expr);
        if !matches!(coll, V::List(_) | V::Obj(_)) {
            return self.unknown_of(f, &[&coll]);
        }
        let refs_of_coll = {
            let mut refs = BTreeSet::new();
            coll.refs(&mut refs);
            refs
        };
        let unknown = |parts: &[&V]| {
            let mut refs = refs_of_coll.clone();
            for p in parts {
                p.refs(&mut refs);
            }
            V::unknown(self.source(f), refs)
        };
        let items: Vec<(V, V)> = match coll {
            V::List(l) => l
                .into_iter()
                .enumerate()
                .map(|(i, v)| (V::Num(i as f64), v))
                .collect(),
            V::Obj(m) => m.into_iter().map(|(k, v)| (V::Str(k), v)).collect(),
            _ => unreachable!("checked above"),
        };
        let mut list = Vec::new();
        let mut obj = BTreeMap::new();
        for (k, v) in items {
            if let Err(e) = self.scope.budget().step() {
                return self.over(f, e, refs_of_coll);
            }
            let mut names = vec![(f.intro.value_var.as_str().to_string(), Rc::new(v))];
            if let Some(kv) = &f.intro.key_var {
                names.insert(0, (kv.as_str().to_string(), Rc::new(k)));
            }
            let inner = self.with(names);
            if let Some(cond) = &f.cond {
                match inner.eval_at(&cond.expr) {
                    V::Bool(true) => {}
                    V::Bool(false) => continue,
                    other => return unknown(&[&other]),
                }
            }
            let value = inner.eval_at(&f.value_expr);
            match &f.key_expr {
                None => list.push(value),
                Some(ke) => match inner.eval_at(ke).to_text() {
                    Some(key) if f.grouping => {
                        if let V::List(group) = obj.entry(key).or_insert(V::List(vec![])) {
                            group.push(value);
                        }
                    }
                    Some(key) => {
                        obj.insert(key, value);
                    }
                    None => return unknown(&[&value]),
                },
            }
        }
        if f.key_expr.is_some() {
            V::Obj(obj)
        } else {
            V::List(list)
        }
    }

    /// A string template: literals, interpolations and the `%{if}` / `%{for}`
    /// directives, with the `~` strip markers; unknown as soon as a part it prints
    /// (or a directive's condition or collection) is.
    fn template(&self, t: &Template, whole: &impl hcl_edit::Span) -> V {
        let mut r = Render::default();
        if let Err(e) = self.render(t, &mut r) {
            let mut refs = BTreeSet::new();
            r.parts.iter().for_each(|p| p.refs(&mut refs));
            return self.over(whole, e, refs);
        }
        if !r.has_unknown {
            V::Str(r.out)
        } else {
            self.unknown_of(whole, &r.parts.iter().collect::<Vec<_>>())
        }
    }

    /// A template parsed on its own (`templatefile`): its value, unknown (without
    /// text) where a part is.
    pub(super) fn template_value(&self, t: &Template) -> V {
        let mut r = Render::default();
        if let Err(e) = self.render(t, &mut r) {
            self.scope.budget().overrun(None, None, e);
            return V::unknown(String::new(), BTreeSet::new());
        }
        if r.has_unknown {
            let mut refs = BTreeSet::new();
            r.parts.iter().for_each(|p| p.refs(&mut refs));
            V::unknown(String::new(), refs)
        } else {
            V::Str(r.out)
        }
    }

    fn render(&self, t: &Template, r: &mut Render) -> Result<(), Exceeded> {
        let max = self.scope.budget().limits().max_value_bytes;
        for el in t.iter() {
            match el {
                Element::Literal(l) => r.literal(l.value()),
                Element::Interpolation(i) => {
                    r.strip_before(i.strip.strip_start());
                    let v = self.eval_at(&i.expr);
                    match v.to_text() {
                        Some(s) => r.out.push_str(&s),
                        None => r.unknown(v),
                    }
                    r.after(i.strip.strip_end());
                }
                Element::Directive(dir) => match &**dir {
                    Directive::If(d) => {
                        r.strip_before(d.if_expr.strip.strip_start());
                        let then_end = match &d.else_expr {
                            Some(e) => e.strip.strip_start(),
                            None => d.endif_expr.strip.strip_start(),
                        };
                        let cond = self.eval_at(&d.if_expr.cond_expr);
                        let taken = match &cond {
                            V::Bool(b) => Some(*b),
                            V::Str(s) if s == "true" || s == "false" => Some(s == "true"),
                            _ => None,
                        };
                        match taken {
                            Some(true) => {
                                r.after(d.if_expr.strip.strip_end());
                                self.render(&d.if_expr.template, r)?;
                                r.strip_before(then_end);
                            }
                            Some(false) => {
                                if let Some(e) = &d.else_expr {
                                    r.after(e.strip.strip_end());
                                    self.render(&e.template, r)?;
                                    r.strip_before(d.endif_expr.strip.strip_start());
                                }
                            }
                            None => {
                                // Either branch: unknown, referring to what both refer to.
                                r.unknown(cond);
                                let mut scratch = Render::default();
                                self.render(&d.if_expr.template, &mut scratch)?;
                                if let Some(e) = &d.else_expr {
                                    self.render(&e.template, &mut scratch)?;
                                }
                                r.parts.append(&mut scratch.parts);
                            }
                        }
                        r.after(d.endif_expr.strip.strip_end());
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        r.strip_before(f.strip.strip_start());
                        let items: Option<Vec<(V, V)>> = match self.eval_at(&f.collection_expr) {
                            V::List(l) => Some(
                                l.into_iter()
                                    .enumerate()
                                    .map(|(i, v)| (V::Num(i as f64), v))
                                    .collect(),
                            ),
                            V::Obj(m) => Some(m.into_iter().map(|(k, v)| (V::Str(k), v)).collect()),
                            other => {
                                r.unknown(other);
                                None
                            }
                        };
                        for (k, v) in items.into_iter().flatten() {
                            self.scope.budget().step()?;
                            let mut names = vec![(f.value_var.as_str().to_string(), Rc::new(v))];
                            if let Some(kv) = &f.key_var {
                                names.insert(0, (kv.as_str().to_string(), Rc::new(k)));
                            }
                            r.after(f.strip.strip_end());
                            self.with(names).render(&f.template, r)?;
                            r.strip_before(d.endfor_expr.strip.strip_start());
                            if r.out.len() as u64 > max {
                                return Err(Exceeded::ValueBytes(r.out.len() as u64));
                            }
                        }
                        r.after(d.endfor_expr.strip.strip_end());
                    }
                },
            }
            if r.out.len() as u64 > max {
                return Err(Exceeded::ValueBytes(r.out.len() as u64));
            }
        }
        Ok(())
    }

    /// The value of an index operator (`[0]`, `["a"]`, `.0`); `None` for another
    /// operator or none.
    fn index_key(&self, op: Option<&TraversalOperator>) -> Option<V> {
        match op? {
            TraversalOperator::Index(e) => Some(self.eval_at(e)),
            TraversalOperator::LegacyIndex(i) => Some(V::Num(*i.value() as f64)),
            _ => None,
        }
    }

    fn traversal(&self, t: &hcl_edit::expr::Traversal) -> V {
        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
            _ => None,
        };
        let unknown_ref =
            |refs: Vec<String>| V::unknown(self.source(t), refs.into_iter().collect());
        let (base, rest): (Rc<V>, usize) = match &t.expr {
            Expression::Variable(root) if self.binding(root.as_str()).is_some() => {
                (self.binding(root.as_str()).cloned().unwrap_or_default(), 0)
            }
            Expression::Variable(root) => match root.as_str() {
                "var" => match attr(0).and_then(|name| self.scope.var(name)) {
                    Some(v) => (v, 1),
                    None => return unknown_ref(vec![]),
                },
                "local" => match attr(0).and_then(|name| self.scope.local(name)) {
                    Some(v) => (v, 1),
                    None => return unknown_ref(vec![]),
                },
                "module" => {
                    let Some(m) = attr(0) else {
                        return unknown_ref(vec![]);
                    };
                    // module.m[*].out: the output of every instance, as an unknown
                    // that refers to what each refers to.
                    if matches!(
                        ops.get(1),
                        Some(TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_))
                    ) {
                        return match attr(2).and_then(|o| self.scope.module_output(m, None, o)) {
                            Some(v) => self.unknown_of(t, &[&v]),
                            None => unknown_ref(vec![]),
                        };
                    }
                    // module.m["k"].out: the index selects an instance of the call.
                    let key = self.index_key(ops.get(1).copied());
                    let i = if key.is_some() { 2 } else { 1 };
                    match attr(i).and_then(|o| self.scope.module_output(m, key.as_ref(), o)) {
                        Some(v) => (v, i + 1),
                        None => return unknown_ref(vec![]),
                    }
                }
                "data" => {
                    let refs = match (attr(0), attr(1)) {
                        (Some(ty), Some(name)) => self.scope.data(ty, name).into_iter().collect(),
                        _ => vec![],
                    };
                    return unknown_ref(refs);
                }
                // No workspace is selected where opsgate runs: Terraform's default.
                "terraform" if attr(0) == Some("workspace") && ops.len() == 1 => {
                    return V::Str("default".into())
                }
                "path" if ops.len() == 1 => match attr(0).and_then(|w| self.scope.path(w)) {
                    Some(p) => return V::Str(p),
                    None => return unknown_ref(vec![]),
                },
                "count" | "each" | "path" | "self" | "terraform" => return unknown_ref(vec![]),
                // Not a resource of this module: unknown, referring to nothing.
                rtype => match attr(0).and_then(|name| self.scope.resource_value(rtype, name)) {
                    Some(v) => (v, 1),
                    None => return unknown_ref(vec![]),
                },
            },
            other => (Rc::new(self.eval_at(other)), 0),
        };
        // Walk into the shared value; only what the expression selects is copied.
        // An unknown variable, local or output is shown as this expression, as
        // written here (the same text whether or not it sits in a larger one).
        let mut v: &V = &base;
        // An unknown before the last operator stands for the whole expression; one
        // the last operator selects keeps its own text.
        let mut whole = v.is_unknown();
        for (j, op) in ops[rest..].iter().enumerate() {
            v = match (op, v) {
                (_, V::Unknown(_)) => {
                    whole = true;
                    break;
                }
                (TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_), _) => {
                    let list = self.splat(t, v, &ops[rest + j + 1..]);
                    return self.built(t, list);
                }
                (op, v) => match self.apply(t, op, v) {
                    Ok(x) => x,
                    Err(unknown) => return unknown,
                },
            };
        }
        match v {
            V::Unknown(u) if whole => V::Unknown(Arc::new(Unknown {
                text: self.source(t),
                refs: u.refs.clone(),
            })),
            v => self.copied(t, v),
        }
    }
}

impl Eval<'_> {
    /// `v[*].rest`: `rest` applied to each element of a list (a null is an empty
    /// list, any other value a list of itself), as Terraform's splat does.
    fn splat(&self, t: &hcl_edit::expr::Traversal, v: &V, rest: &[&TraversalOperator]) -> V {
        let items: Vec<&V> = match v {
            V::List(items) => items.iter().collect(),
            V::Null => vec![],
            other => vec![other],
        };
        V::List(
            items
                .into_iter()
                .map(|item| self.select(t, item, rest))
                .collect(),
        )
    }

    /// `ops` applied to `v` (an element under a splat); unknown, with `v`'s
    /// references, where one does not apply.
    fn select(&self, t: &hcl_edit::expr::Traversal, v: &V, ops: &[&TraversalOperator]) -> V {
        let mut v = v;
        for (j, op) in ops.iter().enumerate() {
            v = match (op, v) {
                (_, V::Unknown(_)) => return self.unknown_of(t, &[v]),
                (TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_), _) => {
                    return self.splat(t, v, &ops[j + 1..])
                }
                (op, v) => match self.apply(t, op, v) {
                    Ok(x) => x,
                    Err(unknown) => return unknown,
                },
            };
        }
        v.clone()
    }

    /// One attribute or index operator applied to a known value: the part it
    /// selects, else the unknown that the whole expression `t` is (keeping what `v`
    /// refers to: the instances of a resource, say).
    fn apply<'v>(
        &self,
        t: &hcl_edit::expr::Traversal,
        op: &TraversalOperator,
        v: &'v V,
    ) -> Result<&'v V, V> {
        match (op, v) {
            (TraversalOperator::GetAttr(a), V::Obj(m)) => {
                m.get(a.as_str()).ok_or_else(|| self.unknown_of(t, &[v]))
            }
            (TraversalOperator::Index(e), _) => {
                let key = self.eval_at(e);
                index(v, &key).ok_or_else(|| self.unknown_of(t, &[v, &key]))
            }
            (TraversalOperator::LegacyIndex(i), V::List(items)) => items
                .get(*i.value() as usize)
                .ok_or_else(|| self.unknown_of(t, &[v])),
            _ => Err(self.unknown_of(t, &[v])),
        }
    }
}

/// A template being printed: the text so far, the unknown parts, and the strip
/// markers (`~`) that apply to the literals beside a directive or interpolation.
#[derive(Default)]
struct Render {
    out: String,
    parts: Vec<V>,
    /// A part could not be printed: the template is unknown.
    has_unknown: bool,
    /// The next literal starts without its leading white space (`... ~}`).
    strip_next: bool,
    /// Bytes at the end of `out` that the last literal wrote (what `{~` may strip).
    literal_tail: usize,
}

impl Render {
    fn literal(&mut self, text: &str) {
        let text = if std::mem::take(&mut self.strip_next) {
            text.trim_start()
        } else {
            text
        };
        self.out.push_str(text);
        self.literal_tail = text.len();
    }

    /// `{~`: the literal just written loses its trailing white space.
    fn strip_before(&mut self, strip: bool) {
        if strip && self.literal_tail > 0 {
            let start = self.out.len() - self.literal_tail;
            let kept = self.out[start..].trim_end().len();
            self.out.truncate(start + kept);
        }
        self.literal_tail = 0;
    }

    /// After an interpolation or directive marker: `~}` strips the next literal.
    fn after(&mut self, strip: bool) {
        self.strip_next = strip;
        self.literal_tail = 0;
    }

    fn unknown(&mut self, v: V) {
        self.has_unknown = true;
        self.parts.push(v);
    }
}

/// A copy of `v`, charged to the unit's budget before it is made.
pub fn charged_copy(budget: &Budget, v: &V) -> Result<V, Exceeded> {
    budget.charge(weight(v, budget.remaining()).bytes)?;
    Ok(v.clone())
}

/// The size of `v`, counted until it passes `limit` (so that measuring a large value
/// against a small remaining budget stays cheap).
pub fn weight(v: &V, limit: u64) -> Weight {
    fn walk(v: &V, w: &mut Weight, limit: u64) {
        if w.bytes > limit {
            return;
        }
        match v {
            V::Str(s) => w.add_text(s.len()),
            V::Unknown(u) | V::PartialJson(u) => w.add_text(u.text.len()),
            V::List(items) => {
                w.add_node();
                for i in items {
                    w.add_item();
                    walk(i, w, limit);
                }
            }
            V::Obj(m) => {
                w.add_node();
                for (k, i) in m {
                    w.add_item();
                    w.add_text(k.len());
                    walk(i, w, limit);
                }
            }
            V::Null | V::Bool(_) | V::Num(_) => w.add_node(),
        }
    }
    let mut w = Weight::default();
    walk(v, &mut w, limit);
    w
}

fn index<'v>(v: &'v V, key: &V) -> Option<&'v V> {
    match (v, key) {
        (V::List(items), V::Num(n)) if *n >= 0.0 => items.get(*n as usize),
        (V::Obj(m), V::Str(k)) => m.get(k),
        _ => None,
    }
}

/// `<<-EOT` heredocs: the common leading whitespace is removed.
fn dedent(s: &str) -> String {
    let indent = s
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    s.lines()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if s.ends_with('\n') { "\n" } else { "" }
}

fn binary(op: BinaryOperator, l: &V, r: &V) -> Option<V> {
    use BinaryOperator::*;
    // Short circuits that hold whatever the other side is.
    match (op, l, r) {
        (And, V::Bool(false), _) | (And, _, V::Bool(false)) => return Some(V::Bool(false)),
        (Or, V::Bool(true), _) | (Or, _, V::Bool(true)) => return Some(V::Bool(true)),
        _ => {}
    }
    if !l.is_wholly_known() || !r.is_wholly_known() {
        return None;
    }
    let num = |v: &V| match v {
        V::Num(n) => Some(*n),
        V::Str(s) => s.parse().ok(),
        _ => None,
    };
    Some(match op {
        Eq => V::Bool(l == r),
        NotEq => V::Bool(l != r),
        And | Or => match (l, r) {
            (V::Bool(a), V::Bool(b)) => V::Bool(if op == And { *a && *b } else { *a || *b }),
            _ => return None,
        },
        Less | Greater | LessEq | GreaterEq => {
            let (a, b) = (num(l)?, num(r)?);
            V::Bool(match op {
                Less => a < b,
                Greater => a > b,
                LessEq => a <= b,
                _ => a >= b,
            })
        }
        Plus | Minus | Mul | Div | Mod => {
            let (a, b) = (num(l)?, num(r)?);
            V::Num(match op {
                Plus => a + b,
                Minus => a - b,
                Mul => a * b,
                Div if b != 0.0 => a / b,
                Mod if b != 0.0 => a % b,
                _ => return None,
            })
        }
    })
}

/// Terraform built-in functions over known values; `None` when the function is not
/// known here or an argument is unknown. The result is checked against the per-value
/// caps by the caller; the functions whose result can be far larger than their
/// arguments (`join` repeats its separator, `replace` its replacement) are checked
/// here, before it is built.
fn call(
    name: &str,
    args: &[V],
    expand_final: bool,
    budget: &Budget,
) -> Result<Option<V>, Exceeded> {
    let max = budget.limits().max_value_bytes;
    let text_len = |v: Option<&V>| match v {
        Some(V::Str(s)) => s.len() as u64,
        _ => 0,
    };
    match name {
        "join" => {
            if let Some(V::List(items)) = args.get(1) {
                let parts: u64 = items.iter().map(|i| text_len(Some(i)) + 20).sum();
                let seps = (items.len() as u64).saturating_mul(text_len(args.first()));
                let total = parts.saturating_add(seps);
                if total > max {
                    return Err(Exceeded::ValueBytes(total));
                }
            }
        }
        "replace" => {
            if let (Some(V::Str(s)), Some(V::Str(from)), Some(V::Str(to))) =
                (args.first(), args.get(1), args.get(2))
            {
                if to.len() > from.len() {
                    // An empty `from` matches between every two characters.
                    let n = if from.is_empty() {
                        s.chars().count() as u64 + 1
                    } else {
                        s.matches(from.as_str()).count() as u64
                    };
                    let total = (s.len() as u64)
                        .saturating_add(n.saturating_mul((to.len() - from.len()) as u64));
                    if total > max {
                        return Err(Exceeded::ValueBytes(total));
                    }
                }
            }
        }
        _ => {}
    }
    super::functions::check_size(name, args, budget.limits().max_value_items)?;
    Ok(known_call(name, args, expand_final))
}

fn known_call(name: &str, args: &[V], expand_final: bool) -> Option<V> {
    let args: Vec<V> = if expand_final {
        let (last, init) = args.split_last()?;
        match last {
            V::List(items) => init.iter().cloned().chain(items.iter().cloned()).collect(),
            _ => return None,
        }
    } else {
        args.to_vec()
    };
    // Functions that may succeed with unknown arguments.
    match name {
        // The first argument evaluates (it may hold unknown parts): that is try's value.
        "try" => return args.first().filter(|a| !a.is_unknown()).cloned(),
        // Whether the argument evaluates; unknown when it may not (opsgate cannot
        // tell an error from an unknown value).
        "can" => {
            return args
                .first()
                .filter(|a| a.is_wholly_known())
                .map(|_| V::Bool(true))
        }
        "coalesce" => {
            for a in &args {
                match a {
                    V::Unknown(_) => return None,
                    V::Null => continue,
                    V::Str(s) if s.is_empty() => continue,
                    v => return Some(v.clone()),
                }
            }
            return None;
        }
        _ => {}
    }
    if name == "jsonencode"
        && args.len() == 1
        && !args[0].is_unknown()
        && !args[0].is_wholly_known()
    {
        let mut refs = BTreeSet::new();
        args[0].refs(&mut refs);
        let text = serde_json::to_string(&args[0].to_json()).ok()?;
        return Some(V::PartialJson(Arc::new(Unknown { text, refs })));
    }
    // Functions of a collection's shape, which partly unknown members do not change.
    let text_arg = |i: usize| args.get(i).and_then(V::to_text);
    match (name, args.first()) {
        ("lookup", Some(V::Obj(m))) if args.len() >= 2 => {
            if let Some(k) = text_arg(1) {
                return m.get(&k).cloned().or_else(|| args.get(2).cloned());
            }
        }
        ("length", Some(V::List(l))) => return Some(V::Num(l.len() as f64)),
        ("length", Some(V::Obj(m))) => return Some(V::Num(m.len() as f64)),
        ("keys", Some(V::Obj(m))) => {
            return Some(V::List(m.keys().map(|k| V::Str(k.clone())).collect()))
        }
        ("merge", _) if args.iter().all(|a| matches!(a, V::Obj(_) | V::Null)) => {
            let mut out = BTreeMap::new();
            for a in &args {
                if let V::Obj(m) = a {
                    out.extend(m.clone());
                }
            }
            return Some(V::Obj(out));
        }
        ("concat", _) if args.iter().all(|a| matches!(a, V::List(_))) => {
            let mut out = Vec::new();
            for a in &args {
                if let V::List(l) = a {
                    out.extend(l.iter().cloned());
                }
            }
            return Some(V::List(out));
        }
        _ => {}
    }
    if !args.iter().all(V::is_wholly_known) {
        return None;
    }
    let s = |i: usize| args.get(i).and_then(V::to_text);
    let list = |i: usize| match args.get(i) {
        Some(V::List(l)) => Some(l.clone()),
        _ => None,
    };
    Some(match name {
        "jsonencode" => V::Str(serde_json::to_string(&args.first()?.to_json()).ok()?),
        "jsondecode" => V::from_json(&serde_json::from_str(&s(0)?).ok()?),
        "merge" => {
            let mut out = BTreeMap::new();
            for a in &args {
                match a {
                    V::Obj(m) => out.extend(m.clone()),
                    V::Null => {}
                    _ => return None,
                }
            }
            V::Obj(out)
        }
        "lookup" => match args.first()? {
            V::Obj(m) => match m.get(&s(1)?) {
                Some(v) => v.clone(),
                None => args.get(2)?.clone(),
            },
            _ => return None,
        },
        "concat" => V::List(
            args.iter()
                .map(|a| match a {
                    V::List(l) => Some(l.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?
                .concat(),
        ),
        "format" => V::Str(format_string(&s(0)?, &args[1..])?),
        "join" => V::Str(
            list(1)?
                .iter()
                .map(V::to_text)
                .collect::<Option<Vec<_>>>()?
                .join(&s(0)?),
        ),
        "split" => V::List(
            s(1)?
                .split(s(0)?.as_str())
                .map(|x| V::Str(x.to_string()))
                .collect(),
        ),
        "lower" => V::Str(s(0)?.to_lowercase()),
        "upper" => V::Str(s(0)?.to_uppercase()),
        "trimspace" => V::Str(s(0)?.trim().to_string()),
        "replace" if !s(1)?.starts_with('/') => V::Str(s(0)?.replace(&s(1)?, &s(2)?)),
        "startswith" => V::Bool(s(0)?.starts_with(&s(1)?)),
        "endswith" => V::Bool(s(0)?.ends_with(&s(1)?)),
        "tostring" => match args.first()? {
            V::Null => V::Null,
            v => V::Str(v.to_text()?),
        },
        "tonumber" => match args.first()? {
            V::Num(n) => V::Num(*n),
            V::Str(x) => V::Num(x.parse().ok()?),
            V::Null => V::Null,
            _ => return None,
        },
        "tobool" => match args.first()? {
            V::Bool(b) => V::Bool(*b),
            V::Str(x) if x == "true" => V::Bool(true),
            V::Str(x) if x == "false" => V::Bool(false),
            V::Null => V::Null,
            _ => return None,
        },
        "tolist" => V::List(list(0)?),
        "toset" | "distinct" => {
            // By each element's JSON text: linear, where comparing every pair is not.
            let mut seen = HashSet::new();
            V::List(
                list(0)?
                    .into_iter()
                    .filter(|v| seen.insert(v.to_json().to_string()))
                    .collect(),
            )
        }
        "tomap" => match args.first()? {
            V::Obj(m) => V::Obj(m.clone()),
            _ => return None,
        },
        "compact" => V::List(
            list(0)?
                .into_iter()
                .filter(|v| !matches!(v, V::Null) && v.as_str() != Some(""))
                .collect(),
        ),
        "flatten" => {
            fn flat(items: Vec<V>, out: &mut Vec<V>) {
                for i in items {
                    match i {
                        V::List(l) => flat(l, out),
                        v => out.push(v),
                    }
                }
            }
            let mut out = Vec::new();
            flat(list(0)?, &mut out);
            V::List(out)
        }
        "length" => V::Num(match args.first()? {
            V::List(l) => l.len(),
            V::Obj(m) => m.len(),
            V::Str(x) => x.chars().count(),
            _ => return None,
        } as f64),
        "element" => {
            let l = list(0)?;
            let i = match args.get(1)? {
                V::Num(n) => *n as usize,
                _ => return None,
            };
            l.get(i % l.len().max(1))?.clone()
        }
        "contains" => V::Bool(list(0)?.contains(args.get(1)?)),
        "keys" => match args.first()? {
            V::Obj(m) => V::List(m.keys().map(|k| V::Str(k.clone())).collect()),
            _ => return None,
        },
        "values" => match args.first()? {
            V::Obj(m) => V::List(m.values().cloned().collect()),
            _ => return None,
        },
        "max" | "min" => {
            let nums: Vec<f64> = args
                .iter()
                .map(|a| match a {
                    V::Num(n) => Some(*n),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            let pick = if name == "max" { f64::max } else { f64::min };
            V::Num(nums.into_iter().reduce(pick)?)
        }
        "abs" => match args.first()? {
            V::Num(n) => V::Num(n.abs()),
            _ => return None,
        },
        "substr" => {
            let text = s(0)?;
            let (off, len) = match (args.get(1)?, args.get(2)?) {
                (V::Num(o), V::Num(l)) => (*o as usize, *l),
                _ => return None,
            };
            let chars: Vec<char> = text.chars().collect();
            let end = if len < 0.0 {
                chars.len()
            } else {
                (off + len as usize).min(chars.len())
            };
            V::Str(chars.get(off.min(chars.len())..end)?.iter().collect())
        }
        _ => return super::functions::call(name, &args),
    })
}

/// `format` with the verbs modules use for names: %s, %d, %v, %q and %%.
pub(super) fn format_string(spec: &str, args: &[V]) -> Option<String> {
    let mut out = String::new();
    let mut it = spec.chars().peekable();
    let mut next = args.iter();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match it.next()? {
            '%' => out.push('%'),
            's' | 'v' => out.push_str(&next.next()?.to_text()?),
            'd' => match next.next()? {
                V::Num(n) => out.push_str(&format!("{}", *n as i64)),
                _ => return None,
            },
            'q' => out.push_str(&serde_json::to_string(&next.next()?.to_text()?).ok()?),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct TestScope {
        vars: HashMap<String, Rc<V>>,
        budget: Budget,
    }

    impl Scope for TestScope {
        fn var(&self, name: &str) -> Option<Rc<V>> {
            self.vars.get(name).cloned()
        }
        fn local(&self, _: &str) -> Option<Rc<V>> {
            None
        }
        fn module_output(&self, _: &str, _: Option<&V>, _: &str) -> Option<Rc<V>> {
            None
        }
        fn budget(&self) -> &Budget {
            &self.budget
        }
        fn resource(&self, rtype: &str, name: &str, _: Option<&V>) -> Vec<String> {
            (rtype == "aws_lambda_function")
                .then(|| format!("{rtype}.{name}"))
                .into_iter()
                .collect()
        }
        fn data(&self, rtype: &str, name: &str) -> Option<String> {
            Some(format!("data.{rtype}.{name}"))
        }
    }

    fn eval(src: &str) -> V {
        let mut vars = HashMap::new();
        vars.insert("env".to_string(), Rc::new(V::Str("prod".into())));
        vars.insert(
            "tags".to_string(),
            Rc::new(V::Obj([("Owner".to_string(), V::Str("me".into()))].into())),
        );
        let scope = TestScope {
            vars,
            budget: Budget::new(&crate::load::Limits::default()),
        };
        let expr = hcl_edit::parser::parse_expr(src).unwrap();
        Eval::new(&scope, src, None).eval(&expr)
    }

    #[test]
    fn known_values() {
        assert_eq!(eval(r#""orders-${var.env}""#), V::Str("orders-prod".into()));
        assert_eq!(eval(r#"var.env == "prod" ? 30 : 7"#), V::Num(30.0));
        assert_eq!(
            eval(r#"merge(var.tags, {Team = "x"})["Team"]"#),
            V::Str("x".into())
        );
        assert_eq!(
            eval(r#"jsonencode({a = [1, true]})"#),
            V::Str(r#"{"a":[1,true]}"#.into())
        );
        assert_eq!(
            eval(r#"format("%s-%d", var.env, 3)"#),
            V::Str("prod-3".into())
        );
        assert_eq!(eval(r#"lookup(var.tags, "Nope", "d")"#), V::Str("d".into()));
        assert_eq!(eval("coalesce(null, \"\", \"x\")"), V::Str("x".into()));
        assert_eq!(eval("length([1, 2]) + 1"), V::Num(3.0));
        assert_eq!(
            eval("<<-EOT\n    a\n      b\n    EOT").to_json(),
            json!("a\n  b\n")
        );
    }

    /// Splat expressions, as Terraform documents them: `list[*].attr` is the list of
    /// each element's attribute; a single value is a list of itself, null an empty
    /// list; over another resource's instances the result is unknown and refers to
    /// them.
    #[test]
    fn splat_expressions() {
        let tf = |src: &str| eval(src).to_json();
        assert_eq!(
            tf(r#"[{name = "a", p = {n = 1}}, {name = "b", p = {n = 2}}][*].name"#),
            json!(["a", "b"])
        );
        assert_eq!(
            tf(r#"[{name = "a", p = {n = 1}}, {name = "b", p = {n = 2}}][*].p.n"#),
            json!([1, 2])
        );
        assert_eq!(tf(r#"[{a = [1, 2]}, {a = [3]}][*].a[0]"#), json!([1, 3]));
        assert_eq!(tf("var.tags[*].Owner"), json!(["me"]));
        assert_eq!(tf("null[*]"), json!([]));
        assert_eq!(tf("length([{a = 1}, {a = 2}].*.a)"), json!(2));
        let mut refs = BTreeSet::new();
        let u = eval("aws_lambda_function.f[*].arn");
        assert!(u.is_unknown());
        u.refs(&mut refs);
        assert_eq!(refs, BTreeSet::from(["aws_lambda_function.f".to_string()]));
        // An element without the attribute is unknown, not an error.
        assert!(eval(r#"[{a = 1}, {b = 2}][*].a"#).to_json()[1]
            .get("$unknown")
            .is_some());
    }

    /// Template directives with their strip markers, as Terraform's documentation
    /// gives them.
    #[test]
    fn template_directives() {
        assert_eq!(
            eval(r#""Hello, %{ if var.env != "" }${var.env}%{ else }unnamed%{ endif }!""#),
            V::Str("Hello, prod!".into())
        );
        assert_eq!(
            eval(r#""Hello, %{ if var.env == "" }${var.env}%{ else }unnamed%{ endif }!""#),
            V::Str("Hello, unnamed!".into())
        );
        assert_eq!(
            eval("<<EOT\n%{ for ip in [\"10.0.0.1\", \"10.0.0.2\"] ~}\nserver ${ip}\n%{ endfor ~}\nEOT"),
            V::Str("server 10.0.0.1\nserver 10.0.0.2\n".into())
        );
        // Without the strip markers, the newlines stay.
        assert_eq!(
            eval("<<EOT\n%{ for ip in [\"a\", \"b\"] }\n${ip}\n%{ endfor }\nEOT"),
            V::Str("\na\n\nb\n\n".into())
        );
        assert_eq!(
            eval(r#""%{ for k, v in {a = 1, b = 2} }${k}=${v};%{ endfor }""#),
            V::Str("a=1;b=2;".into())
        );
        assert_eq!(eval(r#""a ${~ "b" ~} c""#), V::Str("abc".into()));
        assert_eq!(
            eval(r#""x %{~ if true ~} y %{~ endif ~} z""#),
            V::Str("xyz".into())
        );
        // An unknown condition or collection: unknown, keeping the references.
        assert!(eval(r#""%{ if var.unset == "x" }a%{ endif }""#).is_unknown());
        let u = eval(r#""%{ for a in aws_lambda_function.f[*].arn }${a},%{ endfor }""#);
        assert!(u.is_unknown());
        let mut refs = BTreeSet::new();
        u.refs(&mut refs);
        assert_eq!(refs, BTreeSet::from(["aws_lambda_function.f".to_string()]));
    }

    #[test]
    fn unknown_values_carry_their_text_and_references() {
        let v = eval(r#""/aws/lambda/${aws_lambda_function.charge.function_name}""#);
        let V::Unknown(u) = v else { panic!("{v:?}") };
        assert_eq!(
            u.text,
            r#""/aws/lambda/${aws_lambda_function.charge.function_name}""#
        );
        assert_eq!(
            u.refs.iter().collect::<Vec<_>>(),
            vec!["aws_lambda_function.charge"]
        );
        let V::Unknown(u) = eval("data.aws_ami.ubuntu.id") else {
            panic!()
        };
        assert!(u.refs.contains("data.aws_ami.ubuntu"));
        assert!(eval("var.missing").is_unknown());
        assert!(eval("count.index").is_unknown());
        assert!(eval("upper(var.missing)").is_unknown());
        assert!(eval("[for x in var.missing : x]").is_unknown());
        // functions of a collection's shape work on partly unknown collections
        assert_eq!(
            eval("lookup({a = var.missing, b = 1}, \"b\", 0)"),
            V::Num(1.0)
        );
        assert_eq!(eval("length([var.missing, 2])"), V::Num(2.0));
        assert_eq!(
            eval("try({a = var.missing}, null)[\"a\"]").to_json(),
            json!({"$unknown": "var.missing"})
        );
        assert!(eval("merge(var.tags, {x = var.missing})").to_json()["x"]["$unknown"].is_string());
        assert_eq!(
            eval(r#"[for k, v in var.tags : "${k}=${v}"]"#),
            V::List(vec![V::Str("Owner=me".into())])
        );
        assert_eq!(
            eval("[for x in [1, 2, 3] : x * 2 if x > 1]").to_json(),
            json!([4, 6])
        );
        assert_eq!(
            eval("{for x in [\"a\"] : x => upper(x)}").to_json(),
            json!({"a": "A"})
        );
        assert_eq!(
            eval("toset([for x in [1] : x if false])").to_json(),
            json!([])
        );
        assert!(eval("var.missing ? 1 : 2").is_unknown());
        assert_eq!(eval("var.missing && false"), V::Bool(false));
        assert!(eval("provider::aws::arn_parse(\"x\")").is_unknown());
        // jsonencode keeps the known structure of a partly unknown value
        let v = eval("jsonencode({arn = aws_lambda_function.dlq.arn, max = 3})");
        assert_eq!(
            v.to_json(),
            json!(r#"{"arn":{"$unknown":"aws_lambda_function.dlq.arn"},"max":3}"#)
        );
        let mut refs = BTreeSet::new();
        v.refs(&mut refs);
        assert!(refs.contains("aws_lambda_function.dlq"));
    }
}
