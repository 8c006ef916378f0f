"""Demo staff accounts for `make run`: one per role, one local-only password, in the emulator's pool.

`GET /staff/config.json` tells a client how to sign in (the emulator's endpoint, the pool and the
console's app client) and, locally only, lists these accounts and their password under `demo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3

from civicdesk.core.clock import utc_now
from civicdesk.core.dynamo import Table
from civicdesk.fieldsurveys.model import Definition, Survey
from civicdesk.fieldsurveys.repository import FieldSurveyRepository
from civicdesk.open311.keys import KeyRepository, Operation
from civicdesk.profile.model import Profile
from civicdesk.profile.public import console_config
from civicdesk.staff.identity import DEPARTMENTS_CLAIM, Role
from local.cloud import REGION, LocalResources

PASSWORD = "Civic-Desk-Demo-2026!"  # noqa: S105 - local emulator only, documented in the README
DEMO_OPEN311_CLIENT = "Civic Desk demo client"
DEMO_OPEN311_RATE = 600


@dataclass(frozen=True)
class DemoUser:
    username: str
    roles: tuple[Role, ...]
    departments: tuple[str, ...] = ()


DEMO_USERS = (
    DemoUser("agent@civicdesk.local", (Role.AGENT,)),
    DemoUser("vet@civicdesk.local", (Role.DEPARTMENT,), ("veterinary_affairs",)),
    DemoUser("roads@civicdesk.local", (Role.DEPARTMENT,), ("technical_works",)),
    DemoUser("field@civicdesk.local", (Role.FIELD,), ("technical_works",)),
    DemoUser("supervisor@civicdesk.local", (Role.SUPERVISOR,)),
    DemoUser("admin@civicdesk.local", (Role.ADMIN,)),
    DemoUser("analyst@civicdesk.local", (Role.ANALYST,)),
)


def staff_pool(resources: LocalResources) -> tuple[str, str]:
    """(user pool id, console client id) of the template's staff pool."""
    ((pool_id, client_id),) = resources.user_pool_clients.values()
    return pool_id, client_id


def create_demo_users(resources: LocalResources) -> None:
    pool_id, _ = staff_pool(resources)
    idp = boto3.client("cognito-idp")
    for user in DEMO_USERS:
        attributes = [{"Name": "email", "Value": user.username}, {"Name": "email_verified", "Value": "true"}]
        if user.departments:
            attributes.append({"Name": DEPARTMENTS_CLAIM, "Value": ",".join(user.departments)})
        idp.admin_create_user(
            UserPoolId=pool_id, Username=user.username, UserAttributes=attributes, MessageAction="SUPPRESS"
        )
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=user.username, Password=PASSWORD, Permanent=True
        )
        for role in user.roles:
            idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user.username, GroupName=role.value)


def issue_demo_open311_key(table: str) -> str:
    """An Open311 API key for `make run` (filing and updates), listed under `demo.open311ApiKey`."""
    key, _ = KeyRepository(Table(table)).issue(
        DEMO_OPEN311_CLIENT, (Operation.FILE, Operation.UPDATES), DEMO_OPEN311_RATE, "make run"
    )
    return key


def staff_config(
    resources: LocalResources, emulator_url: str, open311_key: str | None = None
) -> dict[str, Any]:
    """`/staff/config.json` as the local stack serves it (in AWS `endpoint` is empty and `demo` absent)."""
    pool_id, client_id = staff_pool(resources)
    return {
        **console_config(REGION, pool_id, client_id, emulator_url),
        "demo": {
            "password": PASSWORD,
            "users": [
                {
                    "username": u.username,
                    "roles": [r.value for r in u.roles],
                    "departments": list(u.departments),
                }
                for u in DEMO_USERS
            ],
            **({"open311ApiKey": open311_key} if open311_key else {}),
        },
    }


DEMO_FIELD_SURVEY_ID = "d0f1e1d5a15e"
DEMO_FIELD_DEPARTMENT = "technical_works"  # the demo field member's department: their team


def _text(tr: str, en: str) -> dict[str, str]:
    return {"tr": tr, "en": en}


def seed_demo_field_survey(table: str, profile: Profile) -> Survey:
    """A pavement survey for `make run`, assigned to a few neighbourhoods with known centres (so
    "use my position" can find them) and to the demo field member's team, running for 90 days."""
    places = [n.code for n in profile.catalogue().neighbourhoods if n.lat is not None][:4]
    today = utc_now().astimezone(profile.zone).date()
    definition = Definition.model_validate(
        {
            "title": _text("Kaldırım ve aydınlatma turu", "Pavement and lighting walk"),
            "questions": [
                {"id": "pavement", "type": "single_choice", "required": True,
                 "text": _text("Kaldırımın durumu", "State of the pavement"),
                 "choices": [{"id": "good", "text": _text("İyi", "Good")},
                             {"id": "worn", "text": _text("Yıpranmış", "Worn")},
                             {"id": "broken", "text": _text("Kırık", "Broken")}]},
                {"id": "obstacles", "type": "multiple_choice",
                 "text": _text("Engeller", "Obstacles"),
                 "choices": [{"id": "cars", "text": _text("Park eden araç", "Parked cars")},
                             {"id": "bins", "text": _text("Çöp konteyneri", "Bins")},
                             {"id": "no_ramp", "text": _text("Rampa yok", "No ramp")}]},
                {"id": "lamps_out", "type": "number", "minimum": 0, "maximum": 200,
                 "text": _text("Yanmayan sokak lambası", "Street lamps out")},
                {"id": "safe_at_night", "type": "yes_no",
                 "text": _text("Gece yürümek güvenli mi?", "Safe to walk at night?")},
                {"id": "note", "type": "text", "text": _text("Not", "Note")},
                {"id": "photo", "type": "photo", "text": _text("Fotoğraf", "Photo")},
            ],
            "neighbourhoods": places,
            "team": {"departments": [DEMO_FIELD_DEPARTMENT]},
            "starts": (today - timedelta(days=1)).isoformat(),
            "ends": (today + timedelta(days=90)).isoformat(),
        }
    )  # fmt: skip
    survey = Survey(
        id=DEMO_FIELD_SURVEY_ID, version=1, definition=definition, defined_at=utc_now(), defined_by="make run"
    )
    FieldSurveyRepository(Table(table)).save(survey)
    return survey
