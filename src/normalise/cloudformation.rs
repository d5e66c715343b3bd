//! CloudFormation (and SAM, and CDK output) to the policy input.
//!
//! Resolves what is knowable from the template alone — parameter defaults, mappings,
//! `Fn::Sub`/`Fn::Join`/`Fn::Select`/`Fn::Split`/`Fn::FindInMap` over known values, SAM
//! `Globals` — records an edge for every reference between resources, and marks the
//! rest unknown so that no policy fails on a value that depends on the deployment.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde_json::{json, Map, Value as J};

use super::budget::{Budget, NODE_BYTES};
use super::intrinsics::{Edge, Param, Resolver, Walk};
use super::{by_kind_json, kinds, object, unknown, Format, Layout, ResourceSource, Unit};
use crate::load::{Entry, Limits, LoadError, Node, Value};
use crate::source::{SourceFile, Span};

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

/// Builds the unit for one template, with `given` parameter values winning over the
/// template's defaults. Problems with single resources (no `Type`, not a mapping)
/// come back as located errors; the other resources are still checked.
pub fn normalise(
    file: Arc<SourceFile>,
    root: Node,
    limits: &Limits,
    given: &super::cfn_parameters::Values,
) -> (Unit, Vec<LoadError>) {
    let mut errors = Vec::new();
    let budget = Budget::new(limits);
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
                given: given.get(e.key.as_str()),
                ty: e
                    .value
                    .get("Type")
                    .and_then(Node::as_str)
                    .unwrap_or("String"),
            },
        );
    }
    let mut resolver = Resolver {
        file: &file,
        params,
        mappings: root.get("Mappings"),
        resources: resources_node
            .entries()
            .iter()
            .map(|e| e.key.as_str())
            .collect(),
        conditions: root
            .get("Conditions")
            .map(Node::entries)
            .unwrap_or(&[])
            .iter()
            .map(|e| (e.key.as_str(), &e.value))
            .collect(),
        condition_values: Default::default(),
        budget: &budget,
    };
    // A resource whose `Condition` is false with the parameters' defaults is not
    // created: it is not checked, and references to it are not edges.
    let absent: HashSet<&str> = resources_node
        .entries()
        .iter()
        .filter(|e| {
            let condition = e.value.get("Condition").and_then(Node::as_str);
            condition.is_some_and(|c| resolver.condition(c) == Some(false))
        })
        .map(|e| e.key.as_str())
        .collect();
    resolver.resources.retain(|r| !absent.contains(r));
    let globals = root.get("Globals");
    // SAM's implicit APIs are resources like the others: references to them are edges.
    let implicit: Vec<(&ImplicitApi, Vec<ApiEvent>)> = IMPLICIT_APIS
        .iter()
        .filter(|api| resources_node.get(api.id).is_none())
        .map(|api| {
            let mut events = implicit_api_events(resources_node, api);
            events.retain(|e| !absent.contains(e.resource));
            (api, events)
        })
        .filter(|(_, events)| !events.is_empty())
        .collect();
    resolver
        .resources
        .extend(implicit.iter().map(|(api, _)| api.id));

    let mut out = Built {
        file: &file,
        resolver: &resolver,
        resources: Map::new(),
        sources: BTreeMap::new(),
        by_kind: BTreeMap::new(),
        edges: Vec::new(),
    };

    for entry in resources_node.entries() {
        let id = entry.key.as_str();
        if absent.contains(id) {
            let condition = entry.value.get("Condition").and_then(Node::as_str);
            notes.push(format!(
                "{}: {id} is not created (its Condition {} is false with the parameters' defaults); not checked",
                file.display,
                condition.unwrap_or("?")
            ));
            continue;
        }
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
        let node = with_globals(&entry.value, rtype, globals, &budget);
        out.add(id, rtype, node, entry.key_span, Map::new());
    }

    for (api, events) in &implicit {
        let first = &events[0];
        // The API's own definition is its Globals section; what no Globals set points
        // at the event that makes SAM create it.
        let node = with_globals(
            &Node::new(first.event.key_span, Value::Map(vec![])),
            api.rtype,
            globals,
            &budget,
        );
        let mut meta = Map::new();
        if let Some(condition) = implicit_condition(api, events) {
            meta.insert("Condition".into(), condition.into());
        }
        meta.insert(
            "implicit".into(),
            object([
                ("created_by", first.resource.into()),
                ("event", first.event.key.as_str().into()),
            ]),
        );
        out.add(api.id, api.rtype, node, first.event.key_span, meta);
        if let (Some(stage), Some(J::Object(props))) = (
            api.stage_name,
            out.resources
                .get_mut(api.id)
                .and_then(|r| r.get_mut("properties")),
        ) {
            props
                .entry("StageName")
                .or_insert_with(|| J::String(stage.into()));
        }
    }

    let Built {
        resources,
        sources,
        mut by_kind,
        mut edges,
        ..
    } = out;

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
    errors.extend(budget.into_overruns().into_iter().map(|o| o.error));
    let unit = Unit {
        format: Format::CloudFormation,
        name: file.display.clone(),
        input,
        resources: sources,
        notes,
    };
    (unit, errors)
}

