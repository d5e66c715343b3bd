//! CloudFormation intrinsic functions over the spanned tree: what can be known from
//! the template alone (parameter defaults, mappings, `Fn::Sub`, `Fn::Join`,
//! `Fn::Select`, `Fn::Split`, `Fn::FindInMap` over known values) is resolved; every
//! reference to another resource becomes an edge; the rest is unknown.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value as J};

use super::{is_unknown, unknown};
use crate::load::{Entry, Node, Value};
use crate::source::SourceFile;

pub(super) struct Param<'a> {
    pub default: Option<&'a Node>,
    pub ty: &'a str,
}

pub(super) struct Resolver<'a> {
    pub file: &'a SourceFile,
    pub params: HashMap<&'a str, Param<'a>>,
    pub mappings: Option<&'a Node>,
    pub resources: HashSet<&'a str>,
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
        let v = self.intrinsic_value(node, e, w);
        w.frozen -= 1;
        v
    }

    fn intrinsic_value(&self, node: &Node, e: &Entry, w: &mut Walk) -> Option<J> {
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
            "Fn::Sub" => self.sub(args, w),
            "Fn::Join" => self.join(args, w),
            "Fn::Select" => self.select(args, w),
            "Fn::Split" => self.split(args, w),
            "Fn::FindInMap" => self.find_in_map(args, w),
            _ => {
                self.visit_args(args, w);
                None
            }
        };
        Some(known.unwrap_or_else(|| self.unknown(node)))
    }

    /// Resolves arguments only for the edges they carry.
    fn visit_args(&self, args: &Node, w: &mut Walk) {
        let _ = self.resolve(args, w);
    }

    fn reference(&self, node: &Node, args: &Node, w: &mut Walk) -> Option<J> {
        let Some(target) = args.as_str() else {
            self.visit_args(args, w);
            return Some(self.unknown(node));
        };
        if target == "AWS::NoValue" {
            return None;
        }
        if let Some(p) = self.params.get(target) {
            return Some(self.param_value(p).unwrap_or_else(|| self.unknown(node)));
        }
        if self.resources.contains(target) {
            w.edge(target, "Ref", None);
        }
        Some(self.unknown(node))
    }

    /// A parameter's default, as `Ref` would give it; SSM-typed parameters hold a
    /// parameter *name*, not the value, so they stay unknown.
    fn param_value(&self, p: &Param) -> Option<J> {
        let default = p.default?;
        if p.ty.starts_with("AWS::SSM::Parameter::Value") {
            return None;
        }
        let v = default.to_json();
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

    fn sub(&self, args: &Node, w: &mut Walk) -> Option<J> {
        let (template, vars) = match &args.value {
            Value::Str(s) => (s.as_str(), None),
            Value::Seq(items) if !items.is_empty() => (items[0].as_str()?, items.get(1)),
            _ => {
                self.visit_args(args, w);
                return None;
            }
        };
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
            match self.sub_var(name, vars, w) {
                Some(text) => out.push_str(&text),
                None => known = false,
            }
        }
        out.push_str(rest);
        if out.contains("{{resolve:") {
            known = false;
        }
        known.then_some(J::String(out))
    }

    fn sub_var(&self, name: &str, vars: Option<&Node>, w: &mut Walk) -> Option<String> {
        if let Some(v) = vars.and_then(|m| m.get(name)) {
            return self
                .resolve(v, w)
                .filter(|j| !is_unknown(j))
                .as_ref()
                .and_then(Self::text);
        }
        if let Some((res, attr)) = name.split_once('.') {
            if self.resources.contains(res) {
                w.edge(res, "Fn::Sub", Some(attr.to_string()));
            }
            return None;
        }
        if let Some(p) = self.params.get(name) {
            return self.param_value(p).as_ref().and_then(Self::text);
        }
        if self.resources.contains(name) {
            w.edge(name, "Fn::Sub", None);
        }
        None
    }

    fn join(&self, args: &Node, w: &mut Walk) -> Option<J> {
        let items = args.as_seq().filter(|i| i.len() == 2);
        let Some([delim, list]) = items.map(|i| [&i[0], &i[1]]) else {
            self.visit_args(args, w);
            return None;
        };
        let delim = delim.as_str();
        let parts = self.resolve(list, w)?;
        let parts = parts.as_array()?;
        let texts: Option<Vec<String>> = parts
            .iter()
            .map(|p| if is_unknown(p) { None } else { Self::text(p) })
            .collect();
        Some(J::String(texts?.join(delim?)))
    }

    fn select(&self, args: &Node, w: &mut Walk) -> Option<J> {
        let items = args.as_seq().filter(|i| i.len() == 2);
        let Some([index, list]) = items.map(|i| [&i[0], &i[1]]) else {
            self.visit_args(args, w);
            return None;
        };
        let index = self.resolve(index, w)?;
        let list = self.resolve(list, w)?;
        let i = match index {
            J::Number(n) => n.as_u64()?,
            J::String(s) => s.parse().ok()?,
            _ => return None,
        };
        let item = list.as_array()?.get(i as usize)?.clone();
        (!is_unknown(&item)).then_some(item)
    }

    fn split(&self, args: &Node, w: &mut Walk) -> Option<J> {
        let items = args.as_seq().filter(|i| i.len() == 2);
        let Some([delim, source]) = items.map(|i| [&i[0], &i[1]]) else {
            self.visit_args(args, w);
            return None;
        };
        let delim = delim.as_str()?;
        match self.resolve(source, w)? {
            J::String(s) if !delim.is_empty() => Some(J::Array(
                s.split(delim).map(|x| J::String(x.to_string())).collect(),
            )),
            _ => None,
        }
    }

    fn find_in_map(&self, args: &Node, w: &mut Walk) -> Option<J> {
        let Some(items) = args.as_seq().filter(|i| i.len() >= 3) else {
            self.visit_args(args, w);
            return None;
        };
        let mut keys = Vec::new();
        for k in &items[..3] {
            let v = self.resolve(k, w)?;
            keys.push(Self::text(&v)?);
        }
        let found = self
            .mappings
            .and_then(|m| m.get(&keys[0]))
            .and_then(|m| m.get(&keys[1]))
            .and_then(|m| m.get(&keys[2]));
        match found {
            Some(v) => self.resolve(v, w),
            // Language extensions: [map, top, second, {DefaultValue: x}]
            None => items
                .get(3)
                .and_then(|d| d.get("DefaultValue"))
                .and_then(|d| self.resolve(d, w)),
        }
    }
}
