"""The municipality profile: everything specific to one municipality, in one validated file.

A deployment serves one profile, chosen at deploy time (`-c profile=bornova`, the functions'
`PROFILE` variable) and by `make run` (`PROFILE=...`). The profile holds the municipality's names,
its contact center and phone line, its time zone, its KVKK data controller and retention period,
its neighbourhoods (with an approximate centre where one is known, and population where one is
known), its departments and categories (the catalogue seed), the display texts its channels use,
and the shape of a typical year for sample data. Code never names a municipality; a test runs a
second, small profile through the whole system to prove it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from civicdesk.catalogue.model import (
    Catalogue,
    Category,
    Department,
    Localized,
    Neighbourhood,
    ResponseTemplate,
)
from civicdesk.catalogue.vocabulary import CHANNELS, KINDS
from civicdesk.notify.stages import Stage


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Bounds(_Frozen):
    """A box the municipality lies in (WGS84): a point outside it cannot be one of our problems.

    Generous on purpose (a few kilometres beyond the district): it refuses a point in another city,
    never a street at the district's edge. Real mahalle polygons, where supplied, are finer.
    """

    south: float = Field(ge=-90, le=90)
    west: float = Field(ge=-180, le=180)
    north: float = Field(ge=-90, le=90)
    east: float = Field(ge=-180, le=180)

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.south >= self.north or self.west >= self.east:
            raise ValueError("bounds must have south < north and west < east")
        return self

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east


class Retention(_Frozen):
    """The retention and destruction policy (KVKK): how long each class of data is kept, in days.

    A request's periods count from its closure (its last change once resolved, rejected or closed).
    Statistics (category, neighbourhood, dates, channel, status) are anonymous and kept.
    """

    contact_days: int = Field(default=730, gt=0, description="name, phone, e-mail, WhatsApp id")
    free_text_days: int = Field(
        default=730, gt=0, description="description, address, exact point, messages, replies, notes, photos"
    )
    unfiled_days: int = Field(
        default=3, gt=0, description="a WhatsApp draft never filed: its text and photos"
    )
    conversation_days: int = Field(
        default=30, gt=0, description="a finished WhatsApp dialogue's state (language, notice shown)"
    )
    audit_days: int = Field(
        default=1096, ge=1096, description="the access audit and the destruction log: at least 3 years"
    )
    analytics_export_days: int = Field(
        default=8,
        gt=0,
        le=31,
        description="the table's daily export for ad-hoc questions (a private bucket): a week and a day",
    )

    @property
    def request_days(self) -> int:
        """When a closed request is anonymised: in one pass, at the shorter of its two periods."""
        return min(self.contact_days, self.free_text_days)


class Kvkk(_Frozen):
    """The data controller under KVKK (Law 6698) and how long citizens' personal data is kept."""

    controller: Localized
    periods: Retention = Field(default_factory=Retention)
    contact: str = Field(description="where a citizen applies under article 11 (an address or e-mail)")

    @property
    def retention(self) -> Localized:
        """The contact details' period as citizens read it in the notices, from the policy itself."""
        return Localized(
            tr=f"başvurunuz sonuçlandıktan sonra {_period(self.periods.contact_days, 'tr')}",
            en=f"{_period(self.periods.contact_days, 'en')} after your request is closed",
        )


_UNITS = ((365, "yıl", "year"), (30, "ay", "month"), (1, "gün", "day"))


def _period(days: int, language: str) -> str:
    """`730` -> `2 yıl` / `2 years`: whole years, else whole months, else days."""
    size, tr, en = next(unit for unit in _UNITS if days % unit[0] == 0)
    count = days // size
    return f"{count} {tr}" if language == "tr" else f"{count} {en}{'' if count == 1 else 's'}"


class ChannelTexts(_Frozen):
    """Display texts the channels show with the municipality's own words."""

    welcome: Localized = Field(description="the first line of the WhatsApp greeting and the web header")


