//! The pipeline: discover → (load → normalise → evaluate → locate), one file at a
//! time in parallel, then sorted for deterministic output. `filter` and `report`
//! run on the result.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::discover::{self, Candidate};
use crate::evaluate::PolicySet;
use crate::finding::{fingerprint, Finding};
use crate::load::{self, LoadError, Syntax};
use crate::locate::locate;
use crate::normalise::cfn_parameters::ParameterFile;
use crate::normalise::terraform::{self, plan, Loader, TerraformOptions};
use crate::normalise::{cloudformation, Format, Unit};
use crate::source::{SourceFile, Span};

/// A file or policy that could not be read, parsed or evaluated.
#[derive(Debug, Clone)]
pub struct InputError {
    /// The file as shown to users (a template, or a policy file).
    pub file: String,
    /// The text, when the error points into it.
    pub source: Option<Arc<SourceFile>>,
    pub span: Option<Span>,
    pub message: String,
    pub related: Vec<(Span, String)>,
}

impl InputError {
    pub fn plain(file: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError {
            file: file.into(),
            source: None,
            span: None,
            message: message.into(),
            related: vec![],
        }
    }

    /// A policy's error, located in the policy when it says where.
    pub fn policy(e: &crate::evaluate::PolicyError) -> InputError {
        InputError {
            file: e.file.clone(),
            source: e.source.clone(),
            span: e.span,
            message: e.message.clone(),
            related: vec![],
        }
    }

    fn load(source: Arc<SourceFile>, e: LoadError) -> InputError {
        InputError {
            file: source.display.clone(),
            span: e.span,
            message: e.message,
            related: e.related,
            source: Some(source),
        }
    }

    /// 1-based (line, column) of the error, when it has a location.
    pub fn position(&self) -> Option<(usize, usize)> {
        let (src, span) = (self.source.as_ref()?, self.span?);
        let p = src.position(span.start);
        Some((p.line, p.column))
    }
}

#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub files: usize,
    pub units: usize,
    /// Of the units: CloudFormation templates and Terraform root modules.
    pub templates: usize,
    pub modules: usize,
    pub plans: usize,
    pub resources: usize,
    pub skipped: usize,
}

#[derive(Debug, Default)]
pub struct ScanResult {
    /// Boxed: each unit's findings move into this list and are sorted by pointer,
    /// never copied (a large scan held two copies of every finding while merging).
    pub findings: Vec<Box<Finding>>,
    pub errors: Vec<InputError>,
    pub stats: Stats,
    /// The units scanned, by name, in order.
    pub units: Vec<String>,
    /// The format of each unit of `units`, at the same index.
    pub unit_formats: Vec<Format>,
    /// With a baseline: its entries, and how many of them no longer occur.
    pub baseline: Option<(usize, usize)>,
    /// Files that are not templates, with the reason (shown with --verbose).
    pub skipped: Vec<(String, String)>,
    /// What the scan could not take into account (shown with --verbose).
    pub notes: Vec<String>,
    /// What the scan covered, for judging a baseline's and the config's entries.
    pub coverage: Coverage,
    pub elapsed: Duration,
}

/// What a scan covered. A partial scan (pre-commit passes only the staged files)
/// says nothing about a baseline entry or an exception of another file or unit:
/// they are neither matched nor stale.
#[derive(Debug, Default)]
pub struct Coverage {
    /// The paths given, resolved: a folder covers everything below it.
    given: Vec<PathBuf>,
    /// The units scanned, by name.
    units: HashSet<String>,
    /// Files (as shown) of the resources whose findings were reported.
    files: HashSet<String>,
    /// Staged module directories (resolved) checked through their root modules.
    dirs: HashSet<PathBuf>,
    /// With `ScanOptions::collect_resources`: each resource whose findings were
    /// reported, and its file as shown.
    pub resources: Vec<(String, String)>,
}

impl Coverage {
    /// Could a finding in `file`, of `unit` (as shown; None: of any unit), have come
    /// from this scan?
    pub fn covers(&self, file: &str, unit: Option<&str>) -> bool {
        let given = |p: &str| {
            let resolved = resolve_leniently(Path::new(p));
            self.given.iter().any(|g| resolved.starts_with(g))
        };
        let file_covered = self.files.contains(file)
            || (!self.dirs.is_empty()
                && self.dirs.contains(&resolve_leniently(
                    Path::new(file).parent().unwrap_or(Path::new("")),
                )))
            || given(file);
        file_covered && unit.is_none_or(|u| self.units.contains(u) || given(u))
    }

