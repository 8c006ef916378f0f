"""Sample data for `make run`: a few hundred requests shaped like the model district's year.

The mix follows the design's figures: the call center busiest, WhatsApp second; veterinary
services the busiest category, then sidewalks/roads and debris; a few neighbourhoods send most.
Written straight into the table as history (batch writes of the store's own item shapes), so
start-up stays fast; new requests made while running take the real path.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import boto3

from civicdesk.catalogue.model import Catalogue
from civicdesk.core.clock import utc_now
from civicdesk.core.dynamo import serialize
from civicdesk.profile.model import Profile
from civicdesk.requests.codes import new_code
from civicdesk.requests.models import (
    Channel,
    EntryType,
    Kind,
    Language,
    ServiceRequest,
    Status,
    TimelineEntry,
)
from civicdesk.requests.repository import entry_item, request_item
from civicdesk.sla import deadlines as sla

KINDS = {Kind.REQUEST: 70, Kind.COMPLAINT: 20, Kind.SUGGESTION: 5, Kind.INFORMATION: 3, Kind.THANKS: 2}
TEXTS = {
    "veterinary": [
        "Parkta yaralı bir sokak köpeği var, arka ayağını basamıyor.",
        "Apartmanın önünde hasta görünen bir kedi yatıyor, yardım edebilir misiniz?",
        "Okul yolunda saldırgan bir köpek sürüsü dolaşıyor, çocuklar korkuyor.",
        "Araba çarpan bir kedi kaldırımda duruyor, acil veteriner lazım.",
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


def _pick(rng: random.Random, weights: Mapping[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def sample_requests(
    profile: Profile, catalogue: Catalogue, count: int, now: datetime | None = None, seed: int = 2026
) -> Iterator[tuple[ServiceRequest, list[TimelineEntry]]]:
    """`count` requests over the last 30 days, older ones further along their life, shaped like the
    profile's typical year (even shares where the profile gives none)."""
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    now = now or utc_now()
    shape = profile.sample
    channels = {Channel(c): w for c, w in shape.channels.items()} if shape else dict.fromkeys(Channel, 1.0)
    categories = shape.categories if shape else {c.code: 1.0 for c in catalogue.active_categories()}
    busiest = shape.neighbourhoods if shape else {}
    others = shape.other_neighbourhoods if shape else 1.0
    place_weights = {n.code: busiest.get(n.code, others) for n in catalogue.neighbourhoods}
    for _ in range(count):
        category = catalogue.category(_pick(rng, categories))
        created = now - timedelta(minutes=rng.randint(30, 30 * 24 * 60))
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)
        age_hours = (now - created).total_seconds() / 3600
        status = _status_for(rng, age_hours)
        responded = status in (Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED, Status.CLOSED)
        first_response = (
            created + timedelta(hours=rng.uniform(0.2, min(age_hours, 40))) if responded else None
        )
        request = ServiceRequest(
            code=new_code(),
            kind=_pick(rng, KINDS),
            channel=_pick(rng, channels),
            category=category.code,
            department=category.department if status is not Status.RECEIVED else None,
            neighbourhood=_pick(rng, place_weights),
            description=rng.choice(TEXTS.get(category.code) or [category.description.tr]),
            location=None,
            language=Language.TR,
            status=status,
            created_at=created,
            updated_at=first_response or created,
            due_at=sla.first_response_deadline(created, category, catalogue),
            resolution_due_at=sla.resolution_deadline(created, category),
            first_response_at=first_response,
            version=1 if status is Status.RECEIVED else 2,
        )
        entries = [
            TimelineEntry(
                code=request.code, at=created, type=EntryType.RECEIVED, public=True, status=Status.RECEIVED
            )
        ]
        if status is not Status.RECEIVED:
            entries.append(
                TimelineEntry(
                    code=request.code,
                    at=first_response or created + timedelta(minutes=1),
                    type=EntryType.STATUS_CHANGED,
                    public=True,
                    status=status,
                    previous_status=Status.RECEIVED,
                )
            )
        yield request, entries


def _status_for(rng: random.Random, age_hours: float) -> Status:
    if age_hours < 1:
        return Status.RECEIVED
    if age_hours < 48:
        return rng.choice([Status.ROUTED, Status.ROUTED, Status.IN_PROGRESS, Status.RESOLVED])
    return rng.choices(
        [Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.IN_PROGRESS], weights=[60, 25, 8, 7]
    )[0]


def load_sample(table_name: str, profile: Profile, catalogue: Catalogue, count: int) -> int:
    """Write `count` sample requests (and their timelines) in batches; returns the items written."""
    client = boto3.client("dynamodb")
    items = [
        serialize(item)
        for request, entries in sample_requests(profile, catalogue, count)
        for item in (request_item(request), *(entry_item(e) for e in entries))
    ]
    for start in range(0, len(items), 25):
        batch = {table_name: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        while batch:
            batch = client.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}
    return len(items)
