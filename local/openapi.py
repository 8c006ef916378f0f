"""The API's OpenAPI document, generated from the handlers' code (`make openapi` writes it).

Every function whose handler module exposes a Powertools resolver as `app` contributes its paths;
a test compares the committed copy with a fresh one, so the document cannot drift from the code,
and a contract fuzzer (tests/e2e/test_contract.py) checks the running stack answers as it says.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"
TITLE = "Civic Desk API"
VERSION = "1.0.0"
SCHEMAS = "#/components/schemas/"
POWERTOOLS_422 = SCHEMAS + "HTTPValidationError"
ERROR_BODY = SCHEMAS + "ErrorBody"
OPEN311_PREFIX = "/open311/"


def http_handler_modules() -> list[str]:
    return sorted(
        f"functions.{path.parent.name}.handler"
        for path in (ROOT / "functions").glob("*/handler.py")
        if "app = " in path.read_text(encoding="utf-8")
    )


def schema() -> dict[str, Any]:
    """One document for every HTTP handler: their paths and components, merged."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "summary": "File, follow and work citizen requests."},
        "paths": {},
        "components": {"schemas": {}},
    }
    for name in http_handler_modules():
        app = importlib.import_module(name).app
        document = json.loads(app.get_openapi_json_schema())
        merged["paths"].update(document.get("paths", {}))
        for kind, entries in document.get("components", {}).items():
            merged["components"].setdefault(kind, {}).update(entries)
    _our_validation_errors(merged)
    _drop_unused_schemas(merged)
    return merged


def _our_validation_errors(document: dict[str, Any]) -> None:
    """Powertools documents a 422 in its own shape on every route; ours answer `ErrorBody`
    (`civicdesk.core.http`), and a route without parameters or body never answers 422 at all.
    Open311's routes answer bad input with 400, as their specification says (never 422)."""
    for path, operations in document["paths"].items():
        for operation in operations.values():
            if path.startswith(OPEN311_PREFIX):
                operation["responses"].pop("422", None)
                continue
            answer = operation["responses"].get("422", {})
            content = answer.get("content", {}).get("application/json", {})
            if content.get("schema") != {"$ref": POWERTOOLS_422}:
                continue
            if operation.get("parameters") or operation.get("requestBody"):
                content["schema"] = {"$ref": ERROR_BODY}
            else:
                del operation["responses"]["422"]


def _drop_unused_schemas(document: dict[str, Any]) -> None:
    """Only the component schemas something refers to (Powertools adds its error models to every API)."""
    schemas = document["components"]["schemas"]
    used: set[str] = set()
    todo = [document["paths"]]
    while todo:
        found = {name.removeprefix(SCHEMAS) for name in _refs(todo.pop())} - used
        used |= found
        todo += [schemas[name] for name in found if name in schemas]
    document["components"]["schemas"] = {k: v for k, v in schemas.items() if k in used}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def generate() -> str:
    return json.dumps(schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {DOCUMENT.name} instead of printing it")
    args = parser.parse_args(argv)
    text = generate()
    if args.write:
        DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
        DOCUMENT.write_text(text, encoding="utf-8")
        print(f"wrote {DOCUMENT}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
