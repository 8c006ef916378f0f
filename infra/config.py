"""Per-stage settings: the only place where dev and prod differ.

Values come from code, with the few deploy-time choices (municipality profile, web origin, alarm
e-mail) read from CDK context (`-c profile=bornova -c web_origin=https://... -c alarm_email=ops@...`),
so the same commit deploys both stages for any shipped profile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs

from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.profile import model as profile
from civicdesk.profile.model import Retention
from civicdesk.routing.classifier import AUTO_ROUTE_THRESHOLD
from infra import names

PROD_WEB_ORIGIN_PLACEHOLDER = "https://talep.example-belediye.bel.tr"
# The stack's region (context: region). Explicit, because the WAF web ACL of a CloudFront distribution
# lives in us-east-1 and CDK passes its ARN across regions only between stacks with known regions.
DEFAULT_REGION = "eu-central-1"
EDGE_REGION = "us-east-1"
# Lambda keeps at least this many concurrent executions unreserved in every account (AWS rule).
UNRESERVED_MINIMUM = 100
DEV_WEB_ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000")

ContextGetter = Callable[[str], Any]


@dataclass(frozen=True)
class Throttle:
    """API Gateway's token bucket for one route: steady requests per second and the burst on top."""

    rate: float
    burst: int


@dataclass(frozen=True)
class WafLimits:
    """Per-IP request limits of the web ACL over its evaluation window (WAF counts per address).

    Citizens on one mobile carrier share its NAT addresses, so a limit counts a whole street's
    phones, not one person: filings are limited apart from (and above) what a person could type.
    """

    window_seconds: int
    filings_per_ip: int
    requests_per_ip: int


# Route keys of the HTTP API with their own throttle; every other route keeps the stage default.
ROUTE_FILE = "POST /requests"
ROUTE_PHOTOS = "POST /requests/photos"
ROUTE_STATUS = "GET /requests/{code}"
ROUTE_CATALOG = "GET /catalog"
ROUTE_WEBHOOK = "POST /webhooks/whatsapp"
ROUTE_WEBHOOK_VERIFY = "GET /webhooks/whatsapp"


@dataclass(frozen=True)
class StageConfig:
    """Everything the constructs need to know about a stage; no construct reads context itself."""

    stage: str
    log_retention: logs.RetentionDays
    # Log groups only: the table and its key are always retained (data outlives a stack).
    log_removal_policy: RemovalPolicy
    api_rate_limit: float
    api_burst_limit: int
    cors_allow_origins: tuple[str, ...]
    alarm_email: str | None = None
    catalog_cache_seconds: int = 60
    cors_max_age_days: int = 1
    api_5xx_alarm_threshold: int = 1
    lambda_memory_mb: int = 512
    # Router: auto-route at or above this (calibrated) classifier confidence, else triage.
    routing_confidence_threshold: float = AUTO_ROUTE_THRESHOLD
    router_retry_interval_seconds: int = 1
    # Classifier retrain: an EventBridge schedule expression (context: retrain_schedule); weekly by default.
    retrain_schedule: str = "cron(0 2 ? * MON *)"
    event_archive_days: int = 90
    # The municipality profile every function serves (context: profile); see civicdesk.profile.
    profile: str = DEFAULT_PROFILE
    # SLA checker: schedule period; the warning lead before the first-response deadline and how long a
    # request may stay `received` (unrouted) before triage keep the checker's own defaults unless set.
    sla_check_minutes: int = 5
    sla_warn_lead_hours: float | None = None
    stuck_received_minutes: float | None = None
    # WhatsApp: the Cloud API's base URL (Graph API version), the approved template sent outside the
    # 24-hour window, and how long citizens' photos are kept (KVKK retention; drafts go within days).
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"
    whatsapp_template_name: str = "civic_desk_update"
    # Notifications: the verified SES sender (context: mail_from), SMS through SNS or End User Messaging
    # SMS with a sender id / origination identity registered for Türkiye, the staff digest's hour (UTC).
    mail_from: str = "bildirim@example-belediye.bel.tr"
    sms_provider: str = "sns"
    sms_sender_id: str = ""
    sms_origination_identity: str = ""
    digest_utc_time: tuple[int, int] = (5, 0)  # 08:00 in Istanbul
    region: str = DEFAULT_REGION
    # Per-route throttles (route key -> Throttle) over the stage default: Meta's deliveries never share
    # a bucket with citizens' filings, and a flood of status look-ups cannot starve filing.
    route_throttles: Mapping[str, Throttle] = field(default_factory=dict)
    waf: WafLimits = WafLimits(window_seconds=300, filings_per_ip=300, requests_per_ip=1500)
    # Reserved concurrency (function code dir -> executions), applied only when the account's Lambda
    # concurrency quota is given (context: lambda_concurrency_quota) and leaves UNRESERVED_MINIMUM free:
    # a new account's quota can be 10, where any reservation makes the first deploy fail.
    reservations: Mapping[str, int] = field(default_factory=dict)
    lambda_concurrency_quota: int | None = None
    # DynamoDB on-demand warm throughput (units per second the table absorbs at once); None: AWS default.
    table_warm_writes: int | None = None
    table_warm_reads: int | None = None

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @property
    def retention(self) -> Retention:
        """The profile's retention policy: the media bucket's expiry rules follow it."""
        return profile.load(self.profile).kvkk.periods

    def reserved_concurrency(self, code_dir: str) -> int | None:
        """The function's reservation, if the account's quota is known and has room for all of them."""
        if self.lambda_concurrency_quota is None:
            return None
        if sum(self.reservations.values()) + UNRESERVED_MINIMUM > self.lambda_concurrency_quota:
            return None
        return self.reservations.get(code_dir)

    def reservations_fit(self) -> bool:
        """Whether the reservations are applied (the quota is known and leaves the unreserved minimum)."""
        return self.lambda_concurrency_quota is not None and (
            sum(self.reservations.values()) + UNRESERVED_MINIMUM <= self.lambda_concurrency_quota
        )

    def sla_overrides(self) -> dict[str, str]:
        """The SLA checker's environment: only what this stage sets differently from the domain."""
        overrides = {
            names.ENV_SLA_WARN_LEAD_HOURS: self.sla_warn_lead_hours,
            names.ENV_STUCK_RECEIVED_MINUTES: self.stuck_received_minutes,
        }
        return {name: f"{value:g}" for name, value in overrides.items() if value is not None}


