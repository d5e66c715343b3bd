//! CloudFormation (and SAM, and CDK output) to the policy input.
//!
//! Resolves what is knowable from the template alone — parameter defaults, mappings,
//! `Fn::Sub`/`Fn::Join`/`Fn::Select`/`Fn::Split`/`Fn::FindInMap` over known values, SAM
//! `Globals` — records an edge for every reference between resources, and marks the
//! rest unknown so that no policy fails on a value that depends on the deployment.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde_json::{json, Map, Value as J};

use super::{kinds, unknown, Format, ResourceSource, Unit};
use crate::load::{Entry, LoadError, Node, Value};
use crate::source::SourceFile;

/// A YAML/JSON document is a template when its top level has
/// `AWSTemplateFormatVersion`, or `Resources` with at least one entry whose `Type`
/// looks like a CloudFormation type.
pub fn is_template(root: &Node) -> bool {
    if !root.is_map() {
        return false;
    }
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    root.get("Resources").is_some_and(|r| {
        r.entries().iter().any(|e| {
            e.value
                .get("Type")
                .and_then(Node::as_str)
                .is_some_and(looks_like_type)
        })
    })
}

fn looks_like_type(t: &str) -> bool {
    (t.starts_with("AWS::") || t.starts_with("Custom::") || t.starts_with("Alexa::")) && t.len() > 6
}

/// SAM Globals sections and the resource types they apply to.
const SAM_GLOBALS: &[(&str, &str)] = &[
    ("AWS::Serverless::Function", "Function"),
    ("AWS::Serverless::Api", "Api"),
    ("AWS::Serverless::HttpApi", "HttpApi"),
    ("AWS::Serverless::SimpleTable", "SimpleTable"),
    ("AWS::Serverless::StateMachine", "StateMachine"),
    ("AWS::Serverless::LayerVersion", "LayerVersion"),
];

/// Resource attributes that go to `meta` under their own names.
const META_ATTRIBUTES: &[&str] = &[
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "UpdatePolicy",
    "CreationPolicy",
    "Condition",
    "DependsOn",
    "Metadata",
];

struct Param<'a> {
    default: Option<&'a Node>,
    ty: &'a str,
}

struct Resolver<'a> {
    file: &'a SourceFile,
    params: HashMap<&'a str, Param<'a>>,
    mappings: Option<&'a Node>,
    resources: HashSet<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Edge {
    from: String,
    to: String,
    path: Vec<J>,
    via: &'static str,
    attribute: Option<String>,
}

struct Walk<'e> {
    from: &'e str,
    path: Vec<J>,
    edges: &'e mut Vec<Edge>,
    /// Inside an intrinsic function's arguments: edges take the function's path.
    frozen: usize,
}

impl Walk<'_> {
    fn new<'e>(from: &'e str, path: Vec<J>, edges: &'e mut Vec<Edge>) -> Walk<'e> {
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

    fn edge(&mut self, to: &str, via: &'static str, attribute: Option<String>) {
        self.edges.push(Edge {
            from: self.from.to_string(),
            to: to.to_string(),
            path: self.path.clone(),
            via,
            attribute,
        });
    }
}

