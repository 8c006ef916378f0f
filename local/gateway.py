"""The local HTTP API: each route of the template's HTTP API, served by its function's handler.

Routes, their integrations, CORS and JWT authorizers are read from the synthesized template
(`AWS::ApiGatewayV2::*`), and each request reaches the handler as API Gateway HTTP API sends it:
a payload-format-2.0 event with request context, path parameters and the raw body. The gateway
also serves the citizen page (`web/`), its `config.json`, and the API documentation at `/docs`.

It runs on a developer's laptop, where any web page the developer visits can reach loopback: it
answers only requests addressed to it by name (`Host`: 127.0.0.1 or localhost with its port, so a
DNS-rebinding page cannot talk to it), refuses state-changing requests from other origins, and
limits bodies to API Gateway's 10 MB.
"""

from __future__ import annotations

import base64
import io
import ipaddress
import json
import mimetypes
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import jwt
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from local.cloud import ACCOUNT, LocalResources, Resolver
from local.lambdas import LocalContext
from local.template import Template, resources

ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = ROOT / "web"
SWAGGER_DIR = ROOT / "node_modules" / "swagger-ui-dist"
TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-www-form",
)

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
"""API Gateway HTTP APIs refuse larger payloads (10 MB) before any integration runs."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = ("127.0.0.1", "localhost")

Handler = Callable[[dict[str, Any], Any], Any]


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1): unreachable from other machines."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_names(host: str, port: int) -> frozenset[str] | None:
    """The `Host` values a server bound to `host:port` answers; None for any (bound to every address)."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - recognising a wildcard bind, not making one
        return None
    names = {*LOOPBACK_NAMES, host} if is_loopback(host) else {host}
    names = {f"[{name}]" if ":" in name else name for name in names}
    with_port = {f"{name}:{port}" for name in names}
    return frozenset(with_port | names if port == 80 else with_port)


@dataclass(frozen=True)
class Jwt:
    """A JWT authorizer as API Gateway applies it: signature, issuer, audience, expiry."""

    issuer: str
    audiences: tuple[str, ...]
    jwks_url: str

    def claims(self, authorization: str | None) -> dict[str, Any]:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise PermissionError("missing bearer token")
        token = authorization.split(" ", 1)[1]
        key = jwt.PyJWKClient(self.jwks_url).get_signing_key_from_jwt(token).key
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=["RS256"], issuer=self.issuer, options={"verify_aud": False}
        )
        # API Gateway accepts an ID token's `aud` or an access token's `client_id`
        if not {claims.get("aud"), claims.get("client_id")} & set(self.audiences):
            raise PermissionError("token is not for this API")
        return claims


@dataclass(frozen=True)
class Route:
    route_key: str
    function: str
    authorizer: Jwt | None = None


@dataclass(frozen=True)
class Cors:
    origins: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    max_age: int | None = None

    def allows(self, origin: str | None) -> bool:
        return origin is not None and ("*" in self.origins or origin in self.origins)


@dataclass
class ApiDefinition:
    routes: list[Route] = field(default_factory=list)
    cors: Cors = field(default_factory=Cors)


def read_api(
    template: Template, created: LocalResources, resolve: Resolver, emulator_url: str
) -> ApiDefinition:
    """The HTTP API's routes (route key -> function), CORS and authorizers, from the template."""
    apis = list(resources(template, "AWS::ApiGatewayV2::Api"))
    definition = ApiDefinition()
    if not apis:
        return definition
    cors = apis[0][1].get("CorsConfiguration")
    if cors:
        definition.cors = Cors(
            origins=tuple(cors.get("AllowOrigins", ())),
            methods=tuple(cors.get("AllowMethods", ())),
            headers=tuple(cors.get("AllowHeaders", ())),
            max_age=cors.get("MaxAge"),
        )
    integrations = dict(resources(template, "AWS::ApiGatewayV2::Integration"))
    authorizers = dict(resources(template, "AWS::ApiGatewayV2::Authorizer"))
    functions_by_arn = {f.arn: f.name for f in created.functions.values()}
    for logical_id, props in resources(template, "AWS::ApiGatewayV2::Route"):
        target = props["Target"]
        integration_id = target["Fn::Join"][1][1]["Ref"] if isinstance(target, dict) else target.split("/")[1]
        uri = str(resolve(integrations[integration_id]["IntegrationUri"]))
        if uri not in functions_by_arn:
            raise LookupError(f"route {props['RouteKey']} ({logical_id}) targets {uri}: no local function")
        authorizer = None
        if props.get("AuthorizationType") == "JWT":
            config = resolve(authorizers[props["AuthorizerId"]["Ref"]]["JwtConfiguration"])
            pool_id = config["Issuer"].rstrip("/").rsplit("/", 1)[1]
            authorizer = Jwt(
                issuer=config["Issuer"],
                audiences=tuple(config.get("Audience", ())),
                jwks_url=f"{emulator_url}/{pool_id}/.well-known/jwks.json",
            )
        definition.routes.append(Route(props["RouteKey"], functions_by_arn[uri], authorizer))
    return definition


