//! A loaded file: its text, its display path, and a line index that turns byte
//! offsets into 1-based line/column positions and lets miette read snippets
//! without scanning the whole file for every label.

use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// A byte range in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

impl From<Span> for SourceSpan {
    fn from(s: Span) -> SourceSpan {
        SourceSpan::new(s.start.into(), s.len())
    }
}

/// A 1-based position in a file, columns counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown to users: relative to the current directory, '/'-separated.
    pub display: String,
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(display: String, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(&text));
        SourceFile {
            display,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self.text[start..offset].chars().count() + 1;
        Position {
            line: line + 1,
            column,
        }
    }

    /// Position just past the last character of a span (exclusive end), 1-based.
    pub fn end_position(&self, span: Span) -> Position {
        self.position(span.end.max(span.start))
    }

    pub fn slice(&self, span: Span) -> &str {
        let start = self.floor_char_boundary(span.start.min(self.text.len()));
        let end = self
            .floor_char_boundary(span.end.min(self.text.len()))
            .max(start);
        &self.text[start..end]
    }

    /// The byte offset where a 1-based line starts (clamped to the file).
    pub fn line_start(&self, line: usize) -> usize {
        let i = line.saturating_sub(1).min(self.line_starts.len() - 1);
        self.line_starts[i]
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    fn floor_char_boundary(&self, mut i: usize) -> usize {
        while i > 0 && !self.text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| i + 1)
}

/// miette's `SourceCode` for a `SourceFile`: reads only a window of lines around a
/// span (miette's impl for `str` scans from byte 0 for every label, which is
/// quadratic on large files with many findings).
#[derive(Debug, Clone)]
pub struct IndexedSource(pub Arc<SourceFile>);

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let file = &*self.0;
        let text: &'a str = &file.text;
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first_line = file.position(start).line - 1;
        let last_line = file.position(end).line - 1;
        let window_first = first_line.saturating_sub(context_lines_before + 1);
        let window_last = last_line + context_lines_after + 2;
        let ws = file.line_starts[window_first];
        let we = file
            .line_starts
            .get(window_last)
            .copied()
            .unwrap_or(text.len());
        let inner_span = SourceSpan::new((start - ws).into(), span.len());
        let window: &'a str = &text[ws..we];
        let inner = window.read_span(&inner_span, context_lines_before, context_lines_after)?;
        let data: &'a [u8] = inner.data();
        let inner_start = inner.span().offset();
        Ok(Box::new(MietteSpanContents::new_named(
            file.display.clone(),
            data,
            SourceSpan::new((inner_start + ws).into(), inner.span().len()),
            inner.line() + window_first,
            inner.column(),
            inner.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let f = SourceFile::new("t".into(), "ab\nçd: x\n");
        assert_eq!(f.position(0), Position { line: 1, column: 1 });
        assert_eq!(f.position(3), Position { line: 2, column: 1 });
        // 'd' follows a two-byte character
        assert_eq!(f.position(5), Position { line: 2, column: 2 });
        assert_eq!(f.slice(Span::new(3, 6)), "çd");
    }

    #[test]
    fn indexed_source_matches_plain_str() {
        let text: String = (0..50).map(|i| format!("line {i}: value\n")).collect();
        let f = Arc::new(SourceFile::new("x".into(), text.clone()));
        let src = IndexedSource(f);
        for &(off, len) in &[(0usize, 4usize), (200, 5), (text.len() - 6, 5)] {
            let span = SourceSpan::new(off.into(), len);
            let a = src.read_span(&span, 2, 2).unwrap();
            let b = text.as_str().read_span(&span, 2, 2).unwrap();
            assert_eq!(a.data(), b.data());
            assert_eq!(a.line(), b.line());
            assert_eq!(a.column(), b.column());
            assert_eq!(a.span(), b.span());
        }
    }
}