/// The resources of a unit as they are built, and the edges between them.
struct Built<'a> {
    file: &'a Arc<SourceFile>,
    resolver: &'a Resolver<'a>,
    resources: Map<String, J>,
    sources: BTreeMap<String, ResourceSource>,
    by_kind: BTreeMap<&'static str, Vec<String>>,
    edges: Vec<Edge>,
}

impl Built<'_> {
    /// Adds resource `id`, defined by `node` (Globals merged in) and named at
    /// `name_span`; `meta` holds what opsgate knows beyond the node's attributes.
    fn add(
        &mut self,
        id: &str,
        rtype: &str,
        node: Node,
        name_span: Span,
        mut meta: Map<String, J>,
    ) {
        let file = self.file;
        let resolver = self.resolver;
        let mut walk = Walk::new(id, vec![json!("properties")], &mut self.edges);
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
            file,
        );
        for attr in META_ATTRIBUTES {
            let Some(v) = node.get(attr) else { continue };
            let value = match *attr {
                "DependsOn" => {
                    let targets: Vec<&Node> = match &v.value {
                        Value::Seq(items) => items.iter().collect(),
                        _ => vec![v],
                    };
                    let mut w =
                        Walk::new(id, vec![json!("meta"), json!("DependsOn")], &mut self.edges);
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
                    let mut w = Walk::new(id, vec![json!("meta"), json!(attr)], &mut self.edges);
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
            self.by_kind.entry(k).or_default().push(id.to_string());
        }
        let line = file.position(name_span.start).line;
        self.resources.insert(
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
        self.sources.insert(
            id.to_string(),
            ResourceSource {
                file: file.clone(),
                name_span,
                node,
                resource_type: rtype.to_string(),
                cdk_path,
                layout: Layout::CloudFormation,
            },
        );
    }
}

/// An API that SAM adds to the template for events that name no API: an `Api`
/// event without `RestApiId` (on a function or a state machine) makes
/// `ServerlessRestApi`, an `HttpApi` event without `ApiId` (functions only) makes
/// `ServerlessHttpApi` — one per template, configured only through its Globals
/// section (SAM's implicit API plugins).
struct ImplicitApi {
    id: &'static str,
    rtype: &'static str,
    event_type: &'static str,
    api_id_property: &'static str,
    creators: &'static [&'static str],
    /// The condition SAM gives the API when its events come from resources under
    /// different conditions.
    combined_condition: &'static str,
    /// SAM names the implicit REST API's stage `Prod`; the HTTP API gets `$default`.
    stage_name: Option<&'static str>,
}

const IMPLICIT_APIS: &[ImplicitApi] = &[
    ImplicitApi {
        id: "ServerlessRestApi",
        rtype: "AWS::Serverless::Api",
        event_type: "Api",
        api_id_property: "RestApiId",
        creators: &["AWS::Serverless::Function", "AWS::Serverless::StateMachine"],
        combined_condition: "ServerlessRestApiCondition",
        stage_name: Some("Prod"),
    },
    ImplicitApi {
        id: "ServerlessHttpApi",
        rtype: "AWS::Serverless::HttpApi",
        event_type: "HttpApi",
        api_id_property: "ApiId",
        creators: &["AWS::Serverless::Function"],
        combined_condition: "ServerlessHttpApiCondition",
        stage_name: None,
    },
];

/// An event that makes SAM create an implicit API.
struct ApiEvent<'a> {
    resource: &'a str,
    event: &'a Entry,
    /// The creating resource's `Condition`.
    condition: Option<&'a str>,
}

