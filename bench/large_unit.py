#!/usr/bin/env python3
"""One large unit: a generated CloudFormation template or Terraform root module of about
SIZE resources, built from groups that exercise the rules' joins (alarms on functions,
queues, load balancers, state machines and databases; redrive targets; flow logs on
VPCs; log groups of functions; subscriptions of topics; roles of functions).

    bench/large_unit.py cloudformation 15000 OUT_DIR   # writes OUT_DIR/template.yaml
    bench/large_unit.py terraform 15000 OUT_DIR        # writes OUT_DIR/main.tf

Groups differ only in a fixed cycle, so findings grow linearly with SIZE; the queues
form one redrive chain across the whole unit (queue i's dead-letter target is queue
i-1). Some joins find nothing, so the rules' finding paths run too: every 4th queue
alarm names another queue (that dead-letter queue has no alarm), and of every 5
function alarms one names its function literally (matched by name) and one names a
function that does not exist (that function has no alarm).
"""
import os
import sys

GROUP = 16  # resources per group, both formats


def queue_dimension(i, ref):
    """The queue alarm's QueueName: a reference, or another queue's name."""
    return f'"queue-other-{i}"' if i % 4 == 3 else ref


def function_dimension(i, ref):
    """The function alarm's FunctionName: a reference, its literal name, or a name of
    no function in the unit."""
    return {4: f'"fn-{i}"', 3: f'"fn-gone-{i}"'}.get(i % 5, ref)


def cloudformation(groups):
    out = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    add = out.append
    for i in range(groups):
        prev = f"Queue{i - 1}" if i else None
        add(f"""  Queue{i}:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: queue-{i}""")
        if prev:
            add(f"""      RedrivePolicy:
        deadLetterTargetArn: !GetAtt {prev}.Arn
        maxReceiveCount: 5""")
        add(f"""  QueueAlarm{i}:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/SQS
      MetricName: ApproximateAgeOfOldestMessage
      Dimensions:
        - Name: QueueName
          Value: {queue_dimension(i, f"!GetAtt Queue{i}.QueueName")}
      Statistic: Maximum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 600
      ComparisonOperator: GreaterThanThreshold
      AlarmActions: [!Ref Topic{i}]
  Role{i}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{Service: lambda.amazonaws.com}}
            Action: sts:AssumeRole
  Function{i}:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: fn-{i}
      Runtime: python3.12
      Handler: app.handler
      Role: !GetAtt Role{i}.Arn
      Code: {{ZipFile: "def handler(e, c): pass"}}
      DeadLetterConfig:
        TargetArn: !GetAtt Queue{i}.Arn
      Tags:
        - Key: Owner
          Value: team-{i % 7}
  FunctionLogs{i}:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${{Function{i}}}
      RetentionInDays: 30
  FunctionAlarm{i}:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions:
        - Name: FunctionName
          Value: {function_dimension(i, f"!Ref Function{i}")}
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      AlarmActions: [!Ref Topic{i}]
  Topic{i}:
    Type: AWS::SNS::Topic
  Subscription{i}:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Topic{i}
      Protocol: sqs
      Endpoint: !GetAtt Queue{i}.Arn
  Vpc{i}:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
  FlowLog{i}:
    Type: AWS::EC2::FlowLog
    Properties:
      ResourceId: !Ref Vpc{i}
      ResourceType: VPC
      TrafficType: ALL
      LogDestinationType: s3
      LogDestination: arn:aws:s3:::flow-logs
  Machine{i}:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: !GetAtt Role{i}.Arn
      DefinitionString: '{{"StartAt": "A", "States": {{"A": {{"Type": "Pass", "End": true}}}}}}'
  MachineAlarm{i}:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/States
      MetricName: ExecutionsFailed
      Dimensions:
        - Name: StateMachineArn
          Value: !Ref Machine{i}
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      AlarmActions: [!Ref Topic{i}]
  Balancer{i}:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: [subnet-1, subnet-2]
  BalancerAlarm{i}:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/ApplicationELB
      MetricName: HTTPCode_ELB_5XX_Count
      Dimensions:
        - Name: LoadBalancer
          Value: !GetAtt Balancer{i}.LoadBalancerFullName
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      AlarmActions: [!Ref Topic{i}]
  Database{i}:
    Type: AWS::RDS::DBInstance
    DeletionPolicy: Snapshot
    UpdateReplacePolicy: Snapshot
    Properties:
      Engine: postgres
      DBInstanceClass: db.t4g.large
      AllocatedStorage: '20'
      BackupRetentionPeriod: 7
  DatabaseAlarm{i}:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/RDS
      MetricName: CPUUtilization
      Dimensions:
        - Name: DBInstanceIdentifier
          Value: !Ref Database{i}
      Statistic: Average
      Period: 60
      EvaluationPeriods: 1
      Threshold: 90
      ComparisonOperator: GreaterThanThreshold
      AlarmActions: [!Ref Topic{i}]""")
    return "\n".join(out) + "\n"