def _optional_str(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _checked_origin(origin: str) -> str:
    """A CORS origin for a public stage must be one exact https origin: never a wildcard."""
    if "*" in origin or not origin.startswith("https://") or origin.rstrip("/") != origin:
        raise ValueError(f"web_origin must be an exact https origin without '*' or trailing '/': {origin!r}")
    return origin


def _checked_profile(value: Any) -> str:
    """A shipped municipality profile (validated now, so a typo fails the synth, not the deploy)."""
    code = _optional_str(value) or DEFAULT_PROFILE
    profile.load(code)  # raises with the list of shipped profiles
    return code


def load_config(stage: str, context: ContextGetter) -> StageConfig:
    """Build the stage's config; `context` is `node.try_get_context`, injected so tests can fake it."""
    alarm_email = _optional_str(context("alarm_email"))
    chosen = _checked_profile(context("profile"))
    # deploy-time choices that have a default in StageConfig: given in context, they win
    chosen_keys = (
        "mail_from",
        "sms_provider",
        "sms_sender_id",
        "sms_origination_identity",
        "retrain_schedule",
    )
    extra: dict[str, Any] = {
        key: value for key in chosen_keys if (value := _optional_str(context(key))) is not None
    }
    extra["region"] = _optional_str(context("region")) or DEFAULT_REGION
    quota = _optional_str(context("lambda_concurrency_quota"))
    extra["lambda_concurrency_quota"] = int(quota) if quota is not None else None
    if stage == "dev":
        return StageConfig(
            stage=stage,
            log_retention=logs.RetentionDays.ONE_MONTH,
            log_removal_policy=RemovalPolicy.DESTROY,
            api_rate_limit=20,
            api_burst_limit=40,
            cors_allow_origins=DEV_WEB_ORIGINS,
            alarm_email=alarm_email,
            profile=chosen,
            route_throttles={
                ROUTE_FILE: Throttle(rate=10, burst=20),
                ROUTE_PHOTOS: Throttle(rate=30, burst=60),
                ROUTE_WEBHOOK: Throttle(rate=20, burst=40),
            },
            waf=WafLimits(window_seconds=300, filings_per_ip=100, requests_per_ip=1000),
            reservations={names.FUNCTION_SLA_CHECKER: 1, names.FUNCTION_RETRAIN: 1},
            **extra,
        )
    if stage == "prod":
        origin = _optional_str(context("web_origin")) or PROD_WEB_ORIGIN_PLACEHOLDER
        return StageConfig(
            stage=stage,
            log_retention=logs.RetentionDays.ONE_YEAR,
            log_removal_policy=RemovalPolicy.RETAIN,
            api_rate_limit=100,
            api_burst_limit=200,
            cors_allow_origins=(_checked_origin(origin),),
            alarm_email=alarm_email,
            api_5xx_alarm_threshold=5,
            profile=chosen,
            # The disaster-day plan (docs/capacity.md): 1 000 filings a second for ten minutes.
            route_throttles={
                ROUTE_FILE: Throttle(rate=1200, burst=2400),
                ROUTE_PHOTOS: Throttle(rate=1200, burst=2400),
                ROUTE_STATUS: Throttle(rate=500, burst=1000),
                ROUTE_CATALOG: Throttle(rate=200, burst=400),
                ROUTE_WEBHOOK: Throttle(rate=300, burst=600),
                ROUTE_WEBHOOK_VERIFY: Throttle(rate=1, burst=5),
            },
            # A carrier NAT address may carry hundreds of citizens on such a day: 10 filings/s per address.
            waf=WafLimits(window_seconds=300, filings_per_ip=3000, requests_per_ip=12000),
            reservations={
                names.FUNCTION_SLA_CHECKER: 1,
                names.FUNCTION_RETRAIN: 1,
                names.FUNCTION_WHATSAPP: 100,
                names.FUNCTION_INTAKE: 400,
            },
            table_warm_writes=12_000,
            table_warm_reads=12_000,
            **extra,
        )
    raise ValueError(f"unknown stage {stage!r}: expected one of {', '.join(names.STAGES)}")
