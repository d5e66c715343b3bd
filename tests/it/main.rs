//! The integration tests, as one test binary: each module below was its own binary
//! once, and with the release profile's link-time optimisation, linking twenty
//! binaries cost more CPU than building every dependency (the README's
//! `cargo test --release` on a cold 2-core machine). A module per area; the tests
//! that need more than the repository are `#[ignore]`d here and run by
//! `scripts/external-tests`.

mod action;
mod adoption;
mod alias_bomb_memory;
mod budgets;
mod bytecode_semantics;
mod cli;
mod conditions;
mod corpus_smoke;
mod docs;
mod error_locations;
mod file_functions;
mod finding_texts;
mod fuzz_regressions;
mod human_output;
mod instances;
mod limits;
mod policy_fixtures;
mod policy_params;
mod pre_commit;
mod properties;
mod report_formats;
mod robustness;
mod runtime_table;
mod staged_modules;
mod terraform;
#[cfg(unix)]
mod untrusted;
