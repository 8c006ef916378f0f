"""The whole system on one machine: emulator, resources from the template, gateway, timer.

Everything binds to loopback (unless `python -m local --expose` says otherwise) and every AWS client
in the process points at the emulator (`AWS_ENDPOINT_URL`), so nothing leaves the machine.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import boto3
from moto.server import ThreadedMotoServer
from werkzeug.serving import BaseWSGIServer, make_server

from civicdesk.catalogue.repository import CatalogueRepository
from civicdesk.core.clock import utc_now
from civicdesk.core.dynamo import Table
from civicdesk.core.settings import DEFAULT_PROFILE
from civicdesk.profile import model as profiles
from civicdesk.profile.public import web_config
from local.cloud import REGION, LocalResources, Resolver, create_from_template, custom_resources
from local.gateway import Gateway, read_api
from local.lambdas import Batching, bridged
from local.opendata import publish_sample_week
from local.outbox import Outbox
from local.sample import Loaded, load_sample
from local.simulator import Simulator
from local.staff_demo import create_demo_users, issue_demo_open311_key, seed_demo_field_survey, staff_config
from local.tables import lean_tables
from local.template import Template, load
from local.timer import Timer
from local.whatsapp_fake import FakeCloudApi, secret_id, use_local_credentials

ROOT = Path(__file__).resolve().parent.parent
SYNTH_DIR = ROOT / "build" / "local-cdk.out"
STACK = "CivicDesk-Dev"
SYNTH_INPUTS = ("infra", "functions", "layers/core", "cdk.json")
CATALOGUE_RESOURCE = "Custom::CatalogueSeed"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _newest_input() -> float:
    newest = 0.0
    for name in SYNTH_INPUTS:
        path = ROOT / name
        files = [path] if path.is_file() else (p for p in path.rglob("*") if "__pycache__" not in p.parts)
        newest = max([newest, *(p.stat().st_mtime for p in files if p.is_file())])
    return newest


def synthesize(force: bool = False, profile: str = DEFAULT_PROFILE) -> tuple[Path, bool]:
    """The dev template for `profile`, synthesized in a child process (the CDK's jsii runtime does not
    stay resident); reused while no input changed since. Returns (path, whether it was cached)."""
    outdir = SYNTH_DIR / profile
    template = outdir / f"{STACK}.template.json"
    if not force and template.exists() and template.stat().st_mtime > _newest_input():
        return template, True
    environment = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps({"profile": profile}),
        "CDK_DISABLE_VERSION_CHECK": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    subprocess.run([sys.executable, "-m", "infra.app"], check=True, cwd=ROOT, env=environment)
    return template, False


def point_clients_at(endpoint: str) -> None:
    """Every boto3 client made from now on talks to the emulator, with dummy credentials."""
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - the emulator's dummy credentials
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
    )
    for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(variable, None)


def enable_state_machine_execution(endpoint: str) -> None:
    body = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
    request = Request(f"{endpoint}/moto-api/config", data=body, method="POST")  # noqa: S310 - loopback
    request.add_header("Content-Type", "application/json")
    with urlopen(request, timeout=5):  # noqa: S310 - loopback emulator
        pass


@dataclass
class Running:
    url: str
    emulator_url: str
    resources: LocalResources
    timer: Timer
    server: BaseWSGIServer
    whatsapp: FakeCloudApi | None = None
    sample: Loaded | None = None
    profile: str = DEFAULT_PROFILE
    opendata: Path | None = None
    """Where start-up copied the open-data files of the sample's last week."""

    def ready_info(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "emulator": self.emulator_url,
            "tables": self.resources.tables,
            "functions": {f.logical_id: f.name for f in self.resources.functions.values()},
            "whatsapp_api": self.whatsapp.root if self.whatsapp else None,
            "profile": self.profile,
            "sample": asdict(self.sample) if self.sample else None,
            "opendata": str(self.opendata) if self.opendata else None,
        }


def invoke(function: str, event: dict[str, Any]) -> Any:
    """Invoke a function through the emulator's Lambda API (and so through the bridge)."""
    answer = boto3.client("lambda").invoke(FunctionName=function, Payload=json.dumps(event).encode())
    payload = json.loads(answer["Payload"].read() or b"null")
    if answer.get("FunctionError"):
        raise RuntimeError(f"{function} failed: {payload}")
    return payload


def run_custom_resources(template: Template, resources: LocalResources, resolve: Resolver) -> None:
    """What CloudFormation does at deploy time: the catalogue seed's Create."""
    for logical_id, props in custom_resources(template, CATALOGUE_RESOURCE):
        provider = _provider_target(template, props["ServiceToken"]["Fn::GetAtt"][0])
        event = {
            "RequestType": "Create",
            "LogicalResourceId": logical_id,
            "ResourceType": CATALOGUE_RESOURCE,
            "ResourceProperties": resolve({k: v for k, v in props.items() if k != "ServiceToken"}),
        }
        invoke(resources.refs[provider], event)


