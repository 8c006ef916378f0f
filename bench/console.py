"""The staff console's first load: every file the sign-in page fetches, as sent (no-cache, gzip at
CloudFront's edge), read from `web/` by following the page's own references and module imports."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

WEB = Path(__file__).resolve().parent.parent / "web"
PAGE = WEB / "staff" / "index.html"
# What a page loads (scripts, style sheets, images), not where its links lead (another page is another load).
REFERENCE = re.compile(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="(?!#)([^"]+)"')
IMPORT = re.compile(r'^import .* from "(\.[^"]+)";', re.MULTILINE)


def first_load() -> dict[str, bytes]:
    """Path (from web/) -> bytes of each file the console's first load fetches (config.json aside)."""
    found: dict[str, bytes] = {}
    pending = [PAGE]
    while pending:
        path = pending.pop().resolve()
        name = str(path.relative_to(WEB))
        if name in found:
            continue
        found[name] = path.read_bytes()
        text = found[name].decode("utf-8")
        links = REFERENCE.findall(text) if path.suffix == ".html" else IMPORT.findall(text)
        pending += [path.parent / link for link in links]
    return found


def report() -> None:
    files = first_load()
    raw = sum(len(b) for b in files.values())
    compressed = sum(len(gzip.compress(b, 9)) for b in files.values())
    print("Staff console, first load (sign-in page; config.json and the catalogue come after sign-in)")
    kib = f"{raw / 1024:.1f} KiB as stored, {compressed / 1024:.1f} KiB gzipped at the edge"
    print(f"  {len(files)} files, {kib}")
    for name, body in sorted(files.items()):
        print(f"    {name:<22} {len(body) / 1024:6.1f} KiB  {len(gzip.compress(body, 9)) / 1024:5.1f} KiB gz")
    print()
