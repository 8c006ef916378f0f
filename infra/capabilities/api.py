"""The public HTTP API in front of the intake function.

Citizen routes need no account by design (anyone may file or follow a request). They are reached
through CloudFront only (its WAF limits each address; an origin-verify authorizer refuses the rest),
each route has its own throttle (StageConfig.route_throttles), tracking codes are unguessable, and
the status answer carries no PII.
The survey routes are reached only with a signed, expiring token the citizen was sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import jsii
from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.capabilities.monitoring import Monitoring
from infra.config import StageConfig, Throttle

# Route key -> (path, method). Route keys are what API Gateway logs and what the local gateway maps.
PUBLIC_ROUTES: dict[str, tuple[str, apigwv2.HttpMethod]] = {
    "POST /requests": ("/requests", apigwv2.HttpMethod.POST),
    "GET /requests/{code}": ("/requests/{code}", apigwv2.HttpMethod.GET),
    "GET /catalog": ("/catalog", apigwv2.HttpMethod.GET),
    "GET /surveys/{token}": ("/surveys/{token}", apigwv2.HttpMethod.GET),
    "POST /surveys/{token}": ("/surveys/{token}", apigwv2.HttpMethod.POST),
    "POST /surveys/{token}/follow-up": ("/surveys/{token}/follow-up", apigwv2.HttpMethod.POST),
}

# No body, no path, no query string: the path carries the tracking code and bodies carry PII.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "latency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationErrorMessage": "$context.integrationErrorMessage",
}


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """`HttpStage` takes an interface, not a struct, for access-log settings."""

    def __init__(self, destination: apigwv2.IAccessLogDestination, log_format: apigw.AccessLogFormat) -> None:
        self._destination = destination
        self._format = log_format

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return self._format


class PublicApi(Construct):
    """HttpApi + explicit `$default` stage (the L2's implicit one takes no throttle or log settings)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        intake: lambda_.IFunction,
        monitoring: Monitoring,
        authorizer: apigwv2.IHttpRouteAuthorizer,
    ) -> None:
        super().__init__(scope, construct_id)
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=f"civic-desk-{config.stage}",
            description=f"Civic Desk {config.stage}: citizen intake API",
            create_default_stage=False,
            cors_preflight=apigwv2.CorsPreflightOptions(
                allow_origins=list(config.cors_allow_origins),
                allow_methods=[
                    apigwv2.CorsHttpMethod.GET,
                    apigwv2.CorsHttpMethod.POST,
                    apigwv2.CorsHttpMethod.OPTIONS,
                ],
                allow_headers=["content-type", "idempotency-key"],
                max_age=Duration.days(config.cors_max_age_days),
            ),
        )
        self.access_log_group = logs.LogGroup(
            self, "AccessLogs", retention=config.log_retention, removal_policy=config.log_removal_policy
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=config.api_rate_limit, burst_limit=config.api_burst_limit
            ),
            access_log_settings=_AccessLogSettings(
                apigwv2.LogGroupLogDestination(self.access_log_group),
                apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":"))),
            ),
        )
        integration = HttpLambdaIntegration("Intake", intake)
        for path, method in PUBLIC_ROUTES.values():
            self.http_api.add_routes(
                path=path, methods=[method], integration=integration, authorizer=authorizer
            )
        self._add_alarms(config, monitoring)

    def throttle_routes(self, throttles: Mapping[str, Throttle]) -> None:
        """Give each named route its own token bucket; call once every capability has added its routes
        (CloudFormation refuses settings for a route key that does not exist yet)."""
        routes = self._routes()
        unknown = set(throttles) - {route.route_key for route in routes}
        if unknown:
            raise ValueError(f"throttles for routes the API does not have: {sorted(unknown)}")
        stage = self.stage.node.default_child
        assert isinstance(stage, apigwv2.CfnStage)
        # RouteSettings is untyped JSON in the L1: spelt as CloudFormation spells it (a struct would be
        # serialised in camelCase, which CloudFormation ignores).
        stage.route_settings = {
            key: {"ThrottlingRateLimit": throttle.rate, "ThrottlingBurstLimit": throttle.burst}
            for key, throttle in throttles.items()
        }
        for route in routes:
            stage.add_resource_dependency(route)

    def _routes(self) -> list[apigwv2.CfnRoute]:
        return [child for child in self.http_api.node.find_all() if isinstance(child, apigwv2.CfnRoute)]

    @property
    def url(self) -> str:
        return self.stage.url

    def _add_alarms(self, config: StageConfig, monitoring: Monitoring) -> None:
        """5xx means the intake failed a citizen: errors are not swallowed, so each one is real."""
        monitoring.alarm(
            self,
            "ServerErrorAlarm",
            description=f"Civic Desk API: 5xx responses >= {config.api_5xx_alarm_threshold} in 5 minutes",
            metric=self.stage.metric_server_error(period=Duration.minutes(5), statistic="Sum"),
            threshold=config.api_5xx_alarm_threshold,
        )
