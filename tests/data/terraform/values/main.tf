variable "a" {
  default = "default-a"
}
variable "b" {
  default = "default-b"
}
variable "c" {
  default = "default-c"
}
variable "unset" {}

locals {
  prefix = "${var.a}-${var.b}"
  name   = upper(local.prefix)
  cfg    = jsondecode(jsonencode({ retention = 30, tags = { Team = "x" } }))
  loop1  = local.loop2
  loop2  = local.loop1
}

provider "aws" {
  default_tags {
    tags = {
      Owner = "platform"
    }
  }
}

provider "aws" {
  alias = "west"
  default_tags {
    tags = {
      Owner = "west-team"
      Env   = var.c
    }
  }
}

resource "aws_sqs_queue" "main" {
  name                      = local.name
  message_retention_seconds = local.cfg.retention * 60
  visibility_timeout_seconds = var.unset
  delay_seconds             = var.unset == "x" ? 1 : 2
  tags = {
    Team = local.cfg.tags.Team
  }
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 3
  })
  depends_on = [aws_sqs_queue.dlq]
}

resource "aws_sqs_queue" "dlq" {
  provider = aws.west
  name     = "${local.prefix}-dlq"
  tags     = var.unset
}

resource "aws_sqs_queue" "gone" {
  count = var.a == "nope" ? 1 : 0
  name  = "gone"
}

resource "aws_sqs_queue" "per_key" {
  for_each = toset(["a", "b"])
  name     = each.key
  lifecycle {
    prevent_destroy = true
  }
  dynamic "timeouts" {
    for_each = [1]
    content {}
  }
}

resource "aws_sqs_queue" "loop" {
  name = local.loop1
}

data "aws_caller_identity" "me" {}

resource "aws_sqs_queue" "reads_data" {
  name = "q-${data.aws_caller_identity.me.account_id}"
}

resource "aws_ecs_service" "dyn" {
  name = "dyn"
  dynamic "load_balancer" {
    for_each = { web = 80, api = 8080 }
    content {
      container_name = load_balancer.key
      container_port = load_balancer.value
    }
  }
  load_balancer {
    container_name = "static"
    container_port = 443
  }
  alarms {
    alarm_names = ["static"]
  }
  dynamic "alarms" {
    for_each = var.unset
    iterator = a
    content {
      alarm_names = [aws_sqs_queue.main.name, a.value]
    }
  }
  lifecycle {
    ignore_changes = [desired_count, tags]
  }
}
