//! The root modules that call a module directory. pre-commit passes only the staged
//! files: a staged file of a child module is checked through the root modules that
//! call it (their variables, providers and `default_tags`), as a scan of the whole
//! repository would check it, and only its own findings are reported.
//!
//! The callers are looked for in the repository around the module (the nearest folder
//! above it with `.git`): every Terraform file there is searched as text for local
//! `source` paths, and only the directories that seem to call the module are parsed,
//! to confirm the call exactly as a scan does (`Loader::local_calls`).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::config::module_files;
use super::{is_local_source, Loader};
use crate::discover::{self, Candidate};

/// At most this many Terraform files are read looking for callers in one repository;
/// past it the staged modules stay their own roots (and `--verbose` says so).
pub const MAX_CALLER_FILES: usize = 20_000;

/// A root module to scan for staged modules that it calls.
#[derive(Debug, Clone)]
pub struct Through {
    /// The root module, named as a scan of the repository names it.
    pub root: Candidate,
    /// The staged module directories (resolved) it calls: only their findings count.
    pub modules: BTreeSet<PathBuf>,
}

#[derive(Debug, Default)]
pub struct Callers {
    pub through: Vec<Through>,
    /// Staged directories that no root module calls: roots of their own.
    pub own: Vec<Candidate>,
    /// Why a search stopped short (for --verbose).
    pub notes: Vec<String>,
}

/// The module directories of one repository and, from a text search of their files,
/// which directories may call which (callee → callers, all resolved).
struct Repo {
    dirs: HashMap<PathBuf, Candidate>,
    callers: HashMap<PathBuf, Vec<PathBuf>>,
}

/// For each staged module directory: the root modules of its repository that call
/// it, directly or through other modules. `excluded` leaves out what the
/// configuration excludes (a scan of the repository would not see it either).
pub fn roots_calling(
    staged: &[Candidate],
    loader: &Loader,
    excluded: &(dyn Fn(&Path) -> bool + Sync),
) -> Callers {
    let mut out = Callers::default();
    let mut repos: HashMap<PathBuf, Option<Repo>> = HashMap::new();
    let mut through: Vec<Through> = Vec::new();
    for c in staged {
        let dir = loader.canonical(&c.path);
        let Some(repo_root) = discover::repository_root(&dir) else {
            out.own.push(c.clone());
            continue;
        };
        let repo = repos.entry(repo_root.clone()).or_insert_with(|| {
            let repo = index(&repo_root, loader, excluded);
            if repo.is_none() {
                out.notes.push(format!(
                    "{}: more than {MAX_CALLER_FILES} Terraform files; staged modules are not looked up in the root modules that call them",
                    discover::display_path(&repo_root)
                ));
            }
            repo
        });
        let Some(repo) = repo else {
            out.own.push(c.clone());
            continue;
        };
        let roots = roots_above(&dir, repo, loader);
        if roots.is_empty() {
            out.own.push(c.clone());
            continue;
        }
        for root in roots {
            let Some(candidate) = repo.dirs.get(&root) else {
                continue;
            };
            match through.iter_mut().find(|t| t.root.path == candidate.path) {
                Some(t) => {
                    t.modules.insert(dir.clone());
                }
                None => through.push(Through {
                    root: candidate.clone(),
                    modules: BTreeSet::from([dir.clone()]),
                }),
            }
        }
    }
    through.sort_by(|a, b| a.root.cmp(&b.root));
    out.through = through;
    out
}

/// The root modules above `dir`: its callers, their callers and so on, and of
/// those the roots a scan of the repository takes (`root_modules`). Empty when
/// nothing calls `dir`, or when it is itself the root of a cycle of calls.
fn roots_above(dir: &Path, repo: &Repo, loader: &Loader) -> Vec<PathBuf> {
    let mut calls: HashMap<PathBuf, Vec<PathBuf>> = HashMap::from([(dir.to_path_buf(), vec![])]);
    let mut seen: HashSet<PathBuf> = HashSet::from([dir.to_path_buf()]);
    let mut queue = vec![dir.to_path_buf()];
    while let Some(module) = queue.pop() {
        let callers: Vec<&PathBuf> = repo
            .callers
            .get(&module)
            .into_iter()
            .flatten()
            .filter(|caller| {
                // The text search may have matched another block's `source`: parse.
                let path = &repo.dirs[*caller].path;
                loader.local_calls(path).contains(&module)
            })
            .collect();
        for caller in callers {
            calls
                .entry(caller.clone())
                .or_default()
                .push(module.clone());
            if seen.insert(caller.clone()) {
                queue.push(caller.clone());
            }
        }
    }
    let mut roots: Vec<PathBuf> = root_modules(&calls)
        .into_iter()
        .filter(|r| r != dir)
        .collect();
    roots.sort();
    roots
}

