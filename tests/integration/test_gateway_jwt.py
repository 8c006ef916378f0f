"""The local gateway checks a JWT authorizer's tokens as API Gateway would (for staff routes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import jwt
import pytest
from moto.server import ThreadedMotoServer

from local.gateway import Jwt
from local.stack import free_port


@pytest.fixture(scope="module")
def cognito() -> Iterator[dict[str, Any]]:
    """A user pool in a moto server (the JWKS is fetched over HTTP, as the gateway does)."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        idp = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="eu-central-1")
        pool = idp.create_user_pool(PoolName="staff")["UserPool"]["Id"]
        client = idp.create_user_pool_client(
            UserPoolId=pool, ClientName="admin", ExplicitAuthFlows=["ADMIN_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool, Username="ayse")
        idp.admin_set_user_password(
            UserPoolId=pool, Username="ayse", Password="Dogru-Sifre-2026", Permanent=True
        )
        tokens = idp.admin_initiate_auth(
            UserPoolId=pool,
            ClientId=client,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ayse", "PASSWORD": "Dogru-Sifre-2026"},
        )["AuthenticationResult"]
        yield {
            "issuer": f"https://cognito-idp.eu-central-1.amazonaws.com/{pool}",
            "jwks": f"{endpoint}/{pool}/.well-known/jwks.json",
            "client": client,
            "id_token": tokens["IdToken"],
            "access_token": tokens["AccessToken"],
        }
    finally:
        server.stop()


def authorizer(cognito: dict[str, Any], audience: str | None = None) -> Jwt:
    return Jwt(issuer=cognito["issuer"], audiences=(audience or cognito["client"],), jwks_url=cognito["jwks"])


@pytest.mark.parametrize("token", ["id_token", "access_token"])
def test_a_pool_token_for_this_client_is_accepted(cognito: dict[str, Any], token: str) -> None:
    claims = authorizer(cognito).claims(f"Bearer {cognito[token]}")
    assert claims["iss"] == cognito["issuer"]


def test_a_token_for_another_client_is_refused(cognito: dict[str, Any]) -> None:
    with pytest.raises(PermissionError, match="not for this API"):
        authorizer(cognito, audience="another-client").claims(f"Bearer {cognito['id_token']}")


def test_a_missing_or_tampered_token_is_refused(cognito: dict[str, Any]) -> None:
    with pytest.raises(PermissionError, match="missing"):
        authorizer(cognito).claims(None)
    header, payload, signature = cognito["id_token"].split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    with pytest.raises(jwt.PyJWTError):
        authorizer(cognito).claims(f"Bearer {forged}")


def test_a_token_from_another_issuer_is_refused(cognito: dict[str, Any]) -> None:
    wrong = Jwt(issuer="https://cognito-idp.eu-central-1.amazonaws.com/other", audiences=(cognito["client"],),
                jwks_url=cognito["jwks"])  # fmt: skip
    with pytest.raises(jwt.InvalidIssuerError):
        wrong.claims(f"Bearer {cognito['id_token']}")