/// Builds the unit for one template. Problems with single resources (no `Type`, not
/// a mapping) come back as located errors; the other resources are still checked.
pub fn normalise(file: Arc<SourceFile>, root: Node) -> (Unit, Vec<LoadError>) {
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let empty = Node::new(Default::default(), Value::Map(vec![]));
    let resources_node = root.get("Resources").unwrap_or(&empty);
    if !resources_node.is_map() && !matches!(resources_node.value, Value::Null) {
        errors.push(LoadError::at(
            resources_node.span,
            "`Resources` must be a mapping of logical ids to resources",
        ));
    }

    let mut params = HashMap::new();
    for e in root.get("Parameters").map(Node::entries).unwrap_or(&[]) {
        params.insert(
            e.key.as_str(),
            Param {
                default: e.value.get("Default"),
                ty: e
                    .value
                    .get("Type")
                    .and_then(Node::as_str)
                    .unwrap_or("String"),
            },
        );
    }
    let resolver = Resolver {
        file: &file,
        params,
        mappings: root.get("Mappings"),
        resources: resources_node
            .entries()
            .iter()
            .map(|e| e.key.as_str())
            .collect(),
    };
    let globals = root.get("Globals");

    let mut resources = Map::new();
    let mut sources = BTreeMap::new();
    let mut by_kind: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut edges: Vec<Edge> = Vec::new();

    for entry in resources_node.entries() {
        let id = entry.key.as_str();
        if id.starts_with("Fn::ForEach::") || id == "Fn::Transform" {
            // Template macros: what they generate exists only after deployment-time processing.
            notes.push(format!(
                "{}: `{id}` is expanded by CloudFormation at deploy time; the resources it generates are not checked",
                file.display
            ));
            continue;
        }
        if !entry.value.is_map() {
            errors.push(LoadError::at(
                entry.key_span,
                format!("resource `{id}` must be a mapping with a `Type`"),
            ));
            continue;
        }
        let Some(rtype) = entry.value.get("Type").and_then(Node::as_str) else {
            errors.push(LoadError::at(
                entry.key_span,
                format!("resource `{id}` has no `Type`"),
            ));
            continue;
        };
        let node = with_globals(&entry.value, rtype, globals);
        let mut walk = Walk::new(id, vec![json!("properties")], &mut edges);
        let properties = match node.get("Properties") {
            None => J::Object(Map::new()),
            Some(p) if matches!(p.value, Value::Null) => J::Object(Map::new()),
            Some(p) => resolver
                .resolve(p, &mut walk)
                .unwrap_or_else(|| J::Object(Map::new())),
        };
        let tags = tags_of(
            &properties,
            node.get("Properties").and_then(|p| p.get("Tags")),
            &file,
        );
        let mut meta = Map::new();
        for attr in META_ATTRIBUTES {
            let Some(v) = node.get(attr) else { continue };
            let value = match *attr {
                "DependsOn" => {
                    let targets: Vec<&Node> = match &v.value {
                        Value::Seq(items) => items.iter().collect(),
                        _ => vec![v],
                    };
                    let mut w = Walk::new(id, vec![json!("meta"), json!("DependsOn")], &mut edges);
                    let mut names = Vec::new();
                    for t in targets {
                        if let Some(name) = t.as_str() {
                            if resolver.resources.contains(name) {
                                w.edge(name, "DependsOn", None);
                            }
                            names.push(json!(name));
                        }
                    }
                    J::Array(names)
                }
                "Metadata" | "Condition" => v.to_json(),
                _ => {
                    let mut w = Walk::new(id, vec![json!("meta"), json!(attr)], &mut edges);
                    match resolver.resolve(v, &mut w) {
                        Some(j) => j,
                        None => continue,
                    }
                }
            };
            meta.insert(attr.to_string(), value);
        }
        let cdk_path = node
            .get("Metadata")
            .and_then(|m| m.get("aws:cdk:path"))
            .and_then(Node::as_str)
            .map(str::to_string);
        if let Some(p) = &cdk_path {
            meta.insert("cdk_path".into(), json!(p));
        }
        let kind = kinds::cfn_kind(rtype);
        if let Some(k) = kind {
            by_kind.entry(k).or_default().push(id.to_string());
        }
        let line = file.position(entry.key_span.start).line;
        resources.insert(
            id.to_string(),
            json!({
                "address": id,
                "type": rtype,
                "kind": kind,
                "properties": properties,
                "tags": tags,
                "meta": meta,
                "file": file.display,
                "line": line,
            }),
        );
        sources.insert(
            id.to_string(),
            ResourceSource {
                file: file.clone(),
                name_span: entry.key_span,
                node,
                resource_type: rtype.to_string(),
                cdk_path,
            },
        );
    }

    // Deterministic order: by source, target, where, how.
    edges.sort_by_cached_key(|e| {
        (
            e.from.clone(),
            e.to.clone(),
            J::Array(e.path.clone()).to_string(),
            e.via,
        )
    });
    edges.dedup();
    let edges: Vec<J> = edges
        .into_iter()
        .map(|e| {
            let mut o = json!({"from": e.from, "to": e.to, "path": e.path, "via": e.via});
            if let Some(a) = e.attribute {
                o["attribute"] = json!(a);
            }
            o
        })
        .collect();
    for list in by_kind.values_mut() {
        list.sort();
    }
    let parameters = root.get("Parameters").map_or(json!({}), Node::to_json);
    let input = json!({
        "format": Format::CloudFormation.as_str(),
        "unit": file.display,
        "resources": resources,
        "by_kind": by_kind,
        "edges": edges,
        "parameters": parameters,
        "variables": {},
    });
    let unit = Unit {
        format: Format::CloudFormation,
        name: file.display.clone(),
        input,
        resources: sources,
        notes,
    };
    (unit, errors)
}

/// The resource with its SAM Globals section merged into `Properties`.
fn with_globals(resource: &Node, rtype: &str, globals: Option<&Node>) -> Node {
    let section = SAM_GLOBALS
        .iter()
        .find(|(t, _)| *t == rtype)
        .and_then(|(_, s)| globals?.get(s));
    let Some(global) = section else {
        return resource.clone();
    };
    let mut node = resource.clone();
    let Value::Map(entries) = &mut node.value else {
        return node;
    };
    match entries.iter_mut().find(|e| e.key == "Properties") {
        Some(e) => e.value = merge_global(global, &e.value),
        None => entries.push(Entry {
            key: "Properties".into(),
            key_span: global.span,
            value: global.clone(),
        }),
    }
    node
}

