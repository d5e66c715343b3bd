//! The command line: parses arguments, wires the stages together, picks the output.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{self, Config, ConfigError};
use crate::evaluate::{PolicyOptions, PolicySet};
use crate::filter::{self, Baseline, EXIT_CLEAN, EXIT_ERRORS};
use crate::finding::Severity;
use crate::normalise::cfn_parameters::{self, ParameterFile, TemplateGlob};
use crate::report::{self, human::HumanOptions, outputs::Format};
use crate::scan::{self, Loaded};

#[derive(Parser)]
#[command(
    name = "opsgate",
    version,
    about = "Operational-readiness checks for AWS CloudFormation (plain, SAM, CDK output) and Terraform (modules and plans), derived from the Well-Architected Operational Excellence pillar"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan CloudFormation templates, Terraform modules and Terraform plans (files or
    /// folders) and report findings
    Scan(ScanArgs),
    /// List the rules
    Rules {
        /// table, json (all metadata) or markdown (as docs/rules.md)
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
        #[command(flatten)]
        policies: PolicyArgs,
    },
    /// Explain one rule: the best practice, why it matters, how to fix it
    #[command(after_help = POLICY_AUTHORING)]
    Explain {
        /// Rule id, e.g. OPS-TEL-001
        rule: String,
        #[command(flatten)]
        policies: PolicyArgs,
    },
    /// Test your own policies: their fixtures (fixtures/policies/<ID>/) and Rego test_ rules
    #[command(after_help = POLICY_AUTHORING)]
    Test {
        /// A folder with `policies/` (Rego) and `fixtures/policies/<ID>/`, laid out like opsgate's own
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Record the current findings in a baseline file; `scan --baseline FILE` then
    /// reports only new ones
    Baseline {
        /// Files or folders to scan
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// The baseline file to write
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        #[command(flatten)]
        policies: PolicyArgs,
        #[command(flatten)]
        inputs: InputArgs,
    },
    /// List the config file's exceptions and their state (active, expiring within 30
    /// days, expired, unused) on a scan of PATHs
    Exceptions {
        /// Files or folders to scan
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        policies: PolicyArgs,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Print the policy input opsgate builds for each CloudFormation template, Terraform
    /// root module and plan (for policy authors), from the same inputs as `scan`
    #[command(after_help = POLICY_AUTHORING)]
    Input {
        /// Files or folders, as for scan
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        inputs: InputArgs,
        /// Print {"input": ..., "data": {"opsgate": {"config": ...}}}: also what policies
        /// read from data.opsgate.config (the scan date, the config's rule parameters)
        #[arg(long)]
        data: bool,
    },
}

/// Where `explain`, `test` and `input` send policy authors.
const POLICY_AUTHORING: &str = "Writing your own policies (the policy input, the lib helpers, the fixtures `opsgate test` expects): docs/policy-authoring.md, https://github.com/opsgate/opsgate/blob/main/docs/policy-authoring.md";

#[derive(Args)]
struct PolicyArgs {
    /// A folder of your own Rego policies (repeatable)
    #[arg(long = "policy-dir", value_name = "DIR")]
    policy_dirs: Vec<PathBuf>,
    #[command(flatten)]
    config: ConfigArg,
}

#[derive(Args)]
struct ConfigArg {
    /// The config file (default: opsgate.toml or .opsgate.toml in the scanned folder
    /// or a parent)
    #[arg(id = "config", long = "config", value_name = "FILE")]
    file: Option<PathBuf>,
}

/// What shapes the inputs themselves, besides the config file: `scan`, `baseline` and
/// `input` read templates and modules the same way.
#[derive(Args, Clone, Default)]
struct InputArgs {
    /// A Terraform variables file for root modules, after terraform.tfvars and
    /// *.auto.tfvars (repeatable; later files win)
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// CloudFormation parameter values to check the templates with, over their
    /// defaults: `[{"ParameterKey": ..., "ParameterValue": ...}]`,
    /// `{"Parameters": {...}}` or a samconfig.toml (repeatable; later files win)
    #[arg(long = "cfn-parameters", value_name = "FILE")]
    cfn_parameters: Vec<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

impl InputArgs {
    /// Every --var-file must exist (a mistyped one would silently change values);
    /// the CloudFormation parameter files, the config's and then --cfn-parameters,
    /// are read here, once, and must be valid.
    fn prepare(&self, config: &Config) -> Result<Vec<ParameterFile>, i32> {
        for f in &self.var_files {
            if !f.is_file() {
                eprintln!("error: --var-file {}: no such file", f.display());
                return Err(EXIT_ERRORS);
            }
        }
        let max = self.limits.resolve(config).max_file_bytes;
        let mut files = Vec::new();
        for entry in &config.parameter_files {
            let values = cfn_parameters::read(&entry.file, max).map_err(|why| {
                let at = config.file.as_ref().map_or(String::new(), |f| {
                    let p = f.position(entry.span.start);
                    format!("{}:{}:{}: ", f.display, p.line, p.column)
                });
                eprintln!(
                    "error: {at}parameter file {}: {why}",
                    crate::discover::display_path(&entry.file)
                );
                EXIT_ERRORS
            })?;
            files.push(ParameterFile {
                templates: entry.templates.clone().map(|glob| TemplateGlob {
                    glob,
                    root: config.root.clone(),
                }),
                values,
            });
        }
        for path in &self.cfn_parameters {
            let values = cfn_parameters::read(path, max).map_err(|why| {
                eprintln!("error: --cfn-parameters {}: {why}", path.display());
                EXIT_ERRORS
            })?;
            files.push(ParameterFile {
                templates: None,
                values,
            });
        }
        Ok(files)
    }

    fn terraform(&self) -> crate::normalise::terraform::TerraformOptions {
        crate::normalise::terraform::TerraformOptions {
            var_files: self.var_files.clone(),
        }
    }
}

/// Limits on what one input may cost; each wins over its `[limits]` key in the config.
#[derive(Args, Clone, Default)]
struct LimitArgs {
    /// Refuse files larger than SIZE: bytes, or with KB, MB, GB (default 20MB;
    /// config: [limits] max_file_size)
    #[arg(long, value_name = "SIZE", value_parser = size_arg)]
    max_file_size: Option<u64>,
    /// Refuse YAML/JSON/HCL nested deeper than N levels (default 128, at most 500;
    /// config: [limits] max_depth)
    #[arg(long, value_name = "N", value_parser = depth_arg)]
    max_depth: Option<usize>,
    /// Refuse YAML whose aliases expand to more than N nodes (default 50000;
    /// config: [limits] max_alias_nodes)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_alias_nodes: Option<u32>,
    /// Stop a policy that runs longer than this on one template, module or plan: seconds,
    /// or e.g. 500ms, 2m (default 10s; config: [limits] eval_timeout)
    #[arg(long, value_name = "DURATION", value_parser = config::parse_duration)]
    eval_timeout: Option<std::time::Duration>,
    /// Evaluating a Terraform expression or CloudFormation intrinsic: make a string
    /// longer than SIZE unknown, with an error (default 1MB; config: [limits]
    /// max_value_size)
    #[arg(long, value_name = "SIZE", value_parser = size_arg)]
    max_value_size: Option<u64>,
    /// Evaluating: make a collection of more than N elements (at every level)
    /// unknown, with an error (default 100000; config: [limits] max_value_items)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_value_items: Option<u32>,
    /// Evaluating one template or root module: stop after building or copying SIZE of
    /// values, with an error (default 64MB; config: [limits] max_eval_size)
    #[arg(long, value_name = "SIZE", value_parser = size_arg)]
    max_eval_size: Option<u64>,
    /// Evaluating one template or root module: stop after N steps, with an error
    /// (default 2000000; config: [limits] max_eval_steps)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_eval_steps: Option<u32>,
    /// Do not expand Terraform modules nested deeper than N calls below the root
    /// module, with an error (default 16, at most 64; config: [limits] max_module_depth)
    #[arg(long, value_name = "N", value_parser = module_depth_arg)]
    max_module_depth: Option<usize>,
    /// Do not expand more than N Terraform module instances in one root module, with an
    /// error (default 1000; config: [limits] max_module_instances)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_module_instances: Option<u32>,
    /// Make no more than N Terraform resource instances with count/for_each in one root
    /// module; past it a block is one resource with unknown instance values, with an
    /// error (default 10000; config: [limits] max_resource_instances)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_resource_instances: Option<u32>,
}

fn size_arg(s: &str) -> Result<u64, String> {
    config::parse_size(s)
}

fn module_depth_arg(s: &str) -> Result<usize, String> {
    let max = crate::load::MAX_MODULE_DEPTH_CEILING;
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("must be an integer from 1 to {max}")),
    }
}

fn depth_arg(s: &str) -> Result<usize, String> {
    let max = crate::load::MAX_DEPTH_CEILING;
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("must be an integer from 1 to {max}")),
    }
}

