"""The Civic Desk stacks: the stage's stack composes the capability constructs and publishes the
stable outputs; the edge stack (us-east-1) holds what CloudFront needs from there, the WAF web ACL."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from civicdesk.requests.models import Channel
from infra import names
from infra.capabilities.api import PublicApi
from infra.capabilities.catalogue import CatalogueSeed
from infra.capabilities.edge import OriginGuard, WebFirewall
from infra.capabilities.field_surveys import FieldSurveys
from infra.capabilities.identity import StaffIdentity
from infra.capabilities.intake import Intake
from infra.capabilities.layers import CivicLayers
from infra.capabilities.learning import ClassifierLearning
from infra.capabilities.monitoring import Monitoring, Overview
from infra.capabilities.notifications import Notifications
from infra.capabilities.open311 import Open311
from infra.capabilities.opendata import OpenData
from infra.capabilities.platform import Platform
from infra.capabilities.privacy import Privacy
from infra.capabilities.referrals import Referrals
from infra.capabilities.reports import NeedsAnalysis
from infra.capabilities.router import Router
from infra.capabilities.sla import SlaChecker
from infra.capabilities.staff import StaffApi
from infra.capabilities.storage import Storage
from infra.capabilities.web import CitizenWeb
from infra.capabilities.whatsapp import WhatsAppChannel
from infra.config import StageConfig


class EdgeStack(Stack):
    """us-east-1: a CloudFront distribution's web ACL must be created there (WAF scope CLOUDFRONT)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.firewall = WebFirewall(self, "Firewall", config=config)
        CfnOutput(
            self,
            names.OUTPUT_WEB_ACL_ARN,
            value=self.firewall.web_acl.attr_arn,
            description="The citizen page's WAF web ACL",
        )


