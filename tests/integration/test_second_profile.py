"""A second municipality runs the whole system: nothing of Bornova is written into the code.

The dev stack is synthesized with the small `ornek` profile (Örnekköy: five neighbourhoods, four
categories, two departments) and started in the emulator as `make run PROFILE=ornek` would start it;
the catalogue, the page's config, routing and the WhatsApp greeting must all be Örnekköy's.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from civicdesk.profile import model as profiles
from civicdesk.profile.public import web_config
from civicdesk.requests import codes
from civicdesk.whatsapp import runtime as wa_runtime
from civicdesk.whatsapp.signature import sign
from local import whatsapp_fake as wa
from local.inprocess import Emulated
from local.lambdas import LocalContext
from local.whatsapp_fake import LOCAL_CREDENTIALS, FakeCloudApi, use_local_credentials
from tests.infra.synth import Synth
from tests.support import PROFILE as BORNOVA
from tests.support import pool

from .conftest import HttpAnswer, LambdaContext, http_event

ORNEK = profiles.load("ornek")
CITIZEN = "905321112233"
GARBAGE = "Sokağımızdaki çöpler üç gündür toplanmadı, konteyner taşıyor ve koku yapıyor."


@dataclass
class Town:
    system: Emulated
    whatsapp: FakeCloudApi

    def call(self, method: str, path: str, body: Any = None) -> HttpAnswer:
        raw = json.dumps(body) if body is not None else None
        answer = self.system.handler("IntakeHandler")(http_event(method, path, raw), LambdaContext())
        return HttpAnswer(status=answer["statusCode"], body=json.loads(answer.get("body") or "null"))

    def say(self, text: str) -> None:
        raw = json.dumps(wa.delivery([wa.text_message(CITIZEN, text)])).encode()
        headers = {"x-hub-signature-256": sign(raw, LOCAL_CREDENTIALS["app_secret"])}
        event = http_event("POST", "/webhooks/whatsapp", raw.decode(), headers)
        answer = self.system.handler("WhatsAppHandler")(event, LocalContext("whatsapp"))
        assert answer["statusCode"] == 200, answer

    def settle(self, timeout: float = 30) -> None:
        """Stream consumers and router executions, so that what was filed has been routed."""
        sfn = boto3.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.system.settle(timeout)
            running = [
                e
                for m in sfn.list_state_machines()["stateMachines"]
                for e in sfn.list_executions(stateMachineArn=m["stateMachineArn"], statusFilter="RUNNING")[
                    "executions"
                ]
            ]
            if not running:
                return
            time.sleep(0.05)
        raise AssertionError("the router is still running")


@pytest.fixture
def town(ornek_synth: Synth) -> Iterator[Town]:
    """Örnekköy's stack in the emulator, with the fake WhatsApp Cloud API on loopback."""
    from local.inprocess import emulated

    api = FakeCloudApi()
    environment = {"CATALOG_CACHE_SECONDS": "0", "WHATSAPP_RETRY_BASE_SECONDS": "0"}
    with (
        api.running(),
        emulated(ornek_synth.raw, {**environment, "WHATSAPP_API_BASE": api.base_url}) as system,
    ):
        use_local_credentials(os.environ["WHATSAPP_SECRET_ID"])
        wa_runtime.reset()
        town = Town(system, api)
        yield town
        town.settle()
    wa_runtime.reset()


def test_every_function_serves_the_profile_it_was_deployed_with(ornek_synth: Synth) -> None:
    # Given the template synthesized with `-c profile=ornek`
    functions = ornek_synth.civic_functions().values()
    # Then every one of our functions is told to serve Örnekköy
    assert {f["Properties"]["Environment"]["Variables"]["PROFILE"] for f in functions} == {"ornek"}


def test_the_catalogue_and_the_page_are_the_second_municipalitys(town: Town) -> None:
    # When a form asks for the catalogue
    catalogue = town.call("GET", "/catalog").body
    # Then it offers Örnekköy's neighbourhoods and categories, none of Bornova's
    assert {n["name"] for n in catalogue["neighbourhoods"]} == {n.name for n in ORNEK.neighbourhoods}
    assert [c["code"] for c in catalogue["categories"]] == [c.code for c in ORNEK.categories]
    assert catalogue["default_first_response_hours"] == ORNEK.default_first_response_hours
    # And the page's config.json, from the profile the functions serve, names Örnekköy
    config = web_config(profiles.load(town.system.resources.environment()["PROFILE"]))
    assert config["municipality"]["name"]["tr"] == "Örnekköy Belediyesi"
    assert config["municipality"]["kvkk"]["retention"] == ORNEK.kvkk.retention.model_dump()
    assert "Bornova" not in json.dumps(config, ensure_ascii=False)


def test_a_filed_request_goes_to_the_second_municipalitys_department(town: Town) -> None:
    # Given a Bornova neighbourhood is no place in Örnekköy
    elsewhere = town.call("POST", "/requests", {"description": GARBAGE, "neighbourhood": "erzene"})
    assert elsewhere.status == 422
    # When a citizen of Cami reports uncollected garbage without choosing a topic
    answer = town.call("POST", "/requests", {"description": GARBAGE, "neighbourhood": "cami"})
    assert answer.status == 201, answer.body
    town.settle()
    # Then Örnekköy's router sends it to its technical works (Bornova would send it to cleaning services)
    request = pool(town.system.resources.table()).requests.get(str(codes.normalize(answer.body["code"])))
    assert request is not None
    assert (request.status.value, request.category, request.department) == (
        "routed",
        "garbage",
        "technical_works",
    )
    assert BORNOVA.catalogue().category("garbage").department != "technical_works"
    # And the citizen was promised Örnekköy's garbage deadline
    assert (request.due_at - request.created_at).total_seconds() == 3600 * ORNEK.catalogue().category(
        "garbage"
    ).first_response_hours


def test_the_whatsapp_greeting_uses_the_second_municipalitys_words(town: Town) -> None:
    # When a citizen greets the municipality's WhatsApp number
    town.say("Merhaba")
    # Then the first reply welcomes them to Örnekköy and names its data controller and retention period
    greeting = town.whatsapp.texts(CITIZEN)[0]
    assert ORNEK.texts.welcome.tr in greeting
    assert ORNEK.kvkk.controller.tr in greeting
    assert ORNEK.kvkk.retention.tr in greeting
    assert "Bornova" not in greeting
    # And the topics offered are Örnekköy's
    offered = " ".join(town.whatsapp.texts(CITIZEN)[1:])
    assert all(
        c.name.tr not in offered
        for c in BORNOVA.categories
        if c.code not in {x.code for x in ORNEK.categories}
    )