impl LimitArgs {
    /// The load limits: flags, else the config's `[limits]`, else the defaults.
    fn resolve(&self, config: &Config) -> crate::load::Limits {
        let d = crate::load::Limits::default();
        let c = &config.limits;
        crate::load::Limits {
            max_file_bytes: self
                .max_file_size
                .or(c.max_file_size)
                .unwrap_or(d.max_file_bytes),
            max_depth: self.max_depth.or(c.max_depth).unwrap_or(d.max_depth),
            max_alias_nodes: self
                .max_alias_nodes
                .map(|n| n as usize)
                .or(c.max_alias_nodes)
                .unwrap_or(d.max_alias_nodes),
            max_value_bytes: self
                .max_value_size
                .or(c.max_value_size)
                .unwrap_or(d.max_value_bytes),
            max_value_items: self
                .max_value_items
                .map(u64::from)
                .or(c.max_value_items.map(|n| n as u64))
                .unwrap_or(d.max_value_items),
            max_eval_bytes: self
                .max_eval_size
                .or(c.max_eval_size)
                .unwrap_or(d.max_eval_bytes),
            max_eval_steps: self
                .max_eval_steps
                .map(u64::from)
                .or(c.max_eval_steps.map(|n| n as u64))
                .unwrap_or(d.max_eval_steps),
            max_module_depth: self
                .max_module_depth
                .or(c.max_module_depth)
                .unwrap_or(d.max_module_depth),
            max_module_instances: self
                .max_module_instances
                .map(|n| n as usize)
                .or(c.max_module_instances)
                .unwrap_or(d.max_module_instances),
            max_resource_instances: self
                .max_resource_instances
                .map(|n| n as usize)
                .or(c.max_resource_instances)
                .unwrap_or(d.max_resource_instances),
        }
    }
}

