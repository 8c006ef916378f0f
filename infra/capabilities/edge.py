"""Per-client limits at the edge: a WAF web ACL on the CloudFront distribution, and the guard that
makes it the only way in to the citizen API.

- `WebFirewall` (in the stage's us-east-1 stack: CloudFront web ACLs live there): per-address rate
  rules (filings apart from everything else, sized for carrier NAT, see docs/capacity.md) answering
  429 in the API's error shape, and AWS managed rule groups (IP reputation, common, known bad inputs).
- `OriginGuard` (in the stage's stack): a generated secret that CloudFront sends to the API as the
  origin-verify header, and the Lambda authorizer that refuses citizen requests without it, so the
  execute-api URL cannot be used to go around the WAF. Meta's webhook (HMAC-signed) and the staff
  routes (Cognito JWT) authenticate on their own and are called on the execute-api URL.
"""

from __future__ import annotations

import json

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from civicdesk.core import origin
from infra import names
from infra.capabilities.function import CivicFunction
from infra.capabilities.platform import Platform
from infra.config import StageConfig
from infra.nag import acknowledge

TOO_MANY = "too-many-requests"
TOO_MANY_BODY = {
    "error": "too_many_requests",
    "message": "Çok fazla istek gönderildi; lütfen biraz sonra yeniden deneyin. / Too many requests; "
    "please try again in a little while.",
    "fields": [],
}
FILING_PATH = "/requests"
# name -> rules within it whose action becomes Count: the API answers over-long bodies itself (413 in
# its own shape, at its own limit), which the common rule set would block at 8 kB with a bare 403.
MANAGED_RULE_GROUPS: dict[str, tuple[str, ...]] = {
    "AWSManagedRulesAmazonIpReputationList": (),
    "AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",),
    "AWSManagedRulesKnownBadInputsRuleSet": (),
}
AUTHORIZER_CACHE = Duration.minutes(5)


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


class WebFirewall(Construct):
    """The CloudFront-scope web ACL (us-east-1). Exposes `web_acl` (its ARN goes to the distribution)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        limits = config.waf
        rules = [
            self._rate_rule(
                "FilingsPerIp",
                0,
                limits.filings_per_ip,
                limits.window_seconds,
                scope_down=wafv2.CfnWebACL.StatementProperty(
                    and_statement=wafv2.CfnWebACL.AndStatementProperty(
                        statements=[_method_is("POST"), _path_starts_with(FILING_PATH)]
                    )
                ),
            ),
            self._rate_rule("RequestsPerIp", 1, limits.requests_per_ip, limits.window_seconds),
        ]
        for priority, (group, counted) in enumerate(MANAGED_RULE_GROUPS.items(), start=len(rules)):
            rules.append(
                wafv2.CfnWebACL.RuleProperty(
                    name=group,
                    priority=priority,
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS",
                            name=group,
                            rule_action_overrides=[
                                wafv2.CfnWebACL.RuleActionOverrideProperty(
                                    name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                                )
                                for rule in counted
                            ]
                            or None,
                        )
                    ),
                    visibility_config=_visibility(group),
                )
            )
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=self.name_for(config),
            description=f"Civic Desk {config.stage}: per-address limits and managed rules, citizen page",
            scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            custom_response_bodies={
                TOO_MANY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON",
                    content=json.dumps(TOO_MANY_BODY, ensure_ascii=False, separators=(",", ":")),
                )
            },
            rules=rules,
            visibility_config=_visibility(f"civic-desk-{config.stage}"),
        )

    @staticmethod
    def name_for(config: StageConfig) -> str:
        """The web ACL's name (CloudWatch's WAF metrics are keyed by it)."""
        return f"civic-desk-{config.stage}"

    @staticmethod
    def _rate_rule(
        name: str,
        priority: int,
        limit: int,
        window_seconds: int,
        scope_down: wafv2.CfnWebACL.StatementProperty | None = None,
    ) -> wafv2.CfnWebACL.RuleProperty:
        """Block an address over `limit` requests per window with a 429 in the API's error shape."""
        return wafv2.CfnWebACL.RuleProperty(
            name=name,
            priority=priority,
            action=wafv2.CfnWebACL.RuleActionProperty(
                block=wafv2.CfnWebACL.BlockActionProperty(
                    custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                        response_code=429,
                        custom_response_body_key=TOO_MANY,
                        response_headers=[
                            wafv2.CfnWebACL.CustomHTTPHeaderProperty(name="Retry-After", value="60")
                        ],
                    )
                )
            ),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    aggregate_key_type="IP",
                    limit=limit,
                    evaluation_window_sec=window_seconds,
                    scope_down_statement=scope_down,
                )
            ),
            visibility_config=_visibility(name),
        )


def _method_is(method: str) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(method={}),
            positional_constraint="EXACTLY",
            search_string=method,
            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
        )
    )


def _path_starts_with(path: str) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            positional_constraint="STARTS_WITH",
            search_string=path,
            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
        )
    )


class OriginGuard(Construct):
    """The origin-verify secret and the authorizer of the citizen routes. `header_value` is a
    CloudFormation dynamic reference: the value never appears in the template or in the cloud assembly."""

    def __init__(self, scope: Construct, construct_id: str, *, platform: Platform) -> None:
        super().__init__(scope, construct_id)
        config = platform.config
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            description=f"Civic Desk {config.stage}: the header CloudFront sends to the citizen API "
            f"({origin.HEADER}); requests without it are refused",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=48
            ),
        )
        acknowledge(
            self.secret.node.default_child,  # type: ignore[arg-type]
            "AwsSolutions-SMG4",
            "A shared value between CloudFront and the API's authorizer, not a user credential: rotate it "
            "by changing the secret and redeploying (the distribution re-reads it); never leaves AWS.",
        )
        self.handler = CivicFunction(
            self,
            "Authorizer",
            code_dir=names.FUNCTION_ORIGIN_VERIFY,
            handler=names.HANDLER_ORIGIN_VERIFY,
            timeout=Duration.seconds(5),
            memory_size=256,
            platform=platform,
            environment={names.ENV_ORIGIN_SECRET_ID: self.secret.secret_arn},
            description="Civic Desk: lets only CloudFront's requests reach the citizen API (origin verify)",
        )
        self.secret.grant_read(self.handler.role)
        self.authorizer = authorizers.HttpLambdaAuthorizer(
            "OriginVerify",
            self.handler.function,
            identity_source=[f"$request.header.{origin.HEADER}"],
            response_types=[authorizers.HttpLambdaResponseType.SIMPLE],
            results_cache_ttl=AUTHORIZER_CACHE,
        )

    @property
    def header_value(self) -> str:
        return self.secret.secret_value.unsafe_unwrap()
