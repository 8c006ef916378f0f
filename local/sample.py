"""Sample requests shaped like the municipality's year: for `make run`, benches and reports.

`sample_year(profile, catalogue)` yields the year before `until` (the profile's
`sample.requests_per_year`: ~50,000 for Bornova) and `sample_requests(..., count, days)` the same
shape over a shorter period (`make run`'s default: 300 over 30 days). Channels, categories and
neighbourhoods follow the profile's `sample` weights (even weights where it gives none); days follow
the week and the seasons, hours each channel's opening times, in the municipality's time zone. Every
request lives a plausible life up to `until`: routed within seconds (a few by hand after triage),
a first response mostly within its deadline and some late (with the SLA checker's warnings and
flags where they would have happened), resolved, rejected or closed later. The same seed gives the
same requests. Codes, texts and places are invented; no personal data is made up.

`load_sample` writes them as history straight into the in-process emulator's table: history must not
start routers or publish events again, and a year's ~300,000 items through the emulator's HTTP API
(~420 items/s, each one a stream record for the dispatcher) would take 12 minutes and then an hour
of events; straight in, a year is made and written in 1-3 minutes.
"""

from __future__ import annotations

import bisect
import math
import os
import random
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from multiprocessing import get_context
from typing import Any, TypeVar

from civicdesk.catalogue.model import Catalogue, Category
from civicdesk.core.clock import utc_now
from civicdesk.core.dynamo import Item, serialize
from civicdesk.profile.model import Profile
from civicdesk.reports.rebuild import tally_of
from civicdesk.reports.store import Tally, counter_item, tally_item
from civicdesk.reports.tally import Contribution, add_into, contribution
from civicdesk.requests.codes import ALPHABET, LENGTH
from civicdesk.requests.models import (
    Channel,
    EntryType,
    Kind,
    Language,
    Location,
    ServiceRequest,
    Status,
    TimelineEntry,
)
from civicdesk.requests.repository import entry_item
from civicdesk.sla import deadlines as sla
from civicdesk.sla.checker import Deadline, Policy, due_soon_entry, overdue_entry
from civicdesk.sla.repository import as_history

T = TypeVar("T")
Sample = tuple[ServiceRequest, list[TimelineEntry]]

