provider "aws" {
  region = "eu-west-1"
}

resource "aws_iam_role" "lambda" {
  name               = "charge"
  assume_role_policy = "{}"
}

resource "aws_lambda_function" "charge" {
  function_name = "charge"
  role          = aws_iam_role.lambda.arn
  runtime       = "python3.8"
  handler       = "app.handler"
  filename      = "app.zip"
}

module "jobs" {
  source = "./modules/fn"
  role   = aws_iam_role.lambda.arn
}
