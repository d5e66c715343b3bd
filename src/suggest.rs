//! "did you mean": the known name nearest to a mistyped one (rule ids, config keys,
//! module paths), by edit distance, so that an error names one candidate instead of
//! printing the whole list.

/// The candidate closest to `word` (case-insensitive edit distance, a swap of two
/// neighbouring characters counting as one edit), if it is
/// close enough to be a typo: at most a fifth of the longer name's length (at
/// least 1) edits away. Ties go to the first candidate given.
pub fn nearest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let word = word.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let distance = strsim::damerau_levenshtein(&word, &c.to_lowercase());
        let limit = (word.chars().count().max(c.chars().count()) / 5).max(1);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `; did you mean `X`?` for the nearest candidate, or `otherwise` (a short hint
/// such as "; `opsgate rules` lists them") when none is close.
pub fn hint<'a, I>(word: &str, candidates: I, otherwise: &str) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    match nearest(word, candidates) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => otherwise.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_finds_its_name_and_a_stranger_finds_none() {
        let ids = ["OPS-TEL-001", "OPS-TEL-010", "OPS-DEP-001"];
        assert_eq!(nearest("OPS-TEL-01", ids), Some("OPS-TEL-001"));
        assert_eq!(nearest("ops-dep-001", ids), Some("OPS-DEP-001"));
        assert_eq!(nearest("OPS-TEL-0010", ids), Some("OPS-TEL-001"));
        assert_eq!(nearest("ACME-1", ids), None);
        assert_eq!(nearest("OPS-NOPE-001", ids), None);
        let keys = ["fail_on", "exclude", "policy_dirs"];
        assert_eq!(nearest("fail_onn", keys), Some("fail_on"));
        assert_eq!(nearest("failon", keys), Some("fail_on"));
        assert_eq!(nearest("colour", keys), None);
        assert_eq!(nearest("wroker", ["worker", "network"]), Some("worker"));
        assert_eq!(hint("exclud", keys, " (none)"), "; did you mean `exclude`?");
        assert_eq!(hint("zzz", keys, " (none)"), " (none)");
    }
}