/// SAM's merge: mappings merge key by key, lists are concatenated (globals first),
/// anything else in the resource wins. Intrinsic functions are never merged into.
fn merge_global(global: &Node, local: &Node) -> Node {
    match (&global.value, &local.value) {
        (Value::Map(g), Value::Map(l)) if !is_intrinsic(global) && !is_intrinsic(local) => {
            let mut out: Vec<Entry> = l
                .iter()
                .map(|le| match g.iter().find(|ge| ge.key == le.key) {
                    Some(ge) => Entry {
                        key: le.key.clone(),
                        key_span: le.key_span,
                        value: merge_global(&ge.value, &le.value),
                    },
                    None => le.clone(),
                })
                .collect();
            out.extend(
                g.iter()
                    .filter(|ge| !l.iter().any(|le| le.key == ge.key))
                    .cloned(),
            );
            Node::new(local.span, Value::Map(out))
        }
        (Value::Seq(g), Value::Seq(l)) => Node::new(
            local.span,
            Value::Seq(g.iter().chain(l.iter()).cloned().collect()),
        ),
        _ => local.clone(),
    }
}

fn is_intrinsic(node: &Node) -> bool {
    node.single_key()
        .is_some_and(|e| e.key == "Ref" || e.key.starts_with("Fn::"))
}

/// `tags` of the policy input: list form (`[{Key, Value}]`) and map form (SAM and
/// some resource types) become one object; a key that cannot be known makes the
/// whole tag set unknown, so that a required-tag rule stays silent.
fn tags_of(properties: &J, tags_node: Option<&Node>, file: &SourceFile) -> J {
    let unknown_tags = || match tags_node {
        Some(n) => unknown(file, n.span),
        None => json!({"$unknown": "Tags"}),
    };
    match properties.get("Tags") {
        None | Some(J::Null) => json!({}),
        Some(v) if super::is_unknown(v) => v.clone(),
        Some(J::Array(items)) => {
            let mut out = Map::new();
            for item in items {
                match (item.get("Key"), item.get("Value")) {
                    (Some(J::String(k)), v) => {
                        out.insert(k.clone(), v.cloned().unwrap_or(J::Null));
                    }
                    _ => return unknown_tags(),
                }
            }
            J::Object(out)
        }
        Some(J::Object(map)) => J::Object(map.clone()),
        Some(_) => json!({}),
    }
}

