//! CloudFormation (and SAM, and CDK output) to the policy input.
//!
//! Resolves what is knowable from the template alone — parameter defaults, mappings,
//! `Fn::Sub`/`Fn::Join`/`Fn::Select`/`Fn::Split`/`Fn::FindInMap` over known values, SAM
//! `Globals` — records an edge for every reference between resources, and marks the
//! rest unknown so that no policy fails on a value that depends on the deployment.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{json, Map, Value as J};

use super::intrinsics::{Edge, Param, Resolver, Walk};
use super::{by_kind_json, kinds, object, unknown, Format, Layout, ResourceSource, Unit};
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
        let tag_property = super::tagging::cfn_tag_property(rtype);
        let tags = tags_of(
            properties.get(tag_property),
            node.get("Properties").and_then(|p| p.get(tag_property)),
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
            object([
                ("address", id.into()),
                ("type", rtype.into()),
                ("kind", kind.map_or(J::Null, J::from)),
                ("properties", properties),
                ("tags", tags),
                ("meta", J::Object(meta)),
                ("file", file.display.as_str().into()),
                ("line", line.into()),
            ]),
        );
        sources.insert(
            id.to_string(),
            ResourceSource {
                file: file.clone(),
                name_span: entry.key_span,
                node,
                resource_type: rtype.to_string(),
                cdk_path,
                layout: Layout::CloudFormation,
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
            let mut o = object([
                ("from", e.from.into()),
                ("to", e.to.into()),
                ("path", J::Array(e.path)),
                ("via", e.via.into()),
            ]);
            if let Some(a) = e.attribute {
                o["attribute"] = J::String(a);
            }
            o
        })
        .collect();
    for list in by_kind.values_mut() {
        list.sort();
    }
    let parameters = root.get("Parameters").map_or(json!({}), Node::to_json);
    let input = object([
        ("format", Format::CloudFormation.as_str().into()),
        ("unit", file.display.as_str().into()),
        ("resources", J::Object(resources)),
        ("by_kind", by_kind_json(by_kind)),
        ("edges", J::Array(edges)),
        ("parameters", parameters),
        ("variables", J::Object(Map::new())),
    ]);
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
        (Value::Map(g), Value::Map(l)) if !global.is_intrinsic() && !local.is_intrinsic() => {
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

/// `tags` of the policy input: list form (`[{Key, Value}]`) and map form (SAM and
/// some resource types) become one object; a key that cannot be known makes the
/// whole tag set unknown, so that a required-tag rule stays silent.
fn tags_of(tags: Option<&J>, tags_node: Option<&Node>, file: &SourceFile) -> J {
    let unknown_tags = || match tags_node {
        Some(n) => unknown(file, n.span),
        None => json!({"$unknown": "Tags"}),
    };
    match tags {
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
