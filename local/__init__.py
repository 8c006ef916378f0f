"""Civic Desk on one machine: the synthesized template's resources in an in-process AWS emulator."""

import sys
from pathlib import Path

# The `core` layer's package, importable as Lambda's /opt/python makes it.
_LAYER = str(Path(__file__).resolve().parent.parent / "layers" / "core")
if _LAYER not in sys.path:
    sys.path.insert(0, _LAYER)
