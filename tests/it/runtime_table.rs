//! The Lambda runtime table (policies/data/lambda_runtimes.json) drives OPS-FLOW-001;
//! it must be well formed and kept current: it fails when the table was last read
//! from the AWS documentation more than a year before this version's release date.

use serde_json::Value as J;

fn days(date: &str) -> i64 {
    // days since 1970-01-01 for YYYY-MM-DD (H. Hinnant's days_from_civil)
    let p: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let (y, m, d) = (if p[1] <= 2 { p[0] - 1 } else { p[0] }, p[1], p[2]);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_date(v: &J) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 10 && s.split('-').count() == 3 && s.split('-').all(|p| p.parse::<u32>().is_ok())
    })
}

#[test]
fn runtime_table_is_well_formed_and_current() {
    let table: J =
        serde_json::from_str(include_str!("../../policies/data/lambda_runtimes.json")).unwrap();
    let manifest: toml_like::Manifest = toml_like::read(include_str!("../../Cargo.toml"));
    let retrieved = table["retrieved"].as_str().unwrap();
    assert!(table["source"]
        .as_str()
        .unwrap()
        .starts_with("https://docs.aws.amazon.com/lambda/"));
    let age = days(&manifest.release_date) - days(retrieved);
    assert!(
        age <= 365,
        "policies/data/lambda_runtimes.json was read on {retrieved}, more than a year before this release ({}): re-read the AWS Lambda runtimes page",
        manifest.release_date
    );
    let runtimes = table["runtimes"].as_object().unwrap();
    assert!(runtimes.len() >= 40);
    for (id, r) in runtimes {
        assert!(r["name"].is_string() && r["family"].is_string(), "{id}");
        for k in ["deprecation", "block_create", "block_update"] {
            assert!(r[k].is_null() || is_date(&r[k]), "{id}.{k} = {}", r[k]);
        }
    }
    // The newest runtimes must be in it: some runtime of each family is still supported a year after the release.
    for family in ["nodejs", "python", "java", "dotnet", "ruby"] {
        let latest = runtimes
            .values()
            .filter(|r| r["family"] == family)
            .filter_map(|r| r["deprecation"].as_str())
            .map(days)
            .max()
            .unwrap();
        assert!(
            latest > days(&manifest.release_date),
            "no supported {family} runtime in the table"
        );
    }
}

/// Just enough of Cargo.toml: the release date under [package.metadata.opsgate].
mod toml_like {
    pub struct Manifest {
        pub release_date: String,
    }

    pub fn read(text: &str) -> Manifest {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("release_date"))
            .expect("release_date in [package.metadata.opsgate]");
        let value = line
            .split('=')
            .nth(1)
            .unwrap()
            .trim()
            .trim_matches('"')
            .to_string();
        Manifest {
            release_date: value,
        }
    }
}