KINDS = {Kind.REQUEST: 70, Kind.COMPLAINT: 20, Kind.SUGGESTION: 5, Kind.INFORMATION: 3, Kind.THANKS: 2}
TEXTS = {
    "veterinary": [
        "Parkta yaralı bir sokak köpeği var, arka ayağını basamıyor.",
        "Apartmanın önünde hasta görünen bir kedi yatıyor, yardım edebilir misiniz?",
        "Okul yolunda saldırgan bir köpek sürüsü dolaşıyor, çocuklar korkuyor.",
        "Araba çarpan bir kedi kaldırımda duruyor, acil veteriner lazım.",
        "Sokağımızdaki köpeklerin kısırlaştırılması için başvurmak istiyorum.",
    ],
    "road_sidewalk": [
        "Kaldırımdaki parke taşları yerinden çıkmış, yaşlılar düşüyor.",
        "Caddenin ortasında büyük bir çukur oluştu, araçlar zarar görüyor.",
        "Bordür taşları kırılmış, engelli rampası kullanılamıyor.",
        "Asfalt yağmurdan sonra çöktü, lütfen bakın.",
    ],
    "debris": [
        "Boş arsaya moloz dökülmüş, haftalardır duruyor.",
        "Eski koltuk ve dolabımı atmak istiyorum, ne zaman alırsınız?",
        "Tadilattan kalan inşaat atıkları sokağı kapatıyor.",
    ],
    "garbage": [
        "Çöpler üç gündür alınmadı, konteyner taşıyor.",
        "Çöp konteyneri kırık, kapağı kapanmıyor ve koku yapıyor.",
        "Pazar yerinden sonra sokak temizlenmedi.",
    ],
    "parks_trees": [
        "Çocuk parkındaki salıncak kırık, tehlikeli.",
        "Bahçemizin önündeki ağaç elektrik tellerine değiyor, budanması lazım.",
        "Parktaki çimler biçilmedi, otlar dizlere kadar çıktı.",
    ],
    "zabita": [
        "Gece yarısına kadar müzik yapan bir işletme var, uyuyamıyoruz.",
        "Seyyar satıcılar kaldırımı tamamen kapatıyor.",
        "Dükkan önüne masa koyup kaldırımı işgal ediyorlar.",
    ],
    "pest_control": [
        "Sivrisinekler çok arttı, ilaçlama yapılabilir mi?",
        "Bodrum katta fareler görüyoruz, haşere ilaçlaması istiyoruz.",
    ],
    "lighting": [
        "Sokak lambası bir haftadır yanmıyor, gece çok karanlık.",
        "Parktaki aydınlatma direkleri çalışmıyor.",
    ],
    "water_sewage": [
        "Rögar kapağından su taşıyor, sokak göl oldu.",
        "Kanalizasyon kokusu eve kadar geliyor.",
    ],
    "social_support": [
        "Yalnız yaşayan yaşlı komşumuz için evde bakım desteği istiyoruz.",
        "Engelli kızım için tekerlekli sandalye yardımı alabilir miyiz?",
    ],
    "zoning_building": [
        "Yan parselde ruhsatsız kat çıkıyorlar.",
        "Eski bina çatlaklarla dolu, yıkılmak üzere, kontrol edilmeli.",
    ],
    "other": [
        "Belediyenin hizmetleri için teşekkür ederim.",
        "Kültür merkezindeki etkinlikler hakkında bilgi almak istiyorum.",
    ],
}
REPLIES = {
    Status.IN_PROGRESS: [
        "Talebiniz ilgili ekibimize iletildi; en kısa sürede yerinde inceleme yapılacak.",
        "Ekiplerimiz konuyu çalışma programına aldı; gelişmeleri buradan izleyebilirsiniz.",
        "Başvurunuz incelemeye alındı. İlginiz için teşekkür ederiz.",
    ],
    Status.RESOLVED: [
        "Ekiplerimiz gerekli çalışmayı tamamladı. Teşekkür ederiz.",
        "Yerinde yapılan çalışmayla sorun giderildi.",
        "Talebiniz yerine getirildi; başka bir sorun olursa yeniden yazabilirsiniz.",
    ],
    Status.REJECTED: [
        "Konu belediyemizin görev alanı dışında kalıyor; ilgili kuruma iletilmesi gerekir.",
        "Yerinde yapılan incelemede bildirilen sorun tespit edilemedi.",
    ],
}

# --- when requests arrive ---------------------------------------------------------------------------
# Channels open at different times: the phone line and the online channels every day (the phone
# quieter at weekends and at night), the service hall and field staff on working days.
PHONE, OFFICE, ONLINE = "phone", "office", "online"
CHANNEL_GROUP = {Channel.CALL_CENTER: PHONE, Channel.WALK_IN: OFFICE, Channel.FIELD: OFFICE}
WEEKDAYS = {  # Monday .. Sunday
    PHONE: (1.25, 1.15, 1.1, 1.05, 1.0, 0.5, 0.35),
    OFFICE: (1.2, 1.1, 1.1, 1.05, 1.0, 0.1, 0.0),
    ONLINE: (1.15, 1.05, 1.0, 1.0, 0.95, 0.8, 0.85),
}
HOURS = {  # 00 .. 23, the municipality's local time
    PHONE: (1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2, 5, 9, 10, 10, 8, 9, 9, 8, 7, 5, 3, 2.5, 2, 1.8, 1.5, 1.2),
    OFFICE: (0, 0, 0, 0, 0, 0, 0, 0, 3, 8, 9, 8, 5, 7, 8, 7, 4, 0, 0, 0, 0, 0, 0, 0),
    ONLINE: (1.5, 1, 0.6, 0.4, 0.3, 0.4, 0.8, 2, 4, 6, 7, 7, 6, 6, 6, 6, 6, 6, 6, 7, 8, 8, 6, 3),
}
HOLIDAYS = {(1, 1), (4, 23), (5, 1), (5, 19), (7, 15), (8, 30), (10, 29)}
"""Türkiye's fixed-date public holidays (month, day): as quiet as a Sunday."""
SEASONS = {  # category: (the busiest month, amplitude of the yearly swing around the mean)
    "pest_control": (7, 0.7),  # mosquitoes
    "parks_trees": (5, 0.35),
    "veterinary": (4, 0.25),  # spring litters
    "debris": (5, 0.2),
    "water_sewage": (1, 0.35),  # winter rains
    "lighting": (12, 0.3),  # long nights
}
SEASON = (6, 0.15)
"""Every other category: a little busier in summer."""