def terraform(groups):
    out = ['provider "aws" {\n  region = "eu-west-1"\n}\n']
    add = out.append
    for i in range(groups):
        redrive = ""
        if i:
            redrive = f"""
  redrive_policy = jsonencode({{
    deadLetterTargetArn = aws_sqs_queue.q{i - 1}.arn
    maxReceiveCount     = 5
  }})"""

        def alarm(name, namespace, metric, dim, value):
            return f"""resource "aws_cloudwatch_metric_alarm" "{name}{i}" {{
  alarm_name          = "{name}-{i}"
  namespace           = "{namespace}"
  metric_name         = "{metric}"
  dimensions = {{
    {dim} = {value}
  }}
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = [aws_sns_topic.t{i}.arn]
}}
"""

        add(f"""resource "aws_sqs_queue" "q{i}" {{
  name = "queue-{i}"{redrive}
}}
""")
        add(alarm("queue_age", "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName",
                  queue_dimension(i, f"aws_sqs_queue.q{i}.name")))
        add(f"""resource "aws_iam_role" "r{i}" {{
  name               = "role-{i}"
  assume_role_policy = "{{}}"
}}

resource "aws_lambda_function" "f{i}" {{
  function_name = "fn-{i}"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
  role          = aws_iam_role.r{i}.arn
  dead_letter_config {{
    target_arn = aws_sqs_queue.q{i}.arn
  }}
  tags = {{
    Owner = "team-{i % 7}"
  }}
}}

resource "aws_cloudwatch_log_group" "l{i}" {{
  name              = "/aws/lambda/${{aws_lambda_function.f{i}.function_name}}"
  retention_in_days = 30
}}
""")
        add(alarm("fn_errors", "AWS/Lambda", "Errors", "FunctionName",
                  function_dimension(i, f"aws_lambda_function.f{i}.function_name")))
        add(f"""resource "aws_sns_topic" "t{i}" {{
  name = "topic-{i}"
}}

resource "aws_sns_topic_subscription" "s{i}" {{
  topic_arn = aws_sns_topic.t{i}.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.q{i}.arn
}}

resource "aws_vpc" "v{i}" {{
  cidr_block = "10.0.0.0/16"
}}

resource "aws_flow_log" "fl{i}" {{
  vpc_id               = aws_vpc.v{i}.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::flow-logs"
}}

resource "aws_sfn_state_machine" "m{i}" {{
  name       = "machine-{i}"
  role_arn   = aws_iam_role.r{i}.arn
  definition = "{{}}"
}}
""")
        add(alarm("machine_failed", "AWS/States", "ExecutionsFailed", "StateMachineArn", f"aws_sfn_state_machine.m{i}.arn"))
        add(f"""resource "aws_lb" "b{i}" {{
  name    = "lb-{i}"
  subnets = ["subnet-1", "subnet-2"]
}}
""")
        add(alarm("lb_5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", f"aws_lb.b{i}.arn_suffix"))
        add(f"""resource "aws_db_instance" "d{i}" {{
  engine                  = "postgres"
  instance_class          = "db.t4g.large"
  allocated_storage       = 20
  backup_retention_period = 7
}}
""")
        add(alarm("db_cpu", "AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", f"aws_db_instance.d{i}.identifier"))
    return "\n".join(out)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("cloudformation", "terraform"):
        sys.exit(__doc__)
    fmt, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    groups = max(1, round(size / GROUP))
    os.makedirs(out, exist_ok=True)
    name, text = (("template.yaml", cloudformation(groups)) if fmt == "cloudformation"
                  else ("main.tf", terraform(groups)))
    with open(os.path.join(out, name), "w") as f:
        f.write(text)
    print(f"{os.path.join(out, name)}: {groups * GROUP} resources")


if __name__ == "__main__":
    main()
