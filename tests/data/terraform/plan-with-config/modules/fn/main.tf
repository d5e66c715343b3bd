variable "role" {}

resource "aws_lambda_function" "this" {
  function_name = "jobs"
  role          = var.role
  runtime       = "nodejs16.x"
  handler       = "index.handler"
  filename      = "app.zip"
}