class CivicDeskStack(Stack):
    """Wiring only: no resource is defined here, only connected."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        web_acl_arn: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.monitoring = Monitoring(self, "Monitoring", config=config)
        self.storage = Storage(self, "Storage", config=config, monitoring=self.monitoring)
        self.layers = CivicLayers(self, "Layers")
        platform = Platform(
            config,
            self.layers.all,
            self.monitoring,
            self.storage.table,
            self.storage.key,
            self.storage.citizen_key,
        )
        self.catalogue = CatalogueSeed(self, "Catalogue", platform=platform)
        self.intake = Intake(self, "Intake", platform=platform)
        self.router = Router(self, "Router", platform=platform)
        self.learning = ClassifierLearning(self, "Learning", platform=platform)
        self.learning.grant_read(self.router.classify)
        self.sla = SlaChecker(self, "Sla", platform=platform)
        self.origin = OriginGuard(self, "Origin", platform=platform)
        self.api = PublicApi(
            self,
            "Api",
            config=config,
            intake=self.intake.function,
            monitoring=self.monitoring,
            authorizer=self.origin.authorizer,
        )
        self.identity = StaffIdentity(self, "StaffIdentity", config=config)
        self.web = CitizenWeb(
            self,
            "Web",
            config=config,
            api_endpoint=self.api.http_api.api_endpoint,
            identity=self.identity,
            origin_verify=self.origin.header_value,
            web_acl_arn=web_acl_arn,
        )
        self.whatsapp = WhatsAppChannel(
            self,
            "WhatsApp",
            platform=platform,
            http_api=self.api.http_api,
            privacy_url=self.web.url,
        )
        self.intake.use_media(self.whatsapp.media, self.whatsapp.key)
        self.web.allow_media(self.whatsapp.media.bucket_regional_domain_name)
        self.staff = StaffApi(
            self,
            "Staff",
            platform=platform,
            identity=self.identity,
            http_api=self.api.http_api,
            media=self.whatsapp.media,
            media_key=self.whatsapp.key,
        )
        self.privacy = Privacy(
            self,
            "Privacy",
            platform=platform,
            http_api=self.api.http_api,
            authorizer=self.staff.authorizer,
            media=self.whatsapp.media,
        )
        self.learning.grant_read(self.staff.handler)  # the console's live category suggestion
        self.open311 = Open311(
            self,
            "Open311",
            platform=platform,
            http_api=self.api.http_api,
            authorizer=self.staff.authorizer,
            origin_authorizer=self.origin.authorizer,
        )
        self.notifications = Notifications(
            self,
            "Notifications",
            platform=platform,
            bus=self.router.bus,
            identity=self.identity,
            whatsapp_secret=self.whatsapp.secret,
            whatsapp_key=self.whatsapp.key,
            public_url=self.web.url,
        )
        self.referrals = Referrals(
            self,
            "Referrals",
            platform=platform,
            bus=self.router.bus,
            mail_identity=self.notifications.identity,
        )
        self.needs_analysis = NeedsAnalysis(
            self,
            "NeedsAnalysis",
            platform=platform,
            bus=self.router.bus,
            http_api=self.api.http_api,
            authorizer=self.staff.authorizer,
        )
        self.opendata = OpenData(self, "OpenData", platform=platform, parquet=self.layers.parquet)
        self.field_surveys = FieldSurveys(
            self,
            "FieldSurveys",
            platform=platform,
            http_api=self.api.http_api,
            authorizer=self.staff.authorizer,
        )
        self.api.throttle_routes(config.route_throttles)  # every route exists by now
        self.monitoring.finish(
            Overview(
                router=self.router.state_machine,
                dispatcher=self.router.dispatcher.function,
                notifiers=(self.notifications.handler.function,),
                web_acl_name=WebFirewall.name_for(config),
                channels=tuple(channel.value for channel in Channel),
            )
        )

        CfnOutput(self, names.OUTPUT_API_URL, value=self.api.url, description="Base URL of the citizen API")
        CfnOutput(self, names.OUTPUT_WEB_URL, value=self.web.url, description="The citizen web page")
        CfnOutput(
            self,
            names.OUTPUT_WHATSAPP_WEBHOOK_URL,
            value=f"{self.api.url}webhooks/whatsapp",
            description="Callback URL to enter in Meta's WhatsApp app settings",
        )
        CfnOutput(
            self,
            names.OUTPUT_WHATSAPP_SECRET_ARN,
            value=self.whatsapp.secret.secret_arn,
            description="Secret to fill with Meta's app secret, verify token and access token",
        )
        CfnOutput(
            self,
            names.OUTPUT_REFERRAL_SECRET_ARN,
            value=self.referrals.secret.secret_arn,
            description="Secret to fill with our API keys at other institutions' Open311 servers",
        )
        CfnOutput(
            self,
            names.OUTPUT_EVENT_BUS_NAME,
            value=self.router.bus.event_bus_name,
            description="Domain events",
        )
        CfnOutput(
            self,
            names.OUTPUT_ROUTER_ARN,
            value=self.router.state_machine.state_machine_arn,
            description="The router state machine",
        )
        CfnOutput(
            self,
            names.OUTPUT_EVENT_REDRIVE_FUNCTION,
            value=self.router.redrive.function.function_name,
            description="Republishes the domain events of a time range: make redrive FROM=... TO=...",
        )
        CfnOutput(
            self,
            names.OUTPUT_STAFF_USER_POOL_ID,
            value=self.identity.user_pool.user_pool_id,
            description="The staff user pool: create accounts, add them to role groups",
        )
        CfnOutput(
            self,
            names.OUTPUT_SUPERVISOR_ALERTS_ARN,
            value=self.notifications.alerts.topic_arn,
            description="Supervisors' alerts (missed deadlines): subscribe their phones and mailboxes",
        )
        CfnOutput(
            self,
            names.OUTPUT_STAFF_CLIENT_ID,
            value=self.identity.client.user_pool_client_id,
            description="The staff console's app client",
        )
        CfnOutput(
            self,
            names.OUTPUT_OPENDATA_BUCKET,
            value=self.opendata.bucket.bucket_name,
            description="Open data (anonymised requests, CSV and Parquet per day): private until published",
        )
        CfnOutput(
            self,
            names.OUTPUT_ATHENA_WORKGROUP,
            value=self.opendata.workgroup.ref,
            description="Athena workgroup with the managers' named queries over the open data",
        )
        CfnOutput(
            self,
            names.OUTPUT_ANALYST_POLICY_ARN,
            value=self.opendata.analyst_policy.managed_policy_arn,
            description="Attach to an analyst's role: Athena over the open data, nothing else",
        )
        CfnOutput(
            self, names.OUTPUT_TABLE_NAME, value=self.storage.table.table_name, description="The pool table"
        )
        CfnOutput(
            self,
            names.OUTPUT_ALARM_TOPIC_ARN,
            value=self.monitoring.topic.topic_arn,
            description="SNS topic receiving every alarm",
        )