def _rule_path(route_key: str) -> tuple[str, str]:
    """`GET /requests/{code}` -> ("GET", "/requests/<code>"); `{proxy+}` -> a greedy path."""
    method, path = route_key.split(" ", 1)
    path = re.sub(r"\{(\w+)\+\}", r"<path:\1>", path)
    return method, re.sub(r"\{(\w+)\}", r"<\1>", path)


def http_event(
    request: Request, route: Route, path_parameters: Mapping[str, str], claims: Any
) -> dict[str, Any]:
    """The API Gateway HTTP API payload v2.0 event for this request."""
    raw = request.get_data()
    content_type = request.headers.get("content-type", "")
    is_text = not raw or (content_type.startswith(TEXT_TYPES) and _is_utf8(raw))
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": request.path,
        "rawQueryString": request.query_string.decode(),
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": request.host,
            "domainPrefix": request.host.split(".")[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": not is_text,
    }
    if request.cookies:
        event["cookies"] = [f"{k}={v}" for k, v in request.cookies.items()]
    if request.args:
        event["queryStringParameters"] = {k: ",".join(request.args.getlist(k)) for k in request.args}
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if raw:
        event["body"] = raw.decode() if is_text else base64.b64encode(raw).decode()
    if claims is not None:
        event["requestContext"]["authorizer"] = {
            "jwt": {"claims": claims, "scopes": str(claims.get("scope", "")).split() or None}
        }
    return event


def _is_utf8(raw: bytes) -> bool:
    """A text body that is not UTF-8 cannot be a JSON string in the event: it goes base64, as binary."""
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True


def _response(answer: Any) -> Response:
    """A Lambda proxy answer (payload v2) as an HTTP response."""
    if not isinstance(answer, dict) or "statusCode" not in answer:
        return Response(json.dumps(answer), status=200, content_type="application/json")
    body = answer.get("body") or ""
    data = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
    response = Response(data, status=int(answer["statusCode"]))
    for name, value in (answer.get("headers") or {}).items():
        response.headers[name] = str(value)
    for cookie in answer.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    return response


def _error(status: int, error: str, message: str) -> Response:
    body = {"error": error, "message": message, "fields": []}
    return Response(json.dumps(body), status=status, content_type="application/json")


