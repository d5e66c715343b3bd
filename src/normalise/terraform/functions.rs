//! More of Terraform's pure built-in functions, over wholly known arguments, with
//! Terraform's documented semantics: regular expressions, CIDR arithmetic, sets,
//! lists and strings, base64 and YAML. (The common ones — `merge`, `lookup`,
//! `format`, `join`, … — are in eval.rs.) A call Terraform would reject (no regex
//! match, an index out of range) is unknown here, which never fails a rule.

use std::collections::{BTreeMap, HashSet};
// Addresses only (core::net has no sockets).
use core::net::{Ipv4Addr, Ipv6Addr};

use super::eval::V;
use crate::normalise::budget::Exceeded;

/// Whether a call could build a collection of more than `max_items` elements (checked
/// before it is built: `setproduct` grows as the product of its arguments' lengths).
pub fn check_size(name: &str, args: &[V], max_items: u64) -> Result<(), Exceeded> {
    let len = |v: &V| match v {
        V::List(l) => l.len() as u64,
        V::Obj(m) => m.len() as u64,
        _ => 1,
    };
    let items = match name {
        "range" => {
            let n = |i: usize| match args.get(i) {
                Some(V::Num(n)) => Some(*n),
                _ => None,
            };
            let (start, limit, step) = match args.len() {
                1 => (Some(0.0), n(0), Some(1.0)),
                2 => (n(0), n(1), Some(1.0)),
                _ => (n(0), n(1), n(2)),
            };
            // (Counting down: the same number of elements.)
            let step = step.map(|s| if limit < start { -s.abs() } else { s });
            match (start, limit, step) {
                (Some(a), Some(b), Some(s)) if s != 0.0 => ((b - a) / s).ceil().max(0.0) as u64,
                _ => 0,
            }
        }
        "setproduct" => args.iter().map(len).fold(1u64, u64::saturating_mul),
        "formatlist" => args.iter().map(len).max().unwrap_or(0),
        _ => 0,
    };
    if items > max_items {
        return Err(Exceeded::ValueItems(items));
    }
    Ok(())
}