    /// Was the whole of `folder` (resolved) scanned?
    pub fn covers_folder(&self, folder: &Path) -> bool {
        self.given
            .iter()
            .any(|g| g.is_dir() && folder.starts_with(g))
    }
}

/// The resolved path of `path`, also when it (or its folder) no longer exists: a
/// deleted file is still covered by the folder it was in.
fn resolve_leniently(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    if let Ok(resolved) = path.canonicalize() {
        return resolved;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => resolve_leniently(parent).join(name),
        _ => std::env::current_dir()
            .map(|cwd| discover::clean_path(&cwd.join(path)))
            .unwrap_or_else(|_| path.to_path_buf()),
    }
}

// Boxed findings on purpose (see `ScanResult::findings`).
#[allow(clippy::vec_box)]
enum Outcome {
    Skipped(String, String),
    Scanned {
        unit: String,
        format: Format,
        findings: Vec<Box<Finding>>,
        errors: Vec<InputError>,
        resources: usize,
        notes: Vec<String>,
        /// The files of its resources whose findings are reported (as shown).
        files: Vec<String>,
        /// With `ScanOptions::collect_resources`: those resources and their files.
        resource_files: Vec<(String, String)>,
    },
    Failed(InputError),
}

impl Outcome {
    /// Points the findings at a copy of their file without its text (positions
    /// are already computed), one copy per file.
    fn drop_sources(&mut self) {
        let Outcome::Scanned { findings, .. } = self else {
            return;
        };
        // By file (a module's findings may span many files): linear in findings.
        let mut names: HashMap<*const SourceFile, Arc<SourceFile>> = HashMap::new();
        for f in findings {
            let key = Arc::as_ptr(&f.file);
            let name = names
                .entry(key)
                .or_insert_with(|| Arc::new(SourceFile::new(f.file.display.clone(), "")))
                .clone();
            f.file = name;
        }
    }
}

/// A file after load and normalise.
pub enum Loaded {
    Unit(Unit, Vec<InputError>),
    /// Not a template: the reason, for --verbose.
    Skipped(String),
    Failed(InputError),
}

/// What to scan, and options for the inputs.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    pub terraform: TerraformOptions,
    /// Deploy-time CloudFormation parameter values (later files win).
    pub parameter_files: Vec<ParameterFile>,
    /// Counters a progress display can read while the scan runs.
    pub progress: Option<Arc<Progress>>,
    /// Paths the configuration excludes (`exclude` globs).
    pub exclude: Option<Arc<crate::config::Config>>,
    /// What one input file may cost (size, nesting, YAML aliases).
    pub limits: load::Limits,
    /// Findings keep only their file's name, not its text: for reports that show
    /// no source lines, so that a large scan does not hold every file in memory.
    pub drop_sources: bool,
    /// Findings keep the rule's remediation, not the fix text their policy wrote for
    /// them: for reports that print no fixes (JSON, markdown), so that a large scan
    /// does not hold a few hundred bytes per finding that nobody reads.
    pub drop_fixes: bool,
    /// Record every resource scanned and its file (`Coverage::resources`).
    pub collect_resources: bool,
}

/// How far a running scan is: units to scan (known after discovery) and done.
#[derive(Debug, Default)]
pub struct Progress {
    pub total: std::sync::atomic::AtomicUsize,
    pub done: std::sync::atomic::AtomicUsize,
}

/// Scans `paths` with default input options.
pub fn scan(paths: &[PathBuf], policies: &PolicySet) -> ScanResult {
    scan_with(
        &ScanOptions {
            paths: paths.to_vec(),
            ..Default::default()
        },
        policies,
    )
}

enum Job<'a> {
    Template(&'a Candidate),
    /// A root module; with module directories, only their findings are reported
    /// (staged child modules checked through this root).
    Terraform(&'a Candidate, Option<&'a BTreeSet<PathBuf>>),
}