impl Resolver<'_> {
    fn unknown(&self, node: &Node) -> J {
        unknown(self.file, node.span)
    }

    /// The policy-input value of `node`; `None` when it resolves to `AWS::NoValue`.
    fn resolve(&self, node: &Node, w: &mut Walk) -> Option<J> {
        match &node.value {
            Value::Map(entries) => {
                if let Some(e) = node.single_key() {
                    if e.key == "Ref" || e.key.starts_with("Fn::") {
                        return self.intrinsic(node, e, w);
                    }
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
                .filter(|j| !super::is_unknown(j))
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
            .map(|p| {
                if super::is_unknown(p) {
                    None
                } else {
                    Self::text(p)
                }
            })
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
        (!super::is_unknown(&item)).then_some(item)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;

    fn unit(text: &str) -> Unit {
        let root = load::yaml::parse(text).unwrap().unwrap();
        let file = Arc::new(SourceFile::new("t.yaml".into(), text));
        let (unit, errors) = normalise(file, root);
        assert!(errors.is_empty(), "{errors:?}");
        unit
    }

    const TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
    Default: prod
  Mode:
    Type: String
  Subnets:
    Type: CommaDelimitedList
    Default: "a, b"
  Ami:
    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
    Default: /aws/service/ami
Mappings:
  Sizes:
    prod:
      Days: 30
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "orders-${Env}"
      Role: !GetAtt Role.Arn
      TracingConfig:
        Mode: !Ref Mode
      Environment: !Ref AWS::NoValue
      Layers: !Ref Subnets
      ImageId: !Ref Ami
      Tags:
        - Key: Owner
          Value: !Ref Env
  Role:
    Type: AWS::IAM::Role
    DependsOn: Logs
  Logs:
    Type: AWS::Logs::LogGroup
    DeletionPolicy: Retain
    Metadata:
      aws:cdk:path: Stack/Logs/Resource
    Properties:
      LogGroupName: !Join ["", ["/aws/lambda/", !Ref Fn]]
      RetentionInDays: !FindInMap [Sizes, !Ref Env, Days]
      KmsKeyId: !Select [1, [a, b, c]]
"#;

    #[test]
    fn resolves_what_is_known_and_marks_the_rest() {
        let u = unit(TEMPLATE);
        let fn_ = &u.input["resources"]["Fn"];
        assert_eq!(fn_["kind"], "aws_lambda_function");
        assert_eq!(fn_["line"], 19);
        assert_eq!(fn_["properties"]["FunctionName"], "orders-prod");
        assert_eq!(
            fn_["properties"]["Role"],
            json!({"$unknown": "!GetAtt Role.Arn"})
        );
        assert_eq!(
            fn_["properties"]["TracingConfig"]["Mode"],
            json!({"$unknown": "!Ref Mode"})
        );
        assert!(fn_["properties"].get("Environment").is_none());
        assert_eq!(fn_["properties"]["Layers"], json!(["a", "b"]));
        assert_eq!(
            fn_["properties"]["ImageId"],
            json!({"$unknown": "!Ref Ami"})
        );
        assert_eq!(fn_["tags"], json!({"Owner": "prod"}));
        let logs = &u.input["resources"]["Logs"];
        assert_eq!(
            logs["properties"]["LogGroupName"],
            json!({"$unknown": "!Join [\"\", [\"/aws/lambda/\", !Ref Fn]]"})
        );
        assert_eq!(logs["properties"]["RetentionInDays"], 30);
        assert_eq!(logs["properties"]["KmsKeyId"], "b");
        assert_eq!(logs["meta"]["DeletionPolicy"], "Retain");
        assert_eq!(logs["meta"]["cdk_path"], "Stack/Logs/Resource");
        assert_eq!(
            u.input["resources"]["Role"]["meta"]["DependsOn"],
            json!(["Logs"])
        );
        assert_eq!(
            u.input["by_kind"]["aws_cloudwatch_log_group"],
            json!(["Logs"])
        );
    }

    #[test]
    fn edges_for_ref_getatt_sub_and_depends_on() {
        let u = unit(TEMPLATE);
        assert_eq!(
            u.input["edges"],
            json!([
                {"from": "Fn", "to": "Role", "path": ["properties", "Role"], "via": "Fn::GetAtt", "attribute": "Arn"},
                {"from": "Logs", "to": "Fn", "path": ["properties", "LogGroupName"], "via": "Ref"},
                {"from": "Role", "to": "Logs", "path": ["meta", "DependsOn"], "via": "DependsOn"},
            ])
        );
    }

    #[test]
    fn sam_globals_merge_into_serverless_resources() {
        let u = unit(
            "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Tracing: Active\n    Runtime: python3.12\n    Tags:\n      Owner: team\n    Environment:\n      Variables:\n        A: '1'\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.13\n      Environment:\n        Variables:\n          B: '2'\n  G:\n    Type: AWS::Serverless::Function\n",
        );
        let f = &u.input["resources"]["F"];
        assert_eq!(f["properties"]["Tracing"], "Active");
        assert_eq!(f["properties"]["Runtime"], "python3.13");
        assert_eq!(
            f["properties"]["Environment"]["Variables"],
            json!({"A": "1", "B": "2"})
        );
        assert_eq!(f["tags"], json!({"Owner": "team"}));
        assert_eq!(
            u.input["resources"]["G"]["properties"]["Runtime"],
            "python3.12"
        );
    }

    #[test]
    fn sub_with_variables_and_escapes() {
        let u = unit("Parameters:\n  P:\n    Type: String\n    Default: x\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub ['${A}-${P}-${!Lit}', {A: a}]\n      Other: !Sub '${AWS::Region}-b'\n");
        let b = &u.input["resources"]["B"]["properties"];
        assert_eq!(b["BucketName"], "a-x-${Lit}");
        assert!(b["Other"]["$unknown"].is_string());
    }

    #[test]
    fn unknown_tag_keys_make_tags_unknown() {
        let u = unit("Parameters:\n  K:\n    Type: String\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags:\n        - Key: !Ref K\n          Value: v\n");
        assert!(u.input["resources"]["B"]["tags"]["$unknown"].is_string());
    }

    #[test]
    fn classification() {
        let t = |s: &str| is_template(&load::yaml::parse(s).unwrap().unwrap());
        assert!(t("AWSTemplateFormatVersion: '2010-09-09'\n"));
        assert!(t("Resources:\n  A:\n    Type: AWS::S3::Bucket\n"));
        assert!(t("Resources:\n  A:\n    Type: Custom::Thing\n"));
        assert!(!t("Resources:\n  A:\n    Type: kubernetes\n"));
        assert!(!t("on: push\njobs: {}\n"));
        assert!(!t("- a\n- b\n"));
    }
}