# --- how a request lives --------------------------------------------------------------------------
WARN_LEAD = Policy().warn_lead
CHOSEN_ON_WEB = 0.7
"""Citizens on the web and WhatsApp pick a topic this often; staff always do; else it is classified."""
TRIAGE = 0.25
"""Classified requests the router is not sure of (~1% of all): a supervisor routes them by hand."""
ON_TIME = 0.86
"""First responses within the deadline; the rest come late, some by days."""
QUICK = 0.12
"""Solved at once: the first response is the resolution."""
REJECTED = 0.06
"""Turned down: not the municipality's to do, or nothing found on site."""
RESOLVED_IN_TIME = 0.8
"""Resolved within the category's resolution target; the rest later (and flagged by the checker)."""
LONG_WORKS = 0.03
"""Works that take months (a road rebuilt, a building inspected): still open long after."""
CLOSED_AFTER_RESOLVED = 0.6
"""Closed a few days after being resolved; the rest stay resolved."""
LOCATED = {Channel.WHATSAPP: 0.4, Channel.FIELD: 0.8, Channel.WEB: 0.25}
"""Requests that carry a map point, near their neighbourhood's centre where the profile knows it."""


@dataclass(frozen=True)
class Shape:
    """A profile's year as weights, with even weights where the profile gives none."""

    requests_per_year: int
    channels: dict[Channel, float]
    categories: dict[str, float]
    neighbourhoods: dict[str, float]

    @classmethod
    def of(cls, profile: Profile, catalogue: Catalogue) -> Shape:
        shape = profile.sample
        if shape is None:
            return cls(
                requests_per_year=len(catalogue.neighbourhoods) * 200,  # a guess: 200 a neighbourhood
                channels=dict.fromkeys(Channel, 1.0),
                categories={c.code: 1.0 for c in catalogue.active_categories()},
                neighbourhoods={n.code: 1.0 for n in catalogue.neighbourhoods},
            )
        return cls(
            requests_per_year=shape.requests_per_year,
            channels={Channel(c): w for c, w in shape.channels.items() if w > 0},
            categories={c: w for c, w in shape.categories.items() if w > 0},
            neighbourhoods={
                n.code: shape.neighbourhoods.get(n.code, shape.other_neighbourhoods)
                for n in catalogue.neighbourhoods
            },
        )