pub fn scan_with(options: &ScanOptions, policies: &PolicySet) -> ScanResult {
    let started = Instant::now();
    let mut discovery = discover::discover(&options.paths);
    stage("discovery", started);
    if let Some(config) = &options.exclude {
        discovery.files.retain(|c| !config.excludes(&c.path));
        discovery
            .terraform_dirs
            .retain(|c| !config.excludes(&c.path));
    }
    // Staged child modules are checked through the root modules of their repository
    // that call them, so the loader reads (and follows symlinks) within those
    // repositories as a scan of them would.
    let staged: Vec<Candidate> = discovery
        .terraform_dirs
        .iter()
        .filter(|c| {
            discovery
                .staged_terraform_dirs
                .contains(&terraform::canonical(&c.path))
        })
        .cloned()
        .collect();
    let mut root_paths = options.paths.clone();
    root_paths.extend(
        staged
            .iter()
            .filter_map(|c| discover::repository_root(&terraform::canonical(&c.path))),
    );
    let loader = Loader::new(options.limits, discover::Roots::of(&root_paths));
    let excluded = |p: &Path| options.exclude.as_ref().is_some_and(|c| c.excludes(p));
    let callers = terraform::callers::roots_calling(&staged, &loader, &excluded);
    let mut module_dirs: Vec<Candidate> = discovery
        .terraform_dirs
        .iter()
        .filter(|c| {
            !discovery
                .staged_terraform_dirs
                .contains(&loader.canonical(&c.path))
        })
        .cloned()
        .collect();
    module_dirs.extend(callers.own.iter().cloned());
    let root_modules = terraform_roots(&module_dirs, &loader);
    // A root scanned in full already reports its staged modules' findings.
    let full: HashSet<PathBuf> = root_modules
        .iter()
        .map(|c| loader.canonical(&c.path))
        .collect();
    let through: Vec<&terraform::callers::Through> = callers
        .through
        .iter()
        .filter(|t| !full.contains(&loader.canonical(&t.root.path)))
        .collect();
    let mut terraform_jobs: Vec<(&Candidate, Option<&BTreeSet<PathBuf>>)> = root_modules
        .into_iter()
        .map(|c| (c, None))
        .chain(through.iter().map(|t| (&t.root, Some(&t.modules))))
        .collect();
    // In display order, so that a scan's output does not depend on the walk.
    terraform_jobs.sort_by(|a, b| a.0.display.cmp(&b.0.display));
    let jobs: Vec<Job> = discovery
        .files
        .iter()
        .map(Job::Template)
        .chain(
            terraform_jobs
                .into_iter()
                .map(|(c, only)| Job::Terraform(c, only)),
        )
        .collect();
    stage("root modules found", started);
    use std::sync::atomic::Ordering::Relaxed;
    if let Some(p) = &options.progress {
        p.total.store(jobs.len(), Relaxed);
    }
    let how = Evaluation {
        policies,
        collect_resources: options.collect_resources,
        drop_fixes: options.drop_fixes,
        // Fewer units than cores: the cores a unit does not get would idle, so its
        // rules share them.
        spread_rules: jobs.len() < rayon::current_num_threads(),
    };
    let outcomes: Vec<Outcome> = jobs
        .par_iter()
        .map(|job| {
            let mut outcome = match job {
                Job::Template(c) => scan_file(c, &loader, &options.parameter_files, &how),
                Job::Terraform(c, only) => {
                    scan_terraform(c, *only, &loader, &options.terraform, &how)
                }
            };
            if options.drop_sources {
                outcome.drop_sources();
            }
            if let Some(p) = &options.progress {
                p.done.fetch_add(1, Relaxed);
            }
            outcome
        })
        .collect();

    stage("units scanned", started);
    let mut result = ScanResult::default();
    result
        .errors
        .extend(policies.errors.iter().map(InputError::policy));
    result.errors.extend(
        discovery
            .errors
            .into_iter()
            .map(|(f, m)| InputError::plain(f, m)),
    );
    result.stats.files = discovery.files.len() + discovery.terraform_files;
    result.notes.extend(callers.notes);
    result.coverage.given = options
        .paths
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    result.coverage.dirs = through
        .iter()
        .flat_map(|t| t.modules.iter().cloned())
        .collect();
    result.stats.skipped += discovery.skipped.len();
    result.skipped.extend(discovery.skipped);
    let total = outcomes
        .iter()
        .map(|o| match o {
            Outcome::Scanned { findings, .. } => findings.len(),
            _ => 0,
        })
        .sum();
    result.findings.reserve_exact(total);
    for o in outcomes {
        match o {
            Outcome::Skipped(file, why) => {
                result.stats.skipped += 1;
                result.skipped.push((file, why));
            }
            Outcome::Scanned {
                unit,
                format,
                mut findings,
                mut errors,
                resources,
                mut notes,
                files,
                mut resource_files,
            } => {
                result.stats.units += 1;
                result.coverage.units.insert(unit.clone());
                result.coverage.files.extend(files);
                result.coverage.resources.append(&mut resource_files);
                match format {
                    Format::CloudFormation => result.stats.templates += 1,
                    Format::Terraform => result.stats.modules += 1,
                    Format::TerraformPlan => result.stats.plans += 1,
                }
                result.units.push(unit);
                result.unit_formats.push(format);
                result.stats.resources += resources;
                result.findings.append(&mut findings);
                result.errors.append(&mut errors);
                result.notes.append(&mut notes);
            }
            Outcome::Failed(e) => result.errors.push(e),
        }
    }
    // A finding belongs to its unit: a module called by two root modules, or a plan
    // beside its configuration, gives each unit its own finding at the same place
    // (reports that show places merge them: report::shown, which needs the findings
    // of one place ordered by message, then unit). Within a unit, a finding two
    // paths of a resource place on the same span is reported once.
    result.findings.par_sort_by(|a, b| {
        (a.sort_key(), &a.message, &a.unit).cmp(&(b.sort_key(), &b.message, &b.unit))
    });
    result.findings.dedup_by(|a, b| {
        a.sort_key() == b.sort_key() && a.message == b.message && a.unit == b.unit
    });
    result.errors.sort_by(|a, b| {
        (&a.file, a.span.map(|s| s.start)).cmp(&(&b.file, b.span.map(|s| s.start)))
    });
    result
        .errors
        .dedup_by(|a, b| a.file == b.file && a.message == b.message && a.span == b.span);
    result.elapsed = started.elapsed();
    stage("results merged", started);
    result
}

