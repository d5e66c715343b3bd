//! The YAML loader on arbitrary bytes: never panics, and every span of the tree it
//! builds lies inside the text on character boundaries (aliases copy their anchor's
//! spans, so containment in the parent is checked by the property tests instead).
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsgate::load::{self, Limits};
use opsgate::source::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = load::decode(data.to_vec()) else {
        return;
    };
    match load::yaml::parse_with(&text, &Limits::default()) {
        Ok(Some(node)) => {
            let problems = node.span_problems(&text, false);
            assert!(problems.is_empty(), "{problems:#?}");
        }
        Ok(None) => {}
        Err(e) => {
            // The error's place must be showable.
            if let Some(s) = e.span {
                assert!(s.start <= text.len(), "error span {s:?} past {}", text.len());
                SourceFile::new("f.yaml".into(), text.as_str()).position(s.start);
            }
        }
    }
});
