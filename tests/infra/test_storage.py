"""The pool table: durable, recoverable, encrypted with our key, streamed, indexed as the store expects."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from civicdesk import layout
from tests.infra.synth import Synth

TABLE = "AWS::DynamoDB::Table"


def test_table_is_on_demand_with_the_single_table_key_schema(dev_synth: Synth) -> None:
    # Given the dev stack
    # When we look at its only table
    _, table = dev_synth.only(TABLE)
    props = table["Properties"]
    # Then it is pay-per-request with the pk/sk string keys the store writes
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == [
        {"AttributeName": layout.PK, "KeyType": "HASH"},
        {"AttributeName": layout.SK, "KeyType": "RANGE"},
    ]
    assert {"AttributeName": layout.PK, "AttributeType": "S"} in props["AttributeDefinitions"]
    assert {"AttributeName": layout.SK, "AttributeType": "S"} in props["AttributeDefinitions"]


def test_table_survives_mistakes_in_every_stage(any_synth: Synth) -> None:
    # Given either stage
    # When we look at the table's protection settings
    _, table = any_synth.only(TABLE)
    # Then it is retained on stack deletion and replacement, deletion-protected and PITR-enabled
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_table_is_encrypted_with_a_retained_rotating_customer_managed_key(any_synth: Synth) -> None:
    # Given either stage
    _, table = any_synth.only(TABLE)
    sse = table["Properties"]["SSESpecification"]
    # When we follow the table's KMS key reference
    assert sse["SSEEnabled"] is True
    assert sse["SSEType"] == "KMS"
    key_id = sse["KMSMasterKeyId"]["Fn::GetAtt"][0]
    key = any_synth.resource(key_id)
    # Then it is a key of this stack, rotated yearly by KMS and kept when the stack goes
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


def test_table_streams_new_images_only_and_expires_items(dev_synth: Synth) -> None:
    # Given the dev stack
    # When we look at the stream and TTL settings
    # Then the stream holds what each write made, never what it overwrote (the dispatcher reads new
    # items only), and `expires_at` drives TTL (conversation state)
    dev_synth.template.has_resource_properties(
        TABLE,
        {
            "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
            "TimeToLiveSpecification": {"AttributeName": layout.TTL, "Enabled": True},
        },
    )


@pytest.mark.parametrize(("index_name", "keys"), [(i.name, (i.pk, i.sk)) for i in layout.INDEXES])
def test_table_has_the_index_the_store_queries(
    dev_synth: Synth, index_name: str, keys: tuple[str, str]
) -> None:
    # Given the dev table
    _, table = dev_synth.only(TABLE)
    props = table["Properties"]
    # When we look up the index by name
    indexes = {gsi["IndexName"]: gsi for gsi in props["GlobalSecondaryIndexes"]}
    # Then it exists with string hash/range keys named as the store writes them, projecting everything
    # (or, where the layout names them, exactly those attributes)
    partition, sort = keys
    assert indexes[index_name]["KeySchema"] == [
        {"AttributeName": partition, "KeyType": "HASH"},
        {"AttributeName": sort, "KeyType": "RANGE"},
    ]
    projection = next(i.projection for i in layout.INDEXES if i.name == index_name)
    expected = (
        {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(projection)}
        if projection
        else {"ProjectionType": "ALL"}
    )
    assert indexes[index_name]["Projection"] == expected
    for attribute in keys:
        assert {"AttributeName": attribute, "AttributeType": "S"} in props["AttributeDefinitions"]


def test_table_has_exactly_the_layouts_indexes(dev_synth: Synth) -> None:
    # Given the dev table / When we list its GSIs / Then there are the layout's indexes only
    _, table = dev_synth.only(TABLE)
    assert sorted(g["IndexName"] for g in table["Properties"]["GlobalSecondaryIndexes"]) == sorted(
        i.name for i in layout.INDEXES
    )


@pytest.mark.parametrize("metric_name", ["ThrottledRequests", "SystemErrors"])
def test_table_trouble_raises_an_alarm_on_the_topic(dev_synth: Synth, metric_name: str) -> None:
    # Given the dev stack's table and alarm topic
    table_id, _ = dev_synth.only(TABLE)
    topic_id, _ = dev_synth.alarm_topic()
    # When we look for an alarm over that table metric
    # Then one exists, fires on the first event and notifies the topic
    dev_synth.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "AlarmActions": [{"Ref": topic_id}],
            "Metrics": Match.array_with(
                [
                    Match.object_like(
                        {
                            "MetricStat": Match.object_like(
                                {
                                    "Metric": Match.object_like(
                                        {
                                            "MetricName": metric_name,
                                            "Namespace": "AWS/DynamoDB",
                                            "Dimensions": Match.array_with(
                                                [{"Name": "TableName", "Value": {"Ref": table_id}}]
                                            ),
                                        }
                                    )
                                }
                            )
                        }
                    )
                ]
            ),
        },
    )


def test_the_timeline_index_never_holds_a_replys_text_or_a_note() -> None:
    # Given the index re-drives read events from / Then it projects what an event carries, no free text
    assert layout.TIMELINE.projection
    assert not {"text", "note", "description"} & set(layout.TIMELINE.projection)
