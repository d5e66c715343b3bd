//! Canonical kinds: the Terraform AWS provider's type name for each CloudFormation
//! type, so one policy covers both formats. SAM types map to the resource they
//! mostly are for operational checks (a Serverless::Api is checked as its stage).

/// Sorted by CloudFormation type (binary-searched; a test keeps it sorted).
const CFN_TO_KIND: &[(&str, &str)] = &[
    ("AWS::AmazonMQ::Broker", "aws_mq_broker"),
    ("AWS::ApiGateway::Account", "aws_api_gateway_account"),
    ("AWS::ApiGateway::Deployment", "aws_api_gateway_deployment"),
    ("AWS::ApiGateway::Method", "aws_api_gateway_method"),
    ("AWS::ApiGateway::Resource", "aws_api_gateway_resource"),
    ("AWS::ApiGateway::RestApi", "aws_api_gateway_rest_api"),
    ("AWS::ApiGateway::Stage", "aws_api_gateway_stage"),
    ("AWS::ApiGatewayV2::Api", "aws_apigatewayv2_api"),
    (
        "AWS::ApiGatewayV2::Integration",
        "aws_apigatewayv2_integration",
    ),
    ("AWS::ApiGatewayV2::Route", "aws_apigatewayv2_route"),
    ("AWS::ApiGatewayV2::Stage", "aws_apigatewayv2_stage"),
    ("AWS::AppSync::GraphQLApi", "aws_appsync_graphql_api"),
    (
        "AWS::AutoScaling::AutoScalingGroup",
        "aws_autoscaling_group",
    ),
    (
        "AWS::AutoScaling::LaunchConfiguration",
        "aws_launch_configuration",
    ),
    ("AWS::AutoScaling::ScalingPolicy", "aws_autoscaling_policy"),
    ("AWS::Backup::BackupPlan", "aws_backup_plan"),
    ("AWS::Backup::BackupSelection", "aws_backup_selection"),
    ("AWS::Backup::BackupVault", "aws_backup_vault"),
    ("AWS::CloudFormation::Stack", "aws_cloudformation_stack"),
    (
        "AWS::CloudFront::Distribution",
        "aws_cloudfront_distribution",
    ),
    ("AWS::CloudTrail::Trail", "aws_cloudtrail"),
    ("AWS::CloudWatch::Alarm", "aws_cloudwatch_metric_alarm"),
    (
        "AWS::CloudWatch::CompositeAlarm",
        "aws_cloudwatch_composite_alarm",
    ),
    ("AWS::CloudWatch::Dashboard", "aws_cloudwatch_dashboard"),
    ("AWS::CodeBuild::Project", "aws_codebuild_project"),
    ("AWS::CodeDeploy::Application", "aws_codedeploy_app"),
    (
        "AWS::CodeDeploy::DeploymentConfig",
        "aws_codedeploy_deployment_config",
    ),
    (
        "AWS::CodeDeploy::DeploymentGroup",
        "aws_codedeploy_deployment_group",
    ),
    ("AWS::CodePipeline::Pipeline", "aws_codepipeline"),
    ("AWS::Cognito::UserPool", "aws_cognito_user_pool"),
    (
        "AWS::DMS::ReplicationInstance",
        "aws_dms_replication_instance",
    ),
    ("AWS::DocDB::DBCluster", "aws_docdb_cluster"),
    ("AWS::DynamoDB::GlobalTable", "aws_dynamodb_table"),
    ("AWS::DynamoDB::Table", "aws_dynamodb_table"),
    ("AWS::EC2::EIP", "aws_eip"),
    ("AWS::EC2::FlowLog", "aws_flow_log"),
    ("AWS::EC2::Instance", "aws_instance"),
    ("AWS::EC2::InternetGateway", "aws_internet_gateway"),
    ("AWS::EC2::LaunchTemplate", "aws_launch_template"),
    ("AWS::EC2::NatGateway", "aws_nat_gateway"),
    ("AWS::EC2::RouteTable", "aws_route_table"),
    ("AWS::EC2::SecurityGroup", "aws_security_group"),
    ("AWS::EC2::Subnet", "aws_subnet"),
    ("AWS::EC2::VPC", "aws_vpc"),
    ("AWS::EC2::VPCEndpoint", "aws_vpc_endpoint"),
    ("AWS::EC2::Volume", "aws_ebs_volume"),
    ("AWS::ECR::Repository", "aws_ecr_repository"),
    ("AWS::ECS::Cluster", "aws_ecs_cluster"),
    ("AWS::ECS::Service", "aws_ecs_service"),
    ("AWS::ECS::TaskDefinition", "aws_ecs_task_definition"),
    ("AWS::EFS::FileSystem", "aws_efs_file_system"),
    ("AWS::EKS::Cluster", "aws_eks_cluster"),
    ("AWS::EKS::Nodegroup", "aws_eks_node_group"),
    ("AWS::ElastiCache::CacheCluster", "aws_elasticache_cluster"),
    (
        "AWS::ElastiCache::ReplicationGroup",
        "aws_elasticache_replication_group",
    ),
    (
        "AWS::ElasticBeanstalk::Application",
        "aws_elastic_beanstalk_application",
    ),
    (
        "AWS::ElasticBeanstalk::ConfigurationTemplate",
        "aws_elastic_beanstalk_configuration_template",
    ),
    (
        "AWS::ElasticBeanstalk::Environment",
        "aws_elastic_beanstalk_environment",
    ),
    ("AWS::ElasticLoadBalancing::LoadBalancer", "aws_elb"),
    ("AWS::ElasticLoadBalancingV2::Listener", "aws_lb_listener"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "aws_lb"),
    (
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "aws_lb_target_group",
    ),
    ("AWS::Elasticsearch::Domain", "aws_elasticsearch_domain"),
    ("AWS::Events::EventBus", "aws_cloudwatch_event_bus"),
    ("AWS::Events::Rule", "aws_cloudwatch_event_rule"),
    ("AWS::IAM::InstanceProfile", "aws_iam_instance_profile"),
    ("AWS::IAM::ManagedPolicy", "aws_iam_policy"),
    ("AWS::IAM::Policy", "aws_iam_policy"),
    ("AWS::IAM::Role", "aws_iam_role"),
    ("AWS::IAM::User", "aws_iam_user"),
    ("AWS::KMS::Alias", "aws_kms_alias"),
    ("AWS::KMS::Key", "aws_kms_key"),
    ("AWS::Kinesis::Stream", "aws_kinesis_stream"),
    (
        "AWS::KinesisFirehose::DeliveryStream",
        "aws_kinesis_firehose_delivery_stream",
    ),
    ("AWS::Lambda::Alias", "aws_lambda_alias"),
    (
        "AWS::Lambda::EventInvokeConfig",
        "aws_lambda_function_event_invoke_config",
    ),
    (
        "AWS::Lambda::EventSourceMapping",
        "aws_lambda_event_source_mapping",
    ),
    ("AWS::Lambda::Function", "aws_lambda_function"),
    ("AWS::Lambda::LayerVersion", "aws_lambda_layer_version"),
    ("AWS::Lambda::Permission", "aws_lambda_permission"),
    ("AWS::Lambda::Version", "aws_lambda_function_version"),
    ("AWS::Logs::LogGroup", "aws_cloudwatch_log_group"),
    (
        "AWS::Logs::MetricFilter",
        "aws_cloudwatch_log_metric_filter",
    ),
    (
        "AWS::Logs::SubscriptionFilter",
        "aws_cloudwatch_log_subscription_filter",
    ),
    ("AWS::MSK::Cluster", "aws_msk_cluster"),
    ("AWS::OpenSearchService::Domain", "aws_opensearch_domain"),
    ("AWS::RDS::DBCluster", "aws_rds_cluster"),
    ("AWS::RDS::DBInstance", "aws_db_instance"),
    ("AWS::RDS::DBSubnetGroup", "aws_db_subnet_group"),
    ("AWS::Redshift::Cluster", "aws_redshift_cluster"),
    ("AWS::Route53::HealthCheck", "aws_route53_health_check"),
    ("AWS::Route53::HostedZone", "aws_route53_zone"),
    ("AWS::Route53::RecordSet", "aws_route53_record"),
    ("AWS::S3::Bucket", "aws_s3_bucket"),
    ("AWS::S3::BucketPolicy", "aws_s3_bucket_policy"),
    ("AWS::SNS::Subscription", "aws_sns_topic_subscription"),
    ("AWS::SNS::Topic", "aws_sns_topic"),
    ("AWS::SNS::TopicPolicy", "aws_sns_topic_policy"),
    ("AWS::SQS::Queue", "aws_sqs_queue"),
    ("AWS::SQS::QueuePolicy", "aws_sqs_queue_policy"),
    ("AWS::SSM::Association", "aws_ssm_association"),
    ("AWS::SSM::Document", "aws_ssm_document"),
    ("AWS::SSM::MaintenanceWindow", "aws_ssm_maintenance_window"),
    (
        "AWS::SSM::MaintenanceWindowTask",
        "aws_ssm_maintenance_window_task",
    ),
    ("AWS::SSM::Parameter", "aws_ssm_parameter"),
    ("AWS::SSM::PatchBaseline", "aws_ssm_patch_baseline"),
    ("AWS::SecretsManager::Secret", "aws_secretsmanager_secret"),
    ("AWS::Serverless::Api", "aws_api_gateway_stage"),
    ("AWS::Serverless::Function", "aws_lambda_function"),
    ("AWS::Serverless::HttpApi", "aws_apigatewayv2_stage"),
    ("AWS::Serverless::LayerVersion", "aws_lambda_layer_version"),
    ("AWS::Serverless::SimpleTable", "aws_dynamodb_table"),
    ("AWS::Serverless::StateMachine", "aws_sfn_state_machine"),
    ("AWS::StepFunctions::Activity", "aws_sfn_activity"),
    ("AWS::StepFunctions::StateMachine", "aws_sfn_state_machine"),
    (
        "AWS::WAFv2::LoggingConfiguration",
        "aws_wafv2_web_acl_logging_configuration",
    ),
    ("AWS::WAFv2::WebACL", "aws_wafv2_web_acl"),
    (
        "AWS::WAFv2::WebACLAssociation",
        "aws_wafv2_web_acl_association",
    ),
];

