"""The catalogue: categories, the departments that own them, neighbourhoods, and SLA hours.

The municipality profile (`civicdesk.profile`) ships it; it is loaded into the table at deploy
time, insert-if-absent; from then on the table is the truth (an admin edits it there) and handlers
read it through `CachedCatalogue`, a short in-memory cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from civicdesk.core.errors import InvalidInput


class Localized(BaseModel):
    """A text for citizens: Turkish first, with English."""

    model_config = ConfigDict(frozen=True)

    tr: str
    en: str


class Keyword(BaseModel):
    model_config = ConfigDict(frozen=True)

    term: str
    weight: float = Field(default=1.0, gt=0)


class Department(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: Localized
    external: bool = Field(default=False, description="owned by another body, e.g. the metropolitan utility")


class Category(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: Localized
    description: Localized
    department: str
    first_response_hours: float = Field(gt=0)
    resolution_hours: float | None = Field(default=None, gt=0)
    keywords: tuple[Keyword, ...] = ()
    active: bool = True
    position: int = Field(default=0, description="order in forms: the busiest categories first")


class Neighbourhood(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    population: int | None = Field(default=None, gt=0, description="residents, where a source gives it")
    lat: float | None = Field(
        default=None, ge=-90, le=90, description="an approximate centre, not a boundary"
    )
    lon: float | None = Field(default=None, ge=-180, le=180)


class ResponseTemplate(BaseModel):
    """A ready answer staff pick when replying or changing a status: Turkish and English, with the
    placeholders `{code}`, `{department}` and `{date}` filled in by the console when used."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")
    title: Localized
    text: Localized
    category: str | None = Field(default=None, description="for this category only (none: any)")
    status: str | None = Field(default=None, description="for this status change (none: a reply)")
    active: bool = True
    version: int = 1


class Named(BaseModel):
    """A fixed vocabulary entry (request kinds, channels) with its citizen-facing names."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: Localized


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int = 1
    default_first_response_hours: float = Field(default=48, gt=0)
    departments: tuple[Department, ...]
    categories: tuple[Category, ...]
    neighbourhoods: tuple[Neighbourhood, ...]
    kinds: tuple[Named, ...] = ()
    channels: tuple[Named, ...] = ()

    def category(self, code: str) -> Category:
        """The active category with this code; an unknown or retired one is the caller's error."""
        found = next((c for c in self.categories if c.code == code), None)
        if found is None or not found.active:
            raise InvalidInput({"category": f"unknown category {code!r}"})
        return found

    def neighbourhood(self, code: str) -> Neighbourhood:
        found = next((n for n in self.neighbourhoods if n.code == code), None)
        if found is None:
            raise InvalidInput({"neighbourhood": f"unknown neighbourhood {code!r}"})
        return found

    def department(self, code: str) -> Department | None:
        return next((d for d in self.departments if d.code == code), None)

    def active_categories(self) -> tuple[Category, ...]:
        return tuple(c for c in self.categories if c.active)


class CachedCatalogue:
    """Reads the catalogue from its source at most once per `ttl_seconds` (per warm Lambda)."""

    def __init__(
        self,
        load: Callable[[], Catalogue],
        ttl_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._value: Catalogue | None = None
        self._loaded_at = 0.0

    def get(self) -> Catalogue:
        now = self._monotonic()
        if self._value is None or now - self._loaded_at >= self._ttl:
            self._value = self._load()
            self._loaded_at = now
        return self._value