class _Picker:
    """Weighted draws with precomputed cumulative weights (50,000 draws stay cheap)."""

    def __init__(self, weights: Mapping[T, float] | Sequence[tuple[T, float]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        self.values = [v for v, _ in pairs]
        self.cumulative = list(accumulate(w for _, w in pairs))
        if not self.cumulative or self.cumulative[-1] <= 0:
            raise ValueError("nothing to draw from: every weight is zero")

    def __call__(self, rng: random.Random) -> Any:
        point = rng.random() * self.cumulative[-1]
        return self.values[min(bisect.bisect_right(self.cumulative, point), len(self.values) - 1)]


def _seasonal(category: str, day: date) -> float:
    peak, amplitude = SEASONS.get(category, SEASON)
    offset = (day.timetuple().tm_yday - (30.4 * (peak - 1) + 15)) / 365.25
    return 1 + amplitude * math.cos(2 * math.pi * offset)


def _day_weight(group: str, category: str, day: date) -> float:
    weekday = 6 if (day.month, day.day) in HOLIDAYS else day.weekday()
    return WEEKDAYS[group][weekday] * _seasonal(category, day)


def _stored(moment: datetime) -> datetime:
    """To the millisecond, as the store keeps times: what is made is what reads back."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _new_code(rng: random.Random) -> str:
    return "".join(rng.choices(ALPHABET, k=LENGTH))


def sample_year(
    profile: Profile, catalogue: Catalogue, *, until: datetime | None = None, seed: int = 2026
) -> Iterator[Sample]:
    """The year before `until` (default: now), as many requests as the profile's typical year."""
    count = Shape.of(profile, catalogue).requests_per_year
    return sample_requests(profile, catalogue, count, days=365, until=until, seed=seed)


def sample_requests(
    profile: Profile,
    catalogue: Catalogue,
    count: int,
    *,
    days: int = 30,
    until: datetime | None = None,
    seed: int = 2026,
) -> Iterator[Sample]:
    """`count` requests filed over the `days` before `until`, each with its timeline up to `until`."""
    period = _Period(profile, catalogue, days, (until or utc_now()).astimezone(UTC), seed)
    seen: set[str] = set()
    for index, size in _chunks(count):
        for request, entries in period.chunk(index, size):
            if request.code not in seen:  # 50,000 random codes of 42.8 bits: a clash is a rarity
                seen.add(request.code)
                flags = {k: v for k, v in _marks(entries).items() if k != "warned_at"}
                yield request.model_copy(update=flags), entries


CHUNK = 2_500
"""Requests drawn from one random stream: chunks can be made in parallel and still come out the same."""


def _chunks(count: int) -> Iterator[tuple[int, int]]:
    for index, start in enumerate(range(0, count, CHUNK)):
        yield index, min(CHUNK, count - start)


class _Period:
    """What every request of a period draws from, computed once."""

    def __init__(self, profile: Profile, catalogue: Catalogue, days: int, until: datetime, seed: int) -> None:
        self.profile, self.catalogue, self.until, self.seed = profile, catalogue, until, seed
        shape = Shape.of(profile, catalogue)
        last = until.astimezone(profile.zone).date()
        self.days = [last - timedelta(days=d) for d in range(days - 1, -1, -1)]
        self.categories = {c.code: c for c in catalogue.categories}
        self.places = {n.code: n for n in catalogue.neighbourhoods}
        self.channel, self.category = _Picker(shape.channels), _Picker(shape.categories)
        self.place, self.kind = _Picker(shape.neighbourhoods), _Picker(KINDS)
        self.hour = {group: _Picker(list(enumerate(HOURS[group]))) for group in HOURS}
        self._day: dict[tuple[str, str], _Picker] = {}

    def day(self, group: str, category: str) -> _Picker:
        if (group, category) not in self._day:
            self._day[group, category] = _Picker([(d, _day_weight(group, category, d)) for d in self.days])
        return self._day[group, category]

    def chunk(self, index: int, size: int) -> Iterator[Sample]:
        rng = random.Random(f"{self.seed}:{index}")  # noqa: S311 - sample data, not security
        for _ in range(size):
            yield self._one(rng)

    def _one(self, rng: random.Random) -> Sample:
        channel, category = self.channel(rng), self.categories[self.category(rng)]
        group = CHANNEL_GROUP.get(channel, ONLINE)
        created = self._moment(rng, group, category.code)
        place = self.places[self.place(rng)]
        location = None
        if place.lat is not None and place.lon is not None and rng.random() < LOCATED.get(channel, 0):
            lat, lon = place.lat + rng.gauss(0, 0.004), place.lon + rng.gauss(0, 0.005)
            location = Location(lat=round(lat, 6), lon=round(lon, 6))
        chosen = channel not in (Channel.WEB, Channel.WHATSAPP) or rng.random() < CHOSEN_ON_WEB
        promised = sla.first_response_deadline(created, category if chosen else None, self.catalogue)
        filed = ServiceRequest(
            code=_new_code(rng),
            kind=self.kind(rng),
            channel=channel,
            category=category.code if chosen else None,
            department=None,
            neighbourhood=place.code,
            description=rng.choice(TEXTS.get(category.code) or [category.description.tr]),
            location=location,
            language=Language.TR,
            status=Status.RECEIVED,
            created_at=created,
            updated_at=created,
            # routing may tighten what intake promised (a classified injured animal: 4 hours)
            due_at=min(promised, created + timedelta(hours=category.first_response_hours)),
            resolution_due_at=sla.resolution_deadline(created, category),
        )
        return _Life(rng, filed, category, self.profile, chosen).until(self.until)

    def _moment(self, rng: random.Random, group: str, category: str) -> datetime:
        """A moment on a day of the period at an hour the channel is busy, local time; before `until`."""
        zone = self.profile.zone
        for _ in range(20):  # only the last day can overshoot `until`
            day, hour = self.day(group, category)(rng), self.hour[group](rng)
            local = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
            created = (
                local + timedelta(seconds=rng.randrange(3600), milliseconds=rng.randrange(1000))
            ).astimezone(UTC)
            if created < self.until:
                return created
        return self.until - timedelta(minutes=rng.uniform(1, 60))


@dataclass
class _Life:
    """One request's whole planned life; `until` cuts it at a moment and says where it stands."""

    rng: random.Random
    filed: ServiceRequest
    category: Category
    profile: Profile
    chosen: bool
    entries: list[TimelineEntry] = field(default_factory=list)
    first: datetime = field(init=False)
    """When the first response comes (the plan's; `until` decides whether it came yet)."""

    def __post_init__(self) -> None:
        self._plan()

    def _entry(self, at: datetime, kind: EntryType, status: Status | None = None, **more: Any) -> None:
        self.entries.append(
            TimelineEntry(code=self.filed.code, at=_stored(at), type=kind, public=True, status=status, **more)
        )

    def _plan(self) -> None:
        rng, filed, category = self.rng, self.filed, self.category
        created = filed.created_at
        staff = CHANNEL_GROUP.get(filed.channel) is not None or filed.channel in (
            Channel.EMAIL,
            Channel.SOCIAL_MEDIA,
        )
        facts = {
            "channel": filed.channel.value,
            "kind": filed.kind.value,
            "neighbourhood": filed.neighbourhood or "",
        }
        if filed.category:
            facts["category"] = filed.category
        self._entry(
            created, EntryType.RECEIVED, Status.RECEIVED, actor="staff" if staff else "citizen", detail=facts
        )

        routed = created + timedelta(seconds=rng.uniform(1, 20))
        routing = {
            "category": category.code,
            "department": category.department,
            "channel": filed.channel.value,
        }
        if not self.chosen and rng.random() < TRIAGE:
            self._entry(
                routed,
                EntryType.STATUS_CHANGED,
                Status.TRIAGE,
                previous_status=Status.RECEIVED,
                detail={"reason": "low_confidence", "channel": filed.channel.value},
            )
            routed += timedelta(minutes=rng.lognormvariate(math.log(60), 0.8))
            self._entry(
                routed,
                EntryType.STATUS_CHANGED,
                Status.ROUTED,
                previous_status=Status.TRIAGE,
                actor="staff",
                detail={**routing, "source": "staff"},
            )
        else:
            source = (
                {"source": "chosen", "confidence": "1.00"}
                if self.chosen
                else {"source": "classified", "confidence": f"{rng.uniform(0.6, 0.98):.2f}"}
            )
            self._entry(
                routed,
                EntryType.STATUS_CHANGED,
                Status.ROUTED,
                previous_status=Status.RECEIVED,
                detail={**routing, **source},
            )

        window = filed.due_at - created
        if rng.random() < ON_TIME:
            first = created + window * rng.betavariate(1.6, 3.0)
        else:
            late_hours = rng.expovariate(1 / max(6.0, window.total_seconds() / 7200))
            first = filed.due_at + timedelta(hours=late_hours, minutes=rng.uniform(1, 60))
        first = max(first, routed + timedelta(minutes=rng.uniform(3, 30)))
        self.first = first = _stored(first)
        self._sla_first_response(first)

        if filed.kind in (Kind.INFORMATION, Kind.THANKS):
            text = self._courtesy(filed.kind)
            self._entry(first, EntryType.PUBLIC_REPLY, actor="staff", text=text)
            self._entry(
                first + timedelta(minutes=1),
                EntryType.STATUS_CHANGED,
                Status.CLOSED,
                previous_status=Status.ROUTED,
                actor="staff",
            )
            return
        roll = rng.random()
        if roll < QUICK + REJECTED:
            outcome = Status.REJECTED if roll < REJECTED else Status.RESOLVED
            self._change(first, outcome, Status.ROUTED)
            self._close(outcome, first)
            return
        self._change(first, Status.IN_PROGRESS, Status.ROUTED)
        hours = category.resolution_hours
        if hours is None:
            done = first + timedelta(days=rng.lognormvariate(math.log(4), 0.9))
        elif rng.random() < LONG_WORKS:
            done = created + timedelta(hours=hours * rng.uniform(3, 8))
        elif rng.random() < RESOLVED_IN_TIME:
            target = created + timedelta(hours=hours)
            done = first + max(target - first, timedelta(hours=1)) * rng.betavariate(2, 2.5)
        else:
            done = created + timedelta(hours=hours * (1 + rng.expovariate(1 / 0.6)))
        done = max(done, first + timedelta(minutes=rng.uniform(20, 240)))
        if filed.resolution_due_at is not None:
            flag = max(filed.resolution_due_at, first) + self._next_run()
            if flag < done:
                self._sla(overdue_entry, flag, Deadline.RESOLUTION, filed.resolution_due_at)
        outcome = Status.REJECTED if rng.random() < REJECTED else Status.RESOLVED
        self._change(done, outcome, Status.IN_PROGRESS)
        self._close(outcome, done)

    def _next_run(self) -> timedelta:
        """The checker runs every 5 minutes: it acts at the first run after the moment comes."""
        return timedelta(seconds=self.rng.uniform(0, 300))

    def _sla_first_response(self, first: datetime) -> None:
        filed = self.filed
        warn = max(filed.due_at - WARN_LEAD, filed.created_at) + self._next_run()
        if warn < first:
            self._sla(due_soon_entry, warn)
        flag = filed.due_at + self._next_run()
        if flag < first:
            self._sla(overdue_entry, flag, Deadline.FIRST_RESPONSE, filed.due_at)

    def _sla(self, build: Any, at: datetime, *args: Any) -> None:
        """The checker's own entry, built from the request as it stood then (status, department)."""
        at = _stored(at)
        self.entries.append(build(self._at(at), at, *args))

    def _change(self, at: datetime, status: Status, previous: Status) -> None:
        self._entry(
            at,
            EntryType.STATUS_CHANGED,
            status,
            previous_status=previous,
            actor="staff",
            text=self.rng.choice(REPLIES[status]),
        )

    def _close(self, outcome: Status, at: datetime) -> None:
        if outcome is Status.RESOLVED and self.rng.random() < CLOSED_AFTER_RESOLVED:
            closed = at + timedelta(days=self.rng.uniform(2, 10))
            self._entry(closed, EntryType.STATUS_CHANGED, Status.CLOSED, previous_status=Status.RESOLVED)

    def _courtesy(self, kind: Kind) -> str:
        if kind is Kind.THANKS:
            return "Güzel sözleriniz için teşekkür ederiz; ilgili birimimize ilettik."
        line = self.profile.phone_line
        return f"Sorunuz yanıtlandı. Ayrıntılı bilgi için {line} hattını arayabilirsiniz."

    def _at(self, moment: datetime) -> ServiceRequest:
        """The request as it stood at `moment`: status, category, department, first response."""
        status, department, category = Status.RECEIVED, None, self.filed.category
        updated, version = self.filed.created_at, 0
        for entry in self.entries:  # in time order, but for the checker's (which change no status)
            if entry.at > moment:
                continue
            updated, version = max(updated, entry.at), version + 1
            if entry.type in (EntryType.RECEIVED, EntryType.STATUS_CHANGED) and entry.status:
                status = entry.status
                if entry.status is Status.ROUTED:
                    department, category = self.category.department, self.category.code
        first = self.first if self.first <= moment else None
        return self.filed.model_copy(
            update={
                "status": status,
                "category": category,
                "department": department,
                "updated_at": updated,
                "first_response_at": first,
                "first_response_met": None if first is None else first <= self.filed.due_at,
                "version": version,
            }
        )

    def until(self, moment: datetime) -> Sample:
        return self._at(moment), sorted((e for e in self.entries if e.at <= moment), key=lambda e: e.at)


def items_of(requests: Iterable[Sample]) -> Iterator[Item]:
    """The store's own items for each sample (request item with its SLA marks, timeline entries)."""
    for request, entries in requests:
        marks = _marks(entries)
        yield as_history(request, **marks)
        yield from (entry_item(e) for e in entries)


def _marks(entries: Sequence[TimelineEntry]) -> dict[str, datetime]:
    """When the checker warned and flagged, as its entries in the timeline say."""
    marks: dict[str, datetime] = {}
    for entry in entries:
        if entry.type is EntryType.DUE_SOON:
            marks["warned_at"] = entry.at
        elif entry.type is EntryType.OVERDUE:
            deadline = (entry.detail or {}).get("deadline")
            marks["resolution_overdue_at" if deadline == Deadline.RESOLUTION else "overdue_at"] = entry.at
    return marks


@dataclass(frozen=True)
class Loaded:
    requests: int
    items: int
    seconds: float
    workers: int
    counters: int = 0
    """The reports' counter items written with the history (besides one tally per request)."""

    def __str__(self) -> str:
        helpers = f" with {self.workers} worker processes" if self.workers > 1 else ""
        return (
            f"Sample: {self.requests:,} requests ({self.items:,} items, {self.counters:,} counter items) "
            f"made and written in {self.seconds:.1f} s{helpers}"
        )


def load_sample(
    table_name: str,
    profile: Profile,
    catalogue: Catalogue,
    count: int | None,
    *,
    seed: int = 2026,
    until: datetime | None = None,
    workers: int | None = None,
) -> Loaded:
    """`count` requests over the last 30 days, or (None) the profile's year, written as history.

    Chunks are made in worker processes (a year takes ~30 s of CPU to make, and as much to write into
    moto) while this process writes the finished ones; with no core to spare, all in this process.
    The result is the same as `sample_requests` either way.
    """
    started = time.perf_counter()
    days = 30 if count is not None else 365
    count = count if count is not None else Shape.of(profile, catalogue).requests_per_year
    until = (until or utc_now()).astimezone(UTC)
    tasks = [(profile, catalogue, days, until, seed, index, size) for index, size in _chunks(count)]
    spare = (os.cpu_count() or 1) - 1  # this process writes; the others make
    workers = max(1, min(workers or spare, MAX_WORKERS, len(tasks)))
    seen: set[str] = set()
    items = 0
    counters: Contribution = {}
    with ExitStack() as stack:
        if workers > 1:  # spawn: this process runs the emulator's threads, which a fork would copy
            pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=get_context("spawn")))
            chunks: Iterable[list[Wired]] = pool.map(_wired_chunk, tasks)
        else:
            chunks = map(_wired_chunk, tasks)
        for chunk in chunks:
            for code, wired, tally in chunk:
                if code not in seen:
                    seen.add(code)
                    items += write_history(table_name, wired) - 1  # its tally is not history
                    add_into(counters, contribution(tally.snapshot, tally.digest, profile.zone))
    # History starts no stream, so its events never reach the counter: the reports' counters are
    # written as a rebuild would make them (`civicdesk.reports.rebuild`), each request's tally beside it.
    written = write_history(table_name, (wire(counter_item(k, v)) for k, v in sorted(counters.items())))
    return Loaded(len(seen), items, time.perf_counter() - started, workers, written)


