//! A Terraform module directory, parsed: every `*.tf` / `*.tf.json` file's blocks,
//! sorted by kind. Parsed once per directory and shared by every unit that uses it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span as _;

use crate::discover::Roots;
use crate::load::{self, Limits, LoadError};
use crate::source::{SourceFile, Span};

/// One parsed file. For `.tf.json`, `hcl` is the JSON rendered as HCL (what the
/// expressions' spans refer to) and `source` the JSON the user wrote.
#[derive(Debug)]
pub struct ModuleFile {
    pub source: Arc<SourceFile>,
    pub hcl: Arc<str>,
    pub json: Option<load::Node>,
}

impl ModuleFile {
    /// The text of an expression or block, as written (HCL files) or as rendered.
    pub fn text(&self, span: Option<std::ops::Range<usize>>) -> &str {
        match span {
            Some(r)
                if r.end <= self.hcl.len()
                    && self.hcl.is_char_boundary(r.start)
                    && self.hcl.is_char_boundary(r.end) =>
            {
                &self.hcl[r]
            }
            _ => "",
        }
    }

    pub fn is_json(&self) -> bool {
        self.json.is_some()
    }
}

/// A block and the file it is in.
#[derive(Debug)]
pub struct Item {
    pub file: usize,
    pub block: Block,
}

impl Item {
    pub fn label(&self, i: usize) -> &str {
        self.block.labels.get(i).map_or("", |l| l.as_str())
    }

    /// `resource "type" "name"`: from the keyword to the last label.
    pub fn header_span(&self) -> Span {
        let start = self.block.ident.span().map_or(0, |r| r.start);
        let end = self
            .block
            .labels
            .last()
            .and_then(|l| match l {
                hcl_edit::structure::BlockLabel::Ident(d) => d.span(),
                hcl_edit::structure::BlockLabel::String(d) => d.span(),
            })
            .map_or(start, |r| r.end);
        Span::new(start, end)
    }
}

#[derive(Debug, Default)]
pub struct ModuleConfig {
    pub dir: PathBuf,
    pub files: Vec<ModuleFile>,
    pub variables: Vec<Item>,
    pub locals: Vec<Item>,
    pub outputs: Vec<Item>,
    pub resources: Vec<Item>,
    pub data: Vec<Item>,
    pub modules: Vec<Item>,
    pub providers: Vec<Item>,
    /// `type.name` of every resource (its index in `resources`; the first of a
    /// name wins) and data source, for reference lookups.
    pub resource_names: HashMap<String, usize>,
    pub data_names: HashSet<String>,
    /// Where each local is defined: (index in `locals`, index of the attribute in
    /// that block's body); the first definition wins. Lookups stay constant-time in
    /// modules with thousands of locals.
    pub local_defs: HashMap<String, (usize, usize)>,
    /// Files that did not parse: (file, error).
    pub errors: Vec<(Arc<SourceFile>, LoadError)>,
    /// Files not read (symlinks out of the scan roots), for --verbose.
    pub notes: Vec<String>,
}

/// `*.tf` and `*.tf.json` files of a directory, sorted.
pub fn module_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| is_terraform_file(p) && p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

pub fn is_terraform_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

impl ModuleConfig {
    /// Parses every Terraform file of `dir`; unreadable or invalid files are
    /// recorded in `errors` and the rest of the module is still used.
    /// A symlinked file is read only when it resolves inside one of `roots`
    /// (the module directory itself may be anywhere: Terraform reads a module
    /// source such as `../../modules/x` wherever it is).
    /// Bytes of the module's source files.
    pub fn source_bytes(&self) -> usize {
        self.files.iter().map(|f| f.source.text.len()).sum()
    }

    pub fn load(dir: &Path, limits: &Limits, roots: &Roots) -> ModuleConfig {
        let mut config = ModuleConfig {
            dir: dir.to_path_buf(),
            ..Default::default()
        };
        for path in module_files(dir) {
            let display = crate::discover::display_path(&path);
            if let Err(why) = roots.check_link(&path) {
                config.notes.push(format!("{display}: {why}"));
                continue;
            }
            match read_file(&path, &display, limits) {
                Ok((file, body)) => {
                    let index = config.files.len();
                    config.files.push(file);
                    config.add_body(index, body);
                }
                Err((source, err)) => config.errors.push((source, err)),
            }
        }
        config
    }

    fn add_body(&mut self, file: usize, body: Body) {
        for s in body.into_iter() {
            let Structure::Block(block) = s else { continue };
            let item = Item { file, block };
            match item.block.ident.as_str() {
                "variable" => self.variables.push(item),
                "locals" => {
                    for (i, s) in item.block.body.iter().enumerate() {
                        if let Structure::Attribute(a) = s {
                            self.local_defs
                                .entry(a.key.as_str().to_string())
                                .or_insert((self.locals.len(), i));
                        }
                    }
                    self.locals.push(item)
                }
                "output" => self.outputs.push(item),
                "resource" => {
                    self.resource_names
                        .entry(format!("{}.{}", item.label(0), item.label(1)))
                        .or_insert(self.resources.len());
                    self.resources.push(item)
                }
                "data" => {
                    self.data_names
                        .insert(format!("{}.{}", item.label(0), item.label(1)));
                    self.data.push(item)
                }
                "module" => self.modules.push(item),
                "provider" => self.providers.push(item),
                _ => {}
            }
        }
    }
}

fn read_file(
    path: &Path,
    display: &str,
    limits: &Limits,
) -> Result<(ModuleFile, Body), (Arc<SourceFile>, LoadError)> {
    let fail =
        |text: String, e: LoadError| (Arc::new(SourceFile::new(display.to_string(), text)), e);
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if let Some(e) = limits.check_size(size) {
        return Err(fail(String::new(), e));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        fail(
            String::new(),
            LoadError::whole_file(format!("cannot read: {e}")),
        )
    })?;
    let text = match load::decode(bytes.clone()) {
        Ok(t) => t,
        Err(e) => return Err(fail(String::from_utf8_lossy(&bytes).replace('\0', " "), e)),
    };
    let source = Arc::new(SourceFile::new(display.to_string(), text));
    if display.ends_with(".json") {
        let root = match load::json::parse_with(&source.text, limits) {
            Ok(Some(root)) => root,
            Ok(None) => load::Node::new(Span::default(), load::Value::Map(vec![])),
            Err(e) => return Err((source, e)),
        };
        let hcl = load::hcl::render_json(&root);
        let body = load::hcl::parse_with(&hcl, limits).map_err(|e| (source.clone(), e))?;
        return Ok((
            ModuleFile {
                source,
                hcl: hcl.into(),
                json: Some(root),
            },
            body,
        ));
    }
    let body = load::hcl::parse_with(&source.text, limits).map_err(|e| (source.clone(), e))?;
    Ok((
        ModuleFile {
            hcl: source.text.clone(),
            source,
            json: None,
        },
        body,
    ))
}
