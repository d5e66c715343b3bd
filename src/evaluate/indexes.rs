//! Indexes over a unit's input, built once per unit and passed to every rule as
//! `input.indexes`: each rule runs in a virtual machine of its own, so an index built
//! in Rego would be built again by every rule that imports it. The Rego libraries
//! read these (policies/lib/graph.rego, types.rego, alarms.rego) and build the same
//! themselves for an input without them (a policy test's own `with input as ...`).

use std::collections::{BTreeMap, BTreeSet};

use regorus::Value;

/// Adds `input.indexes`:
/// - `edges_from`, `edges_to`: address -> the set of edges leaving / entering it;
/// - `by_type`: native type -> the set of resource addresses;
/// - `alarm_slots`: `{named: {dimension name: set of slots}, unnamed: set of slots}`,
///   the dimensions of every metric alarm as policies/lib/alarms.rego describes them.
pub fn add_indexes(input: &mut Value) {
    // Four independent walks of the input, side by side.
    let ((from, to), (by_type, (named, unnamed))) = rayon::join(
        || rayon::join(|| edge_index(input, "from"), || edge_index(input, "to")),
        || rayon::join(|| type_index(input), || alarm_slots(input)),
    );
    let alarm_slots = object([("named", sets(named)), ("unnamed", Value::from(unnamed))]);
    let indexes = object([
        ("alarm_slots", alarm_slots),
        ("by_type", sets(by_type)),
        ("edges_from", sets(from)),
        ("edges_to", sets(to)),
    ]);
    if let Ok(map) = input.as_object_mut() {
        map.insert(Value::from("indexes"), indexes);
    }
}

type Index = BTreeMap<Value, BTreeSet<Value>>;

/// Edges by one of their ends (`from` or `to`).
fn edge_index(input: &Value, end: &str) -> Index {
    let mut index = Index::new();
    if let Ok(edges) = input["edges"].as_array() {
        for e in edges.iter() {
            let at = &e[end];
            if *at != Value::Undefined {
                index.entry(at.clone()).or_default().insert(e.clone());
            }
        }
    }
    index
}

/// Resource addresses by native type.
fn type_index(input: &Value) -> Index {
    let mut by_type = Index::new();
    if let Ok(resources) = input["resources"].as_object() {
        for (address, r) in resources.iter() {
            let t = &r["type"];
            if *t != Value::Undefined {
                by_type
                    .entry(t.clone())
                    .or_default()
                    .insert(address.clone());
            }
        }
    }
    by_type
}

fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::from(
        entries
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn sets(m: Index) -> Value {
    Value::from(
        m.into_iter()
            .map(|(k, v)| (k, Value::from(v)))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// `lib.is_unknown`: `{"$unknown": "<text>"}`.
fn is_unknown(v: &Value) -> bool {
    matches!(v, Value::Object(_)) && matches!(v["$unknown"], Value::String(_))
}

/// `object.get(v, path, null)`: through objects by key and arrays by index.
fn at<'v>(v: &'v Value, path: &[Value]) -> Option<&'v Value> {
    let mut v = v;
    for key in path {
        v = match v {
            Value::Object(_) | Value::Array(_) => &v[key],
            _ => return None,
        };
        if *v == Value::Undefined {
            return None;
        }
    }
    Some(v)
}

/// `lib.get`: the value at `path`, or the first unknown on the way, or null.
fn get(v: &Value, path: &[Value]) -> Value {
    match at(v, path) {
        Some(found) if *found != Value::Null => found.clone(),
        _ => (0..path.len())
            .filter_map(|i| at(v, &path[..i]))
            .find(|u| is_unknown(u))
            .cloned()
            .unwrap_or(Value::Null),
    }
}

fn s(text: &str) -> Value {
    Value::from(text)
}

fn n(i: usize) -> Value {
    Value::from(i as u64)
}

/// The dimension slots of every metric alarm (policies/lib/alarms.rego, where the
/// same is written in Rego): `{alarm, name, path, value}`, with `name` null when it
/// cannot be known. Returned by name, and the unnamed ones.
type Slots = (BTreeMap<Value, BTreeSet<Value>>, BTreeSet<Value>);

fn alarm_slots(input: &Value) -> Slots {
    let mut named: BTreeMap<Value, BTreeSet<Value>> = BTreeMap::new();
    let mut unnamed = BTreeSet::new();
    let format = input["format"]
        .as_string()
        .map(|f| f.to_string())
        .unwrap_or_default();
    let cloudformation = format == "cloudformation";
    let terraform = format == "terraform" || format == "terraform-plan";
    if !cloudformation && !terraform {
        return (named, unnamed);
    }
    let Ok(alarms) = input["by_kind"]["aws_cloudwatch_metric_alarm"].as_array() else {
        return (named, unnamed);
    };
    let mut add = |alarm: &Value, name: Value, p: Vec<Value>, value: Value| {
        let slot = object([
            ("alarm", alarm.clone()),
            ("name", name.clone()),
            ("path", Value::from(p)),
            ("value", value),
        ]);
        match name {
            Value::String(_) => {
                named.entry(name).or_default().insert(slot);
            }
            _ => {
                unnamed.insert(slot);
            }
        }
    };
    for address in alarms.iter() {
        let a = &input["resources"][address];
        if *a == Value::Undefined {
            continue;
        }
        let props = &a["properties"];
        let property = |key: &str| -> Value {
            if is_unknown(props) {
                props.clone()
            } else {
                match &props[key] {
                    Value::Undefined => Value::Null,
                    v => v.clone(),
                }
            }
        };
        // Where dimension lists sit, and what is there.
        let mut lists: Vec<(Vec<Value>, Value)> = Vec::new();
        if cloudformation {
            lists.push((
                Vec::from([s("properties"), s("Dimensions")]),
                property("Dimensions"),
            ));
            if let Ok(metrics) = property("Metrics").as_array() {
                for j in 0..metrics.len() {
                    let p = Vec::from([
                        s("properties"),
                        s("Metrics"),
                        n(j),
                        s("MetricStat"),
                        s("Metric"),
                        s("Dimensions"),
                    ]);
                    let v = get(a, &p);
                    lists.push((p, v));
                }
            }
        } else {
            lists.push((
                Vec::from([s("properties"), s("dimensions")]),
                property("dimensions"),
            ));
            if let Ok(queries) = property("metric_query").as_array() {
                for (j, q) in queries.iter().enumerate() {
                    let Ok(metric) = get(q, &[s("metric")]).as_array().map(|m| m.len()) else {
                        continue;
                    };
                    for k in 0..metric {
                        let p = Vec::from([
                            s("properties"),
                            s("metric_query"),
                            n(j),
                            s("metric"),
                            n(k),
                            s("dimensions"),
                        ]);
                        let v = get(a, &p);
                        lists.push((p, v));
                    }
                }
            }
        }
        // A whole list (or the Metrics / metric_query above it) that cannot be known.
        for (p, v) in &lists {
            if is_unknown(v) {
                add(address, Value::Null, p.clone(), v.clone());
            }
        }
        for key in ["Metrics", "metric_query"] {
            let v = property(key);
            if is_unknown(&v) {
                add(
                    address,
                    Value::Null,
                    Vec::from([s("properties"), s(key)]),
                    v,
                );
            }
        }
        for (p, dims) in &lists {
            if cloudformation {
                // A list of {Name, Value}.
                let Ok(items) = dims.as_array() else { continue };
                for (i, d) in items.iter().enumerate() {
                    if !matches!(d, Value::Object(_)) {
                        continue;
                    }
                    let name = match get(d, &[s("Name")]) {
                        n @ Value::String(_) => n,
                        n if is_unknown(&n) => Value::Null,
                        _ => continue,
                    };
                    let mut slot_path = p.clone();
                    slot_path.extend([n(i), s("Value")]);
                    add(address, name, slot_path, get(d, &[s("Value")]));
                }
            } else if let Ok(map) = dims.as_object() {
                // A map of name = value.
                if is_unknown(dims) {
                    continue;
                }
                for (name, value) in map.iter() {
                    let mut slot_path = p.clone();
                    slot_path.push(name.clone());
                    add(address, name.clone(), slot_path, value.clone());
                }
            }
        }
    }
    (named, unnamed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::normalise::terraform::{self, Loader};
    use crate::source::SourceFile;

    const LIBS: [(&str, &str); 2] = [
        ("lib.rego", include_str!("../../policies/lib/lib.rego")),
        (
            "alarms_index.rego",
            include_str!("../../policies/lib/alarms_index.rego"),
        ),
    ];

    /// The slots built here equal the slots alarms_index.rego builds on `input`.
    fn same_as_rego(input: serde_json::Value) {
        let input = super::super::value::to_rego(input);
        let (named, unnamed) = alarm_slots(&input);
        assert!(
            !named.is_empty() && !unnamed.is_empty(),
            "{named:?} {unnamed:?}"
        );
        let mut engine = regorus::Engine::new();
        for (name, text) in LIBS {
            engine.add_policy(name.into(), text.into()).unwrap();
        }
        engine.set_input(input);
        let rego_named = engine
            .eval_rule("data.opsgate.alarms_index.slots_named".into())
            .unwrap();
        let rego_unnamed = engine
            .eval_rule("data.opsgate.alarms_index.slots_unnamed".into())
            .unwrap();
        assert_eq!(sets(named), rego_named);
        assert_eq!(Value::from(unnamed), rego_unnamed);
    }

    #[test]
    fn cloudformation_alarm_slots_are_the_rego_ones() {
        let text = r#"AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  DimName: {Type: String}
Conditions:
  C: !Equals [a, b]
Resources:
  Fn: {Type: AWS::Lambda::Function}
  Plain:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Dimensions: [{Name: FunctionName, Value: !Ref Fn}, {Name: Other}, {Name: !Ref DimName, Value: x}]
  Unknown:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Dimensions: !If [C, [], []]
  Math:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Metrics:
        - Id: m1
          MetricStat: {Metric: {Dimensions: [{Name: QueueName, Value: q}]}}
        - Id: e1
          Expression: m1 * 2
  MathUnknown:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Metrics: !If [C, [], []]
"#;
        let root = crate::load::yaml::parse(text).unwrap().unwrap();
        let file = Arc::new(SourceFile::new("t.yaml".into(), text));
        let (unit, errors) = crate::normalise::cloudformation::normalise(
            file,
            root,
            &crate::load::Limits::default(),
            &Default::default(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        same_as_rego(unit.input);
    }

    #[test]
    fn terraform_alarm_slots_are_the_rego_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            r#"variable "dims" {}
resource "aws_lambda_function" "f" {
  function_name = "f"
}
resource "aws_cloudwatch_metric_alarm" "plain" {
  dimensions = { FunctionName = aws_lambda_function.f.function_name, Other = "x" }
}
resource "aws_cloudwatch_metric_alarm" "unknown" {
  dimensions = var.dims
}
resource "aws_cloudwatch_metric_alarm" "math" {
  metric_query {
    id = "m1"
    metric {
      dimensions = { QueueName = "q" }
    }
  }
  metric_query {
    id          = "e1"
    expression  = "m1 * 2"
  }
}
resource "aws_cloudwatch_metric_alarm" "math_unknown" {
  dynamic "metric_query" {
    for_each = var.dims
    content {
      id = "x"
    }
  }
}
"#,
        )
        .unwrap();
        let (unit, errors) =
            terraform::normalise(dir.path(), &Loader::default(), &Default::default());
        assert!(errors.is_empty(), "{errors:?}");
        same_as_rego(unit.input);
    }
}
