//! Terraform plan JSON (`terraform show -json plan.out`) as a unit: the planned
//! values are known (what Terraform will create), what is known only after apply
//! is unknown, edges come from the configuration's references. A finding points
//! at the matching `.tf` block when the configuration is next to the plan, else
//! into the plan file.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Map, Value as J};

use super::config::ModuleConfig;
use super::{is_local_source, literal_attr, nodes, Loader};
use crate::load::{Node, Value};
use crate::normalise::{by_kind_json, object, Format, Layout, ResourceSource, Unit};
use crate::source::{SourceFile, Span};

/// A JSON document is a plan when it has `format_version` and planned values or
/// resource changes at its top level.
pub fn is_plan(root: &Node) -> bool {
    root.get("format_version").is_some()
        && (root.get("resource_changes").is_some() || root.get("planned_values").is_some())
}

/// `module.a["x"].aws_s3_bucket.b[0]` → `module.a.aws_s3_bucket.b`: the block in the
/// configuration that a planned instance comes from.
fn strip_instance_keys(address: &str) -> String {
    crate::finding::block_address(address).into_owned()
}

/// `after` with every value marked in `after_unknown` replaced by an unknown.
fn with_unknowns(after: &J, unknown: &J) -> J {
    match (after, unknown) {
        (_, J::Bool(true)) => json!({"$unknown": "known after apply"}),
        (J::Object(a), J::Object(u)) => {
            let mut out: Map<String, J> = a
                .iter()
                .map(|(k, v)| (k.clone(), with_unknowns(v, u.get(k).unwrap_or(&J::Null))))
                .collect();
            for (k, v) in u {
                if v == &J::Bool(true) && !out.contains_key(k) {
                    out.insert(k.clone(), json!({"$unknown": "known after apply"}));
                }
            }
            J::Object(out)
        }
        (J::Array(a), J::Array(u)) => J::Array(
            a.iter()
                .enumerate()
                .map(|(i, v)| with_unknowns(v, u.get(i).unwrap_or(&J::Null)))
                .collect(),
        ),
        _ => after.clone(),
    }
}

