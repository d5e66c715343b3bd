//! JUnit XML for CI systems that show test results: one test suite per unit, one
//! test case per rule that covers the unit's format; a rule with findings in the
//! unit fails, with each finding in the failure text. An input that cannot be read
//! is a test case with an error.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::evaluate::Rule;
use crate::finding::Finding;
use crate::scan::ScanResult;

/// XML text and attribute escaping; characters XML 1.0 cannot carry are dropped.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(result: &ScanResult, rules: &[Rule]) -> String {
    // Counting findings by (unit, rule).
    let mut by_unit: BTreeMap<&str, BTreeMap<&str, Vec<&Finding>>> = BTreeMap::new();
    for f in result.findings.iter().filter(|f| f.suppressed.is_none()) {
        by_unit
            .entry(&*f.unit)
            .or_default()
            .entry(&*f.rule)
            .or_default()
            .push(f);
    }
    let mut suites = String::new();
    let (mut total_tests, mut total_failures) = (0usize, 0usize);
    for (unit, format) in result.units.iter().zip(&result.unit_formats) {
        let applicable: Vec<&Rule> = rules
            .iter()
            .filter(|r| r.meta.formats.iter().any(|f| f == format.as_str()))
            .collect();
        let found = by_unit.get(unit.as_str());
        let mut cases = String::new();
        let mut failures = 0;
        for r in &applicable {
            let m = &r.meta;
            let _ = write!(
                cases,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\"",
                xml(unit),
                xml(&format!("{} {}", m.id, m.title)),
                xml(unit)
            );
            match found.and_then(|f| f.get(m.id.as_str())) {
                Some(list) if !list.is_empty() => {
                    failures += 1;
                    let mut text = String::new();
                    for f in list {
                        let _ = writeln!(
                            text,
                            "{}:{}:{}: {} [{}] {}\n  fix: {}",
                            f.file.display,
                            f.start.line,
                            f.start.column,
                            f.severity.as_str(),
                            f.resource,
                            f.message,
                            f.fix
                        );
                    }
                    let _ = writeln!(
                        cases,
                        ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                        m.severity.as_str(),
                        xml(&format!("{} finding(s): {}", list.len(), list[0].message)),
                        xml(&text)
                    );
                }
                _ => cases.push_str("/>\n"),
            }
        }
        total_tests += applicable.len();
        total_failures += failures;
        let _ = write!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n{cases}  </testsuite>\n",
            xml(unit),
            applicable.len(),
            failures
        );
    }
    if !result.errors.is_empty() {
        let mut cases = String::new();
        for e in &result.errors {
            let at = e
                .position()
                .map(|(l, c)| format!(":{l}:{c}"))
                .unwrap_or_default();
            let _ = writeln!(
                cases,
                "    <testcase classname=\"opsgate.inputs\" name=\"{}\">\n      <error message=\"{}\">{}{}: {}</error>\n    </testcase>",
                xml(&e.file),
                xml(&e.message),
                xml(&e.file),
                at,
                xml(&e.message)
            );
        }
        total_tests += result.errors.len();
        let _ = write!(
            suites,
            "  <testsuite name=\"inputs that could not be read\" tests=\"{n}\" failures=\"0\" errors=\"{n}\" skipped=\"0\">\n{cases}  </testsuite>\n",
            n = result.errors.len()
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"opsgate\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n{suites}</testsuites>\n",
        total_tests,
        total_failures,
        result.errors.len(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_xml() {
        assert_eq!(super::xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
