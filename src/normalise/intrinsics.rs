//! CloudFormation intrinsic functions over the spanned tree: what can be known from
//! the template alone (parameter defaults, mappings, `Fn::Sub`, `Fn::Join`,
//! `Fn::Select`, `Fn::Split`, `Fn::FindInMap` over known values, `Conditions` and the
//! `Fn::If` branches they pick) is resolved; every reference to another resource
//! becomes an edge; the rest is unknown.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value as J};

use super::budget::{Budget, Exceeded, NODE_BYTES};
use super::{is_unknown, unknown};
use crate::load::{Entry, Node, Value};
use crate::source::SourceFile;

pub(super) struct Param<'a> {
    pub default: Option<&'a Node>,
    /// The value given at deploy time (`--cfn-parameters`), which wins over the
    /// default; `Some(None)`: given as unknown (`UsePreviousValue`).
    pub given: Option<&'a Option<String>>,
    pub ty: &'a str,
}

pub(super) struct Resolver<'a> {
    pub file: &'a SourceFile,
    pub params: HashMap<&'a str, Param<'a>>,
    pub mappings: Option<&'a Node>,
    pub resources: HashSet<&'a str>,
    /// The template's `Conditions`, by name.
    pub conditions: HashMap<&'a str, &'a Node>,
    /// Conditions evaluated so far: known true or false, or `None` (unknown, or
    /// being evaluated: a condition that refers back to itself is unknown).
    pub condition_values: RefCell<HashMap<String, Option<bool>>>,
    /// What resolving the template may still cost (a cap reached is located on the
    /// intrinsic function, which becomes unknown).
    pub budget: &'a Budget,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Edge {
    pub from: String,
    pub to: String,
    pub path: Vec<J>,
    pub via: &'static str,
    pub attribute: Option<String>,
}

pub(super) struct Walk<'e> {
    from: &'e str,
    path: Vec<J>,
    edges: &'e mut Vec<Edge>,
    /// Inside an intrinsic function's arguments: edges take the function's path.
    frozen: usize,
}

impl Walk<'_> {
    pub fn new<'e>(from: &'e str, path: Vec<J>, edges: &'e mut Vec<Edge>) -> Walk<'e> {
        Walk {
            from,
            path,
            edges,
            frozen: 0,
        }
    }

    fn push(&mut self, seg: J) {
        if self.frozen == 0 {
            self.path.push(seg);
        }
    }

    fn pop(&mut self) {
        if self.frozen == 0 {
            self.path.pop();
        }
    }

    pub fn edge(&mut self, to: &str, via: &'static str, attribute: Option<String>) {
        self.edges.push(Edge {
            from: self.from.to_string(),
            to: to.to_string(),
            path: self.path.clone(),
            via,
            attribute,
        });
    }
}