/// The plan as a unit. `root` is the parsed plan (for positions inside it).
pub fn normalise(file: Arc<SourceFile>, root: &Node, loader: &Loader) -> Unit {
    let plan = root.to_json();
    let config_dir = Path::new(&file.display)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let config_dir = if config_dir.as_os_str().is_empty() {
        Path::new(".").to_path_buf()
    } else {
        config_dir
    };
    let has_config = !super::config::module_files(&config_dir).is_empty();
    let config = has_config.then(|| loader.get(&config_dir));

    let mut configured = BTreeMap::new();
    if let Some(m) = plan.get("configuration").and_then(|c| c.get("root_module")) {
        configured_attributes(m, "", &mut configured);
    }
    let mut resources = Map::new();
    let mut sources = BTreeMap::new();
    let mut by_kind: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // The planned instances of each block of the configuration, by module instance.
    let mut instances: Instances = BTreeMap::new();
    let changes = root
        .get("resource_changes")
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    for (i, change_node) in changes.iter().enumerate() {
        let change = plan["resource_changes"][i].clone();
        if change["mode"] != "managed" {
            continue;
        }
        let actions = change["change"]["actions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if actions == [json!("delete")] {
            continue;
        }
        // Each planned instance is a resource (`aws_x.y[0]`, `module.m["k"].aws_x.y`).
        let address = change["address"].as_str().unwrap_or("").to_string();
        if address.is_empty() || resources.contains_key(&address) {
            continue;
        }
        let block = strip_instance_keys(&address);
        let rtype = change["type"].as_str().unwrap_or("").to_string();
        let mut properties = with_unknowns(
            &change["change"]["after"],
            &change["change"]["after_unknown"],
        );
        // An attribute the configuration does not set, which the provider computes,
        // is absent (the provider's default), not unknown.
        if let Some(exprs) = configured.get(&block) {
            drop_unconfigured(&mut properties, exprs);
        }
        let tags = match (properties.get("tags_all"), properties.get("tags")) {
            _ if rtype == "aws_autoscaling_group" => super::autoscaling_group_tags(&properties),
            (Some(t @ J::Object(_)), _) => t.clone(),
            (Some(t), _) if crate::normalise::is_unknown(t) => t.clone(),
            (_, Some(t @ J::Object(_))) => t.clone(),
            _ => json!({}),
        };
        let module = change["module_address"].as_str().unwrap_or_default();
        let source = config
            .as_ref()
            .and_then(|c| config_source(loader, c, &block))
            .unwrap_or_else(|| plan_source(&file, change_node, &rtype));
        let line = source.file.position(source.name_span.start).line;
        by_kind
            .entry(rtype.clone())
            .or_default()
            .push(address.clone());
        instances
            .entry(block)
            .or_default()
            .entry(module.to_string())
            .or_default()
            .push(address.clone());
        resources.insert(
            address.clone(),
            object([
                ("address", address.as_str().into()),
                ("type", rtype.as_str().into()),
                ("kind", rtype.as_str().into()),
                ("properties", properties),
                ("tags", tags),
                (
                    "meta",
                    object([("module", module.into()), ("actions", J::Array(actions))]),
                ),
                ("file", source.file.display.as_str().into()),
                ("line", line.into()),
            ]),
        );
        sources.insert(address, source);
    }
    let mut edges = Vec::new();
    if let Some(m) = plan.get("configuration").and_then(|c| c.get("root_module")) {
        let root = ConfigModule {
            module: m,
            prefix: String::new(),
            parent: None,
        };
        config_edges(&root, &resources, &instances, &mut edges);
    }
    for list in by_kind.values_mut() {
        list.sort();
    }
    let variables: Map<String, J> = plan
        .get("variables")
        .and_then(J::as_object)
        .map(|vars| {
            vars.iter()
                .map(|(k, v)| (k.clone(), v.get("value").cloned().unwrap_or(J::Null)))
                .collect()
        })
        .unwrap_or_default();
    let input = object([
        ("format", Format::TerraformPlan.as_str().into()),
        ("unit", file.display.as_str().into()),
        ("resources", J::Object(resources)),
        ("data", J::Object(Map::new())),
        ("by_kind", by_kind_json(by_kind)),
        ("edges", J::Array(edges)),
        ("parameters", J::Object(Map::new())),
        ("variables", J::Object(variables)),
    ]);
    Unit {
        format: Format::TerraformPlan,
        name: file.display.clone(),
        input,
        resources: sources,
        notes: vec![],
    }
}

/// Removes the values known only after apply that the configuration does not set
/// (in blocks too: `expressions` nests blocks as lists of objects).
fn drop_unconfigured(value: &mut J, configured: &J) {
    let (J::Object(props), J::Object(exprs)) = (value, configured) else {
        return;
    };
    props.retain(|k, v| !crate::normalise::is_unknown(v) || exprs.contains_key(k));
    for (k, v) in props.iter_mut() {
        if let (J::Array(items), Some(J::Array(blocks))) = (v, exprs.get(k)) {
            for (item, block) in items.iter_mut().zip(blocks) {
                drop_unconfigured(item, block);
            }
        }
    }
}

/// The attributes each resource's configuration sets (`expressions`), by address.
fn configured_attributes(module: &J, prefix: &str, out: &mut BTreeMap<String, J>) {
    for r in module
        .get("resources")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        let address = format!("{prefix}{}", r["address"].as_str().unwrap_or(""));
        out.insert(address, r.get("expressions").cloned().unwrap_or(json!({})));
    }
    for (name, call) in module
        .get("module_calls")
        .and_then(J::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(m) = call.get("module") {
            configured_attributes(m, &format!("{prefix}module.{name}."), out);
        }
    }
}

