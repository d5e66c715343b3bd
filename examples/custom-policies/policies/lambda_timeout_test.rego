package acme.lambda_timeout_test

import data.acme.lambda_timeout

fn(props) := {"address": "Fn", "type": "AWS::Lambda::Function", "kind": "aws_lambda_function", "properties": props}

input_with(props) := {"format": "cloudformation", "resources": {"Fn": fn(props)}, "by_kind": {"aws_lambda_function": ["Fn"]}, "edges": []}

test_missing_timeout_is_reported if {
	count(lambda_timeout.findings) == 1 with input as input_with({})
}

test_timeout_passes if {
	count(lambda_timeout.findings) == 0 with input as input_with({"Timeout": 30})
}

test_unknown_timeout_is_silent if {
	count(lambda_timeout.findings) == 0 with input as input_with({"Timeout": {"$unknown": "!Ref Timeout"}})
}
