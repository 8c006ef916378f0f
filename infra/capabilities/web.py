"""The citizen web page and the staff console in AWS: a private S3 bucket behind CloudFront (OAC).

The page is static. The citizen API is served through the same distribution (its paths go to
the HTTP API origin, uncached), so page and API share one origin: no CORS, a CSP of `'self'`, and
no dependency cycle between the API's CORS settings and the distribution's domain. The page learns
where the API is from `config.json`, written at deploy time (empty: this origin). Every response
carries a strict CSP and the usual security headers, set at the edge by one response headers policy.

The staff console (`web/staff/`, at `/staff/`) is served the same way, with the staff API's paths on
the same origin; its own policy adds one thing to the page's: fetches to the staff user pool's
Cognito endpoint, where it signs in. Its `staff/config.json` names the pool and the app client.
"""

from __future__ import annotations

from aws_cdk import Aws, CfnElement, Duration, Fn, RemovalPolicy, Stack, Token
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from civicdesk.core import origin
from civicdesk.profile import model as profile
from civicdesk.profile.public import console_config, web_config
from infra import paths
from infra.capabilities.function import logging_role
from infra.capabilities.identity import StaffIdentity
from infra.config import StageConfig
from infra.nag import acknowledge

WEB_DIR = paths.REPO_ROOT / "web"
CONFIG_OBJECT = "config.json"
CONSOLE_CONFIG_OBJECT = "staff/config.json"
DEPLOY_HANDLER_PREFIX = "Custom::CDKBucketDeployment"
# Revalidate on every load: the files are a few kB, S3 answers 304 to an unchanged ETag, and a deploy
# is visible at once without a CloudFront invalidation (whose IAM action would need Resource "*").
CACHE_CONTROL = "no-cache"
HSTS_MAX_AGE = Duration.days(730)
# Only what the page uses: geolocation for "use my location", asked from our own origin.
PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"


# The citizen API's routes, served through the distribution from the HTTP API (same origin).
API_PATHS = ("/requests*", "/catalog", "/open311/*", "/surveys/*")
# The staff API's routes (infra/capabilities/staff.py), before `/staff/*`, the console's own files.
STAFF_API_PATHS = (
    "/staff/me",
    "/staff/requests*",
    "/staff/citizens/*",
    "/staff/suggestions",
    "/staff/templates*",
    "/staff/privacy/*",
    "/staff/reports/*",
    "/staff/open311/*",
    "/staff/field-surveys*",
)
CONSOLE_PATH = "/staff/*"
# `/staff/` is the console: S3 knows only keys, so a path ending in `/` asks for its index.html.
CONSOLE_INDEX_FUNCTION = """function handler(event) {
  var request = event.request;
  if (request.uri.endsWith('/')) { request.uri += 'index.html'; }
  return request;
}"""


def identity_host(region: str = Aws.REGION) -> str:
    """Cognito's endpoint in the stack's region: the one other origin the console talks to."""
    return f"cognito-idp.{region}.amazonaws.com"


def content_security_policy(*connect: str, images: tuple[str, ...] = ()) -> str:
    """Nothing but our own files and our own origin (which serves the API too); no inline code.
    `connect` adds origins fetches may go to (the console's sign-in endpoint, the media bucket the
    citizen page posts photos to); `images` origins images may come from (the console's thumbnails)."""
    return "; ".join(
        (
            "default-src 'self'",
            " ".join(("connect-src 'self'", *connect)),
            " ".join(("img-src 'self'", *images)),
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "upgrade-insecure-requests",
        )
    )


