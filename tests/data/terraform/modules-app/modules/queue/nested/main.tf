variable "queue_arn" {}

resource "aws_sns_topic" "alerts" {
  name = "alerts"
  policy = var.queue_arn
}