/// The events that make SAM create `api`, in source order.
fn implicit_api_events<'a>(resources: &'a Node, api: &ImplicitApi) -> Vec<ApiEvent<'a>> {
    let mut found = Vec::new();
    for entry in resources.entries() {
        let r = &entry.value;
        if !r
            .get("Type")
            .and_then(Node::as_str)
            .is_some_and(|t| api.creators.contains(&t))
        {
            continue;
        }
        let Some(events) = r.get("Properties").and_then(|p| p.get("Events")) else {
            continue;
        };
        if events.is_intrinsic() {
            continue;
        }
        for event in events.entries() {
            if event.value.get("Type").and_then(Node::as_str) != Some(api.event_type) {
                continue;
            }
            // No properties, or properties that name no API. (SAM rejects properties
            // that are not a mapping; what an intrinsic function gives is not known.)
            let names_no_api = match event.value.get("Properties") {
                None => true,
                Some(p) => p.is_map() && !p.is_intrinsic() && p.get(api.api_id_property).is_none(),
            };
            if names_no_api {
                found.push(ApiEvent {
                    resource: entry.key.as_str(),
                    event,
                    condition: r.get("Condition").and_then(Node::as_str),
                });
            }
        }
    }
    found
}

/// SAM puts the implicit API under a condition only when every event that creates
/// it comes from a resource under one: that condition, or the `Or` of several that
/// SAM adds as `ServerlessRestApiCondition` / `ServerlessHttpApiCondition`.
fn implicit_condition<'a>(api: &ImplicitApi, events: &[ApiEvent<'a>]) -> Option<&'a str> {
    let conditions: Option<std::collections::BTreeSet<&str>> =
        events.iter().map(|e| e.condition).collect();
    let conditions = conditions?;
    match conditions.len() {
        0 => None,
        1 => conditions.into_iter().next(),
        _ => Some(api.combined_condition),
    }
}