#[derive(Args)]
struct ScanArgs {
    /// Files or folders to scan
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format: human, json, sarif, github (workflow annotations), junit or
    /// markdown (a readiness summary). Repeatable; `FORMAT=FILE` writes that format to
    /// FILE, so one run can write several. Default: human (in GitHub Actions also
    /// github, and markdown to $GITHUB_STEP_SUMMARY)
    #[arg(long = "format", value_name = "FORMAT[=FILE]")]
    formats: Vec<String>,
    /// Write the format given without `=FILE` to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1 (default: the config's fail_on, else
    /// low; info never fails unless named). Findings at or above it are also errors in
    /// GitHub annotations and SARIF, those below warnings (info: notices)
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Report findings but always exit 0
    #[arg(long)]
    soft_fail: bool,
    /// Report only findings that are not in this baseline (opsgate baseline)
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    #[command(flatten)]
    policies: PolicyArgs,
    #[command(flatten)]
    inputs: InputArgs,
    /// Worker threads (default: one per core)
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Also list skipped files and what could not be evaluated
    #[arg(short, long, conflicts_with = "quiet")]
    verbose: bool,
    /// Print findings only, no summary
    #[arg(short, long)]
    quiet: bool,
    /// No colours (also when NO_COLOR is set or output is not a terminal)
    #[arg(long)]
    no_color: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    High,
    Medium,
    Low,
    Info,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Severity {
        match f {
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
            FailOn::Info => Severity::Info,
        }
    }
}