class QuietHours(_Frozen):
    """Local hours in which only urgent messages go out (the rest wait until `end`)."""

    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class Notifications(_Frozen):
    """What the citizen is told at each stage (Turkish first, English), and when not to disturb them.

    Placeholders: {municipality} {code} {link} {department} {due} {text} {institution} {other_code}.
    """

    quiet_hours: QuietHours
    texts: dict[Stage, Localized]
    sms: dict[Stage, Localized] = Field(
        description="short forms for SMS, where every 67 characters of Turkish letters cost one more part; "
        "written without ı, ş, ğ, ç so a part holds 160"
    )

    @field_validator("texts", "sms")
    @classmethod
    def _every_stage(cls, texts: dict[Stage, Localized]) -> dict[Stage, Localized]:
        missing = sorted(set(Stage) - set(texts))
        if missing:
            raise ValueError(f"a text for every stage is needed; missing: {', '.join(missing)}")
        return texts


class Surveys(_Frozen):
    """The satisfaction survey after a resolution, and how long a citizen may reopen it.

    The invitation is added to the `resolved` message: `{link}` is the survey page with the citizen's
    one-time token (on WhatsApp, reply buttons ask the first question as well).
    """

    reopen_days: int = Field(
        default=7, gt=0, description="a resolved request may be reopened by its citizen this long afterwards"
    )
    link_days: int = Field(default=30, gt=0, description="the survey link's token expires this long after")
    invite: Localized = Field(description="added to the `resolved` message; `{link}` the survey page")
    invite_sms: Localized = Field(description="its short SMS form, without ı, ş, ğ, ç")


class DuplicateRules(_Frozen):
    """When the staff view calls another request a likely duplicate of this one (a hint, not a merge)."""

    days: int = Field(default=7, gt=0, description="filed within this many days of each other")
    distance_m: float = Field(default=150, gt=0, description="both pinned, at most this far apart")
    similarity: float = Field(
        default=0.35,
        gt=0,
        le=1,
        description="or in the same neighbourhood with this share of words in common",
    )
    max_read: int = Field(default=100, gt=0, le=1000, description="index items read per status, newest first")


class Open311Endpoint(_Frozen):
    """Another institution's Open311 GeoReport v2 server, where our referrals are filed.

    Its `api_key` is never here: it lives in the deployment's referral secret, by institution code.
    """

    endpoint: str = Field(
        pattern=r"^https?://\S+/$",
        description="the base URL ending in `/` (`requests.json` is appended); https, except on loopback",
    )
    service_codes: dict[str, str] = Field(
        default_factory=dict, description="our category code -> their service_code"
    )
    default_service_code: str = Field(min_length=1, description="for a category without its own")
    jurisdiction_id: str | None = None

    def service_code(self, category: str | None) -> str:
        return self.service_codes.get(category or "", self.default_service_code)