/// The resource with its SAM Globals section merged into `Properties`. Each resource
/// gets a copy of the section, charged to the budget: past it, the resource is checked
/// without its Globals (and the template gets the error, on the section).
fn with_globals(resource: &Node, rtype: &str, globals: Option<&Node>, budget: &Budget) -> Node {
    let Some((name, global)) = SAM_GLOBALS
        .iter()
        .find(|(t, _)| *t == rtype)
        .and_then(|(_, s)| Some((s, globals?.get(s)?)))
    else {
        return resource.clone();
    };
    let size = global.span.end.saturating_sub(global.span.start) as u64;
    if let Err(e) = budget.charge(size + NODE_BYTES) {
        budget.named(format!("Globals.{name}"), || {
            budget.overrun(None, Some(global.span), e)
        });
        return resource.clone();
    }
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
            // By key, so that large sections merge in linear time.
            let g_keys: HashMap<&str, &Entry> =
                g.iter().rev().map(|e| (e.key.as_str(), e)).collect();
            let l_keys: HashSet<&str> = l.iter().map(|e| e.key.as_str()).collect();
            let mut out: Vec<Entry> = l
                .iter()
                .map(|le| match g_keys.get(le.key.as_str()) {
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
                    .filter(|ge| !l_keys.contains(ge.key.as_str()))
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
        let (unit, errors) = normalise(
            file,
            root,
            &crate::load::Limits::default(),
            &Default::default(),
        );
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
    fn sam_implicit_apis_are_resources_at_their_first_event() {
        let text = "Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    TracingEnabled: true
    AccessLogSetting:
      DestinationArn: !GetAtt Logs.Arn
  HttpApi:
    Tags:
      Owner: team
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
  Own:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Mine:
          Type: Api
          Properties:
            RestApiId: !Ref Explicit
            Path: /own
            Method: get
  Explicit:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
  Flow:
    Type: AWS::Serverless::StateMachine
    Condition: IsProd
    Properties:
      Events:
        Start:
          Type: Api
          Properties:
            Path: /start
            Method: post
  Fn:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties:
      Events:
        Post:
          Type: Api
          Properties: {Path: /orders, Method: post}
        Any:
          Type: HttpApi
        Queue:
          Type: SQS
          Properties: {Queue: arn}
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Dimensions:
        - Name: ApiName
          Value: !Ref ServerlessRestApi
";
        let u = unit(text);
        let rest = &u.input["resources"]["ServerlessRestApi"];
        assert_eq!(rest["type"], "AWS::Serverless::Api");
        assert_eq!(rest["kind"], "aws_api_gateway_stage");
        // The state machine's event comes first in the source.
        assert_eq!(rest["line"], 32);
        assert_eq!(
            rest["properties"],
            json!({
                "TracingEnabled": true,
                "AccessLogSetting": {"DestinationArn": {"$unknown": "!GetAtt Logs.Arn"}},
                "StageName": "Prod",
            })
        );
        assert_eq!(rest["tags"], json!({}));
        assert_eq!(
            rest["meta"],
            json!({"Condition": "IsProd", "implicit": {"created_by": "Flow", "event": "Start"}})
        );
        let http = &u.input["resources"]["ServerlessHttpApi"];
        assert_eq!(http["type"], "AWS::Serverless::HttpApi");
        assert_eq!(http["kind"], "aws_apigatewayv2_stage");
        assert_eq!(http["line"], 45);
        assert_eq!(http["properties"], json!({"Tags": {"Owner": "team"}}));
        assert_eq!(http["tags"], json!({"Owner": "team"}));
        assert_eq!(
            http["meta"],
            json!({"Condition": "IsProd", "implicit": {"created_by": "Fn", "event": "Any"}})
        );
        assert_eq!(
            u.input["by_kind"]["aws_api_gateway_stage"],
            json!(["Explicit", "ServerlessRestApi"])
        );
        let edges = u.input["edges"].as_array().unwrap();
        assert!(edges.contains(&json!({"from": "Alarm", "to": "ServerlessRestApi", "path": ["properties", "Dimensions", 0, "Value"], "via": "Ref"})));
        assert!(edges.contains(&json!({"from": "ServerlessRestApi", "to": "Logs", "path": ["properties", "AccessLogSetting", "DestinationArn"], "via": "Fn::GetAtt", "attribute": "Arn"})));
        // Findings point at the Globals value where there is one, else at the event.
        let src = &u.resources["ServerlessRestApi"];
        let line = |path: J| {
            let p = path.as_array().unwrap().clone();
            src.file.position(crate::locate::locate(src, &p).start).line
        };
        assert_eq!(line(json!(["properties", "TracingEnabled"])), 4);
        assert_eq!(line(json!(["properties", "AccessLogSetting", "Format"])), 5);
        assert_eq!(line(json!(["properties", "MethodSettings"])), 32);
        assert_eq!(line(json!(["tags", "Owner"])), 32);
    }

    #[test]
    fn sam_implicit_api_conditions_and_declared_ids() {
        let fns = |a: &str, b: &str| {
            format!(
                "Resources:\n  A:\n    Type: AWS::Serverless::Function\n{a}    Properties:\n      Events:\n        E:\n          Type: Api\n  B:\n    Type: AWS::Serverless::Function\n{b}    Properties:\n      Events:\n        E:\n          Type: HttpApi\n        F:\n          Type: Api\n"
            )
        };
        let meta = |text: &str, id: &str| unit(text).input["resources"][id]["meta"].clone();
        // Every creator under one condition: that condition; under several: SAM's Or.
        let c = "    Condition: C\n";
        let d = "    Condition: D\n";
        assert_eq!(meta(&fns(c, c), "ServerlessRestApi")["Condition"], "C");
        assert_eq!(
            meta(&fns(c, d), "ServerlessRestApi")["Condition"],
            "ServerlessRestApiCondition"
        );
        assert_eq!(meta(&fns(c, d), "ServerlessHttpApi")["Condition"], "D");
        // One creator without a condition: the API always exists.
        assert!(meta(&fns(c, ""), "ServerlessRestApi")
            .get("Condition")
            .is_none());
        // A template that declares the id itself keeps its own resource.
        let own = fns("", "") + "  ServerlessRestApi:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: mine\n";
        let u = unit(&own);
        let rest = &u.input["resources"]["ServerlessRestApi"];
        assert_eq!(rest["properties"], json!({"StageName": "mine"}));
        assert!(rest["meta"].get("implicit").is_none());
        assert_eq!(u.input["resources"]["ServerlessHttpApi"]["line"], 12);
        // No event without an API id: no implicit API.
        let none = unit("Resources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E:\n          Type: Api\n          Properties: {RestApiId: !Ref X}\n        H:\n          Type: HttpApi\n          Properties: !If [C, {}, {}]\n");
        assert_eq!(
            none.input["resources"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            vec!["A"]
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
