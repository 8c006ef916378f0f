"""Per-stage settings: the only place where dev and prod differ.

Values come from code, with the few deploy-time choices (municipality profile, web origin, alarm
e-mail) read from CDK context (`-c profile=bornova -c web_origin=https://... -c alarm_email=ops@...`),
so the same commit deploys both stages for any shipped profile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs

from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.profile import model as profile
from civicdesk.profile.model import Retention
from civicdesk.routing.classifier import AUTO_ROUTE_THRESHOLD
from infra import names

PROD_WEB_ORIGIN_PLACEHOLDER = "https://talep.example-belediye.bel.tr"
DEV_WEB_ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000")

ContextGetter = Callable[[str], Any]


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
    # Staff sign-in: scripts and tests may sign in with a password (USER_PASSWORD_AUTH) in dev; prod
    # allows SRP only, so a password never leaves the browser.
    staff_password_auth: bool = False
    # Notifications: the verified SES sender (context: mail_from), SMS through SNS or End User Messaging
    # SMS with a sender id / origination identity registered for Türkiye, the staff digest's hour (UTC).
    mail_from: str = "bildirim@example-belediye.bel.tr"
    sms_provider: str = "sns"
    sms_sender_id: str = ""
    sms_origination_identity: str = ""
    digest_utc_time: tuple[int, int] = (5, 0)  # 08:00 in Istanbul

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @property
    def retention(self) -> Retention:
        """The profile's retention policy: the media bucket's expiry rules follow it."""
        return profile.load(self.profile).kvkk.periods

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
            staff_password_auth=True,
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
            **extra,
        )
    raise ValueError(f"unknown stage {stage!r}: expected one of {', '.join(names.STAGES)}")
