variable "name" {}
variable "role_arn" {}

resource "aws_lambda_function" "this" {
  function_name = var.name
  role          = var.role_arn
  runtime       = "python3.8"
  handler       = "worker.handler"
  filename      = "worker.zip"

  tracing_config {
    mode = "PassThrough"
  }
}

output "function_name" {
  value = aws_lambda_function.this.function_name
}
