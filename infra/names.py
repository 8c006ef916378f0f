"""Names shared by the CDK app, its tests and the tools that read the deployed stack.

Kept in one module so a rename is one edit and tests never hard-code a string the app defines.
"""

from __future__ import annotations

from typing import Final

SERVICE_NAME: Final = "civic-desk"
METRICS_NAMESPACE: Final = "CivicDesk"
STACK_NAME_PREFIX: Final = "CivicDesk"
STAGES: Final = ("dev", "prod")

# Environment variables every function receives (read by civicdesk.core.settings.Settings).
ENV_POWERTOOLS_SERVICE_NAME: Final = "POWERTOOLS_SERVICE_NAME"
ENV_POWERTOOLS_METRICS_NAMESPACE: Final = "POWERTOOLS_METRICS_NAMESPACE"
ENV_POWERTOOLS_LOG_LEVEL: Final = "POWERTOOLS_LOG_LEVEL"
ENV_STAGE: Final = "STAGE"
# Per-function extras.
ENV_TABLE_NAME: Final = "TABLE_NAME"
ENV_CATALOG_CACHE_SECONDS: Final = "CATALOG_CACHE_SECONDS"
ENV_ROUTER_ARN: Final = "ROUTER_ARN"
ENV_EVENT_BUS_NAME: Final = "EVENT_BUS_NAME"
ENV_SLA_WARN_LEAD_HOURS: Final = "SLA_WARN_LEAD_HOURS"
ENV_STUCK_RECEIVED_MINUTES: Final = "STUCK_RECEIVED_MINUTES"
ENV_PROFILE: Final = "PROFILE"
ENV_ORIGIN_SECRET_ID: Final = "ORIGIN_SECRET_ID"  # noqa: S105 - a variable name
ENV_CITIZEN_KEY_SECRET_ID: Final = "CITIZEN_KEY_SECRET_ID"  # noqa: S105 - a variable name
ENV_MEDIA_BUCKET: Final = "MEDIA_BUCKET"
ENV_MODEL_BUCKET: Final = "MODEL_BUCKET"
ENV_ROUTING_THRESHOLD: Final = "ROUTING_THRESHOLD"
# WhatsApp (read by civicdesk.whatsapp.config.WhatsAppSettings): the secret's ARN, never its values.
ENV_WHATSAPP_SECRET_ID: Final = "WHATSAPP_SECRET_ID"  # noqa: S105 - a variable name, not a secret
ENV_WHATSAPP_MEDIA_BUCKET: Final = "WHATSAPP_MEDIA_BUCKET"
ENV_WHATSAPP_API_BASE: Final = "WHATSAPP_API_BASE"
ENV_WHATSAPP_TEMPLATE_NAME: Final = "WHATSAPP_TEMPLATE_NAME"
ENV_WHATSAPP_PRIVACY_URL: Final = "WHATSAPP_PRIVACY_URL"
# Metric the SLA checker publishes (functions/sla_checker) and its lag alarm watches.
METRIC_SLA_LAG_SECONDS: Final = "LagSeconds"
METRIC_MODEL_REJECTED: Final = "ModelRejected"

# Resource metadata key naming a function's source directory (read by the local stack).
METADATA_SOURCE: Final = "civicdesk:source"

# CfnOutput ids (also the output keys in the deployed stack).
OUTPUT_API_URL: Final = "ApiUrl"
OUTPUT_TABLE_NAME: Final = "TableName"
OUTPUT_ALARM_TOPIC_ARN: Final = "AlarmTopicArn"
OUTPUT_WEB_URL: Final = "WebUrl"
OUTPUT_EVENT_BUS_NAME: Final = "EventBusName"
OUTPUT_ROUTER_ARN: Final = "RouterArn"
OUTPUT_EVENT_REDRIVE_FUNCTION: Final = "EventRedriveFunction"
OUTPUT_WHATSAPP_WEBHOOK_URL: Final = "WhatsAppWebhookUrl"
OUTPUT_WHATSAPP_SECRET_ARN: Final = "WhatsAppSecretArn"  # noqa: S105 - an output id
OUTPUT_STAFF_USER_POOL_ID: Final = "StaffUserPoolId"
OUTPUT_SUPERVISOR_ALERTS_ARN: Final = "SupervisorAlertsTopicArn"
OUTPUT_STAFF_CLIENT_ID: Final = "StaffClientId"
OUTPUT_REFERRAL_SECRET_ARN: Final = "ReferralSecretArn"  # noqa: S105 - an output name, not a secret
# The staff user pool: a member's departments (an attribute only administrators may write).
STAFF_DEPARTMENTS_ATTRIBUTE: Final = "departments"