/// Runs the command line; returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_ERRORS
            } else {
                EXIT_CLEAN
            };
        }
    };
    let today = match today() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERRORS;
        }
    };
    // Before anything runs in parallel (policies compile on the pool too): the
    // pool's size and stack size are fixed when it starts.
    init_threads(match &cli.command {
        Command::Scan(args) => args.threads.filter(|&n| n > 0),
        _ => None,
    });
    match cli.command {
        Command::Scan(args) => {
            match prepare(&args.policies, &args.paths, &today, &args.inputs.limits) {
                Ok((config, policies)) => run_scan(args, config, policies, &today),
                Err(code) => code,
            }
        }
        Command::Baseline {
            paths,
            output,
            policies,
            inputs,
        } => match prepare(&policies, &paths, &today, &inputs.limits) {
            Ok((config, policies)) => {
                run_baseline(&paths, &output, &inputs, config, policies, &today)
            }
            Err(code) => code,
        },
        Command::Exceptions {
            paths,
            policies,
            limits,
        } => match prepare(&policies, &paths, &today, &limits) {
            Ok((config, policies)) => {
                let limits = limits.resolve(&config);
                run_exceptions(&paths, config, policies, &today, limits)
            }
            Err(code) => code,
        },
        Command::Rules { format, policies } => {
            let set = match prepare(&policies, &[], &today, &LimitArgs::default()) {
                Ok((_, set)) => set,
                Err(code) => return code,
            };
            let out = match format {
                RulesFormat::Table => report::rules::table(&set.rules),
                RulesFormat::Json => report::rules::json(&set.rules),
                RulesFormat::Markdown => report::rules::markdown(&set.rules),
            };
            print(&out);
            policy_errors(&set)
        }
        Command::Explain { rule, policies } => {
            let set = match prepare(&policies, &[], &today, &LimitArgs::default()) {
                Ok((_, set)) => set,
                Err(code) => return code,
            };
            match set.rule(&rule) {
                Some(r) => {
                    print(&report::rules::explain(r));
                    policy_errors(&set)
                }
                None => {
                    let hint = crate::suggest::hint(
                        &rule,
                        set.rules.iter().map(|r| r.meta.id.as_str()),
                        "; `opsgate rules` lists them",
                    );
                    eprintln!("error: no rule `{rule}`{hint}");
                    EXIT_ERRORS
                }
            }
        }
        Command::Input {
            paths,
            config,
            inputs,
            data,
        } => run_input(&paths, &config, &inputs, data.then_some(today.as_str())),
        Command::Test { dir } => run_policy_tests(&dir, today),
    }
}

fn policy_errors(set: &PolicySet) -> i32 {
    for e in &set.errors {
        let e = crate::scan::InputError::policy(e);
        eprint!(
            "{}",
            report::human::render_input_error(&e, &stderr_options())
        );
    }
    if set.errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERRORS
    }
}

/// How diagnostics are rendered on stderr (outside a scan's report).
fn stderr_options() -> HumanOptions {
    HumanOptions {
        color: std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        quiet: false,
        verbose: false,
        width: terminal_width(),
    }
}

/// The configuration (found from `paths`, or --config) and the policies it shapes:
/// extra policy folders, disabled rules, severities, parameters, inline ignores.
/// Errors are printed; the result is then the exit code.
fn prepare(
    args: &PolicyArgs,
    paths: &[PathBuf],
    today: &str,
    limits: &LimitArgs,
) -> Result<(Config, PolicySet), i32> {
    let show = show_config_error;
    let config = load_config(&args.config, paths)?;
    let mut policy_dirs = config.policy_dirs.clone();
    policy_dirs.extend(args.policy_dirs.iter().cloned());
    let mut set = PolicySet::load(&PolicyOptions {
        policy_dirs,
        today: today.to_string(),
        builtins: true,
        rule_params: config.rule_params.clone(),
        disabled: config.disable.clone(),
        severity: config.severity.clone(),
        eval_timeout: limits.eval_timeout.or(config.limits.eval_timeout),
        ..Default::default()
    });
    // Rule ids the config names must exist (disabled ones included).
    let known = set
        .rules
        .iter()
        .map(|r| &r.meta)
        .chain(&set.disabled)
        .map(|m| (m.id.clone(), m.parameters.keys().cloned().collect()))
        .collect();
    config.check_rules(&known).map_err(show)?;
    set.inline = config.inline.clone();
    Ok((config, set))
}