class CitizenWeb(Construct):
    """Bucket, distribution, security headers and the deployment of `web/` plus its `config.json`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        api_endpoint: str,
        identity: StaffIdentity,
        origin_verify: str,
        web_acl_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        for page in ("index.html", "staff/index.html"):
            if not (WEB_DIR / page).is_file():
                raise FileNotFoundError(f"a web page is missing: {WEB_DIR / page}")
        self.identity = identity
        self.bucket = self._bucket()
        self.headers = self._security_headers(config, "SecurityHeaders", "citizen web page")
        self.console_headers = self._security_headers(
            config, "ConsoleSecurityHeaders", "staff console", f"https://{identity_host()}"
        )
        self.distribution = self._distribution(config, api_endpoint, origin_verify, web_acl_arn)
        self.deployment = self._deployment(config)

    @property
    def url(self) -> str:
        return f"https://{self.distribution.distribution_domain_name}"

    def _bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "Site",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            # A copy of `web/` in git; retained so deleting a stack never breaks a live page by surprise.
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            bucket.node.default_child,  # type: ignore[arg-type]
            "AwsSolutions-S1",
            "Only CloudFront reads this bucket (Origin Access Control, public access blocked): S3 access "
            "logs would record CloudFront's origin fetches, not citizens; writes come from the stack's "
            "deployment, which CloudTrail records.",
        )
        return bucket

    def _security_headers(
        self, config: StageConfig, construct_id: str, page: str, *connect: str
    ) -> cloudfront.ResponseHeadersPolicy:
        csp = content_security_policy(*connect)
        return cloudfront.ResponseHeadersPolicy(
            self,
            construct_id,
            comment=f"Civic Desk {config.stage}: security headers of the {page}",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=csp, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                # The page's URL may carry a tracking code (`?code=`): never send it to anyone.
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, override=True
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(
                        header="Permissions-Policy", value=PERMISSIONS_POLICY, override=True
                    ),
                    cloudfront.ResponseCustomHeader(
                        header="Cross-Origin-Opener-Policy", value="same-origin", override=True
                    ),
                ]
            ),
        )

    def allow_media(self, bucket_domain: str) -> None:
        """The media bucket (known only once the WhatsApp channel made it): the citizen page posts photos
        to it, the console shows thumbnails from it (short-lived presigned links)."""
        media = f"https://{bucket_domain}"
        policies = (
            (self.headers, content_security_policy(media)),
            (self.console_headers, content_security_policy(f"https://{identity_host()}", images=(media,))),
        )
        for policy, csp in policies:
            cfn = policy.node.default_child
            assert isinstance(cfn, cloudfront.CfnResponseHeadersPolicy)
            cfn.add_property_override(
                "ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy",
                csp,
            )

    def _api_behavior(
        self,
        origin: cloudfront.IOrigin,
        cache: cloudfront.ICachePolicy,
        headers: cloudfront.IResponseHeadersPolicy | None = None,
    ) -> cloudfront.BehaviorOptions:
        """Forward to the HTTP API: every method, all viewer headers but Host (with caching disabled that
        includes `Authorization`, the staff API's bearer token), the page's security headers."""
        return cloudfront.BehaviorOptions(
            origin=origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cache,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=headers or self.headers,
        )

    def _console_behavior(self, site: cloudfront.IOrigin) -> cloudfront.BehaviorOptions:
        """The console's files from the bucket, `/staff/` as its index.html, under the console's CSP."""
        index = cloudfront.Function(
            self,
            "ConsoleIndex",
            comment="/staff/ and any path ending in / -> its index.html",
            code=cloudfront.FunctionCode.from_inline(CONSOLE_INDEX_FUNCTION),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        return cloudfront.BehaviorOptions(
            origin=site,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
            cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
            cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
            response_headers_policy=self.console_headers,
            compress=True,
            function_associations=[
                cloudfront.FunctionAssociation(
                    function=index, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                )
            ],
        )

    def _distribution(
        self, config: StageConfig, api_endpoint: str, origin_verify: str, web_acl_arn: str
    ) -> cloudfront.Distribution:
        domain = Fn.select(2, Fn.split("/", api_endpoint))  # https://<id>.execute-api.<region>.amazonaws.com
        # The header the API's authorizer asks for: only requests that passed the WAF carry it (CloudFront
        # overwrites a viewer's header of the same name).
        api = origins.HttpOrigin(
            domain,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            custom_headers={origin.HEADER: origin_verify},
        )
        # Requests are never cached (nor Open311's answers: their filters are in the query); the catalogue
        # is, as long as the API's Cache-Control allows.
        caches = {
            "/requests*": cloudfront.CachePolicy.CACHING_DISABLED,
            "/open311/*": cloudfront.CachePolicy.CACHING_DISABLED,
            "/catalog": cloudfront.CachePolicy.USE_ORIGIN_CACHE_CONTROL_HEADERS,
            "/surveys/*": cloudfront.CachePolicy.CACHING_DISABLED,
        }
        site = origins.S3BucketOrigin.with_origin_access_control(self.bucket)
        # CloudFront tries behaviours in this order: the APIs' paths first, then the console's files.
        behaviors = {path: self._api_behavior(api, caches[path]) for path in API_PATHS}
        for path in STAFF_API_PATHS:
            behaviors[path] = self._api_behavior(
                api, cloudfront.CachePolicy.CACHING_DISABLED, self.console_headers
            )
        behaviors[CONSOLE_PATH] = self._console_behavior(site)
        distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"Civic Desk {config.stage}: citizen web page and staff console",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=site,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
                compress=True,
            ),
            additional_behaviors=behaviors,
            # A path that is not a file (S3 answers 403 without ListBucket) gets the page, not an XML error.
            error_responses=[
                cloudfront.ErrorResponse(
                    http_status=403,
                    response_http_status=404,
                    response_page_path="/index.html",
                    ttl=Duration.minutes(1),
                )
            ],
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            # Price class 200 is the cheapest one with edge locations in Türkiye (Istanbul).
            price_class=cloudfront.PriceClass.PRICE_CLASS_200,
            # per-address limits and managed rules, from the stage's us-east-1 stack (capabilities/edge.py)
            web_acl_id=web_acl_arn,
        )
        for rule_id, reason in (
            (
                "AwsSolutions-CFR1",
                "No geo restriction on purpose: citizens abroad (and their relatives' requests) are served "
                "too, and the page holds no data; the API behind it is throttled.",
            ),
            (
                "AwsSolutions-CFR3",
                "No viewer access logs on purpose (KVKK data minimisation): each line would hold a citizen's "
                "IP and the page URL, which may carry a tracking code (`?code=`); the API's access log omits "
                "paths for the same reason.",
            ),
            (
                "AwsSolutions-CFR4",
                "Uses the default *.cloudfront.net certificate, whose TLS policy CloudFront fixes; a custom "
                "domain with an ACM certificate (us-east-1) and TLSv1.2_2021 is a deploy-time addition.",
            ),
        ):
            acknowledge(distribution.node.default_child, rule_id, reason)  # type: ignore[arg-type]
        return distribution

    def _deployment(self, config: StageConfig) -> s3deploy.BucketDeployment:
        # Our own role (no AWS-managed policy); BucketDeployment adds its S3 grants to it.
        role, log_group = logging_role(
            self,
            "DeployRole",
            "DeployLogs",
            config=config,
            description=f"Civic Desk {config.stage}: copies web/ and config.json into the site bucket",
        )
        deployment = s3deploy.BucketDeployment(
            self,
            "Deploy",
            destination_bucket=self.bucket,
            sources=[
                s3deploy.Source.asset(str(WEB_DIR), exclude=[CONFIG_OBJECT, "*.md", ".*"]),
                # the API is on this origin; the municipality's names come from the deployed profile
                s3deploy.Source.json_data(CONFIG_OBJECT, web_config(profile.load(config.profile))),
                # the console signs in to this stack's staff pool, at Cognito's own endpoint
                s3deploy.Source.json_data(
                    CONSOLE_CONFIG_OBJECT,
                    console_config(
                        Aws.REGION,
                        self.identity.user_pool.user_pool_id,
                        self.identity.client.user_pool_client_id,
                    ),
                ),
            ],
            prune=True,
            cache_control=[s3deploy.CacheControl.from_string(CACHE_CONTROL)],
            role=role,
            log_group=log_group,
            memory_limit=512,
        )
        self._acknowledge_deployment(role)
        # The handler is a stack-level singleton that BucketDeployment creates and does not expose.
        stack = Stack.of(self)
        (handler,) = (c for c in stack.node.children if c.node.id.startswith(DEPLOY_HANDLER_PREFIX))
        acknowledge(
            handler.node.default_child,  # type: ignore[arg-type]
            "AwsSolutions-L1",
            "aws-cdk-lib builds and pins this deploy-time handler's runtime (it runs only during "
            "`cdk deploy`); it moves with the aws-cdk-lib pin.",
        )
        return deployment

    def _acknowledge_deployment(self, role: iam.Role) -> None:
        policy = role.node.find_child("DefaultPolicy")
        for action in ("s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*"):
            acknowledge(
                policy,
                f"AwsSolutions-IAM5[Action::{action}]",
                f"{action} comes from BucketDeployment's grants (read the CDK asset, sync and prune the site "
                "bucket); every statement is scoped to those two buckets.",
            )
        # the region (and so the partition) is literal in a stack with an explicit region
        stack = Stack.of(self)
        region, partition = (
            f"<AWS::{name}>" if Token.is_unresolved(value) else value
            for name, value in (("Region", stack.region), ("Partition", stack.partition))
        )
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::arn:{partition}:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-"
            f"{region}/*]",
            "BucketDeployment reads the web/ asset zip from the CDK bootstrap asset bucket; read-only, and "
            "the asset's key is content-addressed, so it is not known before synth.",
        )
        site = self._logical_id(self.bucket.node.default_child)
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::<{site}.Arn>/*]",
            "BucketDeployment syncs every object of the site bucket (put, overwrite, prune): the statement "
            "is scoped to this one bucket's objects.",
        )

    def _logical_id(self, element: object) -> str:
        assert isinstance(element, CfnElement)
        return str(Stack.of(self).resolve(element.logical_id))