def _provider_target(template: Template, framework_function: str) -> str:
    """Our on-event function behind a CDK custom resource provider (the framework names it in env)."""
    variables = template["Resources"][framework_function]["Properties"]["Environment"]["Variables"]
    return str(variables["USER_ON_EVENT_FUNCTION_ARN"]["Fn::GetAtt"][0])


@contextmanager
def running(
    template_path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    sample: int | None = 0,
    speedup: float = 1.0,
    verbose: bool = False,
) -> Iterator[Running]:
    """Start everything; stop everything on exit. `sample`: requests over the last 30 days (0: none),
    or None for the profile's whole year (~50,000 for Bornova; see local/sample.py)."""
    template = load(template_path)
    emulator_port = free_port(host)
    emulator_url = f"http://{host}:{emulator_port}"
    os.environ["MOTO_PORT"] = str(emulator_port)  # Step Functions calls back to the emulator here
    point_clients_at(emulator_url)
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")  # no X-Ray daemon on this machine
    # The emulator checks TOTP codes (against its one fixed secret) as Cognito does, instead of any code
    os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")

    if not verbose:  # the emulator and the gateway would log every request
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)
    with ExitStack() as stack:
        stack.enter_context(lean_tables())  # a year of sample data stays quick to read and write
        emulator = ThreadedMotoServer(ip_address=host, port=emulator_port, verbose=False)
        emulator.start()
        stack.callback(emulator.stop)
        enable_state_machine_execution(emulator_url)

        resources = create_from_template(template)
        os.environ.update(resources.environment())
        profile = profiles.load(resources.environment().get("PROFILE", DEFAULT_PROFILE))
        # WhatsApp: the Cloud API is a fake on loopback, and the secret holds known local values
        whatsapp = stack.enter_context(FakeCloudApi(host=host).running())
        secret = secret_id(resources.environment())
        if secret:
            use_local_credentials(secret)
        os.environ.update(
            WHATSAPP_API_BASE=whatsapp.base_url,
            WHATSAPP_PRIVACY_URL=f"http://{host}:{port}/",
            PUBLIC_URL=f"http://{host}:{port}/",  # links in citizens' messages: the local page
            WHATSAPP_RETRY_BASE_SECONDS="0.1",
        )
        if not verbose:  # handlers log JSON lines; keep the console readable unless asked
            os.environ.update(POWERTOOLS_LOG_LEVEL="WARNING", POWERTOOLS_METRICS_DISABLED="true")
        handlers = resources.handlers()
        timeouts = {f.name: f.timeout for f in resources.functions.values()}
        # a stream batch is what is waiting when the consumer runs (no window: the page answers at once)
        batching = {name: Batching(size) for name, (size, _) in resources.stream_batches.items()}
        bridge = stack.enter_context(bridged(handlers, timeouts, batching))

        resolve = Resolver(resources, STACK, template)
        run_custom_resources(template, resources, resolve)
        create_demo_users(resources)
        open311_key = issue_demo_open311_key(resources.table())
        seed_demo_field_survey(resources.table(), profile)
        bridge.wait_idle()
        loaded, opendata = None, None
        if sample != 0:
            table = resources.table()
            catalogue = CatalogueRepository(Table(table)).load(profile.catalogue())
            loaded = load_sample(table, profile, catalogue, sample)
            opendata = publish_sample_week(resources, invoke, profile.zone, utc_now())

        from local.openapi import schema

        api = read_api(template, resources, resolve, emulator_url)
        simulator = Simulator(whatsapp)
        outbox = Outbox(whatsapp, resources.table())
        handlers_locked = {name: bridge.locked(name) for name in handlers}
        gateway = Gateway(
            api,
            handlers_locked,
            timeouts,
            openapi=schema,
            local_pages=lambda request: simulator(request) or outbox(request),
            web_config=web_config(profile),
            staff_config=staff_config(resources, emulator_url, open311_key),
        )
        server = make_server(host, port, gateway, threaded=True)
        gateway.serve_at(host, server.server_port)
        simulator.gateway_url = f"http://{host}:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True, name="gateway")
        thread.start()
        stack.callback(server.shutdown)

        timer = Timer(resources.schedules, invoke, speedup=speedup)
        timer.start()
        stack.callback(timer.stop)
        yield Running(
            url=f"http://{host}:{server.server_port}",
            emulator_url=emulator_url,
            resources=resources,
            timer=timer,
            server=server,
            whatsapp=whatsapp,
            sample=loaded,
            profile=profile.code,
            opendata=opendata,
        )


def wait_forever() -> None:
    while True:
        time.sleep(3600)