/// `OPSGATE_PROFILE=1`: the time since `started` at the end of a stage of the scan.
pub fn stage(name: &str, started: Instant) {
    if crate::evaluate::profiling() {
        eprintln!(
            "opsgate profile: {:>9.3} ms  [{name}]",
            started.elapsed().as_secs_f64() * 1e3
        );
    }
}

/// Reads and parses a file into a CloudFormation unit, or says why it is not one.
pub fn load_unit(c: &Candidate, loader: &Loader, parameter_files: &[ParameterFile]) -> Loaded {
    let size = std::fs::metadata(&c.path).map(|m| m.len()).unwrap_or(0);
    if let Some(e) = loader.limits().check_size(size) {
        return Loaded::Failed(InputError::plain(&c.display, e.message));
    }
    let bytes = match std::fs::read(&c.path) {
        Ok(b) => b,
        Err(e) => {
            return Loaded::Failed(InputError::plain(&c.display, format!("cannot read: {e}")))
        }
    };
    let text = match load::decode(bytes.clone()) {
        Ok(t) => t,
        Err(e) => {
            // Show what could be decoded, so the location still means something.
            let lossy = String::from_utf8_lossy(&bytes).replace('\0', " ");
            let source = Arc::new(SourceFile::new(c.display.clone(), lossy));
            if !looks_like_template(&source.text) && !is_template_name(&c.display) {
                return Loaded::Skipped(format!("not a text file ({})", e.message));
            }
            return Loaded::Failed(InputError::load(source, e));
        }
    };
    let syntax = Syntax::detect(&c.path, &text);
    let source = Arc::new(SourceFile::new(c.display.clone(), text));
    let root = match load::parse_with(&source.text, syntax, loader.limits()) {
        Ok(Some(root)) => root,
        Ok(None) => return Loaded::Skipped("empty document".into()),
        Err(e) => {
            if looks_like_template(&source.text) {
                return Loaded::Failed(InputError::load(source, e));
            }
            return Loaded::Skipped(format!(
                "not a template (and not valid {}: {})",
                syntax_name(syntax),
                e.message
            ));
        }
    };
    if syntax == Syntax::Json && plan::is_plan(&root) {
        return Loaded::Unit(plan::normalise(source, &root, loader), vec![]);
    }
    if !cloudformation::is_template(&root) {
        return Loaded::Skipped("not a CloudFormation template".into());
    }
    let given = crate::normalise::cfn_parameters::for_template(parameter_files, &c.path);
    let (unit, errors) = cloudformation::normalise(source.clone(), root, loader.limits(), &given);
    let errors = errors
        .into_iter()
        .map(|e| InputError::load(source.clone(), e))
        .collect();
    Loaded::Unit(unit, errors)
}