/// The root modules of a call graph (`calls`: each module directory, resolved, and
/// those it calls): the modules no other module calls, and of modules that call each
/// other in a cycle which no module outside it calls, the first by path (Terraform
/// rejects the cycle; its modules are checked once, through that root). A module
/// that calls itself stays a root.
pub fn root_modules(calls: &HashMap<PathBuf, Vec<PathBuf>>) -> HashSet<PathBuf> {
    let mut nodes: Vec<&PathBuf> = calls.keys().chain(calls.values().flatten()).collect();
    nodes.sort();
    nodes.dedup();
    let index_of: HashMap<&PathBuf, usize> =
        nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let succ: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            calls
                .get(*n)
                .into_iter()
                .flatten()
                .map(|m| index_of[m])
                .collect()
        })
        .collect();
    let component = strongly_connected(&succ);
    let count = component.iter().max().map_or(0, |c| c + 1);
    let mut called = vec![false; count];
    for (from, targets) in succ.iter().enumerate() {
        for &to in targets {
            if component[from] != component[to] {
                called[component[to]] = true;
            }
        }
    }
    // `nodes` is sorted: the first member of each uncalled component is its root.
    let mut taken = vec![false; count];
    let mut roots = HashSet::new();
    for (i, node) in nodes.iter().enumerate() {
        let c = component[i];
        if !called[c] && !taken[c] {
            taken[c] = true;
            roots.insert((*node).clone());
        }
    }
    roots
}

/// The strongly connected component of each node of a graph given as successor
/// lists (Tarjan's algorithm, with an explicit stack: a repository's call chains
/// may be long).
fn strongly_connected(succ: &[Vec<usize>]) -> Vec<usize> {
    const NONE: usize = usize::MAX;
    let n = succ.len();
    let (mut index, mut low) = (vec![NONE; n], vec![0; n]);
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![NONE; n];
    let (mut next, mut components) = (0, 0);
    for start in 0..n {
        if index[start] != NONE {
            continue;
        }
        index[start] = next;
        low[start] = next;
        next += 1;
        stack.push(start);
        on_stack[start] = true;
        // (node, next successor to visit)
        let mut work = vec![(start, 0)];
        while let Some((v, i)) = work.pop() {
            if let Some(&w) = succ[v].get(i) {
                work.push((v, i + 1));
                if index[w] == NONE {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = components;
                    if w == v {
                        break;
                    }
                }
                components += 1;
            }
            if let Some(&(u, _)) = work.last() {
                low[u] = low[u].min(low[v]);
            }
        }
    }
    component
}

/// The repository's module directories and their local calls, from the text of their
/// files; None when it holds more than `MAX_CALLER_FILES` Terraform files.
fn index(root: &Path, loader: &Loader, excluded: &(dyn Fn(&Path) -> bool + Sync)) -> Option<Repo> {
    let found = discover::discover(&[root.to_path_buf()]);
    if found.terraform_files > MAX_CALLER_FILES {
        return None;
    }
    let dirs: HashMap<PathBuf, Candidate> = found
        .terraform_dirs
        .into_iter()
        .filter(|c| !excluded(&c.path))
        .map(|c| (loader.canonical(&c.path), c))
        .collect();
    let max_bytes = loader.limits().max_file_bytes;
    let edges: Vec<(PathBuf, PathBuf)> = dirs
        .par_iter()
        .flat_map_iter(|(resolved, c)| {
            let mut targets = BTreeSet::new();
            for file in module_files(&c.path) {
                // Files over the size limit are not parsed by a scan either.
                let small = std::fs::metadata(&file).is_ok_and(|m| m.len() <= max_bytes);
                let Some(text) = small.then(|| std::fs::read(&file).ok()).flatten() else {
                    continue;
                };
                for source in local_sources(&String::from_utf8_lossy(&text)) {
                    if let Ok(target) = c.path.join(source).canonicalize() {
                        targets.insert(target);
                    }
                }
            }
            targets.into_iter().map(move |t| (t, resolved.clone()))
        })
        .collect();
    let mut callers: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
    for (callee, caller) in edges {
        callers.entry(callee).or_default().push(caller);
    }
    for list in callers.values_mut() {
        list.sort();
    }
    Some(Repo { dirs, callers })
}