/// The configuration: --config, else opsgate.toml or .opsgate.toml found from `paths`,
/// else the defaults. Errors are printed; the result is then the exit code.
fn load_config(arg: &ConfigArg, paths: &[PathBuf]) -> Result<Config, i32> {
    let file = match &arg.file {
        Some(f) if !f.is_file() => {
            eprintln!("error: --config {}: no such file", f.display());
            return Err(EXIT_ERRORS);
        }
        Some(f) => Some(f.clone()),
        None => config::discover(paths),
    };
    match &file {
        Some(f) => config::load(f).map_err(show_config_error),
        None => Ok(Config::default()),
    }
}

/// Prints a config error as a located diagnostic; returns the exit code.
fn show_config_error(e: ConfigError) -> i32 {
    let err = crate::scan::InputError {
        file: e.file.display.clone(),
        source: Some(e.file.clone()),
        span: e.span,
        message: e.message,
        related: vec![],
    };
    eprint!(
        "{}",
        report::human::render_input_error(&err, &stderr_options())
    );
    EXIT_ERRORS
}

fn run_scan(args: ScanArgs, config: Config, policies: PolicySet, today: &str) -> i32 {
    if args.threads == Some(0) {
        eprintln!("error: --threads must be at least 1");
        return EXIT_ERRORS;
    }
    let parameter_files = match args.inputs.prepare(&config) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let baseline = match &args.baseline {
        Some(b) => match Baseline::read(b) {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_ERRORS;
            }
        },
        None => None,
    };
    let outputs = match report::outputs::plan(&args.formats, args.output.as_deref(), &Env::real()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERRORS;
        }
    };
    // A progress line on a terminal's stderr for scans that take longer than a second.
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let progress = show_progress.then(|| std::sync::Arc::new(scan::Progress::default()));
    let options = scan::ScanOptions {
        paths: args.paths.clone(),
        terraform: args.inputs.terraform(),
        parameter_files,
        progress: progress.clone(),
        exclude: Some(std::sync::Arc::new(config.clone())),
        limits: args.inputs.limits.resolve(&config),
        // Only the human report quotes source lines.
        drop_sources: !outputs.iter().any(|o| o.format == Format::Human),
        // JSON and markdown print no fixes.
        drop_fixes: outputs
            .iter()
            .all(|o| matches!(o.format, Format::Json | Format::Markdown)),
        collect_resources: false,
    };
    let started = std::time::Instant::now();
    let mut result = match progress {
        Some(p) => report::progress::while_running(&p, || scan::scan_with(&options, &policies)),
        None => scan::scan_with(&options, &policies),
    };
    filter::apply_exceptions(&mut result, &config, today);
    if let (Some(b), Some(path)) = (&baseline, &args.baseline) {
        b.apply(&mut result, &crate::discover::display_path(path));
    }
    let color = !args.no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    let human = HumanOptions {
        color,
        quiet: args.quiet,
        verbose: args.verbose,
        width: terminal_width(),
    };
    let fail_on = args
        .fail_on
        .map(Severity::from)
        .or(config.fail_on)
        .unwrap_or(Severity::Low);
    let mut markdown = report::markdown::MarkdownOptions::from_env();
    // Annotations beside the summary: it lists the ones over GitHub's caps.
    if outputs.iter().any(|o| o.format == Format::Github) {
        markdown.annotations = Some(fail_on);
    }
    scan::stage("exceptions and baseline applied", started);
    let mut code = filter::exit_code(&result, fail_on);
    for out in &outputs {
        // JSON and SARIF are serialised straight to their target; the others render to
        // text first.
        let written = out.write_with(|w| {
            let text = match out.format {
                Format::Json => return report::json::write(&result, w),
                Format::Sarif => return report::sarif::write(&result, &policies.rules, fail_on, w),
                Format::Human => report::human::render(&result, &policies.rules, &human),
                Format::Github => report::github::render(&result, fail_on),
                Format::Junit => report::junit::render(&result, &policies.rules),
                Format::Markdown => report::markdown::render(&result, &policies.rules, &markdown),
            };
            w.write_all(text.as_bytes())
        });
        if let Err(e) = written {
            eprintln!("error: {e}");
            code = EXIT_ERRORS;
        }
    }
    scan::stage("reports written", started);
    if args.soft_fail && code != EXIT_CLEAN {
        eprintln!("opsgate: --soft-fail: exit code {code} reported as 0");
        code = EXIT_CLEAN;
    }
    // The process exits next: freeing the compiled policies and every finding one
    // by one would only cost time.
    std::mem::forget(policies);
    std::mem::forget(result);
    code
}

