"""What telling a citizen costs (`make bench`): AWS calls and messages per notification, SMS parts
(Turkish letters force UCS-2: 70 characters a part, 67 when concatenated), and the messaging cost
per request and per year at list prices — with every assumption printed beside the figure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from moto import mock_aws

from civicdesk import layout
from civicdesk.catalogue.repository import CatalogueRepository
from civicdesk.core.dynamo import Table
from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.notify import plan
from civicdesk.notify.senders import EmailSender, SnsSms
from civicdesk.notify.service import Notice, Notifier
from civicdesk.notify.stages import Stage
from civicdesk.profile import model as profiles
from civicdesk.requests.models import Channel, Contact, EntryType, Kind, Language, ServiceRequest, Status
from civicdesk.requests.repository import RequestRepository, contact_item, request_item
from civicdesk.whatsapp.client import CloudApiClient
from civicdesk.whatsapp.repository import ConversationRepository, OutboundRepository
from local.calls import counting_aws_calls
from local.template import create_tables

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SENDER = "bildirim@example-belediye.bel.tr"
URL = "https://talep.bornova.bel.tr/"
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
SMS_PART_USD = 0.0450
"""Assumed price of one SMS part to Türkiye through AWS End User Messaging / SNS (check the AWS price
list for the sender type you register: it changes, and carrier fees may apply)."""
WHATSAPP_UTILITY_USD = 0.0053
"""Assumed price of one delivered utility template to a Turkish number outside the 24-hour window
(Meta's rate card; free-form and utility templates inside the window cost nothing)."""
EMAIL_USD = 0.0001  # SES: $0.10 per 1,000 e-mails
STAGES = (Stage.RECEIVED, Stage.ROUTED, Stage.ANSWERED, Stage.RESOLVED)
"""A typical life: received, routed, answered, resolved (in progress, transfers and rejections are rarer)."""
# At Bornova's mix: who leaves what (assumptions: most callers give their number and keep SMS on; a
# third of web users leave an e-mail, a third a phone; WhatsApp updates after the first day are templates).
CHANNEL_MIX = {"call_center": 28_000, "whatsapp": 9_000, "web": 6_000, "walk_in": 3_000, "other": 4_000}


def sms_parts(text: str) -> int:
    if set(text) <= GSM7:
        return 1 if len(text) <= 160 else -(-len(text) // 153)
    return 1 if len(text) <= 70 else -(-len(text) // 67)


def _request(channel: Channel) -> ServiceRequest:
    return ServiceRequest(
        code="7KPM4YP2T",
        kind=Kind.REQUEST,
        channel=channel,
        category="veterinary",
        department="veterinary_affairs",
        neighbourhood="erzene",
        description="Yaralı köpek",
        location=None,
        language=Language.TR,
        status=Status.ROUTED,
        created_at=NOW,
        updated_at=NOW,
        due_at=NOW + timedelta(hours=4),
    )


def _notifier(table: Table, client: Any, profile: profiles.Profile) -> Notifier:
    catalogue = profile.catalogue()
    return Notifier(
        requests=RequestRepository(table),
        outbound=OutboundRepository(table),
        conversations=ConversationRepository(table),
        profile=profile,
        catalogue=lambda: catalogue,
        email=EmailSender(SENDER),
        sms=SnsSms(),
        whatsapp=CloudApiClient(base_url="http://127.0.0.1:9", access_token=lambda: "x", template_name="t"),
        persistence=DynamoDBPersistenceLayer(
            table_name=table.name,
            key_attr="pk",
            sort_key_attr="sk",
            static_pk_value=layout.idempotency_pk("notifier"),
            boto3_client=client,
        ),
        citizen_key=lambda: "k" * 32,
        public_url=URL,
        clock=lambda: NOW,
    )


def report(template: dict[str, Any]) -> None:
    profile = profiles.load(DEFAULT_PROFILE)
    catalogue = profile.catalogue()

    def text(stage: Stage, via: plan.Via | None) -> str:
        reply = "Ekibimiz yola çıktı, bugün içinde oradayız."
        return plan.compose(
            stage, _request(Channel.WEB), profile, catalogue, entry_text=reply, public_url=URL, via=via
        ).text

    parts = {stage: sms_parts(text(stage, plan.Via.SMS)) for stage in STAGES}
    full = sum(sms_parts(text(stage, None)) for stage in STAGES)
    with mock_aws():
        client = boto3.client("dynamodb")
        table = Table(next(iter(create_tables(template, client).values())), client)
        CatalogueRepository(table).seed(catalogue)
        boto3.client("sesv2").create_email_identity(EmailIdentity=SENDER)
        request = _request(Channel.WEB)
        table.put(request_item(request))
        table.put(contact_item(request.code, Contact(phone="+905321112233")))
        notifier = _notifier(table, client, profile)
        notice = Notice(
            detail_type="StatusChanged",
            code=request.code,
            entry_type=EntryType.STATUS_CHANGED,
            at="2026-11-30T09:00:00.000Z",
            status=Status.IN_PROGRESS,
        )
        with counting_aws_calls() as calls:
            notifier.handle(notice)
        with counting_aws_calls() as again:
            notifier.handle(notice)
    per_request = sum(parts.values())
    by_channel = {
        "call_center": per_request * SMS_PART_USD,
        "walk_in": per_request * SMS_PART_USD,
        "web": (per_request * SMS_PART_USD + len(STAGES) * EMAIL_USD) / 3,  # a third phone, a third mail
        "whatsapp": 2 * WHATSAPP_UTILITY_USD,  # routed, answered in the window; resolved and one more outside
        "other": per_request * SMS_PART_USD / 2,
    }
    year = sum(CHANNEL_MIX[c] * cost for c, cost in by_channel.items())
    listed = ", ".join(f"{op.split(':')[1]} {n}" for op, n in sorted(calls.items()))
    shown = ", ".join(f"{s.value} {parts[s]}" for s in STAGES)
    print("Notifications (the notifier, against moto; prices are assumptions, printed below)")
    repeat = sum(again.values())
    print(f"  AWS calls per notification: {sum(calls.values())} ({listed}); a redelivered event: {repeat}")
    print("  messages per request (received, routed, answered, resolved): 4 by SMS or e-mail, 3 on WhatsApp")
    print(
        f"  SMS parts (short forms in the GSM alphabet, 153 characters a part): {shown}; {per_request} in all"
    )
    print(f"    the full Turkish texts would take {full}: one Turkish letter makes an SMS UCS-2, 67 a part")
    print(
        f"  messaging cost per request: call center ${by_channel['call_center']:.3f}, "
        f"web ${by_channel['web']:.3f}, "
        f"WhatsApp ${by_channel['whatsapp']:.4f} (SMS part ${SMS_PART_USD}, utility template "
        f"${WHATSAPP_UTILITY_USD}, e-mail ${EMAIL_USD})"
    )
    print(f"  a year at Bornova's mix ({sum(CHANNEL_MIX.values()):,} requests): about ${year:,.0f}")
