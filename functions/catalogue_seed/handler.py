"""Deploy-time custom resource: put the shipped catalogue into the table, insert-if-absent.

A redeploy (or a catalogue change, which changes the resource's hash property) adds what is new
and never overwrites what staff edited since. Delete does nothing: the table is retained.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from civicdesk.catalogue.repository import CatalogueRepository
from civicdesk.core.dynamo import Table
from civicdesk.core.observability import logger
from civicdesk.core.settings import FunctionSettings, load
from civicdesk.profile import model as profile


@logger.inject_lambda_context(log_event=False)
def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    table_name = event["ResourceProperties"]["TableName"]
    if event["RequestType"] in ("Create", "Update"):
        shipped = profile.load(load(FunctionSettings).profile)
        inserted = CatalogueRepository(Table(table_name)).seed(shipped.catalogue(), shipped.templates)
        logger.info("catalogue seeded", extra={"inserted": inserted, "request_type": event["RequestType"]})
    return {"PhysicalResourceId": f"catalogue-{table_name}"}
