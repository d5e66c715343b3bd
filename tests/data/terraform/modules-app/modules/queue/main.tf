variable "name" {}

resource "aws_sqs_queue" "this" {
  name = var.name
}

module "nested" {
  source = "./nested"
  queue_arn = aws_sqs_queue.this.arn
}

output "queue_name" {
  value = aws_sqs_queue.this.name
}