/// Stack for each worker thread. Every stage recurses over the loaded trees, and a
/// worker waiting on its share of a parallel loop runs other files' jobs on top of
/// its stack: room for several trees at the deepest `max_depth`
/// (tests/it/limits.rs, `the_highest_configurable_depth_is_safe`).
const WORKER_STACK_BYTES: usize = 64 << 20;

/// The worker pool: `threads` workers (default: one per core), with stacks of
/// `WORKER_STACK_BYTES` (address space, committed only as used).
fn init_threads(threads: Option<usize>) {
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK_BYTES);
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    // Only fails if a pool exists already; `run` starts it before anything else.
    let _ = builder.build_global();
}

/// `opsgate baseline`: scans like `scan` and writes the findings' fingerprints.
fn run_baseline(
    paths: &[PathBuf],
    output: &std::path::Path,
    inputs: &InputArgs,
    config: Config,
    policies: PolicySet,
    today: &str,
) -> i32 {
    let parameter_files = match inputs.prepare(&config) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let options = scan::ScanOptions {
        paths: paths.to_vec(),
        terraform: inputs.terraform(),
        parameter_files,
        progress: None,
        exclude: Some(std::sync::Arc::new(config.clone())),
        limits: inputs.limits.resolve(&config),
        drop_sources: true,
        drop_fixes: false,
        collect_resources: false,
    };
    let mut result = scan::scan_with(&options, &policies);
    filter::apply_exceptions(&mut result, &config, today);
    for e in &result.errors {
        eprintln!("error: {}: {}", e.file, e.message);
    }
    let baseline = Baseline::of(&result);
    let text = serde_json::to_string_pretty(&baseline).expect("JSON values serialise") + "\n";
    if let Err(e) = std::fs::write(output, text) {
        eprintln!("error: cannot write {}: {e}", output.display());
        return EXIT_ERRORS;
    }
    eprintln!(
        "opsgate: {} finding(s) recorded in {}; `opsgate scan --baseline {}` now reports only new ones",
        baseline.findings.len(),
        output.display(),
        output.display()
    );
    if result.errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERRORS
    }
}

