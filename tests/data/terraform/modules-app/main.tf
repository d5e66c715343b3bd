provider "aws" {
  alias = "eu"
  default_tags {
    tags = {
      Owner = "orders"
    }
  }
}

module "jobs" {
  source = "./modules/queue"
  name   = "jobs"
  providers = {
    aws = aws.eu
  }
}

module "off" {
  source = "./modules/queue"
  count  = 0
  name   = "off"
}

module "remote" {
  source  = "terraform-aws-modules/sqs/aws"
  version = "~> 4.0"
}

resource "aws_cloudwatch_metric_alarm" "jobs_depth" {
  alarm_name = "jobs-depth"
  dimensions = {
    QueueName = module.jobs.queue_name
  }
}
