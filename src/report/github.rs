//! GitHub Actions workflow commands: annotations
//! (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`), so
//! findings show on the pull request's diff. The level follows `--fail-on`
//! (`Level`): at or above it `::error`, below it `::warning`, info `::notice`;
//! unreadable inputs are errors. GitHub shows at most `CAP` annotations of each
//! level per step and drops the rest without a word, so the annotations are the
//! most severe first (then by file and line), at most `CAP` per level, and a last
//! notice counts the findings left out; the job summary lists them
//! (report::markdown).

use std::fmt::Write;

use super::{Level, Shown};
use crate::finding::Severity;
use crate::scan::ScanResult;

/// Annotations GitHub shows per level and step: 10 errors and 10 warnings (and 50
/// per job in all; actions/toolkit docs/problem-matchers.md). Notices are kept to
/// the same number, so one step stays within the job's 50.
pub const CAP: usize = 10;

/// Which findings become annotations.
pub struct Annotations<'a> {
    pub fail_on: Severity,
    /// Input errors annotated (the first ones, before any finding).
    pub errors: usize,
    /// Findings annotated, in the order written (the same finding of several units
    /// once).
    pub shown: Vec<Shown<'a>>,
    /// Findings over the caps, most severe first.
    pub left_out: Vec<Shown<'a>>,
}

impl Annotations<'_> {
    /// Something is left out: the last notice says so, in place of a finding's.
    fn overflow(&self, result: &ScanResult) -> bool {
        !self.left_out.is_empty() || self.errors < result.errors.len()
    }
}

/// The findings (not suppressed) and input errors that fit GitHub's caps.
pub fn select(result: &ScanResult, fail_on: Severity) -> Annotations<'_> {
    let mut open = super::shown(result);
    open.sort_by_key(|s| std::cmp::Reverse(s.finding.severity));
    let level = |s: &Shown| Level::of(s.finding.severity, fail_on);
    let count = |l: Level| open.iter().filter(|f| level(f) == l).count();
    let errors = result.errors.len().min(CAP);
    let overflow = result.errors.len() + count(Level::Error) > CAP
        || count(Level::Warning) > CAP
        || count(Level::Notice) > CAP;
    // Room per level, indexed by `Level as usize` (notice, warning, error); the
    // last notice slot is the note about what was left out.
    let mut room = [CAP - usize::from(overflow), CAP, CAP - errors];
    let mut shown = Vec::new();
    let mut left_out = Vec::new();
    for f in open {
        let left = &mut room[level(&f) as usize];
        if *left > 0 {
            *left -= 1;
            shown.push(f);
        } else {
            left_out.push(f);
        }
    }
    Annotations {
        fail_on,
        errors,
        shown,
        left_out,
    }
}