/// One module of the plan's configuration, with the call chain that leads to it
/// (to follow `var.*` up to the caller and `module.*` outputs down to the callee).
struct ConfigModule<'a> {
    module: &'a J,
    prefix: String,
    /// The calling module and the name of this call, outside the root module.
    parent: Option<(&'a ConfigModule<'a>, String)>,
}

/// Nesting bound for following references through module inputs and outputs.
const MAX_REFERENCE_HOPS: usize = 32;

impl ConfigModule<'_> {
    /// The resource addresses a configuration reference leads to, following module
    /// inputs (`var.x` → the caller's argument) and outputs (`module.m.o` → the
    /// output's expression in the callee).
    fn targets(&self, reference: &str, hops: usize, out: &mut Vec<String>) {
        if hops > MAX_REFERENCE_HOPS {
            return;
        }
        let parts: Vec<&str> = reference.split('.').collect();
        match parts.as_slice() {
            ["var", name, ..] => {
                if let Some((parent, call)) = &self.parent {
                    let expr = &parent.module["module_calls"][call.as_str()]["expressions"]
                        [strip_instance_keys(name)];
                    for r in references_of(expr) {
                        parent.targets(r, hops + 1, out);
                    }
                }
            }
            ["module", m, output, ..] => {
                let m = strip_instance_keys(m);
                let Some(module) = self.module["module_calls"][&m].get("module") else {
                    return;
                };
                let prefix = format!("{}module.{m}.", self.prefix);
                let child = ConfigModule {
                    module,
                    prefix,
                    parent: Some((self, m)),
                };
                let output = strip_instance_keys(output);
                for r in references_of(&module["outputs"][&output]["expression"]) {
                    child.targets(r, hops + 1, out);
                }
            }
            ["data", t, n, ..] => out.push(format!(
                "{}data.{t}.{}",
                self.prefix,
                strip_instance_keys(n)
            )),
            // With the index as written (`aws_x.y[0]`): that instance when it is planned.
            [t, n, ..] if !["local", "each", "count", "path", "self", "terraform"].contains(t) => {
                out.push(format!("{}{t}.{n}", self.prefix))
            }
            _ => {}
        }
    }
}

fn references_of(expr: &J) -> impl Iterator<Item = &str> {
    expr.get("references")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
        .filter_map(J::as_str)
}

/// Planned instances: block address → module instance (`module.m["k"]`, "" in the
/// root module) → instance addresses.
type Instances = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Edges from the configuration's `references`, through module inputs and outputs,
/// between planned instances: from each instance of a block to the instance a
/// reference names (`aws_x.y[0]`), else to every instance of the block it names —
/// those of the same module instance when both blocks are in one module.
fn config_edges(
    cm: &ConfigModule,
    resources: &Map<String, J>,
    instances: &Instances,
    out: &mut Vec<J>,
) {
    let mut seen = std::collections::HashSet::new();
    config_edges_in(cm, resources, instances, &mut seen, out);
}

fn config_edges_in(
    cm: &ConfigModule,
    resources: &Map<String, J>,
    instances: &Instances,
    seen: &mut std::collections::HashSet<(String, String, Vec<J>)>,
    out: &mut Vec<J>,
) {
    for r in cm
        .module
        .get("resources")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        let block = format!("{}{}", cm.prefix, r["address"].as_str().unwrap_or(""));
        let Some(froms) = instances.get(&block) else {
            continue;
        };
        let mut refs = Vec::new();
        collect_references(
            r.get("expressions").unwrap_or(&J::Null),
            &mut vec![json!("properties")],
            &mut refs,
        );
        for (path, reference) in refs {
            let mut targets = Vec::new();
            cm.targets(&reference, 0, &mut targets);
            for target in targets {
                let target_block = strip_instance_keys(&target);
                let Some(to_modules) = instances.get(&target_block) else {
                    continue;
                };
                let same_module =
                    target_block.rsplitn(3, '.').nth(2) == block.rsplitn(3, '.').nth(2);
                for (from_module, from_list) in froms {
                    let tos: Vec<&String> = if resources.contains_key(&target) {
                        vec![&target]
                    } else if same_module {
                        to_modules.get(from_module).into_iter().flatten().collect()
                    } else {
                        to_modules.values().flatten().collect()
                    };
                    for from in from_list {
                        for &to in &tos {
                            if to == from || !seen.insert((from.clone(), to.clone(), path.clone()))
                            {
                                continue;
                            }
                            out.push(object([
                                ("from", from.as_str().into()),
                                ("to", to.as_str().into()),
                                ("path", J::Array(path.clone())),
                                ("via", "reference".into()),
                            ]));
                        }
                    }
                }
            }
        }
    }
    for (name, call) in cm
        .module
        .get("module_calls")
        .and_then(J::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(m) = call.get("module") {
            let child = ConfigModule {
                module: m,
                prefix: format!("{}module.{name}.", cm.prefix),
                parent: Some((cm, name.clone())),
            };
            config_edges_in(&child, resources, instances, seen, out);
        }
    }
}

