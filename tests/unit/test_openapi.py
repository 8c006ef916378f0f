"""The committed OpenAPI document is what the code generates (run `make openapi` after API changes)."""

from __future__ import annotations

import json

from local import openapi


def test_committed_openapi_document_is_current() -> None:
    assert openapi.DOCUMENT.read_text(encoding="utf-8") == openapi.generate(), "stale: run `make openapi`"


def test_document_describes_every_public_route_and_its_error_shape() -> None:
    document = json.loads(openapi.generate())
    # Every route of the HTTP API is documented (the constructs' route lists are what the template has)
    from infra.capabilities.api import PUBLIC_ROUTES
    from infra.capabilities.staff import STAFF_ROUTES
    from infra.capabilities.whatsapp import WEBHOOK_PATH

    routes = {p for p, _ in PUBLIC_ROUTES.values()} | {WEBHOOK_PATH} | {p for p, _ in STAFF_ROUTES}
    assert set(document["paths"]) == routes
    # And every staff operation says it needs the staff token (Swagger UI's Authorize button)
    assert document["components"]["securitySchemes"]["staffToken"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert (operation.get("security") == [{"staffToken": []}]) == path.startswith("/staff"), path
    post = document["paths"]["/requests"]["post"]
    assert {"201", "400", "413", "422"} <= set(post["responses"])
    assert post["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