/// Escaping of a command's message (data).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a command's property values: also `:` and `,`, which delimit them.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(result: &ScanResult, fail_on: Severity) -> String {
    let a = select(result, fail_on);
    let mut out = String::new();
    for e in &result.errors[..a.errors] {
        let _ = write!(out, "::error file={}", property(&e.file));
        if let Some((line, column)) = e.position() {
            let _ = write!(out, ",line={line},col={column}");
        }
        let _ = writeln!(
            out,
            ",title={}::{}",
            property("opsgate: input error"),
            data(&e.message)
        );
    }
    let formats = super::unit_formats(result);
    for s in &a.shown {
        let f = s.finding;
        let _ = write!(
            out,
            "::{} file={},line={},col={}",
            Level::of(f.severity, a.fail_on).command(),
            property(&f.file.display),
            f.start.line,
            f.start.column
        );
        if f.end.line > f.start.line || f.end.column > f.start.column {
            let _ = write!(out, ",endLine={},endColumn={}", f.end.line, f.end.column);
        }
        let _ = writeln!(
            out,
            ",title={}::{}",
            property(&format!("{} {}: {}", f.rule, f.severity.as_str(), f.title)),
            data(&match s.alike(&formats) {
                Some(units) => format!("{}\n{}\n(found alike in {units})", f.message, f.fix),
                None => format!("{}\n{}", f.message, f.fix),
            })
        );
    }
    if a.overflow(result) {
        let errors = result.errors.len() - a.errors;
        let mut what = Vec::new();
        if !a.left_out.is_empty() {
            what.push(plural(a.left_out.len(), "finding"));
        }
        if errors > 0 {
            what.push(plural(errors, "input error"));
        }
        let _ = writeln!(
            out,
            "::notice title={}::{}",
            property(&format!("opsgate: {} not annotated", what.join(" and "))),
            data(&format!(
                "GitHub shows {CAP} annotations of each level per step, the most severe \
                 here; the job summary lists the rest, and `opsgate scan` shows them all."
            ))
        );
    }
    out
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    use crate::finding::Finding;
    use crate::scan::InputError;
    use crate::source::{Position, SourceFile, Span};
    use std::sync::Arc;
    use Severity::*;

    /// A finding of `rule` at `line` of `file`.
    pub(crate) fn finding(
        file: &Arc<SourceFile>,
        line: usize,
        rule: &str,
        severity: Severity,
    ) -> Box<Finding> {
        let at = Position { line, column: 3 };
        Box::new(Finding {
            rule: rule.into(),
            rule_index: 0,
            severity,
            title: "Title".into(),
            message: format!("R{line} is not ready").into(),
            fix: "Fix it.".into(),
            file: file.clone(),
            span: Span::new(0, 0),
            start: at,
            end: at,
            unit: file.display.as_str().into(),
            resource: format!("R{line}").into(),
            resource_type: "AWS::SQS::Queue".into(),
            cdk_path: None,
            fingerprint: crate::finding::fingerprint(rule, "u", &format!("R{line}"), &[]),
            suppressed: None,
        })
    }

    /// A scan result of findings (line, severity) in `t.yaml`, in report order.
    pub(crate) fn result(findings: &[(usize, Severity)]) -> ScanResult {
        let file = Arc::new(SourceFile::new("t.yaml".into(), ""));
        let mut findings: Vec<Box<Finding>> = findings
            .iter()
            .map(|&(line, s)| finding(&file, line, &format!("OPS-{}", s.as_str()), s))
            .collect();
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        ScanResult {
            findings,
            ..Default::default()
        }
    }

    /// `level line` of each annotation, and the title of a file-less one.
    fn annotations(text: &str) -> Vec<String> {
        text.lines()
            .map(|l| {
                let (command, rest) = l[2..].split_once(' ').unwrap();
                match rest.strip_prefix("file=t.yaml,line=") {
                    Some(r) => format!("{command} {}", r.split(',').next().unwrap()),
                    None => format!("{command} {}", rest.split("::").next().unwrap()),
                }
            })
            .collect()
    }

    #[test]
    fn levels_follow_fail_on() {
        let r = result(&[(1, High), (2, Medium), (3, Low), (4, Info)]);
        assert_eq!(
            annotations(&render(&r, Medium)),
            ["error 1", "error 2", "warning 3", "notice 4"]
        );
        assert_eq!(
            annotations(&render(&r, High)),
            ["error 1", "warning 2", "warning 3", "notice 4"]
        );
        assert_eq!(
            annotations(&render(&r, Info)),
            ["error 1", "error 2", "error 3", "error 4"]
        );
        assert_eq!(
            render(&r, Medium).lines().nth(1).unwrap(),
            "::error file=t.yaml,line=2,col=3,title=OPS-medium medium%3A Title::R2 is not ready%0AFix it."
        );
    }

    /// Lines 1–25 of `t.yaml` with these severities (h, m, l, i).
    fn mix(severities: &str) -> ScanResult {
        let list: Vec<(usize, Severity)> = severities
            .chars()
            .enumerate()
            .map(|(i, c)| {
                let s = match c {
                    'h' => High,
                    'm' => Medium,
                    'l' => Low,
                    _ => Info,
                };
                (i + 1, s)
            })
            .collect();
        result(&list)
    }

    fn lines(levels: &[(&str, &[usize])]) -> Vec<String> {
        levels
            .iter()
            .flat_map(|(level, lines)| lines.iter().map(move |l| format!("{level} {l}")))
            .collect()
    }

    /// 25 findings: at most `CAP` of each level, the most severe first (then by
    /// line), and a notice counting the rest.
    #[test]
    fn capped_per_level_most_severe_first() {
        // 3 high, 9 medium, 11 low, 2 info.
        let r = mix("mmmmhmmmmmllhlllllhllllii");
        assert_eq!(r.findings.len(), 25);
        let mut want = lines(&[
            ("error", &[5, 13, 19, 1, 2, 3, 4, 6, 7, 8]),
            ("warning", &[11, 12, 14, 15, 16, 17, 18, 20, 21, 22]),
            ("notice", &[24, 25]),
        ]);
        want.push("notice title=opsgate%3A 3 findings not annotated".into());
        assert_eq!(annotations(&render(&r, Medium)), want);
        let a = select(&r, Medium);
        let left: Vec<(usize, Severity)> = a
            .left_out
            .iter()
            .map(|s| (s.finding.start.line, s.finding.severity))
            .collect();
        assert_eq!(left, [(9, Medium), (10, Medium), (23, Low)]);
        assert!(render(&r, Medium).ends_with(
            "::GitHub shows 10 annotations of each level per step, the most severe here; \
             the job summary lists the rest, and `opsgate scan` shows them all.\n"
        ));

        // Ten errors: every finding, no note.
        let r = mix("lhmmmmmmmm");
        assert_eq!(
            annotations(&render(&r, Low)),
            lines(&[("error", &[2, 3, 4, 5, 6, 7, 8, 9, 10, 1])])
        );
        assert!(select(&r, Low).left_out.is_empty());
    }

    /// With something left out, the note takes the last notice slot.
    #[test]
    fn the_note_takes_the_tenth_notice() {
        let r = mix("hhhhhhhhhhhiiiiiiiiii");
        let mut want = lines(&[
            ("error", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
            ("notice", &[12, 13, 14, 15, 16, 17, 18, 19, 20]),
        ]);
        want.push("notice title=opsgate%3A 2 findings not annotated".into());
        assert_eq!(annotations(&render(&r, High)), want);
        let left: Vec<usize> = select(&r, High)
            .left_out
            .iter()
            .map(|s| s.finding.start.line)
            .collect();
        assert_eq!(left, [11, 21]);
        // Ten notices and nothing else left out: all ten.
        let r = mix("iiiiiiiiii");
        assert_eq!(
            annotations(&render(&r, Low)),
            lines(&[("notice", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10])])
        );
    }

    /// Unreadable inputs come first and count toward the errors.
    #[test]
    fn input_errors_first_and_within_the_cap() {
        let mut r = mix("mhhhhhhhhh");
        r.errors = (1..=3)
            .map(|i| InputError::plain(format!("bad{i}.json"), "cannot be read"))
            .collect();
        let got = annotations(&render(&r, Medium));
        assert_eq!(
            got,
            [
                "error file=bad1.json,title=opsgate%3A input error",
                "error file=bad2.json,title=opsgate%3A input error",
                "error file=bad3.json,title=opsgate%3A input error",
                "error 2",
                "error 3",
                "error 4",
                "error 5",
                "error 6",
                "error 7",
                "error 8",
                "notice title=opsgate%3A 3 findings not annotated",
            ]
        );
        r.findings.clear();
        r.errors = (1..=12)
            .map(|i| InputError::plain(format!("bad{i}.json"), "cannot be read"))
            .collect();
        let got = annotations(&render(&r, Medium));
        assert_eq!(got.len(), 11);
        assert_eq!(got[9], "error file=bad10.json,title=opsgate%3A input error");
        assert_eq!(
            got[10],
            "notice title=opsgate%3A 2 input errors not annotated"
        );
    }

    /// Suppressed findings are not annotated and take no room.
    #[test]
    fn suppressed_findings_are_not_annotated() {
        let mut r = mix("hhm");
        r.findings[0].suppressed = Some(Box::new(crate::finding::Suppression {
            kind: "inline".into(),
            reason: "accepted".into(),
        }));
        assert_eq!(annotations(&render(&r, Low)), ["error 2", "error 3"]);
    }

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(data("50% down\r\nnext"), "50%25 down%0D%0Anext");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
