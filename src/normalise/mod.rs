//! normalise: a loaded unit to the policy input of DESIGN.md (docs/policy-input.md)
//! plus, per resource, the source nodes that `locate` walks to place findings.

pub mod budget;
pub mod cfn_parameters;
pub mod cloudformation;
mod intrinsics;
pub mod kinds;
pub mod tagging;
pub mod terraform;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value as J};

use crate::load::Node;
use crate::source::{SourceFile, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    CloudFormation,
    Terraform,
    TerraformPlan,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::CloudFormation => "cloudformation",
            Format::Terraform => "terraform",
            Format::TerraformPlan => "terraform-plan",
        }
    }
}

/// How a resource's source is laid out, for `locate`: CloudFormation keeps
/// properties under `Properties` and attributes (DeletionPolicy) beside it;
/// Terraform keeps both in the block body (`lifecycle` as a nested block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    CloudFormation,
    Terraform,
}

/// Where a resource is written: the file, the span of its name, and its definition
/// (for CloudFormation, the resource's mapping with SAM Globals merged in).
#[derive(Debug)]
pub struct ResourceSource {
    pub file: Arc<SourceFile>,
    pub name_span: Span,
    pub node: Node,
    pub resource_type: String,
    pub cdk_path: Option<String>,
    pub layout: Layout,
}

/// One unit, ready to evaluate: the policy input and the sources behind it.
#[derive(Debug)]
pub struct Unit {
    pub format: Format,
    /// The unit's path as shown to users.
    pub name: String,
    pub input: J,
    pub resources: BTreeMap<String, ResourceSource>,
    /// What normalise could not take into account (said with --verbose).
    pub notes: Vec<String>,
}

/// A JSON object of these entries, in this order, the values moved in. (`json!`
/// serialises every value it interpolates: a deep copy of each resource's
/// properties, and of the whole input once more.)
pub(crate) fn object<const N: usize>(entries: [(&str, J); N]) -> J {
    J::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// Lists of addresses by kind, as a JSON object.
pub(crate) fn by_kind_json<K: Into<String>>(by_kind: BTreeMap<K, Vec<String>>) -> J {
    J::Object(
        by_kind
            .into_iter()
            .map(|(k, v)| (k.into(), J::from(v)))
            .collect(),
    )
}

/// The `{"$unknown": "<source text>"}` marker for a value opsgate cannot know.
pub fn unknown(file: &SourceFile, span: Span) -> J {
    json!({ "$unknown": file.slice(span) })
}

pub fn is_unknown(v: &J) -> bool {
    v.get("$unknown").is_some_and(J::is_string)
}