fn collect_references(e: &J, path: &mut Vec<J>, out: &mut Vec<(Vec<J>, String)>) {
    match e {
        J::Object(o) => {
            if let Some(refs) = o.get("references").and_then(J::as_array) {
                out.extend(
                    refs.iter()
                        .filter_map(J::as_str)
                        .map(|r| (path.clone(), r.to_string())),
                );
                return;
            }
            for (k, v) in o {
                path.push(json!(k));
                collect_references(v, path, out);
                path.pop();
            }
        }
        J::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                path.push(json!(i));
                collect_references(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The resource's block in the configuration next to the plan, following local
/// module calls for `module.a.module.b.type.name`.
fn config_source(loader: &Loader, root: &ModuleConfig, address: &str) -> Option<ResourceSource> {
    let mut config: Arc<ModuleConfig>;
    let mut current: &ModuleConfig = root;
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        let (name, tail) = after.split_once('.')?;
        let call = current.modules.iter().find(|m| m.label(0) == name)?;
        let source = literal_attr(&call.block.body, "source").filter(|s| is_local_source(s))?;
        config = loader.get(&crate::discover::clean_path(&current.dir.join(source)));
        current = &config;
        rest = tail;
    }
    let (rtype, name) = rest.split_once('.')?;
    let item = current
        .resources
        .iter()
        .find(|r| r.label(0) == rtype && r.label(1) == name)?;
    let file = &current.files[item.file];
    let (node, name_span) = nodes::resource_node(file, item, rtype);
    Some(ResourceSource {
        file: file.source.clone(),
        name_span,
        node,
        resource_type: rtype.to_string(),
        cdk_path: None,
        layout: Layout::Terraform,
    })
}

/// The resource inside the plan file: its planned values, named by its address.
fn plan_source(file: &Arc<SourceFile>, change: &Node, rtype: &str) -> ResourceSource {
    let name_span = change.get("address").map_or(change.span, |a| a.span);
    let node = change
        .get("change")
        .and_then(|c| c.get("after"))
        .cloned()
        .unwrap_or_else(|| Node::new(Span::default(), Value::Map(vec![])));
    ResourceSource {
        file: file.clone(),
        name_span,
        node,
        resource_type: rtype.to_string(),
        cdk_path: None,
        layout: Layout::Terraform,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_keys_are_stripped() {
        assert_eq!(
            strip_instance_keys("module.a[\"x[1]\"].aws_s3_bucket.b[0]"),
            "module.a.aws_s3_bucket.b"
        );
        assert_eq!(strip_instance_keys("aws_s3_bucket.b"), "aws_s3_bucket.b");
    }

    #[test]
    fn after_unknown_marks_values() {
        let after = json!({"a": 1, "b": null, "c": [{"d": null}]});
        let unknown = json!({"b": true, "c": [{"d": true}], "e": true});
        assert_eq!(
            with_unknowns(&after, &unknown),
            json!({"a": 1, "b": {"$unknown": "known after apply"}, "c": [{"d": {"$unknown": "known after apply"}}], "e": {"$unknown": "known after apply"}})
        );
    }
}
