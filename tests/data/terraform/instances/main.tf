variable "functions" {
  default = { orders = "python3.8", billing = "python3.13" }
}

locals {
  names = toset([for k, v in var.functions : k])
}

resource "aws_lambda_function" "fn" {
  for_each      = var.functions
  function_name = each.key
  runtime       = each.value
  role          = "arn:aws:iam::123456789012:role/fn"
  handler       = "app.handler"
  filename      = "fn.zip"
  tracing_config {
    mode = "Active"
  }
}

resource "aws_cloudwatch_log_group" "fn" {
  for_each          = local.names
  name              = "/aws/lambda/${each.key}"
  retention_in_days = each.key == "orders" ? 7 : 90
}

resource "aws_sns_topic" "oncall" {}

resource "aws_cloudwatch_metric_alarm" "errors" {
  for_each            = aws_lambda_function.fn
  alarm_name          = "${each.key}-errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = [aws_sns_topic.oncall.arn]
  alarm_description   = "runbook: https://wiki/runbooks/fn"
}

resource "aws_lambda_function" "worker" {
  count         = 2
  function_name = "worker-${count.index}"
  runtime       = "python3.13"
  role          = "arn:aws:iam::123456789012:role/fn"
  handler       = "app.handler"
  filename      = "fn.zip"
}

resource "aws_cloudwatch_metric_alarm" "worker_errors" {
  count               = 1
  alarm_name          = "worker-errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.worker[count.index].function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = [aws_sns_topic.oncall.arn]
  alarm_description   = "runbook: https://wiki/runbooks/worker"
}