MAX_WORKERS = 4


Wired = tuple[str, list[dict[str, Any]], Tally]
"""A request's code, its serialized items (its tally last) and its tally."""


def _wired_chunk(task: tuple[Profile, Catalogue, int, datetime, int, int, int]) -> list[Wired]:
    """One chunk's requests as (code, serialized items, tally): the work a worker process does."""
    profile, catalogue, days, until, seed, index, size = task
    period = _Period(profile, catalogue, days, until, seed)
    result: list[Wired] = []
    for request, entries in period.chunk(index, size):
        items = list(items_of([(request, entries)]))
        tally = tally_of(items[0], items[1:])
        wired = [wire(i) for i in items]
        wired.append(wire(tally_item(request.code, tally)))
        result.append((request.code, wired, tally))
    return result


def wire(item: Mapping[str, Any]) -> dict[str, Any]:
    """`civicdesk.core.dynamo.serialize` for the plain values items hold, several times faster."""
    return {k: _wire(v) for k, v in item.items() if v is not None}


def _wire(value: Any) -> dict[str, Any]:
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is bool:
        return {"BOOL": value}
    if kind is int:
        return {"N": str(value)}
    if kind is float:
        return {"N": str(Decimal(str(value)))}
    if isinstance(value, Mapping):
        return {"M": {k: _wire(v) for k, v in value.items() if v is not None}}
    if isinstance(value, list | tuple):
        return {"L": [_wire(v) for v in value]}
    return dict(serialize({"v": value})["v"])


def write_history(table_name: str, items: Iterable[dict[str, Any]]) -> int:
    """Put serialized items straight into the in-process emulator's table: no stream records.

    moto's private model, as bench/sla.py uses it (a changed moto fails here, loudly). The
    attributes are set in one go: moto's per-attribute size check costs quadratic time per item,
    and ours are a few hundred bytes.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.dynamo_type import Item as MotoItem

    region = os.environ.get("AWS_DEFAULT_REGION") or os.environ["AWS_REGION"]
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_table(table_name)
    pk_name, sk_name = table.hash_key_attr, table.range_key_attr
    if sk_name is None or not isinstance(getattr(table, "items", None), dict):
        raise RuntimeError("moto.dynamodb changed: revisit local/sample.py's write_history")
    written = 0
    for attrs in items:
        pk, sk = DynamoType(attrs[pk_name]), DynamoType(attrs[sk_name])
        item = MotoItem(pk, sk, {})
        item.attrs = LimitedSizeDict({name: DynamoType(value) for name, value in attrs.items()})
        table.items[pk][sk] = item
        written += 1
    return written
