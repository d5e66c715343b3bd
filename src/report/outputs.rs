//! Which report formats a scan writes, and where: `--format X` (stdout),
//! `--format X=FILE`, `--output FILE`, and the defaults in GitHub Actions
//! (annotations beside the human output, the readiness summary in the job summary).

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
    Markdown,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
        Format::Markdown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
        }
    }

    fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == s)
    }

    /// A whole document (JSON, SARIF, XML) that nothing else may share a stream with.
    fn is_document(self) -> bool {
        matches!(self, Format::Json | Format::Sarif | Format::Junit)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Stdout,
    File(PathBuf),
    /// Appended, as GitHub expects of `$GITHUB_STEP_SUMMARY`.
    Append(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    pub target: Target,
}

/// What the plan reads from the environment.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `GITHUB_ACTIONS=true`
    pub github_actions: bool,
    /// `GITHUB_STEP_SUMMARY`
    pub step_summary: Option<PathBuf>,
}

/// The outputs for `--format` values and `--output`, or a usage error.
pub fn plan(formats: &[String], output: Option<&Path>, env: &Env) -> Result<Vec<Output>, String> {
    let mut out = Vec::new();
    for spec in formats {
        let (name, file) = match spec.split_once('=') {
            Some((_, "")) => return Err(format!("--format {spec}: a file name must follow `=`")),
            Some((n, f)) => (n, Some(PathBuf::from(f))),
            None => (spec.as_str(), None),
        };
        let format = Format::parse(&name.to_ascii_lowercase()).ok_or_else(|| {
            let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
            format!(
                "unknown format `{name}`; the formats are {}",
                names.join(", ")
            )
        })?;
        let target = match file {
            Some(f) => Target::File(f),
            // The readiness summary belongs in the job summary when there is one.
            None if format == Format::Markdown && output.is_none() => match &env.step_summary {
                Some(p) => Target::Append(p.clone()),
                None => Target::Stdout,
            },
            None => Target::Stdout,
        };
        out.push(Output { format, target });
    }
    if out.is_empty() {
        out.push(Output {
            format: Format::Human,
            target: Target::Stdout,
        });
        if env.github_actions {
            out.push(Output {
                format: Format::Github,
                target: Target::Stdout,
            });
            if let Some(p) = &env.step_summary {
                out.push(Output {
                    format: Format::Markdown,
                    target: Target::Append(p.clone()),
                });
            }
        }
    }
    if let Some(file) = output {
        let on_stdout: Vec<&mut Output> = out
            .iter_mut()
            .filter(|o| o.target == Target::Stdout)
            .collect();
        match on_stdout.len() {
            0 => {
                return Err("--output: every --format already names its file (FORMAT=FILE)".into())
            }
            1 => {
                for o in on_stdout {
                    o.target = Target::File(file.to_path_buf());
                }
            }
            _ => {
                return Err(
                    "--output takes one format; write several with --format FORMAT=FILE".into(),
                )
            }
        }
    }
    let stdout: Vec<Format> = out
        .iter()
        .filter(|o| o.target == Target::Stdout)
        .map(|o| o.format)
        .collect();
    if stdout.len() > 1 {
        if let Some(doc) = stdout.iter().find(|f| f.is_document()) {
            return Err(format!(
                "{} output cannot share standard output with other formats; write it to a file with --format {}=FILE",
                doc.name(),
                doc.name()
            ));
        }
    }
    let mut files: Vec<&Path> = out
        .iter()
        .filter_map(|o| match &o.target {
            Target::File(p) => Some(p.as_path()),
            _ => None,
        })
        .collect();
    files.sort();
    if let Some(w) = files.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("two formats would write {}", w[0].display()));
    }
    Ok(out)
}

impl Output {
    /// Writes `text` to the target.
    pub fn write(&self, text: &str) -> Result<(), String> {
        self.write_with(|w| w.write_all(text.as_bytes()))
    }

    /// Lets `render` write the report straight to the target (buffered), so that a
    /// large report is never held in memory whole.
    pub fn write_with(
        &self,
        render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), String> {
        let failed = |e: std::io::Error, p: &std::path::Path| {
            format!(
                "cannot write the {} report to {}: {e}",
                self.format.name(),
                p.display()
            )
        };
        match &self.target {
            Target::Stdout => {
                let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                // A closed pipe (`opsgate scan | head`) is not an error worth reporting.
                let _ = render(&mut stdout).and_then(|_| stdout.flush());
                Ok(())
            }
            Target::File(p) => std::fs::File::create(p)
                .and_then(|f| {
                    let mut w = std::io::BufWriter::new(f);
                    render(&mut w)?;
                    w.flush()
                })
                .map_err(|e| failed(e, p)),
            Target::Append(p) => std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .and_then(|f| {
                    let mut w = std::io::BufWriter::new(f);
                    render(&mut w)?;
                    w.flush()
                })
                .map_err(|e| failed(e, p)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_is_human_and_in_actions_annotations_and_summary() {
        let plain = plan(&[], None, &Env::default()).unwrap();
        assert_eq!(
            plain,
            vec![Output {
                format: Format::Human,
                target: Target::Stdout
            }]
        );
        let env = Env {
            github_actions: true,
            step_summary: Some("/tmp/summary.md".into()),
        };
        let gha: Vec<(Format, Target)> = plan(&[], None, &env)
            .unwrap()
            .into_iter()
            .map(|o| (o.format, o.target))
            .collect();
        assert_eq!(
            gha,
            vec![
                (Format::Human, Target::Stdout),
                (Format::Github, Target::Stdout),
                (Format::Markdown, Target::Append("/tmp/summary.md".into())),
            ]
        );
    }

    #[test]
    fn several_formats_to_files_and_one_to_output() {
        let o = plan(
            &specs(&["sarif=out.sarif", "github", "json"]),
            Some(Path::new("r.json")),
            &Env::default(),
        );
        // github and json both on stdout: --output cannot pick one.
        assert!(o.is_err());
        let o = plan(
            &specs(&["sarif=out.sarif", "json"]),
            Some(Path::new("r.json")),
            &Env::default(),
        )
        .unwrap();
        assert_eq!(o[0].target, Target::File("out.sarif".into()));
        assert_eq!(o[1].target, Target::File("r.json".into()));
    }

    #[test]
    fn usage_errors() {
        let env = Env::default();
        assert!(plan(&specs(&["xml"]), None, &env)
            .unwrap_err()
            .contains("unknown format `xml`"));
        assert!(plan(&specs(&["sarif="]), None, &env).is_err());
        assert!(plan(&specs(&["json", "human"]), None, &env)
            .unwrap_err()
            .contains("json output cannot share"));
        assert!(plan(&specs(&["json=a", "sarif=a"]), None, &env)
            .unwrap_err()
            .contains("two formats"));
        // human and annotations may share stdout, as in GitHub Actions.
        assert!(plan(&specs(&["human", "github"]), None, &env).is_ok());
    }
}
