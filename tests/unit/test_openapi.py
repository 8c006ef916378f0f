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
    from infra.capabilities.field_surveys import FIELD_SURVEY_ROUTES
    from infra.capabilities.open311 import KEY_ROUTES, OPEN311_ROUTES
    from infra.capabilities.privacy import PRIVACY_ROUTES
    from infra.capabilities.reports import REPORT_ROUTES
    from infra.capabilities.staff import STAFF_ROUTES
    from infra.capabilities.whatsapp import WEBHOOK_PATH

    staff = {p for p, _ in (*STAFF_ROUTES, *PRIVACY_ROUTES, *KEY_ROUTES, *FIELD_SURVEY_ROUTES)} | {
        f"/staff/reports/{n}" for n in REPORT_ROUTES
    }
    open311 = {p for p, _ in OPEN311_ROUTES}
    routes = {p for p, _ in PUBLIC_ROUTES.values()} | {WEBHOOK_PATH} | staff | open311
    assert set(document["paths"]) == routes
    # And every staff operation says it needs the staff token (Swagger UI's Authorize button)
    assert document["components"]["securitySchemes"]["staffToken"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert (operation.get("security") == [{"staffToken": []}]) == path.startswith("/staff"), path
    post = document["paths"]["/requests"]["post"]
    assert {"201", "400", "413", "415", "422"} <= set(post["responses"])
    assert post["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")


def test_every_answer_the_handlers_give_is_declared_with_its_shape() -> None:
    # Given the document the code generates
    document = json.loads(openapi.generate())
    paths = document["paths"]
    # Then a lookup declares its 200 and what it carries
    found = paths["/requests/{code}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert found["$ref"].endswith("/PublicRequest")
    # And every operation declares its success answer with the model it returns
    for path, operations in paths.items():
        for method, operation in operations.items():
            ok = [answer for status, answer in operation["responses"].items() if status.startswith("2")]
            assert ok, f"{method.upper()} {path} declares no success answer"
            assert all(answer.get("content") for answer in ok), f"{method.upper()} {path}: no shape"
    # And a 304 carries no body
    assert paths["/catalog"]["get"]["responses"]["304"].get("content", {}) == {}
    # And every error is in our shape, never Powertools' own (our handlers never answer that);
    # Open311's routes answer the specification's list of {code, description}, in JSON or XML
    text = json.dumps(document)
    assert "HTTPValidationError" not in text
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if not status.startswith(("4", "5")):
                    continue
                if path.startswith("/open311/"):
                    assert status in {"400", "403", "404", "429"}, (method, path, status)
                    content = answer["content"]
                    if "application/json" in content:
                        assert content["application/json"]["schema"]["$ref"].endswith("/Errors")
                    continue
                schema = answer["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith("/ErrorBody"), (method, path, status)


def test_an_empty_catalogue_code_is_not_schema_valid() -> None:
    # Given the request body's schema: codes are what `GET /catalog` lists, never empty
    schemas = json.loads(openapi.generate())["components"]["schemas"]
    for field in ("category", "neighbourhood"):
        code = next(s for s in schemas["NewRequestIn"]["properties"][field]["anyOf"] if s["type"] == "string")
        assert code["minLength"] == 1
        assert code["pattern"] == "^[a-z][a-z0-9_-]*$"
