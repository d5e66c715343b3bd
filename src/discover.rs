//! discover: the files to scan, from the paths on the command line.
//!
//! Walks folders (skipping dependency, build and VCS folders), keeps the file
//! types that can hold templates, and dedups. Whether a YAML/JSON file *is* a
//! template is decided after parsing, by `normalise::cloudformation::is_template`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
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
    /// Resolved directories of `terraform_dirs` that only a file argument named (a
    /// staged `.tf`/`.tfvars` file): checked through the root modules that call them.
    pub staged_terraform_dirs: BTreeSet<PathBuf>,
    /// Paths that could not be read: (path, why).
    pub errors: Vec<(String, String)>,
    /// Symlinks not followed (outside the scan roots, dangling, loops): (path, why).
    pub skipped: Vec<(String, String)>,
}

/// The scan roots, resolved: a symlink found below them is followed only when its
/// target lies inside one of them, so a scanned repository cannot make opsgate read
/// files elsewhere on the machine (`secrets.yaml -> /home/me/.aws/credentials`).
#[derive(Debug, Clone, Default)]
pub struct Roots(Vec<PathBuf>);

impl Roots {
    /// The folders given (a file given stands for its folder), resolved.
    pub fn of(paths: &[PathBuf]) -> Roots {
        let mut roots: Vec<PathBuf> = paths
            .iter()
            .filter_map(|p| {
                let canon = std::fs::canonicalize(p).ok()?;
                if canon.is_dir() {
                    Some(canon)
                } else {
                    canon.parent().map(Path::to_path_buf)
                }
            })
            .collect();
        roots.sort();
        roots.dedup();
        Roots(roots)
    }

    /// No roots: no restriction (library callers that load a module directly).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Is the resolved path inside a root (or are there no roots)?
    pub fn contains(&self, resolved: &Path) -> bool {
        self.0.is_empty() || self.0.iter().any(|r| resolved.starts_with(r))
    }

    /// For a path that is a symlink: whether it may be followed, and why not. Other
    /// paths are always fine.
    pub fn check_link(&self, path: &Path) -> Result<(), String> {
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if !is_link {
            return Ok(());
        }
        let target = std::fs::read_link(path)
            .map(|t| t.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "?".into());
        match std::fs::canonicalize(path) {
            Ok(resolved) if self.contains(&resolved) => Ok(()),
            Ok(resolved) => Err(format!(
                "symlink to {}, outside the scan root: not followed",
                resolved.display()
            )),
            Err(e) if is_loop(&e) => Err(format!("symlink loop (-> {target}): not followed")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(format!("dangling symlink (-> {target}): not followed"))
            }
            Err(e) => Err(format!(
                "symlink (-> {target}) that cannot be resolved: {}",
                io_reason(&e)
            )),
        }
    }
}

fn is_loop(e: &std::io::Error) -> bool {
    // ELOOP: 40 on Linux, 62 on macOS and the BSDs.
    e.raw_os_error().is_some_and(|c| {
        c == 40 && cfg!(target_os = "linux") || c == 62 && !cfg!(target_os = "linux")
    })
}

/// A found path: the candidate, and the resolved path that dedups it. `via_link`
/// paths (reached through a symlink) lose to the real path of the same file.
struct Found {
    resolved: PathBuf,
    via_link: bool,
    candidate: Candidate,
}

fn found(path: &Path, root: &Path, root_resolved: Option<&Path>) -> Found {
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let direct = match (path.strip_prefix(root), root_resolved) {
        (Ok(rel), Some(r)) => r.join(rel) == resolved,
        _ => true,
    };
    Found {
        resolved,
        via_link: !direct,
        candidate: candidate(path),
    }
}

/// A path the walk reached without passing a symlink resolves to the resolved root
/// joined with the rest: no system calls (resolving asks once per path component,
/// which was most of discovering a large tree). Other paths are resolved.
fn found_walked(walked: &Walked, root: &Path, root_resolved: Option<&Path>) -> Found {
    match resolved_lexically(walked, root, root_resolved) {
        Some(resolved) => Found {
            resolved,
            via_link: false,
            candidate: candidate(&walked.path),
        },
        None => found(&walked.path, root, root_resolved),
    }
}

/// The resolved path of a walked path that passes no symlink, without asking the
/// system; `None` for the others.
fn resolved_lexically(
    walked: &Walked,
    root: &Path,
    root_resolved: Option<&Path>,
) -> Option<PathBuf> {
    if walked.via_link {
        return None;
    }
    Some(root_resolved?.join(walked.path.strip_prefix(root).ok()?))
}

/// A path found by the walk, and whether it is a symlink or lies below one.
struct Walked {
    path: PathBuf,
    via_link: bool,
}

/// One candidate per resolved path: the real path before a symlink to it, then the
/// first in display order.
fn dedup(mut found: Vec<Found>) -> Vec<Candidate> {
    found.par_sort_by(|a, b| {
        (&a.resolved, a.via_link, &a.candidate).cmp(&(&b.resolved, b.via_link, &b.candidate))
    });
    found.dedup_by(|later, first| later.resolved == first.resolved);
    let mut out: Vec<Candidate> = found.into_iter().map(|f| f.candidate).collect();
    out.par_sort();
    out.dedup();
    out
}