/// `opsgate exceptions`: every exception of the config file with its state.
fn run_exceptions(
    paths: &[PathBuf],
    config: Config,
    policies: PolicySet,
    today: &str,
    limits: crate::load::Limits,
) -> i32 {
    let Some(file) = &config.file else {
        eprintln!("error: no opsgate.toml or .opsgate.toml found (use --config FILE)");
        return EXIT_ERRORS;
    };
    let options = scan::ScanOptions {
        paths: paths.to_vec(),
        exclude: Some(std::sync::Arc::new(config.clone())),
        limits,
        drop_sources: true,
        collect_resources: true,
        ..Default::default()
    };
    let mut result = scan::scan_with(&options, &policies);
    let used = filter::apply_exceptions(&mut result, &config, today);
    let reachable = filter::exceptions_in_reach(&result, &config);
    let soon = add_days(today, 30);
    let mut out = String::new();
    for ((x, n), reachable) in config.exceptions.iter().zip(used).zip(reachable) {
        let state = if x.expires.as_str() < today {
            "expired"
        } else if n == 0 && !reachable {
            // Nothing it could match was scanned (a partial scan): not judged.
            "unscanned"
        } else if n == 0 {
            "unused"
        } else if x.expires <= soon {
            "expiring"
        } else {
            "active"
        };
        out.push_str(&format!(
            "{state:<9} {}:{}  {} {}{}  owner {}  expires {}  covers {n} finding(s)  -- {}\n",
            file.display,
            x.line,
            x.rule,
            x.resource,
            x.path
                .as_deref()
                .map(|p| format!(" in {p}"))
                .unwrap_or_default(),
            x.owner,
            x.expires,
            x.reason
        ));
    }
    if config.exceptions.is_empty() {
        out.push_str(&format!("{}: no exceptions\n", file.display));
    }
    print(&out);
    if result.errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERRORS
    }
}

/// `date` (YYYY-MM-DD) plus `days`, as YYYY-MM-DD.
fn add_days(date: &str, days: i64) -> String {
    let n =
        |r: std::ops::Range<usize>| date.get(r).and_then(|s| s.parse::<i64>().ok()).unwrap_or(1);
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    // Days from civil (H. Hinnant), the inverse of `civil_date`.
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    civil_date(era * 146_097 + doe - 719_468 + days)
}

/// The process environment, as the output plan reads it.
struct Env;

impl Env {
    fn real() -> report::outputs::Env {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        report::outputs::Env {
            github_actions: var("GITHUB_ACTIONS").as_deref() == Some("true"),
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
        }
    }
}

