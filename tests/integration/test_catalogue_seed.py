"""The deploy-time custom resource: the catalogue goes in once and staff edits survive redeploys."""

from __future__ import annotations

import boto3
import pytest

from civicdesk.core.dynamo import serialize
from civicdesk.layout import CATALOGUE_PK as CATALOG_PK
from tests.infra.synth import Synth
from tests.support import PROFILE, SHIPPED, pool

from .conftest import LambdaContext


@pytest.fixture
def empty_table(aws: None, dev_synth: Synth) -> str:
    from local.template import create_tables

    return next(iter(create_tables(dev_synth.raw, boto3.client("dynamodb")).values()))


def _event(request_type: str, table: str) -> dict[str, object]:
    return {
        "RequestType": request_type,
        "ResourceProperties": {"TableName": table, "CatalogueHash": "abc"},
        "PhysicalResourceId": f"catalogue-{table}",
    }


def _catalogue_items(table: str) -> list[dict[str, object]]:
    client = boto3.client("dynamodb")
    return client.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=serialize({":pk": CATALOG_PK}),
    )["Items"]


def test_create_loads_the_shipped_catalogue(empty_table: str) -> None:
    from functions.catalogue_seed import handler

    answer = handler.on_event(_event("Create", empty_table), LambdaContext(function_name="seed"))
    shipped = SHIPPED
    assert answer["PhysicalResourceId"] == f"catalogue-{empty_table}"
    assert pool(empty_table).catalogue.load(shipped).categories
    expected = 1 + len(shipped.departments) + len(shipped.categories) + len(shipped.neighbourhoods)
    assert len(_catalogue_items(empty_table)) == expected + len(PROFILE.templates)
    # And the profile's response templates are there for staff to use
    from civicdesk.core.dynamo import Table
    from civicdesk.staff.repository import StaffRepository

    seeded = StaffRepository(Table(empty_table)).templates()
    assert {t.id for t in seeded} == {t.id for t in PROFILE.templates}


def test_update_adds_what_is_new_and_keeps_edits_and_delete_keeps_everything(empty_table: str) -> None:
    from functions.catalogue_seed import handler

    # Given a deployed catalogue that a supervisor edited (the vet SLA) and trimmed (one neighbourhood)
    handler.on_event(_event("Create", empty_table), LambdaContext(function_name="seed"))
    client = boto3.client("dynamodb")
    client.update_item(
        TableName=empty_table,
        Key=serialize({"pk": CATALOG_PK, "sk": "CAT#veterinary"}),
        UpdateExpression="SET first_response_hours = :h",
        ExpressionAttributeValues=serialize({":h": 2}),
    )
    gone = SHIPPED.neighbourhoods[0].code
    client.delete_item(TableName=empty_table, Key=serialize({"pk": CATALOG_PK, "sk": f"NBH#{gone}"}))
    # When the stack is updated and later deleted
    handler.on_event(_event("Update", empty_table), LambdaContext(function_name="seed"))
    after_update = pool(empty_table).catalogue.load(SHIPPED)
    items_after_update = len(_catalogue_items(empty_table))
    handler.on_event(_event("Delete", empty_table), LambdaContext(function_name="seed"))
    # Then the edit survived, what was missing came back, and delete removed nothing
    assert after_update.category("veterinary").first_response_hours == 2
    assert after_update.neighbourhood(gone)
    assert len(_catalogue_items(empty_table)) == items_after_update