pub fn discover(paths: &[PathBuf]) -> Discovery {
    let roots = Roots::of(paths);
    let mut found = Vec::new();
    let mut tf_dirs = Vec::new();
    // Counted once deduplicated (a sort: path comparisons in a BTreeSet were a
    // tenth of discovering a large tree).
    let mut tf_files: Vec<PathBuf> = Vec::new();
    let mut staged_dirs = BTreeSet::new();
    let mut staged_found = Vec::new();
    let mut errors = Vec::new();
    let mut skipped = Vec::new();
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
                    let f = self::found(dir, dir, None);
                    staged_dirs.insert(f.resolved.clone());
                    staged_found.push(f);
                    tf_files.extend(files.iter().map(|f| resolved(f)));
                }
            } else {
                // A file named on the command line is considered whatever its extension
                // (and followed if it is a symlink: the user named it).
                found.push(Found {
                    resolved: resolved(root),
                    via_link: false,
                    candidate: candidate(root),
                });
            }
            continue;
        }
        let root_resolved = std::fs::canonicalize(root).ok();
        // Symlinks are followed (walkdir stops at loops) only when they resolve inside
        // a scan root; the others are pruned here and listed as skipped.
        let mut links = Vec::new();
        let walker = WalkDir::new(root)
            .follow_links(true)
            .into_iter()
            .filter_entry(|e| {
                if e.depth() > 0 && e.path_is_symlink() {
                    if let Err(why) = roots.check_link(e.path()) {
                        links.push((display_path(e.path()), why));
                        return false;
                    }
                }
                !(e.file_type().is_dir() && e.depth() > 0 && skip_dir(e.path()))
            });
        // The walk lists the files; resolving those reached through a symlink (a
        // system call per path component) is done afterwards, on all cores.
        let mut tf_paths: Vec<Walked> = Vec::new();
        let mut candidate_paths: Vec<Walked> = Vec::new();
        let mut linked_dirs: std::collections::HashSet<PathBuf> = Default::default();
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_dir() => {
                    if e.depth() > 0 && e.path_is_symlink() {
                        linked_dirs.insert(e.into_path());
                    }
                }
                Ok(e) if e.file_type().is_file() => {
                    let tf = is_terraform_file(e.path());
                    if !tf && !is_candidate(e.path()) {
                        continue;
                    }
                    let via_link = e.path_is_symlink() || below_any(e.path(), &linked_dirs);
                    let walked = Walked {
                        path: e.into_path(),
                        via_link,
                    };
                    if tf {
                        tf_paths.push(walked);
                    } else {
                        candidate_paths.push(walked);
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e.path().unwrap_or(root);
                    if let Some(ancestor) = e.loop_ancestor() {
                        skipped.push((
                            display_path(path),
                            format!(
                                "symlink loop (back to {}): not followed",
                                display_path(ancestor)
                            ),
                        ));
                        continue;
                    }
                    if let Err(why) = roots.check_link(path) {
                        skipped.push((display_path(path), why));
                        continue;
                    }
                    let reason = e.io_error().map(io_reason).unwrap_or_else(|| e.to_string());
                    errors.push((display_path(path), format!("cannot read: {reason}")));
                }
            }
        }
        skipped.append(&mut links);
        let under = root_resolved.as_deref();
        found.par_extend(
            candidate_paths
                .par_iter()
                .map(|walked| found_walked(walked, root, under)),
        );
        // One entry per module folder (the dedup below would drop the others).
        let mut tf_folders: Vec<Walked> = tf_paths
            .iter()
            .map(|w| {
                let dir = w.path.parent().unwrap_or(Path::new(".")).to_path_buf();
                let via_link = below_any(&w.path, &linked_dirs);
                Walked {
                    path: dir,
                    via_link,
                }
            })
            .collect();
        tf_folders.dedup_by(|a, b| a.path == b.path);
        tf_dirs.par_extend(
            tf_folders
                .par_iter()
                .map(|walked| found_walked(walked, root, under)),
        );
        tf_files.par_extend(tf_paths.par_iter().map(|walked| {
            resolved_lexically(walked, root, under).unwrap_or_else(|| resolved(&walked.path))
        }));
    }
    skipped.sort();
    skipped.dedup();
    // A directory that a walk found too is a module of that walk, not a staged one.
    for d in &tf_dirs {
        staged_dirs.remove(&d.resolved);
    }
    tf_dirs.append(&mut staged_found);
    Discovery {
        files: dedup(found),
        terraform_dirs: dedup(tf_dirs),
        terraform_files: {
            tf_files.par_sort_unstable();
            tf_files.dedup();
            tf_files.len()
        },
        staged_terraform_dirs: staged_dirs,
        errors,
        skipped,
    }
}

/// The repository a staged file belongs to, where the root modules that call its
/// module are looked for: the nearest folder at or above `dir` (resolved) holding
/// `.git`; else the current folder, when `dir` lies below it; else none.
pub fn repository_root(dir: &Path) -> Option<PathBuf> {
    if let Some(repo) = dir
        .ancestors()
        .find(|a| std::fs::symlink_metadata(a.join(".git")).is_ok())
    {
        return Some(repo.to_path_buf());
    }
    let cwd = std::env::current_dir().ok()?.canonicalize().ok()?;
    dir.starts_with(&cwd).then_some(cwd)
}

/// Does `path` lie below one of `dirs`?
fn below_any(path: &Path, dirs: &std::collections::HashSet<PathBuf>) -> bool {
    !dirs.is_empty() && path.ancestors().skip(1).any(|a| dirs.contains(a))
}

fn resolved(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
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
    // opsgate never changes its working directory: ask the system once, not per path.
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let path = &clean_path(path);
    let rel = CWD
        .get_or_init(|| std::env::current_dir().ok())
        .as_ref()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
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
