"""WhatsApp cost per inbound message: AWS calls, Cloud API calls, and handler time beside the web intake's.

Runs the real webhook handler in-process against moto (the pool table from the template, the media
bucket, the secret) and the fake Cloud API on loopback, through whole dialogues: greeting,
description, confirmed topic, a location pin, a photo, yes. Counts are exact; the time is a ratio to
`POST /requests` measured in the same run (absolute times on moto say little about AWS).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import boto3
from moto import mock_aws

from bench.intake import MEDIA_BUCKET, LambdaContext, _per_call, api_event, intake_resources
from local import whatsapp_fake as wa
from local.calls import counting_aws_calls
from local.template import create_tables

DIALOGUES = 15
FILED_BY_WEB = 100
PHOTO = b"\xff\xd8\xff\xe0" + b"bench-photo" * 200


def _webhook_event(body: dict[str, Any]) -> dict[str, Any]:
    from civicdesk.whatsapp.signature import sign

    raw = json.dumps(body).encode()
    event = api_event("POST", "/webhooks/whatsapp")
    event["body"] = raw.decode()
    event["headers"] = {
        "content-type": "application/json",
        "x-hub-signature-256": sign(raw, _secret("app_secret")),
    }
    return event


def _secret(name: str) -> str:
    return wa.LOCAL_CREDENTIALS[name]


def _dialogue(api: wa.FakeCloudApi, wa_id: str) -> list[dict[str, Any]]:
    media_id = api.add_media(PHOTO)
    return [
        wa.text_message(wa_id, "Merhaba"),
        wa.text_message(wa_id, "Parkta yaralı bir köpek var, arka bacağı kanıyor"),
        wa.button_reply(wa_id, "catok", "Evet"),
        wa.location_message(wa_id, 38.4885, 27.1880),
        wa.image_message(wa_id, media_id, PHOTO),
        wa.button_reply(wa_id, "send", "Evet, gönder"),
    ]


def report(template: dict[str, Any]) -> None:
    api = wa.FakeCloudApi()
    with api.running(), mock_aws():
        table = next(iter(create_tables(template, boto3.client("dynamodb")).values()))
        intake_resources()  # the survey's links and reopening need the citizen-index key, as intake does
        secret = boto3.client("secretsmanager").create_secret(
            Name="bench-whatsapp", SecretString=json.dumps(wa.LOCAL_CREDENTIALS)
        )["ARN"]
        os.environ.update(
            TABLE_NAME=table,
            CATALOG_CACHE_SECONDS="60",
            WHATSAPP_SECRET_ID=secret,
            WHATSAPP_MEDIA_BUCKET=MEDIA_BUCKET,
            WHATSAPP_API_BASE=api.base_url,
            WHATSAPP_RETRY_BASE_SECONDS="0",
        )
        from civicdesk.catalogue.repository import CatalogueRepository
        from civicdesk.core.dynamo import Table
        from civicdesk.core.settings import DEFAULT_PROFILE
        from civicdesk.profile import model as profiles
        from civicdesk.whatsapp import runtime
        from functions.intake import handler as intake
        from functions.whatsapp import handler as webhook

        runtime.reset()
        CatalogueRepository(Table(table)).seed(profiles.load(DEFAULT_PROFILE).catalogue())
        for message in _dialogue(api, "905000000000"):  # warm: secret, catalogue, clients
            webhook.lambda_handler(_webhook_event(wa.delivery([message])), LambdaContext())
        intake.lambda_handler(api_event("GET", "/catalog"), LambdaContext())

        dialogues = [_dialogue(api, f"90532{n:07d}") for n in range(DIALOGUES)]
        inbound = sum(len(d) for d in dialogues)
        api_calls_before = api.calls
        elapsed = 0.0
        with counting_aws_calls() as message_calls:
            for dialogue in dialogues:
                for message in dialogue:
                    event = _webhook_event(wa.delivery([message]))
                    started = time.perf_counter()
                    webhook.lambda_handler(event, LambdaContext())
                    elapsed += time.perf_counter() - started
        api_calls = api.calls - api_calls_before
        sent = [m for m in api.messages() if m["body"]["to"] != "905000000000"]
        statuses = [wa.status_update(m["id"], "delivered", m["body"]["to"]) for m in sent]
        with counting_aws_calls() as status_calls:
            for status in statuses:
                webhook.lambda_handler(_webhook_event(wa.delivery(statuses=[status])), LambdaContext())
        redelivered = dialogues[0][-1]
        with counting_aws_calls() as replay_calls:
            webhook.lambda_handler(_webhook_event(wa.delivery([redelivered])), LambdaContext())

        body = {
            "description": "Kaldırımdaki çukur yüzünden yaşlı bir komşumuz düştü.",
            "category": "road_sidewalk",
        }
        started = time.perf_counter()
        for _ in range(FILED_BY_WEB):
            intake.lambda_handler(api_event("POST", "/requests", body), LambdaContext())
        web = (time.perf_counter() - started) / FILED_BY_WEB
        runtime.reset()

    per_message = elapsed / inbound
    print(f"WhatsApp ({DIALOGUES} whole dialogues, {inbound} inbound messages, warm caches)")
    print(f"  AWS calls per inbound message : {_per_call(message_calls, inbound)}")
    print(
        f"    (total {sum(message_calls.values()) / inbound:.2f}; a dialogue of {inbound // DIALOGUES} "
        f"messages makes {sum(message_calls.values()) / DIALOGUES:.0f})"
    )
    print(
        f"  Cloud API calls per message   : {api_calls / inbound:.2f} "
        f"({len(sent) / inbound:.2f} sends, media fetch + download for each photo)"
    )
    print(f"  AWS calls per status callback : {_per_call(status_calls, len(statuses))}")
    print(f"  AWS calls for a redelivery    : {_per_call(replay_calls, 1)}")
    print(
        f"  handler time per message      : {per_message / web:.2f}x the web intake's POST /requests "
        f"(same run, in-process on moto)\n"
    )
