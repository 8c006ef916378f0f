"""What every function builds once per cold start: settings, the store, the cached catalogue.

Created lazily on first use (nothing touches AWS at import) and shared by all handlers, so a
warm Lambda reuses its client and catalogue; `reset()` gives tests a fresh start.
"""

from __future__ import annotations

from functools import cache

from civicdesk import catalogue as catalogue_module
from civicdesk.catalogue import CachedCatalogue, Catalogue
from civicdesk.config import Settings
from civicdesk.store import Store


@cache
def settings() -> Settings:
    return Settings.from_env()


@cache
def store() -> Store:
    return Store(settings().table_name)


@cache
def _catalogue_cache() -> CachedCatalogue:
    shipped = catalogue_module.shipped()
    return CachedCatalogue(lambda: store().load_catalogue(shipped), settings().catalog_cache_seconds)


def catalogue() -> Catalogue:
    """The table's catalogue, re-read at most every CATALOG_CACHE_SECONDS."""
    return _catalogue_cache().get()


def reset() -> None:
    for cached in (settings, store, _catalogue_cache):
        cached.cache_clear()