/// Terraform module directories that are root modules: each parsed (in parallel),
/// minus those that another scanned module calls as a local module — those are
/// checked as part of their callers (a cycle of calls: through its first module,
/// `callers::root_modules`).
pub fn terraform_roots<'a>(dirs: &'a [Candidate], loader: &Loader) -> Vec<&'a Candidate> {
    let calls: std::collections::HashMap<PathBuf, Vec<PathBuf>> = dirs
        .par_iter()
        .map(|d| (loader.canonical(&d.path), loader.local_calls(&d.path)))
        .collect();
    let root_modules = terraform::callers::root_modules(&calls);
    let roots: Vec<&Candidate> = dirs
        .iter()
        .filter(|d| root_modules.contains(&loader.canonical(&d.path)))
        .collect();
    let root_paths: Vec<PathBuf> = roots.iter().map(|d| d.path.clone()).collect();
    loader.expect_uses(&root_paths, &calls);
    roots
}

/// `only`: the module directories (resolved) whose findings are reported; None: all.
fn scan_terraform(
    c: &Candidate,
    only: Option<&BTreeSet<PathBuf>>,
    loader: &Loader,
    options: &TerraformOptions,
    how: &Evaluation,
) -> Outcome {
    let (unit, errors) = terraform::normalise(&c.path, loader, options);
    loader.release(&c.path);
    let errors = errors
        .into_iter()
        .map(|(src, e)| InputError::load(src, e))
        .collect();
    let in_modules = |file: &str| {
        let dir = Path::new(file)
            .parent()
            .filter(|d| !d.as_os_str().is_empty());
        only.is_some_and(|dirs| dirs.contains(&loader.canonical(dir.unwrap_or(Path::new(".")))))
    };
    let keep: Option<&dyn Fn(&str) -> bool> = match only {
        Some(_) => Some(&in_modules),
        None => None,
    };
    evaluate_unit(unit, errors, how, keep)
}

/// How the units of one scan are evaluated.
struct Evaluation<'a> {
    policies: &'a PolicySet,
    /// `ScanOptions::collect_resources`.
    collect_resources: bool,
    /// `ScanOptions::drop_fixes`.
    drop_fixes: bool,
    /// Run each unit's rules side by side whatever its size.
    spread_rules: bool,
}

fn scan_file(
    c: &Candidate,
    loader: &Loader,
    parameter_files: &[ParameterFile],
    how: &Evaluation,
) -> Outcome {
    let started = Instant::now();
    match load_unit(c, loader, parameter_files) {
        Loaded::Unit(u, e) => {
            if crate::evaluate::profiling() {
                eprintln!(
                    "opsgate profile: {:>9.3} ms  (load and normalise)  {}",
                    started.elapsed().as_secs_f64() * 1e3,
                    u.name
                );
            }
            evaluate_unit(u, e, how, None)
        }
        Loaded::Skipped(why) => Outcome::Skipped(c.display.clone(), why),
        Loaded::Failed(e) => Outcome::Failed(e),
    }
}

