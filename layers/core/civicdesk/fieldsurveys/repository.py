"""Field surveys in the pool table: definitions (`FIELD#SURVEYS`), answers and their counters.

An answer is written once: its item is keyed by the id the phone made up, put only if absent, in the
same transaction that ADDs it to its version's and neighbourhood's counters. A resend of the same
answer fails the condition and changes nothing, so a retried upload never counts twice, and the
results are read from the counters (one Query of a survey's counter partition), never recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from civicdesk import layout
from civicdesk.core.dynamo import Item, Table, key, serialize
from civicdesk.fieldsurveys.model import Definition, Survey

HEAD_VERSION = "current_version"


@dataclass(frozen=True)
class StoredAnswer:
    """One answer as written: the version it answered stays with it."""

    id: str
    survey_id: str
    version: int
    neighbourhood: str
    values: dict[str, Any]
    answered_at: str
    received_at: str
    actor: str

    def same_as(self, other: StoredAnswer) -> bool:
        """A resend carries the same answer; anything else under the same id is another answer."""
        return (self.version, self.neighbourhood, self.values, self.answered_at) == (
            other.version,
            other.neighbourhood,
            other.values,
            other.answered_at,
        )


@dataclass(frozen=True)
class Counters:
    """One version's counters in one neighbourhood."""

    version: int
    neighbourhood: str
    values: dict[str, float]


def _survey_item(survey: Survey, sk: str) -> Item:
    return {
        layout.PK: layout.FIELD_SURVEYS_PK,
        layout.SK: sk,
        layout.ITEM_TYPE: layout.ItemType.FIELD_SURVEY.value,
        "survey_id": survey.id,
        HEAD_VERSION: survey.version,
        "definition": survey.definition.model_dump(mode="json"),
        "defined_at": survey.defined_at.isoformat(),
        "defined_by": survey.defined_by,
    }


def _survey(item: Mapping[str, Any]) -> Survey:
    return Survey(
        id=item["survey_id"],
        version=int(item[HEAD_VERSION]),
        definition=Definition.model_validate(item["definition"]),
        defined_at=datetime.fromisoformat(item["defined_at"]),
        defined_by=item["defined_by"],
    )


class FieldSurveyRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    # --- definitions ------------------------------------------------------------------------------------

    def save(self, survey: Survey) -> bool:
        """Write a new version and move the head to it; False if the head is not at the version before
        (someone else saved first) or, for version 1, if the id exists."""
        head = _survey_item(survey, layout.field_head_sk(survey.id))
        if survey.version == 1:
            guard = f"attribute_not_exists({layout.PK})"
            put_head = {"Put": self.table.put_params(head, guard)}
        else:
            put_head = {
                "Put": {
                    **self.table.put_params(head, "#v = :before"),
                    "ExpressionAttributeNames": {"#v": HEAD_VERSION},
                    "ExpressionAttributeValues": serialize({":before": survey.version - 1}),
                }
            }
        version = _survey_item(survey, layout.field_version_sk(survey.id, survey.version))
        put_version = {"Put": self.table.put_params(version, f"attribute_not_exists({layout.PK})")}
        return self.table.transact([put_head, put_version])

    def current(self, survey_id: str) -> Survey | None:
        item = self.table.get(layout.FIELD_SURVEYS_PK, layout.field_head_sk(survey_id), consistent=True)
        return _survey(item) if item else None

    def version(self, survey_id: str, version: int) -> Survey | None:
        item = self.table.get(layout.FIELD_SURVEYS_PK, layout.field_version_sk(survey_id, version))
        return _survey(item) if item else None

    def surveys(self) -> list[Survey]:
        """Every survey's current version: one Query of the heads (a few dozen items)."""
        items = self.table.query_all(
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :head)",
            ExpressionAttributeNames={"#pk": layout.PK, "#sk": layout.SK},
            ExpressionAttributeValues=serialize(
                {":pk": layout.FIELD_SURVEYS_PK, ":head": layout.FIELD_HEAD_PREFIX}
            ),
        )
        return [_survey(i) for i in items]

    # --- answers ------------------------------------------------------------------------------------------

    def record(self, answer: StoredAnswer, added: Mapping[str, float]) -> bool:
        """Write the answer and add it to its counters, both or neither; False: this id exists."""
        item = {
            layout.PK: layout.field_answers_pk(answer.survey_id),
            layout.SK: answer.id,
            layout.ITEM_TYPE: layout.ItemType.FIELD_ANSWER.value,
            "version": answer.version,
            "neighbourhood": answer.neighbourhood,
            "values": answer.values,
            "answered_at": answer.answered_at,
            "received_at": answer.received_at,
            "actor": answer.actor,
        }
        names = {f"#a{i}": name for i, name in enumerate(added)}
        values: dict[str, Any] = {f":a{i}": Decimal(str(n)) for i, n in enumerate(added.values())}
        values[":type"] = layout.ItemType.FIELD_RESULTS.value
        names["#type"] = layout.ITEM_TYPE
        update = {
            "Update": {
                "TableName": self.table.name,
                "Key": key(
                    layout.field_results_pk(answer.survey_id),
                    layout.field_results_sk(answer.version, answer.neighbourhood),
                ),
                "UpdateExpression": "SET #type = :type ADD "
                + ", ".join(f"#a{i} :a{i}" for i in range(len(added))),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": serialize(values),
            }
        }
        put = {"Put": self.table.put_params(item, f"attribute_not_exists({layout.PK})")}
        return self.table.transact([put, update])

    def answer(self, survey_id: str, answer_id: str) -> StoredAnswer | None:
        item = self.table.get(layout.field_answers_pk(survey_id), answer_id, consistent=True)
        return _answer(survey_id, item) if item else None

    def answers(self, survey_id: str) -> list[StoredAnswer]:
        """Every answer of a survey: one partition's Query (for checks and exports, not for results)."""
        items = self.table.query_all(
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": layout.PK},
            ExpressionAttributeValues=serialize({":pk": layout.field_answers_pk(survey_id)}),
        )
        return [_answer(survey_id, i) for i in items]

    def counters(self, survey_id: str, version: int) -> list[Counters]:
        """One version's counters, a neighbourhood an item: a Query bounded by the survey's neighbourhoods."""
        prefix = layout.field_results_sk(version, "")
        items = self.table.query_all(
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :version)",
            ExpressionAttributeNames={"#pk": layout.PK, "#sk": layout.SK},
            ExpressionAttributeValues=serialize(
                {":pk": layout.field_results_pk(survey_id), ":version": prefix}
            ),
        )
        skip = {layout.PK, layout.SK, layout.ITEM_TYPE}
        return [
            Counters(
                version=version,
                neighbourhood=str(i[layout.SK])[len(prefix) :],
                values={k: float(v) for k, v in i.items() if k not in skip},
            )
            for i in items
        ]


def _answer(survey_id: str, item: Mapping[str, Any]) -> StoredAnswer:
    return StoredAnswer(
        id=item[layout.SK],
        survey_id=survey_id,
        version=int(item["version"]),
        neighbourhood=item["neighbourhood"],
        values=dict(item["values"]),
        answered_at=item["answered_at"],
        received_at=item["received_at"],
        actor=item["actor"],
    )