/// The value of `name(args)`, or `None` when it is not one of these functions or
/// Terraform would reject the call.
pub fn call(name: &str, args: &[V]) -> Option<V> {
    let s = |i: usize| args.get(i).and_then(V::to_text);
    let num = |i: usize| match args.get(i) {
        Some(V::Num(n)) => Some(*n),
        Some(V::Str(t)) => t.parse().ok(),
        _ => None,
    };
    let list = |i: usize| match args.get(i) {
        Some(V::List(l)) => Some(l.clone()),
        _ => None,
    };
    Some(match name {
        "regex" => regex_match(&regex::Regex::new(&s(0)?).ok()?, &s(1)?)?,
        "regexall" => {
            let re = regex::Regex::new(&s(0)?).ok()?;
            let text = s(1)?;
            V::List(re.captures_iter(&text).map(|c| captures(&re, &c)).collect())
        }
        "cidrsubnet" => {
            let (addr, bits, width) = cidr(&s(0)?)?;
            let newbits = num(1)? as u32;
            let netnum = num(2)? as u128;
            let prefix = bits.checked_add(newbits).filter(|p| *p <= width)?;
            if newbits < 128 && netnum >> newbits != 0 {
                return None;
            }
            let network = addr | (netnum << (width - prefix));
            V::Str(format!("{}/{prefix}", show(network, width)))
        }
        "cidrhost" => {
            let (addr, bits, width) = cidr(&s(0)?)?;
            let hostnum = num(1)?;
            let size = 1u128.checked_shl(width - bits).unwrap_or(0);
            let host = if hostnum < 0.0 {
                size.checked_sub((-hostnum) as u128)?
            } else {
                hostnum as u128
            };
            if size != 0 && host >= size {
                return None;
            }
            V::Str(show(addr | host, width))
        }
        "cidrnetmask" => {
            let (_, bits, width) = cidr(&s(0)?)?;
            if width != 32 {
                return None;
            }
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            V::Str(Ipv4Addr::from(mask).to_string())
        }
        "formatlist" => {
            let n = args[1..]
                .iter()
                .filter_map(|a| match a {
                    V::List(l) => Some(l.len()),
                    _ => None,
                })
                .try_fold(None, |n: Option<usize>, len| match n {
                    Some(m) if m != len => Err(()),
                    _ => Ok(Some(len)),
                })
                .ok()?
                .unwrap_or(1);
            let spec = s(0)?;
            let rows = (0..n)
                .map(|i| {
                    let row: Vec<V> = args[1..]
                        .iter()
                        .map(|a| match a {
                            V::List(l) => l[i].clone(),
                            v => v.clone(),
                        })
                        .collect();
                    super::eval::format_string(&spec, &row).map(V::Str)
                })
                .collect::<Option<Vec<V>>>()?;
            V::List(rows)
        }
        "zipmap" => {
            let (keys, values) = (list(0)?, list(1)?);
            if keys.len() != values.len() {
                return None;
            }
            V::Obj(
                keys.iter()
                    .map(V::to_text)
                    .zip(values)
                    .map(|(k, v)| k.map(|k| (k, v)))
                    .collect::<Option<BTreeMap<_, _>>>()?,
            )
        }
        "setunion" | "setintersection" | "setsubtract" => {
            let sets = args
                .iter()
                .map(|a| match a {
                    V::List(l) => Some(l.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            let (first, rest) = sets.split_first()?;
            let key = |v: &V| v.to_json().to_string();
            let keys: Vec<HashSet<String>> =
                rest.iter().map(|s| s.iter().map(key).collect()).collect();
            let mut out: Vec<V> = match name {
                "setunion" => sets.iter().flatten().cloned().collect(),
                "setintersection" => first
                    .iter()
                    .filter(|v| keys.iter().all(|k| k.contains(&key(v))))
                    .cloned()
                    .collect(),
                _ => first
                    .iter()
                    .filter(|v| !keys.iter().any(|k| k.contains(&key(v))))
                    .cloned()
                    .collect(),
            };
            let mut seen = HashSet::new();
            out.retain(|v| seen.insert(key(v)));
            V::List(out)
        }
        "setproduct" => {
            let mut rows: Vec<Vec<V>> = vec![vec![]];
            for a in args {
                let V::List(items) = a else { return None };
                rows = rows
                    .iter()
                    .flat_map(|row| {
                        items.iter().map(move |i| {
                            let mut r = row.clone();
                            r.push(i.clone());
                            r
                        })
                    })
                    .collect();
            }
            V::List(rows.into_iter().map(V::List).collect())
        }
        "range" => {
            // Without a step, it counts down when the limit is below the start.
            let (start, limit, step) = match args.len() {
                1 => (0.0, num(0)?, 1.0),
                2 => (num(0)?, num(1)?, if num(1)? < num(0)? { -1.0 } else { 1.0 }),
                3 => (num(0)?, num(1)?, num(2)?),
                _ => return None,
            };
            if step == 0.0 || (step > 0.0) != (limit >= start) && limit != start {
                return None;
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < limit) || (step < 0.0 && x > limit) {
                out.push(V::Num(x));
                x += step;
            }
            V::List(out)
        }
        "sort" => {
            let mut texts = list(0)?
                .iter()
                .map(V::to_text)
                .collect::<Option<Vec<String>>>()?;
            texts.sort();
            V::List(texts.into_iter().map(V::Str).collect())
        }
        "reverse" => V::List(list(0)?.into_iter().rev().collect()),
        "slice" => {
            let l = list(0)?;
            let (from, to) = (num(1)? as usize, num(2)? as usize);
            V::List(l.get(from..to)?.to_vec())
        }
        "index" => {
            let l = list(0)?;
            V::Num(l.iter().position(|v| Some(v) == args.get(1))? as f64)
        }
        "one" => match list(0)?.as_slice() {
            [] => V::Null,
            [one] => one.clone(),
            _ => return None,
        },
        "alltrue" | "anytrue" => {
            let bools = list(0)?
                .iter()
                .map(|v| match v {
                    V::Bool(b) => Some(*b),
                    V::Str(t) if t == "true" => Some(true),
                    V::Str(t) if t == "false" => Some(false),
                    _ => None,
                })
                .collect::<Option<Vec<bool>>>()?;
            V::Bool(if name == "alltrue" {
                bools.iter().all(|b| *b)
            } else {
                bools.iter().any(|b| *b)
            })
        }
        "sum" => {
            let l = list(0)?;
            if l.is_empty() {
                return None;
            }
            V::Num(
                l.iter()
                    .map(|v| match v {
                        V::Num(n) => Some(*n),
                        _ => None,
                    })
                    .sum::<Option<f64>>()?,
            )
        }
        "trim" => {
            let cut = s(1)?;
            V::Str(s(0)?.trim_matches(|c| cut.contains(c)).to_string())
        }
        "trimprefix" => {
            let t = s(0)?;
            V::Str(t.strip_prefix(s(1)?.as_str()).unwrap_or(&t).to_string())
        }
        "trimsuffix" => {
            let t = s(0)?;
            V::Str(t.strip_suffix(s(1)?.as_str()).unwrap_or(&t).to_string())
        }
        "title" => {
            let mut out = String::new();
            let mut start = true;
            for c in s(0)?.chars() {
                if start && c.is_alphabetic() {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                start = !c.is_alphanumeric();
            }
            V::Str(out)
        }
        "chunklist" => {
            let l = list(0)?;
            let size = num(1)? as usize;
            if size == 0 {
                V::List(vec![V::List(l)])
            } else {
                V::List(l.chunks(size).map(|c| V::List(c.to_vec())).collect())
            }
        }
        "transpose" => {
            let V::Obj(m) = args.first()? else {
                return None;
            };
            let mut out: BTreeMap<String, Vec<V>> = BTreeMap::new();
            for (k, v) in m {
                let V::List(items) = v else { return None };
                for i in items {
                    out.entry(i.to_text()?).or_default().push(V::Str(k.clone()));
                }
            }
            V::Obj(out.into_iter().map(|(k, v)| (k, V::List(v))).collect())
        }
        "base64encode" => V::Str(data_encoding::BASE64.encode(s(0)?.as_bytes())),
        "base64decode" => {
            V::Str(String::from_utf8(data_encoding::BASE64.decode(s(0)?.as_bytes()).ok()?).ok()?)
        }
        "yamldecode" => {
            let text = s(0)?;
            let node = crate::load::yaml::parse(&text).ok()??;
            V::from_json(&node.to_json())
        }
        "yamlencode" => V::Str(yaml(args.first()?, 0, false)),
        _ => return None,
    })
}

/// What `regex` gives for one match: the match without capture groups, a map with
/// named groups, else a list of the groups.
fn captures(re: &regex::Regex, c: &regex::Captures) -> V {
    let text = |m: Option<regex::Match>| m.map_or(V::Null, |m| V::Str(m.as_str().to_string()));
    if re.captures_len() == 1 {
        return text(c.get(0));
    }
    if re.capture_names().flatten().next().is_some() {
        return V::Obj(
            re.capture_names()
                .flatten()
                .map(|n| (n.to_string(), text(c.name(n))))
                .collect(),
        );
    }
    V::List((1..c.len()).map(|i| text(c.get(i))).collect())
}

fn regex_match(re: &regex::Regex, text: &str) -> Option<V> {
    re.captures(text).map(|c| captures(re, &c))
}

/// An IPv4 or IPv6 prefix: (network address with the host bits cleared, prefix
/// length, address width).
fn cidr(text: &str) -> Option<(u128, u32, u32)> {
    let (ip, bits) = text.split_once('/')?;
    let bits: u32 = bits.parse().ok()?;
    let (addr, width) = match ip.parse::<Ipv4Addr>() {
        Ok(a) => (u128::from(u32::from(a)), 32),
        Err(_) => (u128::from(ip.parse::<Ipv6Addr>().ok()?), 128),
    };
    if bits > width {
        return None;
    }
    let host_bits = width - bits;
    let mask = if host_bits >= 128 {
        0
    } else {
        !((1u128 << host_bits) - 1)
    };
    Some((addr & mask, bits, width))
}

fn show(addr: u128, width: u32) -> String {
    if width == 32 {
        Ipv4Addr::from(addr as u32).to_string()
    } else {
        Ipv6Addr::from(addr).to_string()
    }
}

/// YAML as Terraform's `yamlencode` writes it: block style, keys and strings quoted.
fn yaml(v: &V, indent: usize, in_list: bool) -> String {
    let pad = " ".repeat(indent);
    let scalar = |v: &V| match v {
        V::Str(s) => serde_json::to_string(s).unwrap_or_default(),
        V::Num(n) => V::Num(*n).to_text().unwrap_or_default(),
        V::Bool(b) => b.to_string(),
        _ => "null".to_string(),
    };
    match v {
        V::Obj(m) if m.is_empty() => "{}\n".into(),
        V::List(l) if l.is_empty() => "[]\n".into(),
        V::Obj(m) => {
            let mut out = String::new();
            for (i, (k, val)) in m.iter().enumerate() {
                let lead = if i == 0 && in_list {
                    String::new()
                } else {
                    pad.clone()
                };
                let key = serde_json::to_string(k).unwrap_or_default();
                match val {
                    V::Obj(c) if !c.is_empty() => {
                        out.push_str(&format!("{lead}{key}:\n{}", yaml(val, indent + 2, false)))
                    }
                    V::List(c) if !c.is_empty() => {
                        out.push_str(&format!("{lead}{key}:\n{}", yaml(val, indent, false)))
                    }
                    _ => out.push_str(&format!("{lead}{key}: {}", yaml(val, indent, false))),
                }
            }
            out
        }
        V::List(l) => l
            .iter()
            .map(|item| format!("{pad}- {}", yaml(item, indent + 2, true)))
            .collect(),
        other => scalar(other) + "\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value as J};

    /// `name(args)` with JSON arguments, as JSON (`null` JSON for an unknown result
    /// is told apart: `None`).
    fn f(name: &str, args: J) -> Option<J> {
        let args: Vec<V> = args.as_array().unwrap().iter().map(V::from_json).collect();
        call(name, &args).map(|v| v.to_json())
    }

    /// Each function as Terraform documents it (examples from its function pages).
    #[test]
    fn terraform_s_documented_examples() {
        let cases: &[(&str, J, Option<J>)] = &[
            (
                "regex",
                json!(["[a-z]+", "53453453.345345aaabbbccc23454"]),
                Some(json!("aaabbbccc")),
            ),
            (
                "regex",
                json!(["(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)", "2019-02-01"]),
                Some(json!(["2019", "02", "01"])),
            ),
            (
                "regex",
                json!([
                    "^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?",
                    "https://terraform.io/docs/"
                ]),
                Some(json!({"authority": "terraform.io", "scheme": "https"})),
            ),
            ("regex", json!(["[a-z]+", "1234"]), None),
            (
                "regexall",
                json!(["[a-z]+", "1234abcd5678efgh9"]),
                Some(json!(["abcd", "efgh"])),
            ),
            ("regexall", json!(["[a-z]+", "1234"]), Some(json!([]))),
            (
                "cidrsubnet",
                json!(["172.16.0.0/12", 4, 2]),
                Some(json!("172.18.0.0/16")),
            ),
            (
                "cidrsubnet",
                json!(["10.1.2.0/24", 4, 15]),
                Some(json!("10.1.2.240/28")),
            ),
            (
                "cidrsubnet",
                json!(["fd00:fd12:3456:7890::/56", 16, 162]),
                Some(json!("fd00:fd12:3456:7800:a200::/72")),
            ),
            ("cidrsubnet", json!(["10.0.0/24", 4, 16]), None),
            (
                "cidrhost",
                json!(["10.12.112.0/20", 16]),
                Some(json!("10.12.112.16")),
            ),
            (
                "cidrhost",
                json!(["10.12.112.0/20", 268]),
                Some(json!("10.12.113.12")),
            ),
            (
                "cidrhost",
                json!(["10.12.112.0/20", -1]),
                Some(json!("10.12.127.255")),
            ),
            (
                "cidrhost",
                json!(["fd00:fd12:3456:7890:00a2::/72", 34]),
                Some(json!("fd00:fd12:3456:7890::22")),
            ),
            (
                "cidrnetmask",
                json!(["172.16.0.0/12"]),
                Some(json!("255.240.0.0")),
            ),
            (
                "formatlist",
                json!(["Hello, %s!", ["Valentina", "Ander"]]),
                Some(json!(["Hello, Valentina!", "Hello, Ander!"])),
            ),
            (
                "formatlist",
                json!(["%s, %s!", "Salutations", ["Valentina", "Ander"]]),
                Some(json!(["Salutations, Valentina!", "Salutations, Ander!"])),
            ),
            ("formatlist", json!(["%s%s", ["a"], ["b", "c"]]), None),
            (
                "zipmap",
                json!([["a", "b"], [1, 2]]),
                Some(json!({"a": 1, "b": 2})),
            ),
            (
                "setunion",
                json!([["a", "b"], ["b", "c"], ["d"]]),
                Some(json!(["a", "b", "c", "d"])),
            ),
            (
                "setintersection",
                json!([["a", "b"], ["b", "c"], ["b", "d"]]),
                Some(json!(["b"])),
            ),
            (
                "setsubtract",
                json!([["a", "b", "c"], ["a", "c"]]),
                Some(json!(["b"])),
            ),
            (
                "setproduct",
                json!([["development", "staging"], ["app1", "app2"]]),
                Some(json!([
                    ["development", "app1"],
                    ["development", "app2"],
                    ["staging", "app1"],
                    ["staging", "app2"]
                ])),
            ),
            ("range", json!([3]), Some(json!([0, 1, 2]))),
            ("range", json!([1, 4]), Some(json!([1, 2, 3]))),
            ("range", json!([1, 8, 2]), Some(json!([1, 3, 5, 7]))),
            ("range", json!([4, 1]), Some(json!([4, 3, 2]))),
            ("range", json!([10, 5, -2]), Some(json!([10, 8, 6]))),
            (
                "sort",
                json!([["e", "d", "a", "x"]]),
                Some(json!(["a", "d", "e", "x"])),
            ),
            ("reverse", json!([[1, 2, 3]]), Some(json!([3, 2, 1]))),
            (
                "slice",
                json!([["a", "b", "c", "d"], 1, 3]),
                Some(json!(["b", "c"])),
            ),
            ("slice", json!([["a"], 1, 3]), None),
            ("index", json!([["a", "b", "c"], "b"]), Some(json!(1))),
            ("index", json!([["a"], "z"]), None),
            ("one", json!([[]]), Some(json!(null))),
            ("one", json!([["hello"]]), Some(json!("hello"))),
            ("one", json!([["a", "b"]]), None),
            ("alltrue", json!([["true", true]]), Some(json!(true))),
            ("alltrue", json!([[true, false]]), Some(json!(false))),
            ("anytrue", json!([[false, "true"]]), Some(json!(true))),
            ("anytrue", json!([[]]), Some(json!(false))),
            ("sum", json!([[10, 13, 6, 4.5]]), Some(json!(33.5))),
            ("trim", json!(["?!hello?!", "!?"]), Some(json!("hello"))),
            (
                "trimprefix",
                json!(["helloworld", "hello"]),
                Some(json!("world")),
            ),
            (
                "trimsuffix",
                json!(["helloworld", "world"]),
                Some(json!("hello")),
            ),
            ("title", json!(["hello world"]), Some(json!("Hello World"))),
            (
                "chunklist",
                json!([["a", "b", "c", "d", "e"], 2]),
                Some(json!([["a", "b"], ["c", "d"], ["e"]])),
            ),
            (
                "transpose",
                json!([{"a": ["1", "2"], "b": ["2", "3"]}]),
                Some(json!({"1": ["a"], "2": ["a", "b"], "3": ["b"]})),
            ),
            (
                "base64encode",
                json!(["Hello World"]),
                Some(json!("SGVsbG8gV29ybGQ=")),
            ),
            (
                "base64decode",
                json!(["SGVsbG8gV29ybGQ="]),
                Some(json!("Hello World")),
            ),
            (
                "yamldecode",
                json!(["a: b\nc:\n  - 1\n  - true\n"]),
                Some(json!({"a": "b", "c": [1, true]})),
            ),
            (
                "yamlencode",
                json!([{"a": "b", "c": [1, true]}]),
                Some(json!("\"a\": \"b\"\n\"c\":\n- 1\n- true\n")),
            ),
            (
                "yamlencode",
                json!([[{"a": "b", "c": "d"}]]),
                Some(json!("- \"a\": \"b\"\n  \"c\": \"d\"\n")),
            ),
        ];
        for (name, args, expected) in cases {
            assert_eq!(&f(name, args.clone()), expected, "{name}({args})");
        }
    }

    /// Calls that would build huge collections are refused before they are built.
    #[test]
    fn sizes_are_checked_before_building() {
        let n = |x: f64| V::Num(x);
        assert_eq!(
            check_size("range", &[n(1e12)], 100_000),
            Err(Exceeded::ValueItems(1_000_000_000_000))
        );
        let list = V::List((0..100).map(|i| n(i as f64)).collect());
        assert_eq!(
            check_size(
                "setproduct",
                &[list.clone(), list.clone(), list.clone()],
                100_000
            ),
            Err(Exceeded::ValueItems(1_000_000))
        );
        assert_eq!(
            check_size("setproduct", &[list.clone(), list], 100_000),
            Ok(())
        );
    }
}