/// The canonical kind of a CloudFormation type, if opsgate knows it.
pub fn cfn_kind(cfn_type: &str) -> Option<&'static str> {
    CFN_TO_KIND
        .binary_search_by(|(t, _)| t.cmp(&cfn_type))
        .ok()
        .map(|i| CFN_TO_KIND[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in CFN_TO_KIND.windows(2) {
            assert!(w[0].0 < w[1].0, "{} must sort before {}", w[0].0, w[1].0);
        }
    }

    #[test]
    fn every_type_the_catalogue_names_has_a_kind() {
        // The CloudFormation types POLICIES.md names.
        for t in [
            "AWS::Lambda::Function",
            "AWS::Serverless::Function",
            "AWS::Logs::LogGroup",
            "AWS::ApiGateway::Stage",
            "AWS::Serverless::Api",
            "AWS::ApiGatewayV2::Stage",
            "AWS::Serverless::HttpApi",
            "AWS::StepFunctions::StateMachine",
            "AWS::Serverless::StateMachine",
            "AWS::ECS::TaskDefinition",
            "AWS::ECS::Cluster",
            "AWS::ECS::Service",
            "AWS::EKS::Cluster",
            "AWS::RDS::DBInstance",
            "AWS::RDS::DBCluster",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "AWS::ElasticLoadBalancing::LoadBalancer",
            "AWS::CloudFront::Distribution",
            "AWS::EC2::FlowLog",
            "AWS::EC2::VPC",
            "AWS::EC2::Instance",
            "AWS::EC2::LaunchTemplate",
            "AWS::S3::Bucket",
            "AWS::WAFv2::LoggingConfiguration",
            "AWS::WAFv2::WebACL",
            "AWS::CloudWatch::Alarm",
            "AWS::CloudWatch::CompositeAlarm",
            "AWS::CloudWatch::Dashboard",
            "AWS::SNS::Topic",
            "AWS::SNS::Subscription",
            "AWS::Events::Rule",
            "AWS::SQS::Queue",
            "AWS::Lambda::EventSourceMapping",
            "AWS::Lambda::EventInvokeConfig",
            "AWS::DynamoDB::Table",
            "AWS::Serverless::SimpleTable",
            "AWS::EFS::FileSystem",
            "AWS::KMS::Key",
            "AWS::AutoScaling::AutoScalingGroup",
            "AWS::CodeDeploy::DeploymentGroup",
            "AWS::ElasticBeanstalk::Environment",
            "AWS::ElastiCache::CacheCluster",
            "AWS::ElastiCache::ReplicationGroup",
            "AWS::AmazonMQ::Broker",
            "AWS::DMS::ReplicationInstance",
            "AWS::Redshift::Cluster",
            "AWS::IAM::InstanceProfile",
            "AWS::IAM::Role",
            "AWS::SSM::PatchBaseline",
            "AWS::SSM::MaintenanceWindow",
            "AWS::SSM::Association",
            "AWS::CodePipeline::Pipeline",
            "AWS::CodeBuild::Project",
            "AWS::CloudTrail::Trail",
        ] {
            assert!(cfn_kind(t).is_some(), "{t} has no kind");
        }
        assert_eq!(cfn_kind("AWS::Nope::Nothing"), None);
    }
}
