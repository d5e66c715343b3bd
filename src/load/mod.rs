//! load: bytes on disk to a spanned `Node` tree, or a located error.
//! Decoding (BOM, UTF-16, invalid UTF-8, binary) happens here once, so the parsers
//! only ever see valid text.

pub mod hcl;
pub mod json;
pub mod node;
pub mod yaml;

use std::path::Path;

pub use node::{Entry, Node, Value};

use crate::source::Span;

/// Files larger than this are refused rather than parsed (default of
/// `Limits::max_file_bytes`).
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;
/// Mappings and sequences nested deeper than this are refused (no template needs it,
/// and it bounds recursion in every later stage). Default of `Limits::max_depth`.
pub const MAX_DEPTH: usize = 128;
/// Nodes that YAML alias expansion may create in one file (billion-laughs guard).
/// Default of `Limits::max_alias_nodes`.
pub const MAX_ALIAS_NODES: usize = 50_000;
/// The highest `max_depth` that may be configured: every later stage recurses over
/// the tree, and deeper trees would risk the worker threads' stacks. (The parsers
/// have fixed limits of their own, which `max_depth` cannot raise: 512 for JSON,
/// 255 levels of YAML flow collections `[…]`/`{…}`, 64 for HCL.)
pub const MAX_DEPTH_CEILING: usize = 500;

/// Defaults of the evaluation budgets (`Limits`): what evaluating the expressions of
/// one unit (Terraform locals, variables, module inputs and outputs, functions;
/// CloudFormation intrinsics and SAM Globals) may build. Each is over a hundred times
/// what any of the 3,700 public templates and modules of the shared corpus needs
/// (measured: strings up to 4 KB, collections up to 264 elements, 170 KB and 15,500
/// steps per unit): they stop inputs that grow values exponentially, not real ones.
pub const MAX_VALUE_BYTES: u64 = 1 << 20;
pub const MAX_VALUE_ITEMS: u64 = 100_000;
pub const MAX_EVAL_BYTES: u64 = 64 << 20;
pub const MAX_EVAL_STEPS: u64 = 2_000_000;
pub const MAX_MODULE_DEPTH: usize = 16;
pub const MAX_MODULE_INSTANCES: usize = 1_000;
/// Resources that `count` / `for_each` make in one root module: each is checked by
/// every rule, so a few lines asking for millions must stop somewhere.
pub const MAX_RESOURCE_INSTANCES: usize = 10_000;
/// The highest `max_module_depth`: module outputs are evaluated recursively.
pub const MAX_MODULE_DEPTH_CEILING: usize = 64;

/// What one input file may cost: its size, its nesting, its YAML alias expansion.
/// Set with `[limits]` in opsgate.toml or the `--max-*` flags; every refusal names
/// the limit and how to raise it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_depth: usize,
    pub max_alias_nodes: usize,
    /// Bytes of one string built by evaluation (`max_value_size`).
    pub max_value_bytes: u64,
    /// Elements (at every level) of one collection built by evaluation.
    pub max_value_items: u64,
    /// Bytes of values built or copied by evaluation in one unit (`max_eval_size`).
    pub max_eval_bytes: u64,
    /// Expression evaluation steps in one unit.
    pub max_eval_steps: u64,
    /// Terraform module calls nested below the root module.
    pub max_module_depth: usize,
    /// Terraform module instances in one root module.
    pub max_module_instances: usize,
    /// Resource instances that `count` / `for_each` make in one root module.
    pub max_resource_instances: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: MAX_FILE_BYTES,
            max_depth: MAX_DEPTH,
            max_alias_nodes: MAX_ALIAS_NODES,
            max_value_bytes: MAX_VALUE_BYTES,
            max_value_items: MAX_VALUE_ITEMS,
            max_eval_bytes: MAX_EVAL_BYTES,
            max_eval_steps: MAX_EVAL_STEPS,
            max_module_depth: MAX_MODULE_DEPTH,
            max_module_instances: MAX_MODULE_INSTANCES,
            max_resource_instances: MAX_RESOURCE_INSTANCES,
        }
    }
}

