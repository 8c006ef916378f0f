"""The catalogue in the pool: one partition (`CATALOG`), one Query reads it all.

Loaded into the table at deploy time, insert-if-absent; from then on the table is the truth (an
admin edits it there) and handlers read it through `CachedCatalogue`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from civicdesk import layout
from civicdesk.catalogue.model import Catalogue, Category, Department, Neighbourhood, ResponseTemplate
from civicdesk.core.dynamo import Item, Table, serialize


def catalogue_items(catalogue: Catalogue) -> Iterator[Item]:
    """The editable part of the catalogue as items under one partition."""
    pk = layout.CATALOGUE_PK
    yield {
        layout.PK: pk,
        layout.SK: layout.SETTINGS_SK,
        "version": catalogue.version,
        "default_first_response_hours": catalogue.default_first_response_hours,
    }
    for dept in catalogue.departments:
        yield {layout.PK: pk, layout.SK: layout.department_sk(dept.code), **dept.model_dump()}
    for cat in catalogue.categories:
        yield {layout.PK: pk, layout.SK: layout.category_sk(cat.code), **cat.model_dump()}
    for nbh in catalogue.neighbourhoods:
        yield {layout.PK: pk, layout.SK: layout.neighbourhood_sk(nbh.code), **nbh.model_dump()}


def catalogue_from_items(items: Iterable[Mapping[str, Any]], fixed: Catalogue) -> Catalogue:
    """Rebuild the catalogue from its items; kinds and channels are fixed vocabularies from `fixed`."""
    settings: Mapping[str, Any] = {}
    departments, categories, neighbourhoods = [], [], []
    for item in items:
        body = {k: v for k, v in item.items() if k not in (layout.PK, layout.SK)}
        sk = item[layout.SK]
        if sk == layout.SETTINGS_SK:
            settings = body
        elif sk.startswith(layout.DEPARTMENT_PREFIX):
            departments.append(Department.model_validate(body))
        elif sk.startswith(layout.CATEGORY_PREFIX):
            categories.append(Category.model_validate(body))
        elif sk.startswith(layout.NEIGHBOURHOOD_PREFIX):
            neighbourhoods.append(Neighbourhood.model_validate(body))
    return Catalogue(
        version=settings.get("version", fixed.version),
        default_first_response_hours=settings.get(
            "default_first_response_hours", fixed.default_first_response_hours
        ),
        departments=tuple(departments),
        categories=tuple(sorted(categories, key=lambda c: (c.position, c.code))),
        neighbourhoods=tuple(sorted(neighbourhoods, key=lambda n: n.name)),
        kinds=fixed.kinds,
        channels=fixed.channels,
    )


class CatalogueRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def load(self, fixed: Catalogue) -> Catalogue:
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=serialize({":pk": layout.CATALOGUE_PK}),
        )
        return catalogue_from_items(items, fixed)

    def seed(self, catalogue: Catalogue, templates: Iterable[ResponseTemplate] = ()) -> int:
        """Insert each catalogue item (and response template) that is absent; never overwrite what an
        admin edited. Returns the inserts."""
        condition = f"attribute_not_exists({layout.PK})"
        template_items = (template_item(t) for t in templates)
        return sum(self.table.put(item, condition) for item in (*catalogue_items(catalogue), *template_items))


def template_item(template: ResponseTemplate) -> Item:
    return {
        layout.PK: layout.CATALOGUE_PK,
        layout.SK: layout.template_sk(template.id),
        layout.ITEM_TYPE: "template",
        **template.model_dump(mode="json"),
    }
