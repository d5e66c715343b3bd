//! The JSON loader on arbitrary bytes: never panics, and every span lies inside the
//! text, on character boundaries, and inside its parent's span.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsgate::load::{self, Limits};
use opsgate::source::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = load::decode(data.to_vec()) else {
        return;
    };
    match load::json::parse_with(&text, &Limits::default()) {
        Ok(Some(node)) => {
            let problems = node.span_problems(&text, true);
            assert!(problems.is_empty(), "{problems:#?}");
        }
        Ok(None) => {}
        Err(e) => {
            if let Some(s) = e.span {
                assert!(s.start <= text.len(), "error span {s:?} past {}", text.len());
                SourceFile::new("f.json".into(), text.as_str()).position(s.start);
            }
        }
    }
});