impl Limits {
    /// The error for a file of `size` bytes, or None when it is within the limit.
    pub fn check_size(&self, size: u64) -> Option<LoadError> {
        (size > self.max_file_bytes).then(|| {
            LoadError::whole_file(format!(
                "file is {} ({size} bytes), over the max_file_size limit of {} ({} bytes); \
                 raise it with --max-file-size or `max_file_size` under [limits] in opsgate.toml",
                format_size(size),
                format_size(self.max_file_bytes),
                self.max_file_bytes
            ))
        })
    }

    pub(crate) fn depth_error(&self, at: usize) -> LoadError {
        LoadError::at(
            crate::source::Span::new(at, at + 1),
            format!(
                "nesting deeper than {} levels (the max_depth limit); raise it with --max-depth \
                 or `max_depth` under [limits] in opsgate.toml (at most {MAX_DEPTH_CEILING})",
                self.max_depth
            ),
        )
    }
}

/// `20 MB`, `512 KB`, `17 bytes`: sizes in units of 1024, as `max_file_size` takes them.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)];
    for (unit, n) in UNITS {
        if bytes >= n {
            return if bytes.is_multiple_of(n) {
                format!("{} {unit}", bytes / n)
            } else {
                format!("{:.1} {unit}", bytes as f64 / n as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

/// A load failure, located in the file when the bytes say where.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub message: String,
    pub span: Option<Span>,
    /// Other places the message refers to (the first occurrence of a duplicate key).
    pub related: Vec<(Span, String)>,
}

impl LoadError {
    pub fn at(span: Span, message: impl Into<String>) -> LoadError {
        LoadError {
            message: message.into(),
            span: Some(span),
            related: vec![],
        }
    }

    pub fn whole_file(message: impl Into<String>) -> LoadError {
        LoadError {
            message: message.into(),
            span: None,
            related: vec![],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    Json,
}

impl Syntax {
    /// JSON by extension, or by a first character of `{`/`[` (JSON is YAML too, but
    /// the JSON parser is faster and reports JSON errors in JSON terms).
    pub fn detect(path: &Path, text: &str) -> Syntax {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if ext == "json" {
            return Syntax::Json;
        }
        if ext == "yaml" || ext == "yml" {
            return Syntax::Yaml;
        }
        match text.trim_start().chars().next() {
            Some('{') | Some('[') => Syntax::Json,
            _ => Syntax::Yaml,
        }
    }
}

/// Decodes file bytes to text: strips a UTF-8 BOM, decodes UTF-16 with a BOM, and
/// refuses binary data and invalid UTF-8 with the offending offset.
pub fn decode(bytes: Vec<u8>) -> Result<String, LoadError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let le = bytes[0] == 0xFF;
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| {
                let pair = [c[0], *c.get(1).unwrap_or(&0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        return String::from_utf16(&units).map_err(|_| {
            LoadError::whole_file(
                "invalid UTF-16 text (the file starts with a UTF-16 byte order mark)",
            )
        });
    }
    let start = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        return Err(LoadError::at(
            Span::new(nul, nul + 1),
            "binary data (a NUL byte) in a text file",
        ));
    }
    let mut bytes = bytes;
    bytes.drain(..start);
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let mut err = LoadError::at(
            Span::new(at, at + 1),
            "invalid UTF-8: templates must be UTF-8 text",
        );
        // The span refers to bytes we could not decode; the caller shows the valid prefix.
        err.span = Some(Span::new(at, at));
        err
    })
}

/// Parses text in the given syntax to a tree (`None` for an empty document), with
/// the default limits.
pub fn parse(text: &str, syntax: Syntax) -> Result<Option<Node>, LoadError> {
    parse_with(text, syntax, &Limits::default())
}

/// Parses text in the given syntax to a tree (`None` for an empty document).
pub fn parse_with(text: &str, syntax: Syntax, limits: &Limits) -> Result<Option<Node>, LoadError> {
    match syntax {
        Syntax::Yaml => yaml::parse_with(text, limits),
        Syntax::Json => json::parse_with(text, limits),
    }
}