# Catalogue seed custom resource.
CATALOGUE_RESOURCE_TYPE: Final = "Custom::CatalogueSeed"
CATALOGUE_PROP_HASH: Final = "CatalogueHash"
CATALOGUE_PROP_TABLE_NAME: Final = "TableName"

# Function code directories under functions/ and their handlers.
FUNCTION_INTAKE: Final = "intake"
HANDLER_INTAKE: Final = "handler.lambda_handler"
FUNCTION_CATALOGUE_SEED: Final = "catalogue_seed"
HANDLER_CATALOGUE_SEED: Final = "handler.on_event"
FUNCTION_ROUTER: Final = "router"
FUNCTION_SLA_CHECKER: Final = "sla_checker"
HANDLER_SLA_CHECKER: Final = "handler.lambda_handler"
FUNCTION_WHATSAPP: Final = "whatsapp"
HANDLER_WHATSAPP: Final = "handler.lambda_handler"
FUNCTION_RETRAIN: Final = "retrain"
HANDLER_RETRAIN: Final = "handler.lambda_handler"
FUNCTION_STAFF: Final = "staff"
FUNCTION_NOTIFIER: Final = "notifier"
HANDLER_STAFF: Final = "handler.lambda_handler"
FUNCTION_ORIGIN_VERIFY: Final = "origin_verify"
HANDLER_ORIGIN_VERIFY: Final = "handler.lambda_handler"
OUTPUT_WEB_ACL_ARN: Final = "WebAclArn"


def stack_name(stage: str) -> str:
    """`CivicDesk-Dev`, `CivicDesk-Prod`: the stage is part of the name so both can share an account."""
    return f"{STACK_NAME_PREFIX}-{stage.capitalize()}"


FUNCTION_STATS: Final = "stats"
HANDLER_STATS: Final = "handler.lambda_handler"
FUNCTION_REPORTS: Final = "reports"
HANDLER_REPORTS: Final = "handler.lambda_handler"
FUNCTION_PRIVACY: Final = "privacy"
HANDLER_PRIVACY: Final = "handler.lambda_handler"
HANDLER_RETENTION: Final = "handler.retention_handler"
FUNCTION_OPEN311: Final = "open311"
HANDLER_OPEN311: Final = "handler.lambda_handler"
FUNCTION_OPEN311_KEYS: Final = "open311_keys"
HANDLER_OPEN311_KEYS: Final = "handler.lambda_handler"
FUNCTION_REFERRALS: Final = "referrals"
HANDLER_REFERRALS: Final = "handler.lambda_handler"
HANDLER_REFERRAL_FOLLOW: Final = "handler.follow_handler"
FUNCTION_FIELD_SURVEYS: Final = "field_surveys"
HANDLER_FIELD_SURVEYS: Final = "handler.lambda_handler"


def edge_stack_name(stage: str) -> str:
    """`CivicDesk-Dev-Edge`: the stage's us-east-1 stack (the CloudFront web ACL)."""
    return f"{stack_name(stage)}-Edge"


# Open data and ad-hoc analytics (infra/capabilities/opendata.py).
FUNCTION_OPENDATA: Final = "opendata"
HANDLER_OPENDATA: Final = "handler.lambda_handler"
HANDLER_TABLE_EXPORT: Final = "handler.export_handler"
ENV_OPENDATA_BUCKET: Final = "OPENDATA_BUCKET"
ENV_TABLE_ARN: Final = "TABLE_ARN"
ENV_EXPORT_BUCKET: Final = "EXPORT_BUCKET"
ENV_EXPORT_KEY_ARN: Final = "EXPORT_KEY_ARN"
OUTPUT_OPENDATA_BUCKET: Final = "OpenDataBucket"
OUTPUT_ATHENA_WORKGROUP: Final = "AthenaWorkGroup"
OUTPUT_ANALYST_POLICY_ARN: Final = "AnalystPolicyArn"
