"""What many tests share: the default profile's catalogue, and the repositories over one table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from civicdesk.catalogue.model import Catalogue
from civicdesk.catalogue.repository import CatalogueRepository
from civicdesk.core.dynamo import Table
from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.profile import model as profiles
from civicdesk.profile.model import Profile
from civicdesk.requests.repository import RequestRepository
from civicdesk.routing.repository import RoutingRepository
from civicdesk.sla.repository import DueIndex
from civicdesk.whatsapp.repository import ConversationRepository, OutboundRepository

PROFILE: Profile = profiles.load(DEFAULT_PROFILE)
SHIPPED: Catalogue = PROFILE.catalogue()
"""The catalogue the default profile (Bornova) seeds."""


@dataclass(frozen=True)
class Pool:
    """Every repository over one table (they share its client)."""

    table: Table
    requests: RequestRepository
    catalogue: CatalogueRepository
    due: DueIndex
    routing: RoutingRepository
    conversations: ConversationRepository
    outbound: OutboundRepository


def pool(table_name: str, client: Any = None, requests: RequestRepository | None = None) -> Pool:
    table = Table(table_name, client)
    requests = requests or RequestRepository(table)
    return Pool(
        table=table,
        requests=requests,
        catalogue=CatalogueRepository(table),
        due=DueIndex(requests),
        routing=RoutingRepository(requests),
        conversations=ConversationRepository(table),
        outbound=OutboundRepository(table),
    )
