//! GitHub Actions workflow commands: one annotation per finding
//! (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`), so
//! findings show on the pull request's diff. high and medium are errors, low
//! warnings, info notices; unreadable inputs are errors too.

use std::fmt::Write;

use crate::finding::Severity;
use crate::scan::ScanResult;

fn command(s: Severity) -> &'static str {
    match s {
        Severity::High | Severity::Medium => "error",
        Severity::Low => "warning",
        Severity::Info => "notice",
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

pub fn render(result: &ScanResult) -> String {
    let mut out = String::new();
    for f in result.findings.iter().filter(|f| f.suppressed.is_none()) {
        let _ = write!(
            out,
            "::{} file={},line={},col={}",
            command(f.severity),
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
            data(&format!("{}\n{}", f.message, f.fix))
        );
    }
    for e in &result.errors {
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
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(data("50% down\r\nnext"), "50%25 down%0D%0Anext");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