/// `opsgate test`: the fixture harness and Rego unit tests on a team's own policies.
fn run_policy_tests(dir: &std::path::Path, today: String) -> i32 {
    let policy_dir = dir.join("policies");
    if !policy_dir.is_dir() {
        eprintln!("error: {} has no policies/ folder (expected policies/*.rego and fixtures/policies/<ID>/)", dir.display());
        return EXIT_ERRORS;
    }
    let set = PolicySet::load(&PolicyOptions {
        policy_dirs: vec![policy_dir],
        today,
        builtins: true,
        include_tests: true,
        ..Default::default()
    });
    if policy_errors(&set) != EXIT_CLEAN {
        return EXIT_ERRORS;
    }
    let own: Vec<&crate::evaluate::Rule> = set.rules.iter().filter(|r| !r.builtin).collect();
    if own.is_empty() && set.tests.is_empty() {
        eprintln!(
            "error: no policies with metadata and no test_ rules in {}",
            dir.display()
        );
        return EXIT_ERRORS;
    }
    let mut out = String::new();
    let (mut passed, mut failed) = (0, 0);
    let mut checked = 0;
    let failures = crate::fixtures::run_for(
        &set,
        &dir.join("fixtures/policies"),
        |r| !r.builtin,
        &mut checked,
    );
    for rule in &own {
        let mine: Vec<_> = failures.iter().filter(|f| f.rule == rule.meta.id).collect();
        if mine.is_empty() {
            passed += 1;
            out.push_str(&format!(
                "ok    {} fixtures ({})\n",
                rule.meta.id, rule.file
            ));
        } else {
            failed += 1;
            out.push_str(&format!(
                "FAIL  {} fixtures ({})\n",
                rule.meta.id, rule.file
            ));
            for f in mine {
                out.push_str(&format!("      {}: {}\n", f.file, f.message));
            }
        }
    }
    for t in &set.tests {
        match set.run_test(t) {
            Ok(()) => {
                passed += 1;
                out.push_str(&format!("ok    {} ({})\n", t.name, t.file));
            }
            Err(why) => {
                failed += 1;
                out.push_str(&format!("FAIL  {} ({}): {why}\n", t.name, t.file));
            }
        }
    }
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    print(&out);
    if failed > 0 {
        filter::EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// `opsgate input`: the policy input of each unit, built from the inputs `scan` would
/// read (the config's excludes and limits, --var-file), with `data.opsgate.config`
/// when `data_today` is given.
fn run_input(
    paths: &[PathBuf],
    config: &ConfigArg,
    inputs: &InputArgs,
    data_today: Option<&str>,
) -> i32 {
    let config = match load_config(config, paths) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let parameter_files = match inputs.prepare(&config) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let mut discovery = crate::discover::discover(paths);
    // As `scan::scan_with` does.
    discovery.files.retain(|c| !config.excludes(&c.path));
    discovery
        .terraform_dirs
        .retain(|c| !config.excludes(&c.path));
    let mut units = Vec::new();
    let mut code = EXIT_CLEAN;
    for (file, why) in &discovery.errors {
        eprintln!("error: {file}: {why}");
        code = EXIT_ERRORS;
    }
    let loader = crate::normalise::terraform::Loader::new(
        inputs.limits.resolve(&config),
        crate::discover::Roots::of(paths),
    );
    let terraform = inputs.terraform();
    for c in &discovery.files {
        match scan::load_unit(c, &loader, &parameter_files) {
            Loaded::Unit(u, errors) => {
                for e in errors {
                    eprintln!("error: {}: {}", e.file, e.message);
                    code = EXIT_ERRORS;
                }
                units.push(u.input);
            }
            Loaded::Skipped(_) => {}
            Loaded::Failed(e) => {
                let at = e
                    .position()
                    .map(|(l, c)| format!(":{l}:{c}"))
                    .unwrap_or_default();
                eprintln!("error: {}{at}: {}", e.file, e.message);
                code = EXIT_ERRORS;
            }
        }
    }
    for c in scan::terraform_roots(&discovery.terraform_dirs, &loader) {
        let (u, errors) = crate::normalise::terraform::normalise(&c.path, &loader, &terraform);
        for (file, e) in errors {
            let at = e
                .span
                .map(|s| file.position(s.start))
                .map(|p| format!(":{}:{}", p.line, p.column))
                .unwrap_or_default();
            eprintln!("error: {}{at}: {}", file.display, e.message);
            code = EXIT_ERRORS;
        }
        units.push(u.input);
    }
    let mut out = if units.len() == 1 {
        units.swap_remove(0)
    } else {
        serde_json::Value::Array(units)
    };
    if let Some(today) = data_today {
        // The document policies see as `data.opsgate.config` (policies.rs builds it
        // from the same two values).
        out = serde_json::json!({
            "input": out,
            "data": {"opsgate": {"config": {"today": today, "rules": config.rule_params}}},
        });
    }
    let text = serde_json::to_string_pretty(&out).expect("JSON values serialise");
    print(&(text + "\n"));
    code
}

fn print(s: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`opsgate scan | head`) is not an error worth a panic.
    let _ = stdout.write_all(s.as_bytes());
    let _ = stdout.flush();
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

/// Today's date (UTC) as `YYYY-MM-DD`, or `OPSGATE_TODAY` when set (for tests and
/// for reproducing a scan as of a given day).
fn today() -> Result<String, String> {
    if let Ok(t) = std::env::var("OPSGATE_TODAY") {
        let ok = t.len() == 10
            && t.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        return if ok {
            Ok(t)
        } else {
            Err(format!("OPSGATE_TODAY must be YYYY-MM-DD, got `{t}`"))
        };
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    Ok(civil_date((secs / 86_400) as i64))
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_date(0), "1970-01-01");
        assert_eq!(super::civil_date(20_417), "2025-11-25");
        assert_eq!(super::civil_date(11_016), "2000-02-29");
        assert_eq!(super::add_days("2026-11-25", 30), "2026-12-25");
        assert_eq!(super::add_days("2028-02-28", 1), "2028-02-29");
    }
}
