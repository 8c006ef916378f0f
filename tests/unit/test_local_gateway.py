"""`make run` on a developer's laptop: the local gateway serves its own pages only, to its own pages only."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from werkzeug.test import Client, EnvironBuilder, TestResponse, run_wsgi_app

import local.__main__ as entry
from local.gateway import MAX_PAYLOAD_BYTES, ApiDefinition, Cors, Gateway, Route, is_loopback
from local.simulator import Simulator
from local.whatsapp_fake import FakeCloudApi

PORT = 8123
HOME = f"127.0.0.1:{PORT}"
LISTED = "http://localhost:8000"  # an origin the API's CORS configuration names


class Recorder:
    """A function behind the gateway that remembers what reached it."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 201, "headers": {"Content-Type": "application/json"}, "body": "{}"}


@pytest.fixture
def intake() -> Recorder:
    return Recorder()


@pytest.fixture
def simulator() -> Simulator:
    simulator = Simulator(FakeCloudApi())
    simulator.gateway_url = "http://127.0.0.1:9"  # nothing listens: a webhook call would fail loudly
    return simulator


@pytest.fixture
def gateway(intake: Recorder, simulator: Simulator) -> Gateway:
    api = ApiDefinition(
        routes=[Route("POST /requests", "intake"), Route("GET /catalog", "intake")],
        cors=Cors(origins=(LISTED,), methods=("GET", "POST"), headers=("content-type",)),
    )
    gateway = Gateway(api, {"intake": intake}, local_pages=simulator)
    gateway.serve_at("127.0.0.1", PORT)
    return gateway


@pytest.fixture
def client(gateway: Gateway) -> Client:
    return Client(gateway)


def post(client: Client, path: str, body: bytes = b"{}", **headers: str) -> TestResponse:
    return client.post(
        path,
        data=body,
        headers={"Host": HOME, "Content-Type": "application/json", **headers},
    )


def error_of(answer: TestResponse) -> str:
    assert answer.headers["Content-Type"] == "application/json"
    return str(json.loads(answer.get_data())["error"])


@pytest.mark.parametrize("host", ["127.0.0.1:8123", "localhost:8123", "LOCALHOST:8123"])
def test_the_gateway_answers_to_its_own_loopback_names(client: Client, intake: Recorder, host: str) -> None:
    assert post(client, "/requests", Host=host).status_code == 201
    assert len(intake.events) == 1


@pytest.mark.parametrize(
    "host", ["evil.example:8123", "127.0.0.1:8000", "127.0.0.1", "localhost.evil.example"]
)
def test_a_request_for_another_name_is_refused_dns_rebinding(
    client: Client, intake: Recorder, host: str
) -> None:
    # Given a page whose name was re-bound to 127.0.0.1 (the browser still sends its own name)
    for answer in (post(client, "/requests", Host=host), client.get("/catalog", headers={"Host": host})):
        # Then nothing is served, not even a read
        assert answer.status_code == 403
        assert error_of(answer) == "unknown_host"
    assert intake.events == []


@pytest.mark.parametrize("origin", ["https://evil.example", "null", f"http://{HOME}.evil.example", "*"])
def test_a_post_from_another_site_is_refused(client: Client, intake: Recorder, origin: str) -> None:
    answer = post(client, "/requests", Origin=origin)
    assert answer.status_code == 403
    assert error_of(answer) == "cross_origin"
    assert intake.events == []


@pytest.mark.parametrize("origin", [f"http://{HOME}", LISTED])
def test_the_page_itself_and_the_configured_origin_may_post(
    client: Client, intake: Recorder, origin: str
) -> None:
    assert post(client, "/requests", Origin=origin).status_code == 201


def test_another_site_may_still_read_what_cors_lets_it_read(client: Client) -> None:
    answer = client.get("/catalog", headers={"Host": HOME, "Origin": "https://evil.example"})
    assert answer.status_code == 201
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_the_simulator_signs_nothing_for_another_site(client: Client, simulator: Simulator) -> None:
    # Given a foreign page posting to the simulator, which signs what it gets with the app secret
    body = json.dumps({"kind": "text", "text": "merhaba"}).encode()
    # When it posts as a cross-site form would, or with a foreign Origin
    as_text = post(client, "/simulator/whatsapp/send", body, **{"Content-Type": "text/plain"})
    foreign = post(client, "/simulator/whatsapp/send", body, Origin="https://evil.example")
    # Then both are refused before anything is signed or sent
    assert (as_text.status_code, error_of(as_text)) == (415, "unsupported_media_type")
    assert (foreign.status_code, error_of(foreign)) == (403, "cross_origin")


def test_a_body_over_api_gateways_10_mb_is_refused_in_our_shape(
    gateway: Gateway, client: Client, intake: Recorder
) -> None:
    # Given bodies just over the HTTP API's payload limit, with a length and streamed without one
    big = b"x" * (MAX_PAYLOAD_BYTES + 1)
    declared = post(client, "/requests", big)
    streamed = EnvironBuilder("/requests", method="POST", headers=[("Host", HOME)]).get_environ()
    streamed.update(
        {
            "CONTENT_TYPE": "application/json",
            "HTTP_TRANSFER_ENCODING": "chunked",  # no Content-Length: the server de-chunks as it reads
            "wsgi.input": io.BytesIO(big),
            "wsgi.input_terminated": True,
        }
    )
    streamed.pop("CONTENT_LENGTH", None)
    body, status, headers = run_wsgi_app(gateway, streamed, buffered=True)  # as the server calls it
    # Then both are 413 in our error shape, and the function never saw them
    assert (declared.status_code, error_of(declared)) == (413, "body_too_large")
    assert (status, headers["Content-Type"]) == ("413 REQUEST ENTITY TOO LARGE", "application/json")
    assert json.loads(b"".join(body))["error"] == "body_too_large"
    assert intake.events == []
    # And a body at the limit passes
    assert post(client, "/requests", b"x" * MAX_PAYLOAD_BYTES).status_code == 201


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),  # noqa: S104
     ("192.168.1.5", False)],
)  # fmt: skip
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_non_loopback_host_is_refused_without_expose(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given nothing may start
    monkeypatch.setattr(entry, "synthesize", _must_not_start)
    # When the stack is asked to listen on every address without --expose
    status = entry.main(["--host", "0.0.0.0"])  # noqa: S104 - the refusal under test
    # Then it refuses, and says why and how
    assert status == 2
    said = capsys.readouterr().err
    assert "--expose" in said
    assert "emulator" in said


def test_expose_warns_that_the_aws_emulator_is_exposed_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entry, "synthesize", _must_not_start)
    with pytest.raises(_Started):
        entry.main(["--host", "0.0.0.0", "--expose"])  # noqa: S104 - the warning under test
    said = capsys.readouterr().err
    assert "WARNING" in said
    assert "AWS emulator" in said


class _Started(Exception):
    pass


def _must_not_start(*args: Any, **kwargs: Any) -> Any:
    raise _Started