impl Resolver<'_> {
    fn unknown(&self, node: &Node) -> J {
        unknown(self.file, node.span)
    }

    /// The policy-input value of `node`; `None` when it resolves to `AWS::NoValue`.
    pub fn resolve(&self, node: &Node, w: &mut Walk) -> Option<J> {
        match &node.value {
            Value::Map(entries) => {
                if let Some(e) = node.single_key().filter(|_| node.is_intrinsic()) {
                    return self.intrinsic(node, e, w);
                }
                let mut out = Map::new();
                for e in entries {
                    w.push(json!(e.key));
                    if let Some(v) = self.resolve(&e.value, w) {
                        out.insert(e.key.clone(), v);
                    }
                    w.pop();
                }
                Some(J::Object(out))
            }
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    w.push(json!(out.len()));
                    let v = self.resolve(item, w);
                    w.pop();
                    if let Some(v) = v {
                        out.push(v);
                    }
                }
                Some(J::Array(out))
            }
            Value::Str(s) if s.contains("{{resolve:") => Some(self.unknown(node)),
            _ => Some(node.to_json()),
        }
    }

    fn intrinsic(&self, node: &Node, e: &Entry, w: &mut Walk) -> Option<J> {
        w.frozen += 1;
        let budget = self.budget;
        let v = match budget
            .step()
            .and_then(|()| budget.nested(|| self.intrinsic_value(node, e, w)))
        {
            Ok(Ok(v)) => v,
            Ok(Err(exceeded)) | Err(exceeded) => {
                budget.overrun(None, Some(node.span), exceeded);
                // Its references are still edges: an unknown value never hides a
                // relationship that a rule looks for.
                self.edges_only(&e.key, &e.value, w);
                Some(self.unknown(node))
            }
        };
        w.frozen -= 1;
        v
    }

    /// The edges of an intrinsic function's arguments, without evaluating anything
    /// (so without following `Fn::FindInMap` into the mappings): for a function whose
    /// evaluation reached a cap. Bounded by the size of the arguments' tree.
    fn edges_only(&self, function: &str, args: &Node, w: &mut Walk) {
        match function {
            "Ref" => {
                if let Some(target) = args.as_str().filter(|t| self.resources.contains(t)) {
                    w.edge(target, "Ref", None);
                }
            }
            "Fn::GetAtt" => {
                let target = match &args.value {
                    Value::Seq(items) => items.first().and_then(Node::as_str),
                    Value::Str(s) => Some(s.split_once('.').map_or(s.as_str(), |(r, _)| r)),
                    _ => None,
                };
                if let Some(target) = target.filter(|t| self.resources.contains(t)) {
                    w.edge(target, "Fn::GetAtt", None);
                }
            }
            "Fn::Sub" => {
                let template = match &args.value {
                    Value::Str(s) => Some(s.as_str()),
                    Value::Seq(items) => items.first().and_then(Node::as_str),
                    _ => None,
                };
                for name in template.map(sub_names).unwrap_or_default() {
                    let (res, attr) = match name.split_once('.') {
                        Some((r, a)) => (r, Some(a.to_string())),
                        None => (name, None),
                    };
                    if self.resources.contains(res) {
                        w.edge(res, "Fn::Sub", attr);
                    }
                }
            }
            _ => {}
        }
        match &args.value {
            Value::Map(entries) => {
                for e in entries {
                    self.edges_only(&e.key, &e.value, w);
                }
            }
            Value::Seq(items) => {
                for i in items {
                    self.edges_only("", i, w);
                }
            }
            _ => {}
        }
    }

    fn intrinsic_value(&self, node: &Node, e: &Entry, w: &mut Walk) -> Result<Option<J>, Exceeded> {
        let args = &e.value;
        let known = match e.key.as_str() {
            "Ref" => return self.reference(node, args, w),
            "Fn::GetAtt" => {
                let (res, attr) = match &args.value {
                    Value::Seq(items) if !items.is_empty() => {
                        (items[0].as_str(), items.get(1).and_then(Node::scalar_text))
                    }
                    Value::Str(s) => match s.split_once('.') {
                        Some((r, a)) => (Some(r), Some(a.to_string())),
                        None => (Some(s.as_str()), None),
                    },
                    _ => (None, None),
                };
                if let Some(res) = res.filter(|r| self.resources.contains(r)) {
                    w.edge(res, "Fn::GetAtt", attr);
                }
                self.visit_args(args, w);
                None
            }
            "Fn::Sub" => self.sub(args, w)?,
            "Fn::Join" => self.join(args, w)?,
            "Fn::Select" => self.select(args, w)?,
            "Fn::Split" => self.split(args, w)?,
            "Fn::FindInMap" => self.find_in_map(args, w)?,
            "Fn::If" => return self.fn_if(node, args, w),
            _ => {
                self.visit_args(args, w);
                None
            }
        };
        Ok(Some(known.unwrap_or_else(|| self.unknown(node))))
    }

    /// `Fn::If [condition, when true, when false]`: the branch a known condition
    /// picks (`AWS::NoValue` there removes the property); unknown otherwise, with the
    /// edges of both branches.
    fn fn_if(&self, node: &Node, args: &Node, w: &mut Walk) -> Result<Option<J>, Exceeded> {
        let parts = args.as_seq().filter(|i| i.len() == 3);
        let picked = parts.and_then(|p| {
            let condition = self.condition(p[0].as_str()?)?;
            Some(if condition { &p[1] } else { &p[2] })
        });
        match picked {
            Some(branch) => Ok(self.resolve(branch, w)),
            None => {
                self.visit_args(args, w);
                Ok(Some(self.unknown(node)))
            }
        }
    }

    /// The value of condition `name` with the parameters' defaults: `None` when the
    /// template alone does not decide it (a parameter without a default, a pseudo
    /// parameter such as `AWS::Region`, a condition that is not defined or refers
    /// back to itself).
    pub fn condition(&self, name: &str) -> Option<bool> {
        {
            let mut known = self.condition_values.borrow_mut();
            if let Some(v) = known.get(name) {
                return *v;
            }
            known.insert(name.to_string(), None);
        }
        // A chain of conditions naming the next is bounded like nested functions.
        let value = self.conditions.get(name).and_then(|node| {
            match self.budget.nested(|| self.condition_value(node)) {
                Ok(v) => v,
                Err(exceeded) => {
                    self.budget.overrun(None, Some(node.span), exceeded);
                    None
                }
            }
        });
        self.condition_values
            .borrow_mut()
            .insert(name.to_string(), value);
        value
    }

    /// A condition function (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`,
    /// `Condition`), evaluated in three values: `None` is unknown. `Fn::And` is false
    /// when one member is, `Fn::Or` true when one is, whatever the others are.
    fn condition_value(&self, node: &Node) -> Option<bool> {
        if let Err(exceeded) = self.budget.step() {
            self.budget.overrun(None, Some(node.span), exceeded);
            return None;
        }
        let e = node.single_key()?;
        let args = &e.value;
        match e.key.as_str() {
            "Condition" => self.condition(args.as_str()?),
            "Fn::Not" => {
                let items = args.as_seq().filter(|i| i.len() == 1)?;
                self.condition_value(&items[0]).map(|b| !b)
            }
            "Fn::And" | "Fn::Or" => {
                let decisive = e.key == "Fn::Or";
                let mut all = Some(!decisive);
                for item in args.as_seq()? {
                    match self.condition_value(item) {
                        Some(b) if b == decisive => return Some(decisive),
                        Some(_) => {}
                        None => all = None,
                    }
                }
                all
            }
            "Fn::Equals" => {
                let items = args.as_seq().filter(|i| i.len() == 2)?;
                let mut no_edges = Vec::new();
                let mut w = Walk::new("", vec![], &mut no_edges);
                let a = self
                    .budget
                    .nested(|| self.resolve(&items[0], &mut w))
                    .ok()??;
                let b = self
                    .budget
                    .nested(|| self.resolve(&items[1], &mut w))
                    .ok()??;
                if has_unknown(&a) || has_unknown(&b) {
                    return None;
                }
                Some(equal_as_cloudformation(&a, &b))
            }
            _ => None,
        }
    }

    /// Resolves arguments only for the edges they carry.
    fn visit_args(&self, args: &Node, w: &mut Walk) {
        let _ = self.resolve(args, w);
    }

    fn reference(&self, node: &Node, args: &Node, w: &mut Walk) -> Result<Option<J>, Exceeded> {
        let Some(target) = args.as_str() else {
            self.visit_args(args, w);
            return Ok(Some(self.unknown(node)));
        };
        if target == "AWS::NoValue" {
            return Ok(None);
        }
        if let Some(p) = self.params.get(target) {
            return Ok(Some(
                self.param_value(p)?.unwrap_or_else(|| self.unknown(node)),
            ));
        }
        if self.resources.contains(target) {
            w.edge(target, "Ref", None);
        }
        Ok(Some(self.unknown(node)))
    }

    /// A copy of `node` as it resolves, charged to the budget (by the size of its
    /// source text) before it is made: a large parameter default or mapping value may
    /// be referred to many times.
    fn charge_copy(&self, node: &Node) -> Result<(), Exceeded> {
        let len = node.span.end.saturating_sub(node.span.start) as u64;
        self.budget.charge(len + NODE_BYTES)
    }

    /// A parameter's default, as `Ref` would give it; SSM-typed parameters hold a
    /// parameter *name*, not the value, so they stay unknown.
    fn param_value(&self, p: &Param) -> Result<Option<J>, Exceeded> {
        if let Some(given) = p.given {
            let Some(text) = given else {
                return Ok(None);
            };
            self.budget.charge(text.len() as u64 + NODE_BYTES)?;
            return Ok(Self::typed_value(p, J::String(text.clone())));
        }
        let Some(default) = p.default else {
            return Ok(None);
        };
        self.charge_copy(default)?;
        Ok(Self::typed_value(p, default.to_json()))
    }

    /// A parameter's value as `Ref` gives it, by the parameter's type.
    fn typed_value(p: &Param, v: J) -> Option<J> {
        if p.ty.starts_with("AWS::SSM::Parameter::Value") {
            return None;
        }
        let is_list = p.ty == "CommaDelimitedList" || p.ty.starts_with("List<");
        match v {
            J::String(s) if is_list => Some(J::Array(
                s.split(',')
                    .map(|x| J::String(x.trim().to_string()))
                    .collect(),
            )),
            J::String(ref s) if s.contains("{{resolve:") => None,
            J::Object(_) => None,
            other => Some(other),
        }
    }

    /// The text a known value stands for inside a string (`Fn::Sub`, `Fn::Join`).
    fn text(v: &J) -> Option<String> {
        match v {
            J::String(s) => Some(s.clone()),
            J::Number(n) => Some(n.to_string()),
            J::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    fn sub(&self, args: &Node, w: &mut Walk) -> Result<Option<J>, Exceeded> {
        let (template, vars) = match &args.value {
            Value::Str(s) => (s.as_str(), None),
            Value::Seq(items) if !items.is_empty() => match items[0].as_str() {
                Some(t) => (t, items.get(1)),
                None => return Ok(None),
            },
            _ => {
                self.visit_args(args, w);
                return Ok(None);
            }
        };
        let max = self.budget.limits().max_value_bytes;
        let mut out = String::new();
        let mut known = true;
        let mut rest = template;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(close) = after.find('}') else {
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let name = after[..close].trim();
            rest = &after[close + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            match self.sub_var(name, vars, w)? {
                Some(text) => {
                    let len = (out.len() + text.len()) as u64;
                    if len > max {
                        return Err(Exceeded::ValueBytes(len));
                    }
                    out.push_str(&text)
                }
                None => known = false,
            }
        }
        out.push_str(rest);
        if out.contains("{{resolve:") {
            known = false;
        }
        self.budget.charge(out.len() as u64 + NODE_BYTES)?;
        Ok(known.then_some(J::String(out)))
    }

    fn sub_var(
        &self,
        name: &str,
        vars: Option<&Node>,
        w: &mut Walk,
    ) -> Result<Option<String>, Exceeded> {
        if let Some(v) = vars.and_then(|m| m.get(name)) {
            return Ok(self
                .resolve(v, w)
                .filter(|j| !is_unknown(j))
                .as_ref()
                .and_then(Self::text));
        }
        if let Some((res, attr)) = name.split_once('.') {
            if self.resources.contains(res) {
                w.edge(res, "Fn::Sub", Some(attr.to_string()));
            }
            return Ok(None);
        }
        if let Some(p) = self.params.get(name) {
            return Ok(self.param_value(p)?.as_ref().and_then(Self::text));
        }
        if self.resources.contains(name) {
            w.edge(name, "Fn::Sub", None);
        }
        Ok(None)
    }

    fn join(&self, args: &Node, w: &mut Walk) -> Result<Option<J>, Exceeded> {
        let items = args.as_seq().filter(|i| i.len() == 2);
        let Some([delim, list]) = items.map(|i| [&i[0], &i[1]]) else {
            self.visit_args(args, w);
            return Ok(None);
        };
        let Some(delim) = delim.as_str() else {
            self.visit_args(list, w);
            return Ok(None);
        };
        let Some(J::Array(parts)) = self.resolve(list, w) else {
            return Ok(None);
        };
        let Some(texts) = parts
            .iter()
            .map(|p| if is_unknown(p) { None } else { Self::text(p) })
            .collect::<Option<Vec<String>>>()
        else {
            return Ok(None);
        };
        // The separator is repeated: check the length before building the string.
        let len = texts.iter().map(|t| t.len() as u64).sum::<u64>()
            + (texts.len() as u64).saturating_mul(delim.len() as u64);
        if len > self.budget.limits().max_value_bytes {
            return Err(Exceeded::ValueBytes(len));
        }
        self.budget.charge(len + NODE_BYTES)?;
        Ok(Some(J::String(texts.join(delim))))
    }

    fn select(&self, args: &Node, w: &mut Walk) -> Result<Option<J>, Exceeded> {
        let items = args.as_seq().filter(|i| i.len() == 2);
        let Some([index, list]) = items.map(|i| [&i[0], &i[1]]) else {
            self.visit_args(args, w);
            return Ok(None);
        };
        let (Some(index), Some(list)) = (self.resolve(index, w), self.resolve(list, w)) else {
            return Ok(None);
        };
        let i = match index {
            J::Number(n) => n.as_u64(),
            J::String(s) => s.parse().ok(),
            _ => None,
        };
        let Some(J::Array(mut items)) = Some(list) else {
            return Ok(None);
        };
        let Some(item) = i.filter(|i| (*i as usize) < items.len()) else {
            return Ok(None);
        };
        let item = items.swap_remove(item as usize);
        Ok((!is_unknown(&item)).then_some(item))
    }

    fn split(&self, args: &Node, w: &mut Walk) -> Result<Option<J>, Exceeded> {
        let items = args.as_seq().filter(|i| i.len() == 2);
        let Some([delim, source]) = items.map(|i| [&i[0], &i[1]]) else {
            self.visit_args(args, w);
            return Ok(None);
        };
        let Some(delim) = delim.as_str() else {
            self.visit_args(source, w);
            return Ok(None);
        };
        match self.resolve(source, w) {
            Some(J::String(s)) if !delim.is_empty() => {
                let n = s.matches(delim).count() as u64 + 1;
                if n > self.budget.limits().max_value_items {
                    return Err(Exceeded::ValueItems(n));
                }
                self.budget
                    .charge(s.len() as u64 + n.saturating_mul(NODE_BYTES))?;
                Ok(Some(J::Array(
                    s.split(delim).map(|x| J::String(x.to_string())).collect(),
                )))
            }
            _ => Ok(None),
        }
    }

    fn find_in_map(&self, args: &Node, w: &mut Walk) -> Result<Option<J>, Exceeded> {
        let Some(items) = args.as_seq().filter(|i| i.len() >= 3) else {
            self.visit_args(args, w);
            return Ok(None);
        };
        let mut keys = Vec::new();
        for k in &items[..3] {
            let Some(key) = self.resolve(k, w).as_ref().and_then(Self::text) else {
                return Ok(None);
            };
            keys.push(key);
        }
        let found = self
            .mappings
            .and_then(|m| m.get(&keys[0]))
            .and_then(|m| m.get(&keys[1]))
            .and_then(|m| m.get(&keys[2]));
        // Language extensions: [map, top, second, {DefaultValue: x}]
        let Some(value) = found.or_else(|| items.get(3).and_then(|d| d.get("DefaultValue"))) else {
            return Ok(None);
        };
        self.charge_copy(value)?;
        Ok(self.resolve(value, w))
    }
}

/// The `${name}` references of a `Fn::Sub` template (`${!literal}` excluded).
fn sub_names(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(close) = after.find('}') else { break };
        let name = after[..close].trim();
        if !name.starts_with('!') {
            names.push(name);
        }
        rest = &after[close + 1..];
    }
    names
}

/// A value with an unknown part anywhere in it.
fn has_unknown(v: &J) -> bool {
    is_unknown(v)
        || match v {
            J::Array(items) => items.iter().any(has_unknown),
            J::Object(o) => o.values().any(has_unknown),
            _ => false,
        }
}

/// `Fn::Equals` compares values as CloudFormation passes them, scalars as strings:
/// `true` equals `"true"` and `1` equals `"1"`.
fn equal_as_cloudformation(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal_as_cloudformation(a, b))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| equal_as_cloudformation(v, w)))
        }
        _ => match (Resolver::text(a), Resolver::text(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}
