terraform {
  required_version = ">= 1.5"
}

variable "env" {
  type    = string
  default = "dev"
}

locals {
  name = "app-${var.env}" # comment
  tags = merge({ Owner = "tëam" }, { Env = var.env })
  list = [for s in ["a", "b"] : upper(s) if s != "c"]
}

/* block
   comment */
resource "aws_lambda_function" "fn" {
  count         = var.env == "prod" ? 2 : 1
  function_name = "${local.name}-${count.index}"
  runtime       = "python3.12"
  tags          = local.tags
  tracing_config {
    mode = "Active"
  }
  policy = <<-EOT
    {"Statement": "${local.name}"}
  EOT
}

module "q" {
  source = "./modules/q"
  name   = !true ? "x" : -1 + 2 * 3
}
