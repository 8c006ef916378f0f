"""The API's OpenAPI document, generated from the handlers' code (`make openapi` writes it).

Every function whose handler module exposes a Powertools resolver as `app` contributes its paths;
a test compares the committed copy with a fresh one, so the document cannot drift from the code.
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
    return merged


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
