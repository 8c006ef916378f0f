"""Escalations and digests for staff: every missed deadline to the supervisors at once, and by e-mail
each morning a department's new and due-soon requests, and the supervisors' overdue summary.

Staff messages carry codes, categories, departments and deadlines — never a citizen's words or
contact. Recipients are the user pool's members of a role (and department), read when sending.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from civicdesk.catalogue.model import Catalogue
from civicdesk.core.aws import AwsClient, AwsGateway
from civicdesk.profile.model import Profile
from civicdesk.requests import codes
from civicdesk.requests.models import ServiceRequest
from civicdesk.staff.identity import DEPARTMENTS_CLAIM, Role

DIGEST_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Member:
    email: str
    departments: frozenset[str]


class StaffDirectory(AwsGateway):
    """Who to write to: the user pool's enabled members of a group, with their departments."""

    service = "cognito-idp"

    def __init__(self, user_pool_id: str, client: AwsClient | None = None) -> None:
        super().__init__(client)
        self.user_pool_id = user_pool_id

    def members(self, role: Role) -> list[Member]:
        found: list[Member] = []
        paginator = self.client.get_paginator("list_users_in_group")
        for page in paginator.paginate(UserPoolId=self.user_pool_id, GroupName=role.value):
            for user in page["Users"]:
                if not user.get("Enabled", True):
                    continue
                attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                if "email" in attributes:
                    departments = attributes.get(DEPARTMENTS_CLAIM, "")
                    found.append(
                        Member(
                            attributes["email"],
                            frozenset(d.strip() for d in departments.split(",") if d.strip()),
                        )
                    )
        return found


class AlertTopic(AwsGateway):
    """The supervisors' SNS topic: their phones and mailboxes subscribe to it."""

    service = "sns"

    def __init__(self, topic_arn: str, client: AwsClient | None = None) -> None:
        super().__init__(client)
        self.topic_arn = topic_arn

    def publish(self, subject: str, text: str) -> str:
        return str(
            self.client.publish(TopicArn=self.topic_arn, Subject=subject[:100], Message=text)["MessageId"]
        )


def overdue_alert(
    code: str, facts: dict[str, str], catalogue: Catalogue, profile: Profile
) -> tuple[str, str]:
    """(subject, text) of a missed deadline, in Turkish for the municipality's staff, with English."""
    shown = codes.display(code)
    department = catalogue.department(facts.get("department", "")) if facts.get("department") else None
    where = department.name.tr if department else "yönlendirilmemiş / not routed"
    resolution = facts.get("deadline") == "resolution"
    kind, english = ("çözüm", "resolution") if resolution else ("ilk yanıt", "first-response")
    due = facts.get("due_at", "")
    if due:
        due = (
            datetime.fromisoformat(due.replace("Z", "+00:00"))
            .astimezone(profile.zone)
            .strftime("%d.%m.%Y %H:%M")
        )
    subject = f"Süre aşıldı / Overdue: {shown}"
    text = (
        f"{shown} kodlu talebin {kind} süresi aşıldı (son an {due}). Birim: {where}. "
        f"Kategori: {facts.get('category', '-')}.\n"
        f"Request {shown} missed its {english} deadline ({due})."
    )
    return subject, text


def department_digest(
    department_name: str, new: Sequence[ServiceRequest], due_soon: Sequence[ServiceRequest], profile: Profile
) -> tuple[str, str]:
    """(subject, text) of a department's morning e-mail: what arrived, and what is about to be late."""

    def line(request: ServiceRequest) -> str:
        due = request.due_at.astimezone(profile.zone).strftime("%d.%m %H:%M")
        return f"  {codes.display(request.code)}  {request.category or '-'}  son an / due {due}"

    parts = [
        f"{department_name} — günlük özet / daily digest",
        "",
        f"Yeni talepler (son 24 saat) / New requests (last 24 h): {len(new)}",
        *[line(r) for r in new],
        "",
        f"Süresi yaklaşanlar / Due soon: {len(due_soon)}",
        *[line(r) for r in due_soon],
    ]
    return f"{department_name}: {len(new)} yeni, {len(due_soon)} süresi yaklaşan", "\n".join(parts)


def overdue_summary(overdue: Iterable[ServiceRequest], profile: Profile) -> tuple[str, str]:
    items = list(overdue)
    lines = [
        f"  {codes.display(r.code)}  {r.department or '-'}  {r.category or '-'}  "
        f"son an / due {r.due_at.astimezone(profile.zone).strftime('%d.%m %H:%M')}"
        for r in items
    ]
    text = "\n".join(
        [f"Süresi aşılmış açık talepler / Open requests past their deadline: {len(items)}", "", *lines]
    )
    return f"Süre aşımı özeti: {len(items)} talep", text