class Institution(_Frozen):
    """Another institution requests are referred to (reason `not_ours`): by Open311 where it has an
    endpoint, by e-mail otherwise."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: Localized
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", description="where a referral goes without Open311")
    open311: Open311Endpoint | None = None


class SampleYear(_Frozen):
    """The shape of a typical year (relative weights), for `make run` and `make seed-year`."""

    requests_per_year: int = Field(gt=0)
    channels: dict[str, float]
    categories: dict[str, float]
    neighbourhoods: dict[str, float] = Field(
        default_factory=dict, description="the busiest; the rest share the remaining weight evenly"
    )
    other_neighbourhoods: float = Field(default=1.0, ge=0, description="the weight of each unnamed one")


class Profile(_Frozen):
    code: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: Localized = Field(description="the municipality, e.g. `Bornova Belediyesi`")
    district: str
    province: str
    contact_center: Localized = Field(description="the contact center's short name, e.g. `Beyaz Masa`")
    phone_line: str = Field(description="the phone line citizens call, e.g. `Alo 153`")
    time_zone: str = "Europe/Istanbul"
    kvkk: Kvkk
    texts: ChannelTexts
    bounds: Bounds
    locate_radius_m: float = Field(
        default=1500, gt=0, description="a pin this close to a known neighbourhood centre is taken as in it"
    )
    boundaries: str | None = Field(
        default=None, description="a GeoJSON file of real mahalle polygons next to this profile, if supplied"
    )
    default_first_response_hours: float = Field(default=48, gt=0)
    departments: tuple[Department, ...]
    categories: tuple[Category, ...]
    neighbourhoods: tuple[Neighbourhood, ...]
    notifications: Notifications
    surveys: Surveys
    duplicates: DuplicateRules = DuplicateRules()
    templates: tuple[ResponseTemplate, ...] = Field(
        default=(), description="response templates seeded at deploy (an admin edits them afterwards)"
    )
    sample: SampleYear | None = None
    institutions: tuple[Institution, ...] = Field(
        default=(), description="other institutions staff refer requests to (reason `not_ours`)"
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        departments = {d.code for d in self.departments}
        problems = [
            f"category {c.code}: unknown department {c.department}"
            for c in self.categories
            if c.department not in departments
        ]
        for kind, codes in (
            ("department", [d.code for d in self.departments]),
            ("category", [c.code for c in self.categories]),
            ("neighbourhood", [n.code for n in self.neighbourhoods]),
            ("institution", [i.code for i in self.institutions]),
        ):
            duplicates = sorted({c for c in codes if codes.count(c) > 1})
            problems += [f"duplicate {kind} {c}" for c in duplicates]
        for n in self.neighbourhoods:
            if n.lat is not None and n.lon is not None and not self.bounds.contains(n.lat, n.lon):
                problems.append(f"neighbourhood {n.code}: centre outside the bounds")
        if self.sample:
            known = {
                "channel": {c.code for c in CHANNELS},
                "category": {c.code for c in self.categories},
                "neighbourhood": {n.code for n in self.neighbourhoods},
            }
            for kind, weights in (
                ("channel", self.sample.channels),
                ("category", self.sample.categories),
                ("neighbourhood", self.sample.neighbourhoods),
            ):
                problems += [f"sample: unknown {kind} {c}" for c in weights if c not in known[kind]]
        categories = {c.code for c in self.categories}
        problems += [
            f"template {t.id}: unknown category {t.category}"
            for t in self.templates
            if t.category is not None and t.category not in categories
        ]
        problems += [
            f"institution {i.code}: unknown category {c}"
            for i in self.institutions
            if i.open311
            for c in i.open311.service_codes
            if c not in categories
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def institution(self, code: str | None) -> Institution | None:
        """The configured institution `referred_to` names (its code, any case), or None for free text."""
        wanted = (code or "").strip().lower()
        return next((i for i in self.institutions if i.code == wanted), None)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def catalogue(self) -> Catalogue:
        """The catalogue this profile seeds (the file's category order is the forms' order)."""
        categories = tuple(
            c if c.position else c.model_copy(update={"position": i}) for i, c in enumerate(self.categories)
        )
        return Catalogue(
            default_first_response_hours=self.default_first_response_hours,
            departments=self.departments,
            categories=categories,
            neighbourhoods=tuple(sorted(self.neighbourhoods, key=lambda n: n.name)),
            kinds=KINDS,
            channels=CHANNELS,
        )


def available() -> list[str]:
    """The profiles shipped in the package."""
    folder = resources.files("civicdesk.profile").joinpath("data")
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


@cache
def load(code: str) -> Profile:
    """A shipped profile by its code; a clear error naming the ones that exist."""
    if code not in available():
        raise LookupError(f"no municipality profile {code!r}; shipped: {', '.join(available())}")
    text = resources.files("civicdesk.profile").joinpath(f"data/{code}.json").read_text(encoding="utf-8")
    return Profile.model_validate(json.loads(text))


def read_file(name: str) -> str:
    """Another file shipped next to the profiles (e.g. its mahalle polygons)."""
    return resources.files("civicdesk.profile").joinpath(f"data/{name}").read_text(encoding="utf-8")
