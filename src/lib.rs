//! opsgate: reads CloudFormation (plain, SAM, CDK output), Terraform modules and
//! Terraform plans, builds a resource graph per unit, evaluates Rego policies derived
//! from the AWS Well-Architected Operational Excellence pillar, and reports findings
//! at exact source locations.
//!
//! One module per stage of the data flow (see DESIGN.md):
//! discover → load → normalise → evaluate → locate → filter → report.

pub mod cli;
pub mod config;
pub mod discover;
pub mod evaluate;
pub mod filter;
pub mod finding;
pub mod fixtures;
pub mod load;
pub mod locate;
pub mod normalise;
pub mod report;
pub mod scan;
pub mod source;
pub mod suggest;
pub mod suppress;
