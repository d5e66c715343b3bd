// Generated inputs that reach evaluation: the fuzzer's bytes choose a Terraform module
// (locals, variables, outputs and module calls built from functions, templates and
// `for` expressions over each other, cycles and self-calls included) or a
// CloudFormation template (parameters, mappings that refer to themselves, SAM Globals,
// nested intrinsics). Random bytes alone almost never parse as either; these always
// do, so the fuzzer spends its time in the evaluator and its budgets.

/// Reads choices from the fuzzer's bytes; past the end every choice is 0.
pub struct Gen<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Gen<'a> {
    pub fn new(data: &'a [u8]) -> Gen<'a> {
        Gen { data, pos: 0 }
    }

    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    fn pick(&mut self, n: usize) -> usize {
        self.byte() as usize % n.max(1)
    }

    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

/// A Terraform module as (relative path, text) files: a root and a child `m/`.
pub fn terraform(g: &mut Gen) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for (path, parent) in [("main.tf", "./m"), ("m/main.tf", "../")] {
        let locals = 1 + g.pick(10);
        let mut t = String::new();
        for v in 0..3 {
            t.push_str(&format!(
                "variable \"v{v}\" {{\n  default = {}\n}}\n",
                hcl(g, 3, locals)
            ));
        }
        t.push_str("locals {\n");
        for l in 0..locals {
            t.push_str(&format!("  l{l} = {}\n", hcl(g, 5, locals)));
        }
        t.push_str("}\n");
        t.push_str(&format!("output \"out\" {{\n  value = {}\n}}\n", hcl(g, 4, locals)));
        // The child calls the root back, or the root calls itself: module cycles.
        let calls = g.pick(3);
        for c in 0..calls {
            let source = if g.pick(4) == 0 { "./" } else { parent };
            t.push_str(&format!(
                "module \"c{c}\" {{\n  source = \"{source}\"\n  v0 = {}\n}}\n",
                hcl(g, 3, locals)
            ));
        }
        t.push_str(&format!(
            "module \"m\" {{\n  source = \"{parent}\"\n  count = {}\n}}\n",
            g.pick(2)
        ));
        for r in 0..1 + g.pick(4) {
            t.push_str(&format!(
                "resource \"aws_cloudwatch_log_group\" \"g{r}\" {{\n  name = {}\n  retention_in_days = {}\n  tags = {}\n}}\n",
                hcl(g, 4, locals),
                hcl(g, 2, locals),
                hcl(g, 3, locals)
            ));
            t.push_str(&format!(
                "resource \"aws_lambda_function\" \"f{r}\" {{\n  function_name = {}\n  runtime = \"python3.12\"\n  dynamic \"environment\" {{\n    for_each = {}\n    content {{\n      variables = {{ K = environment.value }}\n    }}\n  }}\n}}\n",
                hcl(g, 3, locals),
                hcl(g, 3, locals)
            ));
        }
        if path == "main.tf" {
            t.push_str(&format!(
                "provider \"aws\" {{\n  default_tags {{\n    tags = {}\n  }}\n}}\n",
                hcl(g, 3, locals)
            ));
        }
        files.push((path.to_string(), t));
    }
    files
}

fn hcl(g: &mut Gen, depth: usize, locals: usize) -> String {
    if depth == 0 || g.done() {
        return match g.pick(4) {
            0 => format!("\"{}\"", "ab".repeat(g.pick(6))),
            1 => format!("{}", g.byte()),
            2 => format!("local.l{}", g.pick(locals + 1)),
            _ => format!("var.v{}", g.pick(3)),
        };
    }
    let d = depth - 1;
    let mut e = || hcl(g, d, locals);
    let (a, b) = (e(), e());
    match g.pick(22) {
        0 => format!("\"${{{a}}}${{{b}}}\""),
        1 => format!("concat([{a}], [{b}], {a})"),
        2 => format!("join(\"{}\", {a})", "-".repeat(g.pick(4))),
        3 => format!("[for x in {a} : [x, x]]"),
        4 => format!("{{for k, v in {a} : k => [v, {b}]}}"),
        5 => format!("merge({a}, {b})"),
        6 => format!("replace({a}, \"{}\", {b})", ["a", "", "b"][g.pick(3)]),
        7 => format!("split(\"{}\", {a})", ["", ",", "a"][g.pick(3)]),
        8 => format!("jsonencode({a})"),
        9 => format!("flatten([{a}, [{b}, {a}]])"),
        10 => format!("distinct({a})"),
        11 => format!("length({a}) > {} ? {a} : {b}", g.pick(4)),
        12 => format!("module.m.out"),
        13 => format!("module.c0.out"),
        14 => format!("[{a}, {b}, {a}]"),
        15 => format!("{{ a = {a}, b = {b} }}"),
        16 => format!("lookup({a}, \"a\", {b})"),
        17 => format!("format(\"%s%s\", {a}, {b})"),
        18 => format!("upper({a})"),
        19 => format!("{a}[0]"),
        20 => format!("toset({a})"),
        _ => format!("<<-EOT\n  ${{{a}}}\n  ${{{b}}}\n  EOT\n"),
    }
}

