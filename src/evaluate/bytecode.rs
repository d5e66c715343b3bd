//! Rules as regorus bytecode, and the built-in rules' bytecode made when opsgate is
//! built.
//!
//! This file is compiled twice: into opsgate, and into `build.rs` (through `#[path]`),
//! which compiles every built-in rule and embeds its program. A run then loads a
//! rule's program (about 0.06 ms) instead of parsing, analysing and compiling the
//! rule and the libraries (about 1.7 ms of CPU per rule, most of the time that a scan
//! of one template took). So it uses nothing but `std` and regorus.

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::{DeserializationResult, Program};
use regorus::Engine;
use std::sync::Arc;

/// `data.<path>` of the module's `package <path>` line ("" when there is none: the
/// module then fails to compile and is reported).
pub fn declared_package(text: &str) -> String {
    text.lines()
        .find_map(|l| l.trim_start().strip_prefix("package "))
        .and_then(|rest| rest.split(['#', ' ', '\t', '\r']).find(|w| !w.is_empty()))
        .map(|path| format!("data.{path}"))
        .unwrap_or_default()
}

/// A module of a rule package declares `metadata` or `findings`; the other
/// packages are libraries.
pub fn declares_rule(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        ["metadata ", "metadata:", "findings ", "findings["]
            .iter()
            .any(|p| l.starts_with(p))
    })
}

/// FNV-1a (64 bit) of the modules' names and texts: stable across builds and platforms.
pub fn modules_hash(modules: &[(String, String)]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (file, text) in modules {
        for byte in file.bytes().chain([0]).chain(text.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The package's `findings` compiled to bytecode, from an engine that holds the
/// package and the libraries it uses. (The program does not depend on the engine's
/// data: the VM is given that when it runs.)
pub fn compile(engine: &mut Engine, package: &str) -> Result<Arc<Program>, String> {
    let entry: Arc<str> = format!("{package}.findings").into();
    let policy = engine
        .compile_with_entrypoint(&entry)
        .map_err(|e| e.to_string())?;
    Compiler::compile_from_policy(&policy, &[&entry]).map_err(|e| e.to_string())
}

/// The program as bytes, without the Rego sources it keeps for recompiling (the
/// VM never reads them; opsgate recompiles from its own copy of the modules).
#[cfg_attr(not(test), allow(dead_code))]
pub fn to_bytes(program: &Program) -> Result<Vec<u8>, String> {
    let mut program = program.clone();
    program.sources.clear();
    program.serialize_binary()
}

/// A program from `to_bytes`; an error if these bytes came from another regorus
/// version (then the rule is compiled from its modules instead).
pub fn from_bytes(bytes: &[u8]) -> Result<Program, String> {
    match Program::deserialize_binary(bytes)? {
        DeserializationResult::Complete(program) => Ok(program),
        DeserializationResult::Partial(_) => Err("bytecode of another regorus version".into()),
    }
}
