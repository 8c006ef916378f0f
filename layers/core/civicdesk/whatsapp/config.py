"""The WhatsApp function's configuration: plain settings from the environment, secrets from one
Secrets Manager secret (JSON) read through Powertools Parameters and cached for five minutes.

The environment only names the secret; values never appear in the template or the function's
configuration. The stack creates the secret with placeholders for Meta's credentials (operators
paste the real ones after deploy) and a generated key for the citizen index.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from civicdesk.core.settings import ApiSettings

DEFAULT_API_BASE = "https://graph.facebook.com/v21.0"
PLACEHOLDER = "REPLACE_ME"
"""What the stack writes for the credentials Meta issues; a credential still set to it is refused."""
MIN_SECRET_LENGTH = 16


class WhatsAppSettings(ApiSettings):
    """The webhook function's settings (the table's come from `ApiSettings`)."""

    secret_id: str = Field(alias="WHATSAPP_SECRET_ID", min_length=1)
    media_bucket: str = Field(alias="WHATSAPP_MEDIA_BUCKET", min_length=1)
    api_base: str = Field(default=DEFAULT_API_BASE, alias="WHATSAPP_API_BASE", pattern=r"^https?://")
    template_name: str = Field(default="civic_desk_update", alias="WHATSAPP_TEMPLATE_NAME", min_length=1)
    privacy_url: str = Field(default="", alias="WHATSAPP_PRIVACY_URL")
    secret_max_age: int = Field(default=300, alias="WHATSAPP_SECRET_MAX_AGE", ge=0)
    http_timeout: float = Field(default=5.0, alias="WHATSAPP_HTTP_TIMEOUT", gt=0)
    retry_base_seconds: float = Field(default=0.5, alias="WHATSAPP_RETRY_BASE_SECONDS", ge=0)
    max_body_bytes: int = Field(default=131_072, alias="WHATSAPP_MAX_BODY_BYTES", gt=0)


class Credentials(BaseModel):
    """The secret's JSON: what Meta issues (app secret, access token) and the verify token we chose."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    app_secret: str = Field(min_length=1)
    verify_token: str = Field(min_length=1)
    access_token: str = Field(min_length=1)

    def usable(self, value: str) -> bool:
        """A credential an attacker cannot guess: set by an operator, not the stack's placeholder."""
        return value != PLACEHOLDER and len(value) >= MIN_SECRET_LENGTH
