"""Who hears what, on which channel, in what words, and when: the notifier's tables, cell by cell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civicdesk.notify import plan
from civicdesk.notify.plan import Recipient, Via
from civicdesk.notify.stages import Stage
from civicdesk.requests.models import (
    Channel,
    Contact,
    EntryType,
    Kind,
    Language,
    ServiceRequest,
    Status,
    TimelineEntry,
)
from tests.support import PROFILE, SHIPPED

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 12:00 in Istanbul
HOUR = timedelta(hours=1)


def request(channel: Channel = Channel.WEB, **changes: object) -> ServiceRequest:
    base = ServiceRequest(
        code="7KPM4YP2T", kind=Kind.REQUEST, channel=channel, category="veterinary",
        department="veterinary_affairs", neighbourhood="erzene", description="Yaralı köpek", location=None,
        language=Language.TR, status=Status.ROUTED, created_at=T0, updated_at=T0, due_at=T0 + 4 * HOUR,
    )  # fmt: skip
    return base.model_copy(update=changes)


STAGES = [  # (entry type, status, facts) -> the stage the citizen hears of, or None
    (EntryType.RECEIVED, Status.RECEIVED, {}, Stage.RECEIVED),
    (EntryType.STATUS_CHANGED, Status.ROUTED, {}, Stage.ROUTED),
    (EntryType.STATUS_CHANGED, Status.TRIAGE, {}, None),  # routing's business, not the citizen's
    (EntryType.TRANSFERRED, Status.ROUTED, {}, Stage.TRANSFERRED),
    (EntryType.PUBLIC_REPLY, None, {}, Stage.ANSWERED),
    (EntryType.INTERNAL_NOTE, None, {}, None),
    (EntryType.STATUS_CHANGED, Status.IN_PROGRESS, {}, Stage.IN_PROGRESS),
    (EntryType.STATUS_CHANGED, Status.RESOLVED, {}, Stage.RESOLVED),
    (EntryType.STATUS_CHANGED, Status.REJECTED, {"reason": "invalid"}, Stage.REJECTED),
    (EntryType.STATUS_CHANGED, Status.REJECTED, {"reason": "not_ours"}, Stage.REFERRED),
    (EntryType.STATUS_CHANGED, Status.REJECTED, {"reason": "duplicate"}, Stage.DUPLICATE),
    (EntryType.STATUS_CHANGED, Status.REOPENED, {}, Stage.REOPENED),
    (EntryType.OVERDUE, Status.ROUTED, {"deadline": "first_response"}, Stage.OVERDUE),
    (EntryType.OVERDUE, Status.IN_PROGRESS, {"deadline": "resolution"}, None),  # staff's, not an apology
    (EntryType.DUE_SOON, Status.ROUTED, {}, None),
    (EntryType.TRANSFER_ASKED, None, {}, None),
    (EntryType.SURVEY_ANSWERED, None, {"solved": "no"}, None),
    (EntryType.NOTIFICATION_SENT, None, {}, None),
    (EntryType.NOTIFICATION_FAILED, None, {}, None),
    (EntryType.INBOUND_MESSAGE, None, {}, None),
    (EntryType.REFERRAL, None, {"step": "filed"}, None),  # the referral itself was told already
    (EntryType.REFERRAL, None, {"step": "update", "state": "open"}, None),  # not each step of theirs
    (EntryType.REFERRAL, None, {"step": "update", "state": "closed"}, Stage.REFERRAL_CLOSED),
]


@pytest.mark.parametrize(("entry_type", "status", "facts", "stage"), STAGES)
def test_every_entry_the_citizen_is_told_about_and_none_other(
    entry_type: EntryType, status: Status | None, facts: dict[str, str], stage: Stage | None
) -> None:
    assert plan.stage_of("any", entry_type, status, facts) is stage


def test_every_entry_type_is_decided_above() -> None:
    assert {case[0] for case in STAGES} == set(EntryType)


PHONE = "+905321112233"
MAIL = "ayse@example.org"


@pytest.mark.parametrize(
    ("channel", "contact", "stage", "expected"),
    [
        (Channel.WEB, None, Stage.ROUTED, None),  # no contact left: follows the code on the web
        (Channel.WEB, Contact(phone=PHONE), Stage.ROUTED, Recipient(Via.SMS, PHONE)),
        (Channel.WEB, Contact(email=MAIL), Stage.ROUTED, Recipient(Via.EMAIL, MAIL)),
        (Channel.WEB, Contact(phone=PHONE, email=MAIL), Stage.ROUTED, Recipient(Via.EMAIL, MAIL)),  # cheaper
        (Channel.WEB, Contact(name="Ayşe"), Stage.ROUTED, None),  # a name is not a way to reach anyone
        (Channel.CALL_CENTER, Contact(phone=PHONE), Stage.RECEIVED, Recipient(Via.SMS, PHONE)),
        (Channel.CALL_CENTER, Contact(phone=PHONE, notify=False), Stage.RESOLVED, None),  # declined
        (Channel.WALK_IN, Contact(phone=PHONE), Stage.RESOLVED, Recipient(Via.SMS, PHONE)),
        (Channel.WHATSAPP, Contact(phone=PHONE, whatsapp_id="905321112233"), Stage.ROUTED,
         Recipient(Via.WHATSAPP, "905321112233")),
        (Channel.WHATSAPP, Contact(phone=PHONE, whatsapp_id="905321112233"), Stage.RECEIVED, None),  # had it
    ],
)  # fmt: skip
def test_the_citizen_hears_on_their_channel_or_not_at_all(
    channel: Channel, contact: Contact | None, stage: Stage, expected: Recipient | None
) -> None:
    assert plan.channel_for(request(channel), contact, stage) == expected


def test_every_stage_has_words_in_both_languages_with_the_code_and_the_link() -> None:
    for stage in Stage:
        for language in Language:
            message = plan.compose(
                stage,
                request(language=language, duplicate_of="AAABBBCCC", referred_to="İZSU"),
                PROFILE,
                SHIPPED,
                entry_text="Ekibimiz yolda.",
                public_url="https://talep.example/",
            )
            assert "7KP-M4Y-P2T" in message.text, (stage, language)
            assert "https://talep.example/?code=7KP-M4Y-P2T" in message.text, (stage, language)
            assert "{" not in message.text, (stage, language)


def test_a_reply_is_sent_word_for_word_and_a_referral_names_where_to_turn() -> None:
    answered = plan.compose(
        Stage.ANSWERED, request(), PROFILE, SHIPPED, entry_text="Ekip yolda.", public_url="u"
    )
    assert "Ekip yolda." in answered.text
    referred = plan.compose(
        Stage.REFERRED, request(referred_to="İZSU"), PROFILE, SHIPPED, entry_text=None, public_url="u"
    )
    assert "İZSU" in referred.text
    english = plan.compose(
        Stage.ROUTED, request(language=Language.EN), PROFILE, SHIPPED, entry_text=None, public_url="u"
    )
    assert "Veterinary Affairs" in english.text
    assert english.text.startswith("Bornova Municipality")


def test_a_request_merged_into_one_resolved_before_the_merge_hears_so_with_the_resolutions_words() -> None:
    # Given an original resolved at T0 with a public text (after an earlier, older resolution)
    said = [
        TimelineEntry(code="AAABBBCCC", at=T0 - 5 * HOUR, type=EntryType.STATUS_CHANGED, public=True,
                      status=Status.RESOLVED, text="Geçici onarım yapıldı."),
        TimelineEntry(code="AAABBBCCC", at=T0 - HOUR, type=EntryType.INTERNAL_NOTE, public=False,
                      note="Lamba siparişi verildi."),
        TimelineEntry(code="AAABBBCCC", at=T0, type=EntryType.STATUS_CHANGED, public=True,
                      status=Status.RESOLVED, text="Lamba değiştirildi."),
    ]  # fmt: skip
    resolved = request(code="AAABBBCCC", status=Status.RESOLVED)
    # When a request is merged into it after the resolution / Then its citizen hears that it is resolved, how
    assert plan.merged_stage(resolved, said, T0 + HOUR) == (Stage.ORIGINAL_RESOLVED, "Lamba değiştirildi.")
    # When the merge came before it (its `LINK#` item brings `original_resolved` then) / Then `duplicate`
    assert plan.merged_stage(resolved, said[2:], T0 - HOUR) == (Stage.DUPLICATE, None)
    # When the original is still open, or gone / Then the usual `duplicate`
    assert plan.merged_stage(request(code="AAABBBCCC"), said, T0 + HOUR) == (Stage.DUPLICATE, None)
    assert plan.merged_stage(None, [], T0 + HOUR) == (Stage.DUPLICATE, None)


@pytest.mark.parametrize(
    ("istanbul_hour", "stage", "held_until_hour"),
    [
        (12, Stage.RESOLVED, None),  # day time: at once
        (23, Stage.RESOLVED, 8),  # quiet hours: the next morning
        (3, Stage.IN_PROGRESS, 8),  # after midnight: this morning
        (23, Stage.RECEIVED, None),  # urgent: the acknowledgement goes at once
        (8, Stage.ROUTED, None),  # quiet hours are over at 08:00
        (7, Stage.OVERDUE, 8),
    ],
)
def test_quiet_hours_hold_what_is_not_urgent_until_the_morning(
    istanbul_hour: int, stage: Stage, held_until_hour: int | None
) -> None:
    moment = datetime(2026, 11, 30, istanbul_hour, 30, tzinfo=PROFILE.zone)
    release = plan.release_time(moment, stage, PROFILE)
    if held_until_hour is None:
        assert release is None
    else:
        assert release is not None
        assert (release.hour, release.minute) == (held_until_hour, 0)
        assert release > moment
        assert release - moment < timedelta(hours=10)


def test_an_sms_is_short_and_in_the_gsm_alphabet_so_it_costs_one_part() -> None:
    from bench.notify import sms_parts

    for stage in Stage:
        for language in Language:
            sms = plan.compose(
                stage,
                request(language=language, duplicate_of="AAABBBCCC", referred_to="İZSU"),
                PROFILE,
                SHIPPED,
                entry_text=None,
                public_url="https://talep.bornova.bel.tr/",
                via=Via.SMS,
            )
            assert sms_parts(sms.text) == 1, (stage, language, sms.text)
            assert "7KP-M4Y-P2T" in sms.text
            assert not set("ıİşŞğĞç") & set(sms.text)
