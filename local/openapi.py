"""The API's OpenAPI document, generated from the handlers' code (`make openapi` writes it).

A test compares the committed copy with a fresh one, so the document cannot drift from the code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def generate() -> str:
    from functions.intake.handler import app

    schema = json.loads(app.get_openapi_json_schema())
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


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
    sys.path[:0] = [str(DOCUMENT.parent.parent / "layers" / "core")]
    raise SystemExit(main())