/// evaluate → locate for one unit. With `keep`, only the findings in the files it
/// keeps (as shown) are reported; the policies still see the whole unit.
fn evaluate_unit(
    mut unit: Unit,
    mut errors: Vec<InputError>,
    how: &Evaluation,
    keep: Option<&dyn Fn(&str) -> bool>,
) -> Outcome {
    let started = Instant::now();
    let policies = how.policies;
    let (raw, policy_errors) = policies.evaluate(&mut unit, how.spread_rules);
    if crate::evaluate::profiling() {
        eprintln!(
            "opsgate profile: {:>9.3} ms  (every rule)  {}",
            started.elapsed().as_secs_f64() * 1e3,
            unit.name
        );
    }
    let started = Instant::now();
    errors.extend(policy_errors.iter().map(InputError::policy));
    let mut findings = Vec::with_capacity(raw.len());
    let unit_name: Arc<str> = unit.name.as_str().into();
    // A resource's name, type and CDK path, shared by its findings.
    type Shared = (Arc<str>, Arc<str>, Option<Arc<str>>);
    let mut shared: std::collections::HashMap<String, Shared> = Default::default();
    // Locating and fingerprinting are independent per finding, and a large unit has
    // tens of thousands: in parallel.
    let placed: Vec<_> = raw
        .par_iter()
        .map(|f| {
            let res = unit.resources.get(&f.resource)?;
            let span = locate(res, &f.path);
            let id = &policies.rules[f.rule_index].meta.id;
            Some((
                span,
                res.file.position(span.start),
                res.file.end_position(span),
                fingerprint(id, &unit.name, &f.resource, &f.path),
            ))
        })
        .collect();
    for (f, placed) in raw.into_iter().zip(placed) {
        let rule = &policies.rules[f.rule_index];
        let (Some(res), Some((span, start, end, fingerprint))) =
            (unit.resources.get(&f.resource), placed)
        else {
            errors.push(InputError::plain(
                &rule.file,
                format!(
                    "{} reported a resource that {} does not define: `{}`",
                    rule.meta.id, unit.name, f.resource
                ),
            ));
            continue;
        };
        let fix = match f.fix {
            Some(own) if !how.drop_fixes => own.into(),
            _ => rule.texts.remediation(unit.format.as_str()),
        };
        let (resource, resource_type, cdk_path) = shared
            .entry(f.resource.clone())
            .or_insert_with(|| {
                (
                    f.resource.as_str().into(),
                    res.resource_type.as_str().into(),
                    res.cdk_path.as_deref().map(Into::into),
                )
            })
            .clone();
        findings.push(Box::new(Finding {
            rule: rule.texts.id.clone(),
            rule_index: f.rule_index,
            severity: match f.severity {
                Some(s) if !rule.severity_override => s,
                _ => rule.meta.severity,
            },
            title: rule.texts.title.clone(),
            message: f.message.into(),
            fix,
            start,
            end,
            file: res.file.clone(),
            span,
            fingerprint,
            unit: unit_name.clone(),
            resource,
            resource_type,
            cdk_path,
            suppressed: None,
        }));
    }
    crate::suppress::apply(&unit, &mut findings, policies);
    // Whether each file (as shown) is kept, asked once per file.
    let mut kept_files: std::collections::HashMap<String, bool> = Default::default();
    let mut kept = |file: &str| match keep {
        None => true,
        Some(keep) => match kept_files.get(file) {
            Some(k) => *k,
            None => *kept_files.entry(file.to_string()).or_insert(keep(file)),
        },
    };
    let mut resources = 0;
    let mut resource_files = Vec::new();
    for (name, res) in &unit.resources {
        if kept(res.file.display.as_str()) {
            resources += 1;
            if how.collect_resources {
                resource_files.push((name.clone(), res.file.display.clone()));
            }
        }
    }
    if keep.is_some() {
        findings.retain(|f| kept(f.file.display.as_str()));
    }
    let mut files: Vec<String> = kept_files
        .iter()
        .filter(|(_, k)| **k)
        .map(|(f, _)| f.clone())
        .collect();
    if keep.is_none() {
        files = unit
            .resources
            .values()
            .map(|r| r.file.display.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
    }
    if crate::evaluate::profiling() {
        eprintln!(
            "opsgate profile: {:>9.3} ms  (locate and suppress)  {}",
            started.elapsed().as_secs_f64() * 1e3,
            unit.name
        );
    }
    Outcome::Scanned {
        unit: unit.name.clone(),
        format: unit.format,
        findings,
        errors,
        resources,
        notes: std::mem::take(&mut unit.notes),
        files,
        resource_files,
    }
}

fn syntax_name(s: Syntax) -> &'static str {
    match s {
        Syntax::Yaml => "YAML",
        Syntax::Json => "JSON",
    }
}

fn is_template_name(display: &str) -> bool {
    display.ends_with(".template")
        || display.ends_with(".template.json")
        || display.ends_with(".template.yaml")
}

/// For text that does not parse: does it still read like a template? Then the
/// parse error is the user's problem to see; otherwise the file is skipped quietly.
fn looks_like_template(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources") && (text.contains("AWS::") || text.contains("Custom::")))
}
