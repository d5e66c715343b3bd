//! Load + normalise on arbitrary text, as a scan does it: the first byte picks the
//! input (CloudFormation YAML or JSON, a Terraform plan, a Terraform module in
//! HCL or in JSON); the rest is the file. Never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsgate_fuzz_support::normalise_one;

fuzz_target!(|data: &[u8]| {
    normalise_one(data);
});

mod opsgate_fuzz_support {
    include!("../support.rs");
}
