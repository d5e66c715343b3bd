//! The HCL loader on arbitrary bytes: never panics (nor overflows its stack), and
//! every structure's and expression's span lies inside the text, on character
//! boundaries, inside its parent's span.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsgate::load::{self, Limits};
use opsgate::source::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = load::decode(data.to_vec()) else {
        return;
    };
    match load::hcl::parse_with(&text, &Limits::default()) {
        Ok(body) => {
            let problems = load::hcl::span_problems(&body, &text);
            assert!(problems.is_empty(), "{problems:#?}");
        }
        Err(e) => {
            if let Some(s) = e.span {
                assert!(s.start <= text.len(), "error span {s:?} past {}", text.len());
                SourceFile::new("f.tf".into(), text.as_str()).position(s.start);
            }
        }
    }
});