/// A CloudFormation template, as JSON text.
pub fn cloudformation(g: &mut Gen) -> String {
    use serde_json::{json, Map, Value as J};
    let mut params = Map::new();
    for p in 0..3 {
        let default = match g.pick(3) {
            0 => J::String("x".repeat(1 << g.pick(12))),
            1 => J::String("a,b,c".into()),
            _ => J::from(g.byte()),
        };
        let ty = ["String", "CommaDelimitedList", "Number"][g.pick(3)];
        params.insert(format!("P{p}"), json!({"Type": ty, "Default": default}));
    }
    let mut mapping = Map::new();
    for k in ["a", "b"] {
        let mut inner = Map::new();
        for k2 in ["x", "y"] {
            inner.insert(k2.into(), cfn(g, 3));
        }
        mapping.insert(k.into(), J::Object(inner));
    }
    let mut resources = Map::new();
    for r in 0..1 + g.pick(6) {
        let props = json!({
            "LogGroupName": cfn(g, 4),
            "RetentionInDays": cfn(g, 2),
            "Tags": [{"Key": cfn(g, 2), "Value": cfn(g, 3)}],
        });
        resources.insert(
            format!("R{r}"),
            json!({"Type": "AWS::Logs::LogGroup", "Properties": props}),
        );
        resources.insert(
            format!("F{r}"),
            json!({"Type": "AWS::Serverless::Function", "Properties": {
                "Runtime": "python3.12",
                "Environment": {"Variables": {"A": cfn(g, 3)}},
            }}),
        );
    }
    let template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Parameters": params,
        "Mappings": {"M": mapping},
        "Conditions": {"C": {"Fn::Equals": [cfn(g, 1), "x"]}},
        "Globals": {"Function": {
            "Environment": {"Variables": {"G": cfn(g, 3)}},
            "Tags": {"T": cfn(g, 2)},
            "Layers": [cfn(g, 2), cfn(g, 2)],
        }},
        "Resources": resources,
    });
    serde_json::to_string_pretty(&template).unwrap_or_default()
}

fn cfn(g: &mut Gen, depth: usize) -> serde_json::Value {
    use serde_json::json;
    if depth == 0 || g.done() {
        return match g.pick(3) {
            0 => json!("ab".repeat(g.pick(5))),
            1 => json!({"Ref": format!("P{}", g.pick(3))}),
            _ => json!({"Fn::GetAtt": [format!("R{}", g.pick(3)), "Arn"]}),
        };
    }
    let d = depth - 1;
    match g.pick(11) {
        0 => json!({"Fn::Sub": "${P0}${P1}-${P0}${R0.Arn}".repeat(1 + g.pick(4))}),
        1 => json!({"Fn::Sub": ["${A}${A}${B}", {"A": cfn(g, d), "B": cfn(g, d)}]}),
        2 => json!({"Fn::Join": ["-".repeat(g.pick(3)), [cfn(g, d), cfn(g, d), cfn(g, d)]]}),
        3 => json!({"Fn::Split": [([",", "a", "x"][g.pick(3)]), cfn(g, d)]}),
        4 => json!({"Fn::Select": [g.pick(4), cfn(g, d)]}),
        5 => json!({"Fn::FindInMap": ["M", (["a", "b"][g.pick(2)]), (["x", "y"][g.pick(2)])]}),
        6 => json!({"Fn::FindInMap": ["M", cfn(g, d), "x", {"DefaultValue": cfn(g, d)}]}),
        7 => json!({"Fn::If": ["C", cfn(g, d), cfn(g, d)]}),
        8 => json!([cfn(g, d), cfn(g, d)]),
        9 => json!({"k": cfn(g, d), "l": cfn(g, d)}),
        _ => json!({"Fn::Base64": cfn(g, d)}),
    }
}
