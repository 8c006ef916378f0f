"""GeoReport v2's answers, field for field as the specification lists them, in JSON and XML.

JSON answers are lists of objects (a service definition and the discovery document are one object);
the same models render as XML under the specification's element names (`<services><service>`,
`<service_requests><request>`, `<errors><error>`). Absent values are left out, never sent empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Literal
from xml.etree import ElementTree as Xml

from pydantic import BaseModel, ConfigDict, Field

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"


class Format(StrEnum):
    JSON = "json"
    XML = "xml"

    @property
    def content_type(self) -> str:
        return JSON_TYPE if self is Format.JSON else XML_TYPE


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ErrorOut(_Out):
    code: int = Field(description="the HTTP status this error makes the answer")
    description: str


class Service(_Out):
    service_code: str
    service_name: str
    description: str
    metadata: bool = Field(description="true: `GET services/{code}` lists attributes to send")
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    keywords: str = Field(description="comma-separated")
    group: str = Field(description="the department that handles it")


class AttributeValue(_Out):
    key: str
    name: str


class Attribute(_Out):
    variable: bool = True
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None = None
    order: int
    description: str
    values: list[AttributeValue] = Field(default_factory=list)


class ServiceDefinition(_Out):
    service_code: str
    attributes: list[Attribute]


class RequestOut(_Out):
    """One request as Open311 shows it: never a name, phone or e-mail; rounded coordinates."""

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None = None
    service_name: str | None = None
    service_code: str | None = None
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None


class Created(_Out):
    service_request_id: str
    service_notice: str
    account_id: str | None = None


class UpdateOut(_Out):
    update_id: str
    service_request_id: str
    status: str = Field(description="an extended status: IN_PROGRESS, FIXED, DUPLICATE, ...")
    updated_datetime: str
    description: str
    media_url: str | None = None


class Endpoint(_Out):
    specification: str
    url: str
    changeset: str
    type: Literal["production", "test"]
    formats: list[str]


class Discovery(_Out):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


ROOTS: dict[type[BaseModel], tuple[str, str]] = {
    Service: ("services", "service"),
    RequestOut: ("service_requests", "request"),
    Created: ("service_requests", "request"),
    UpdateOut: ("service_request_updates", "request_update"),
    ErrorOut: ("errors", "error"),
}
"""The XML root and item element of each list answer (GeoReport v2; updates as FixMyStreet reads them)."""
SINGLE: dict[type[BaseModel], str] = {ServiceDefinition: "service_definition", Discovery: "discovery"}


def render(answer: BaseModel | Sequence[BaseModel], fmt: Format, model: type[BaseModel]) -> str:
    """The answer as the format's text: a list (or one object) of `model`."""
    if fmt is Format.JSON:
        if isinstance(answer, BaseModel):
            return answer.model_dump_json(exclude_none=True)
        return "[" + ",".join(a.model_dump_json(exclude_none=True) for a in answer) + "]"
    if isinstance(answer, BaseModel):
        root = _element(SINGLE[model], answer.model_dump(mode="json", exclude_none=True))
    else:
        root_tag, item_tag = ROOTS[model]
        root = Xml.Element(root_tag)
        for item in answer:
            root.append(_element(item_tag, item.model_dump(mode="json", exclude_none=True)))
    return '<?xml version="1.0" encoding="utf-8"?>' + Xml.tostring(root, encoding="unicode")


def _element(tag: str, value: object) -> Xml.Element:
    """A value as an element: objects by field, lists as repeated singular children (`formats/format`)."""
    element = Xml.Element(tag)
    if isinstance(value, dict):
        for name, inner in value.items():
            element.append(_element(name, inner))
    elif isinstance(value, list):
        singular = tag.removesuffix("s")
        for inner in value:
            element.append(_element(singular, inner))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)
    return element
