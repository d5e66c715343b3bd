//! discover: the files to scan, from the paths on the command line.
//!
//! Walks folders (skipping dependency, build and VCS folders), keeps the file
//! types that can hold templates, and dedups. Whether a YAML/JSON file *is* a
//! template is decided after parsing, by `normalise::cloudformation::is_template`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::normalise::terraform::config::{is_terraform_file, module_files};

/// Folders never walked into: VCS data, dependencies, build output, and SAM's
/// build copies of templates (`.aws-sam/build`), which would report every finding twice.
const SKIP_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    ".terraform",
    "target",
    ".aws-sam",
    ".venv",
    "__pycache__",
];

/// Extensions of files that may be templates.
const TEMPLATE_EXTENSIONS: &[&str] = &["yaml", "yml", "json", "template"];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// As shown to users: relative to the current directory, '/'-separated.
    pub display: String,
    pub path: PathBuf,
}

#[derive(Debug, Default)]
pub struct Discovery {
    /// YAML/JSON files that may be CloudFormation templates.
    pub files: Vec<Candidate>,
    /// Directories holding Terraform files (`*.tf`, `*.tf.json`): module candidates.
    pub terraform_dirs: Vec<Candidate>,
    /// How many Terraform files those directories hold.
    pub terraform_files: usize,
    /// Paths that could not be read: (path, why).
    pub errors: Vec<(String, String)>,
}

pub fn discover(paths: &[PathBuf]) -> Discovery {
    let mut found = BTreeSet::new();
    let mut tf_dirs = BTreeSet::new();
    let mut tf_files = BTreeSet::new();
    let mut errors = Vec::new();
    for root in paths {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                errors.push((
                    display_path(root),
                    format!("cannot read: {}", io_reason(&e)),
                ));
                continue;
            }
        };
        if meta.is_file() {
            let dir = root
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if is_terraform_file(root) || is_tfvars(root) {
                // A staged .tf file stands for its whole module, and so does a
                // variables file beside one (its values change the module's).
                let files = module_files(dir);
                if !files.is_empty() {
                    tf_dirs.insert(candidate(dir));
                    tf_files.extend(files);
                }
            } else {
                // A file named on the command line is considered whatever its extension.
                found.insert(candidate(root));
            }
            continue;
        }
        let walker = WalkDir::new(root)
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| !(e.file_type().is_dir() && e.depth() > 0 && skip_dir(e.path())));
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() && is_terraform_file(e.path()) => {
                    tf_dirs.insert(candidate(e.path().parent().unwrap_or(Path::new("."))));
                    tf_files.insert(e.path().to_path_buf());
                }
                Ok(e) if e.file_type().is_file() && is_candidate(e.path()) => {
                    found.insert(candidate(e.path()));
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e
                        .path()
                        .map(display_path)
                        .unwrap_or_else(|| display_path(root));
                    let reason = e.io_error().map(io_reason).unwrap_or_else(|| e.to_string());
                    errors.push((path, format!("cannot read: {reason}")));
                }
            }
        }
    }
    Discovery {
        files: found.into_iter().collect(),
        terraform_dirs: tf_dirs.into_iter().collect(),
        terraform_files: tf_files.len(),
        errors,
    }
}

fn is_tfvars(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".tfvars") || name.ends_with(".tfvars.json")
}

fn candidate(path: &Path) -> Candidate {
    Candidate {
        display: display_path(path),
        path: path.to_path_buf(),
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn skip_dir(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if SKIP_DIRS.contains(&name) {
        return true;
    }
    // CDK assets (bundled code, Docker contexts) inside cdk.out
    name.starts_with("asset.") && in_cdk_out(path)
}

fn in_cdk_out(path: &Path) -> bool {
    path.ancestors()
        .skip(1)
        .any(|a| a.file_name().is_some_and(|n| n == "cdk.out"))
}

fn is_candidate(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if in_cdk_out(path) {
        // Only synthesized templates; not manifest.json, tree.json, *.assets.json.
        return name.ends_with(".template.json");
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    TEMPLATE_EXTENSIONS.contains(&ext.as_str()) && !is_tfvars(path) && !is_terraform_file(path)
}

/// A path as users see it: relative to the current directory when below it,
/// '/'-separated, without a leading `./`.
pub fn display_path(path: &Path) -> String {
    let path = &clean_path(path);
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let s = rel.to_string_lossy().replace('\\', "/");
    let s = s.trim_start_matches("./").to_string();
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (module sources are
/// joined onto their caller's directory).
pub fn clean_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_normal {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned_lexically() {
        assert_eq!(clean_path(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(clean_path(Path::new("../x/./y")), PathBuf::from("../x/y"));
        assert_eq!(clean_path(Path::new("a/..")), PathBuf::from("."));
    }

    #[test]
    fn cdk_out_keeps_only_templates() {
        assert!(is_candidate(Path::new("app/cdk.out/Stack.template.json")));
        assert!(!is_candidate(Path::new("app/cdk.out/manifest.json")));
        assert!(!is_candidate(Path::new("app/cdk.out/Stack.assets.json")));
        assert!(skip_dir(Path::new("app/cdk.out/asset.1234")));
        assert!(!skip_dir(Path::new("app/asset.1234")));
        assert!(is_candidate(Path::new("stacks/a.yml")));
        assert!(!is_candidate(Path::new("src/a.py")));
        assert!(skip_dir(Path::new("x/node_modules")));
    }
}