def _read_at_most(stream: IO[bytes], limit: int) -> bytes:
    """Up to `limit` bytes: a socket may hand them over in several reads."""
    chunks: list[bytes] = []
    size = 0
    while size < limit and (chunk := stream.read(limit - size)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _too_large() -> Response:
    return _error(413, "body_too_large", f"The body is larger than {MAX_PAYLOAD_BYTES} bytes.")


class Gateway:
    """A WSGI app: API routes first (as API Gateway), then the web page and the docs."""

    def __init__(
        self,
        api: ApiDefinition,
        handlers: Mapping[str, Handler],
        timeouts: Mapping[str, int] | None = None,
        openapi: Callable[[], dict[str, Any]] | None = None,
        local_pages: Callable[[Request], Response | None] | None = None,
        web_config: Mapping[str, Any] | None = None,
        staff_config: Mapping[str, Any] | None = None,
    ) -> None:
        self.api = api
        self.web_config = dict(web_config or {"apiUrl": ""})  # the pages' config.json, as infra writes it
        self.staff_config = dict(staff_config or {})  # how the staff console signs in, with the demo users
        self.handlers = handlers
        self.timeouts = timeouts or {}
        self.openapi = openapi
        self.local_pages = local_pages  # local-only pages (the WhatsApp simulator), never deployed
        self.hosts: frozenset[str] | None = frozenset()  # none until `serve_at` says where it listens
        rules: list[Rule] = []
        for index, route in enumerate(api.routes):
            if route.function not in handlers:
                raise LookupError(f"route {route.route_key}: no handler for function {route.function}")
            method, path = _rule_path(route.route_key)
            rules.append(Rule(path, methods=[method], endpoint=index))
        self.url_map = Map(rules, strict_slashes=False)

    def serve_at(self, host: str, port: int) -> None:
        """Answer requests addressed to this server only (see `host_names`)."""
        self.hosts = host_names(host, port)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        admitted = self.admit(Request(environ))
        response = admitted if isinstance(admitted, Response) else self.dispatch(admitted)
        return response(environ, start_response)

    def admit(self, request: Request) -> Request | Response:
        """What this laptop must not serve is refused: another name (DNS rebinding), another site's
        POST, a body over 10 MB. Otherwise the request, its body read (within the limit) once."""
        if self.hosts is not None and request.host.lower() not in self.hosts:
            return _error(403, "unknown_host", "This server answers only to its own address (Host).")
        origin = request.headers.get("origin")
        if request.method not in SAFE_METHODS and origin is not None and not self._trusted(origin, request):
            return _error(403, "cross_origin", "Requests from other sites are refused.")
        if (request.content_length or 0) > MAX_PAYLOAD_BYTES:
            return _too_large()
        body = _read_at_most(request.stream, MAX_PAYLOAD_BYTES + 1)  # a chunked body has no length
        if len(body) > MAX_PAYLOAD_BYTES:
            return _too_large()
        environ = {**request.environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        environ.pop("wsgi.input_terminated", None)
        return Request(environ)

    def _trusted(self, origin: str, request: Request) -> bool:
        """The page's own origin, or one the API's CORS configuration names (never a wildcard)."""
        return origin == f"http://{request.host}" or (origin in self.api.cors.origins and origin != "*")

    def dispatch(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        if request.method == "OPTIONS" and request.headers.get("access-control-request-method"):
            return self._preflight(origin)
        try:
            endpoint, arguments = self.url_map.bind_to_environ(request.environ).match()
        except NotFound:
            local_only = self.local_pages(request) if self.local_pages is not None else None
            return local_only if local_only is not None else self._static(request)
        except HTTPException as error:  # e.g. 405: the path exists with another method
            return _error(error.code or 405, "method_not_allowed", "This path does not take this method.")
        route = self.api.routes[endpoint]
        claims = None
        if route.authorizer is not None:
            try:
                claims = route.authorizer.claims(request.headers.get("authorization"))
            except (PermissionError, jwt.PyJWTError) as error:
                return _error(401, "unauthorized", f"Unauthorized: {error}")
        context = LocalContext(route.function, self.timeouts.get(route.function, 30))
        answer = self.handlers[route.function](http_event(request, route, arguments, claims), context)
        response = _response(answer)
        if self.api.cors.allows(origin):
            # as API Gateway does when CORS is configured: its headers, not the integration's
            response.headers["Access-Control-Allow-Origin"] = origin or ""
            response.headers["Vary"] = "Origin"
        return response

    def _preflight(self, origin: str | None) -> Response:
        response = Response(status=204)
        cors = self.api.cors
        if cors.allows(origin):
            response.headers["Access-Control-Allow-Origin"] = origin or ""
            response.headers["Access-Control-Allow-Methods"] = ",".join(cors.methods)
            response.headers["Access-Control-Allow-Headers"] = ",".join(cors.headers)
            if cors.max_age is not None:
                response.headers["Access-Control-Max-Age"] = str(cors.max_age)
        return response

    def _static(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return _error(404, "no_route", "No such path.")
        path = request.path
        if path == "/staff/config.json" and self.staff_config:
            return Response(json.dumps(self.staff_config), content_type="application/json")
        if path == "/config.json":
            # same origin locally; in AWS the stack writes the API's URL here
            return Response(json.dumps(self.web_config), content_type="application/json")
        if path in ("/docs", "/docs/"):
            return Response(SWAGGER_PAGE, content_type="text/html; charset=utf-8")
        if path == "/openapi.json" and self.openapi is not None:
            return Response(json.dumps(self.openapi()), content_type="application/json")
        if path == "/docs/swagger-initializer-local.js":
            return Response(SWAGGER_INIT, content_type="text/javascript; charset=utf-8")
        if path.startswith("/docs/"):
            return _file(SWAGGER_DIR, path.removeprefix("/docs/"))
        return _file(WEB_DIR, "index.html" if path == "/" else path.lstrip("/"))


def _file(directory: Path, relative: str) -> Response:
    target = (directory / relative).resolve()
    if not target.is_file() or directory.resolve() not in target.parents:
        return _error(404, "no_route", "No such path.")
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith(("javascript", "json")):
        content_type += "; charset=utf-8"
    response = Response(target.read_bytes(), content_type=content_type)
    response.headers["Cache-Control"] = "no-cache"
    return response


SWAGGER_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Civic Desk API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-initializer-local.js"></script>
</body>
</html>
"""

SWAGGER_INIT = (
    'window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", tryItOutEnabled: true});\n'
)