/// Local paths written as a `source`, in HCL (`source = "./x"`) or JSON
/// (`"source": "../x"`). Other blocks have `source` attributes too (a file
/// provisioner): callers found this way are confirmed by parsing.
pub fn local_sources(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (at, key) in text.match_indices("source") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            continue;
        }
        let rest = &text[at + key.len()..];
        let rest = rest.strip_prefix('"').unwrap_or(rest);
        let rest = rest.trim_start_matches([' ', '\t']);
        let Some(rest) = rest.strip_prefix(['=', ':']) else {
            continue;
        };
        let Some(rest) = rest.trim_start_matches([' ', '\t']).strip_prefix('"') else {
            continue;
        };
        let Some(end) = rest.find(['"', '\n']) else {
            continue;
        };
        let value = &rest[..end];
        if is_local_source(value) {
            out.push(value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_sources_are_found_in_hcl_and_json() {
        let hcl = "module \"a\" {\n  source = \"./a\"\n}\nmodule \"b\" {\n  source   =   \"../b\"\n}\nmodule \"r\" {\n  source = \"hashicorp/x/aws\"\n}\nresource \"x\" \"y\" {\n  source_dir = \"./not\"\n  data_source = \"./not\"\n}\n";
        assert_eq!(local_sources(hcl), ["./a", "../b"]);
        let json = r#"{"module": {"w": {"source": "./modules/w"}, "x": {"source" : ".."}}}"#;
        assert_eq!(local_sources(json), ["./modules/w", ".."]);
        assert!(local_sources("source = \"./unterminated").is_empty());
    }
}

#[cfg(test)]
mod root_tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> HashMap<PathBuf, Vec<PathBuf>> {
        edges
            .iter()
            .map(|(from, to)| (PathBuf::from(from), to.iter().map(PathBuf::from).collect()))
            .collect()
    }

    fn roots(edges: &[(&str, &[&str])]) -> Vec<String> {
        let mut r: Vec<String> = root_modules(&graph(edges))
            .into_iter()
            .map(|p| p.display().to_string())
            .collect();
        r.sort();
        r
    }

    /// Uncalled modules are roots; a module that calls itself stays one; of a cycle
    /// that nothing outside calls, the first by path; a cycle below a root has none.
    #[test]
    fn roots_of_call_graphs_with_cycles() {
        assert_eq!(roots(&[("r", &["m"]), ("m", &[])]), ["r"]);
        assert_eq!(roots(&[("self", &["self"])]), ["self"]);
        assert_eq!(
            roots(&[("b", &["a"]), ("a", &["b"]), ("c", &[])]),
            ["a", "c"]
        );
        assert_eq!(
            roots(&[("r", &["b"]), ("a", &["b"]), ("b", &["c"]), ("c", &["a"])]),
            ["r"]
        );
        // Two separate cycles, one called by a module of the other.
        assert_eq!(
            roots(&[
                ("x", &["y"]),
                ("y", &["x", "p"]),
                ("p", &["q"]),
                ("q", &["p"])
            ]),
            ["x"]
        );
        // A long chain (no recursion in the walk).
        let names: Vec<String> = (0..100_000).map(|i| format!("m{i:06}")).collect();
        let chain: HashMap<PathBuf, Vec<PathBuf>> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let next = names.get(i + 1).map(PathBuf::from).into_iter().collect();
                (PathBuf::from(n), next)
            })
            .collect();
        let found: Vec<PathBuf> = root_modules(&chain).into_iter().collect();
        assert_eq!(found, [PathBuf::from("m000000")]);
    }
}
