"""The origin-verify rule: only requests CloudFront forwarded (with the secret header) reach the API."""

from __future__ import annotations

import pytest

from civicdesk.core import origin

SECRET = "s3cr3t-value-from-secrets-manager"


def test_the_header_cloudfront_sends_is_let_in() -> None:
    # Given the secret / When CloudFront's header carries it / Then the request may pass
    assert origin.verified(SECRET, SECRET) is True


@pytest.mark.parametrize("presented", [None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper()])
def test_anything_else_is_refused(presented: str | None) -> None:
    # Given a direct call to the execute-api URL / When the header is missing or wrong / Then refused
    assert origin.verified(presented, SECRET) is False


def test_an_empty_secret_admits_nobody() -> None:
    # Given a secret that was never filled / When a caller also sends an empty header / Then refused
    assert origin.verified("", "") is False
