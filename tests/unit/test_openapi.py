"""The committed OpenAPI document is what the code generates (run `make openapi` after API changes)."""

from __future__ import annotations

import json

from local import openapi


def test_committed_openapi_document_is_current() -> None:
    assert openapi.DOCUMENT.read_text(encoding="utf-8") == openapi.generate(), "stale: run `make openapi`"


def test_document_describes_every_public_route_and_its_error_shape() -> None:
    document = json.loads(openapi.generate())
    assert set(document["paths"]) == {"/requests", "/requests/{code}", "/catalog", "/webhooks/whatsapp"}
    post = document["paths"]["/requests"]["post"]
    assert {"201", "400", "413", "422"} <= set(post["responses"])
    assert post["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
