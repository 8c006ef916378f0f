"""The citizen web page in AWS: private bucket, CloudFront with OAC, security headers, config.json.

Also the page's own side of the CSP bargain: the files in web/ need nothing the policy forbids.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

from civicdesk.profile.public import web_config
from infra import names
from infra.capabilities.web import WEB_DIR, content_security_policy
from tests.infra.synth import BUCKET_DEPLOYMENT_TYPE, Resource, Synth, as_list
from tests.support import PROFILE

HSTS_ONE_YEAR = 365 * 24 * 3600


def _site_bucket(synth: Synth) -> tuple[str, Resource]:
    """The bucket the distribution serves (the stack may hold other buckets later)."""
    _, distribution = synth.only("AWS::CloudFront::Distribution")
    (origin,) = [
        o for o in distribution["Properties"]["DistributionConfig"]["Origins"] if "S3OriginConfig" in o
    ]
    bucket_id = origin["DomainName"]["Fn::GetAtt"][0]
    return bucket_id, synth.resource(bucket_id)


def _bucket_policy(synth: Synth, bucket_id: str) -> list[dict[str, Any]]:
    (policy,) = (
        p
        for p in synth.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    )
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def _headers_policy(synth: Synth, page: str = "citizen web page") -> tuple[str, dict[str, Any]]:
    (found,) = (
        (logical_id, dict(p["Properties"]["ResponseHeadersPolicyConfig"]))
        for logical_id, p in synth.resources("AWS::CloudFront::ResponseHeadersPolicy").items()
        if p["Properties"]["ResponseHeadersPolicyConfig"]["Comment"].endswith(page)
    )
    return found


def _headers(synth: Synth, page: str = "citizen web page") -> dict[str, Any]:
    return _headers_policy(synth, page)[1]


def _csp_parts(synth: Synth, page: str = "citizen web page") -> list[Any]:
    csp = _headers(synth, page)["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    return list(csp["Fn::Join"][1]) if isinstance(csp, dict) else [csp]


def _deployment(synth: Synth) -> Resource:
    (deployment,) = synth.resources(BUCKET_DEPLOYMENT_TYPE).values()
    return deployment["Properties"]


# --- the bucket ----------------------------------------------------------------------------------


def test_the_site_bucket_is_private_encrypted_and_ssl_only(any_synth: Synth) -> None:
    # Given the bucket behind the distribution
    bucket_id, bucket = _site_bucket(any_synth)
    props = bucket["Properties"]
    # Then every kind of public access is blocked, objects are encrypted and ACLs are off
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    # And its policy denies any request that is not over TLS
    statements = _bucket_policy(any_synth, bucket_id)
    assert any(
        st["Effect"] == "Deny" and st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for st in statements
    )
    # And it is kept (with old versions expiring) when the stack goes
    assert bucket["DeletionPolicy"] == "Retain"
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}


def test_only_this_distribution_may_read_the_bucket(dev_synth: Synth) -> None:
    # Given the bucket policy's Allow statements
    bucket_id, _ = _site_bucket(dev_synth)
    distribution_id, _ = dev_synth.only("AWS::CloudFront::Distribution")
    allows = [st for st in _bucket_policy(dev_synth, bucket_id) if st["Effect"] == "Allow"]
    # Then there is one: CloudFront may GetObject, and only on behalf of this distribution (OAC)
    assert len(allows) == 1
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert as_list(allow["Action"]) == ["s3:GetObject"]
    source_arn = json.dumps(allow["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert f'{{"Ref": "{distribution_id}"}}' in source_arn


# --- the distribution ----------------------------------------------------------------------------


def test_the_distribution_serves_https_only_through_origin_access_control(any_synth: Synth) -> None:
    # Given the distribution
    _, distribution = any_synth.only("AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    behavior = config["DefaultCacheBehavior"]
    (origin,) = [o for o in config["Origins"] if "S3OriginConfig" in o]
    assert behavior["TargetOriginId"] == origin["Id"]
    # Then plain HTTP is redirected, only GET/HEAD are allowed, and index.html is the root
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    assert config["DefaultRootObject"] == "index.html"
    # And the S3 origin is reached through an Origin Access Control that signs every request
    oac_id = origin["OriginAccessControlId"]["Fn::GetAtt"][0]
    oac = any_synth.resource(oac_id)["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    # And the security headers apply to every response
    headers_id, _ = _headers_policy(any_synth)
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": headers_id}


@pytest.mark.parametrize("page", ["citizen web page", "staff console"])
def test_security_headers_are_strict(any_synth: Synth, page: str) -> None:
    # Given the response headers policy of the page, and of the console
    security = _headers(any_synth, page)["SecurityHeadersConfig"]
    # Then HSTS (a year at least), nosniff, no framing and no referrer are set, overriding the origin
    hsts = security["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= HSTS_ONE_YEAR
    assert hsts["Override"] is True
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"


def _media_domain(synth: Synth) -> Any:
    (bucket_id,) = [
        k for k in synth.resources("AWS::S3::Bucket") if re.fullmatch(r"WhatsAppMedia[0-9A-F]{8}", k)
    ]
    return {"Fn::GetAtt": [bucket_id, "RegionalDomainName"]}


def test_the_csp_allows_our_own_origin_only(any_synth: Synth) -> None:
    # Given the CSP as the template builds it
    parts = _csp_parts(any_synth)
    media = _media_domain(any_synth)
    text = "".join(p if isinstance(p, str) else "<MEDIA>" if p == media else "<TOKEN>" for p in parts)
    directives = dict(d.strip().split(" ", 1) for d in text.split(";") if " " in d.strip())
    # Then everything, fetches to the API included, stays on our own origin; photos go to the media bucket
    assert directives["default-src"] == "'self'"
    assert directives["connect-src"] == "'self' https://<MEDIA>"
    assert directives["img-src"] == "'self'"
    assert "<TOKEN>" not in text
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    # And nothing re-opens inline code or other origins
    assert "unsafe" not in text
    assert "*" not in text


def test_the_web_url_is_an_output(dev_synth: Synth) -> None:
    # Given the template's outputs / Then WebUrl is the distribution's https address
    output = dev_synth.raw["Outputs"][names.OUTPUT_WEB_URL]
    distribution_id, _ = dev_synth.only("AWS::CloudFront::Distribution")
    assert output["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}]]
    }


# --- the staff console ---------------------------------------------------------------------------


def test_the_console_may_fetch_from_its_sign_in_endpoint_and_nothing_else(any_synth: Synth) -> None:
    # Given the console's CSP as the template builds it
    parts = _csp_parts(any_synth, "staff console")
    media = _media_domain(any_synth)
    text = "".join(p if isinstance(p, str) else "<MEDIA>" if p == media else f"<{p['Ref']}>" for p in parts)
    directives = dict(d.strip().split(" ", 1) for d in text.split(";") if " " in d.strip())
    # Then it differs from the page's only in one origin fetches may reach: Cognito in the stack's region,
    # and in images: the thumbnails of the media bucket (short-lived presigned links)
    assert directives["connect-src"] == "'self' https://cognito-idp.<AWS::Region>.amazonaws.com"
    assert directives["default-src"] == "'self'"
    assert directives["img-src"] == "'self' https://<MEDIA>"
    assert "unsafe" not in text
    assert "*" not in text


def test_the_console_and_the_staff_api_are_served_under_staff(any_synth: Synth) -> None:
    # Given the distribution's behaviours, in the order CloudFront tries them
    _, distribution = any_synth.only("AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    order = [b["PathPattern"] for b in config["CacheBehaviors"]]
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    (api_origin,) = [o for o in config["Origins"] if "CustomOriginConfig" in o]
    console_headers, _ = _headers_policy(any_synth, "staff console")
    # Then every staff API route goes to the HTTP API uncached, before `/staff/*` takes the rest
    routes = {
        r["Properties"]["RouteKey"].split(" ")[1]
        for r in any_synth.resources("AWS::ApiGatewayV2::Route").values()
    }
    staff_routes = {r for r in routes if r.startswith("/staff/")}
    patterns = [p for p in order if p.startswith("/staff/") and p != "/staff/*"]
    assert all(any(fnmatch(route, p) for p in patterns) for route in staff_routes)
    assert order[-1] == "/staff/*"
    for path in patterns:
        assert behaviors[path]["TargetOriginId"] == api_origin["Id"], path
        assert behaviors[path]["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", path
    # And the console's files come from the bucket, under the console's CSP, `/staff/` as its index.html
    console = behaviors["/staff/*"]
    assert console["TargetOriginId"] == config["DefaultCacheBehavior"]["TargetOriginId"]
    assert console["AllowedMethods"] == ["GET", "HEAD"]
    assert console["ResponseHeadersPolicyId"] == {"Ref": console_headers}
    (association,) = console["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    function = any_synth.resource(association["FunctionARN"]["Fn::GetAtt"][0])["Properties"]
    assert "index.html" in function["FunctionCode"]


def test_the_console_is_deployed_with_its_sign_in_config(dev_synth: Synth) -> None:
    # Given the assets the BucketDeployment copies
    deployment = _deployment(dev_synth)
    web, _, console = _asset_dirs(dev_synth, deployment)
    # Then the console's files ship under staff/
    assert {"index.html", "app.js", "auth.js", "http.js", "i18n.js", "console.css"} <= {
        p.name for p in (web / "staff").iterdir()
    }
    # And staff/config.json names this stack's pool and console client (filled in at deploy time), with
    # Cognito's own endpoint in the stack's region, and no demo accounts
    text = (console / "staff" / "config.json").read_text(encoding="utf-8")
    for marker, value in deployment["SourceMarkers"][2].items():
        parts = value["Fn::Join"][1]
        text = text.replace(
            marker, json.dumps("".join(p if isinstance(p, str) else p["Ref"] for p in parts)[1:-1])
        )
    written = json.loads(text)
    pool_id, _ = dev_synth.only("AWS::Cognito::UserPool")
    (client_id,) = dev_synth.resources("AWS::Cognito::UserPoolClient")
    assert (written["region"], written["userPoolId"], written["clientId"]) == (
        "AWS::Region",
        pool_id,
        client_id,
    )
    assert written["endpoint"] == ""
    assert "demo" not in written
    assert written["mapUrl"].startswith("https://")


# --- the deployment of web/ and config.json ------------------------------------------------------


def _asset_dirs(synth: Synth, deployment: Resource) -> list[Path]:
    return [synth.outdir / f"asset.{key.removesuffix('.zip')}" for key in deployment["SourceObjectKeys"]]


def test_web_and_config_json_are_deployed_into_the_site_bucket(dev_synth: Synth) -> None:
    # Given the BucketDeployment and the assets it copies
    deployment = _deployment(dev_synth)
    bucket_id, _ = _site_bucket(dev_synth)
    web, config, _ = _asset_dirs(dev_synth, deployment)
    # Then it syncs into the site bucket, pruning what web/ no longer has, revalidated on every load
    assert deployment["DestinationBucketName"] == {"Ref": bucket_id}
    assert deployment["Prune"] is True
    assert deployment["SystemMetadata"] == {"cache-control": "no-cache"}
    # And the first asset is the page itself; a local config.json can never ship
    shipped = {p.name for p in web.iterdir()}
    assert {"index.html", "app.js", "i18n.js", "styles.css"} <= shipped
    assert "config.json" not in shipped
    # And config.json tells the page the API is on its own origin (the distribution serves both), and
    # the municipality it serves, from the deployed profile
    assert {p.name for p in config.iterdir()} == {"config.json"}
    written = json.loads((config / "config.json").read_text(encoding="utf-8"))
    assert written == web_config(PROFILE)
    assert (written["apiUrl"], written["municipality"]["name"]["tr"]) == ("", "Bornova Belediyesi")


def test_the_api_is_served_through_the_distribution_uncached(any_synth: Synth) -> None:
    # Given the distribution's behaviours
    _, distribution = any_synth.only("AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    api_id, _ = any_synth.only("AWS::ApiGatewayV2::Api")
    (api_origin,) = [o for o in config["Origins"] if "CustomOriginConfig" in o]
    # Then the citizen API's paths go to this stack's HTTP API, over HTTPS only
    assert {"/requests*", "/catalog", "/surveys/*", "/open311/*"} <= set(behaviors)
    assert api_origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert api_id in json.dumps(api_origin["DomainName"])
    for path in ("/requests*", "/catalog"):
        behavior = behaviors[path]
        assert behavior["TargetOriginId"] == api_origin["Id"], path
        assert "POST" in behavior["AllowedMethods"], path
        assert behavior["ViewerProtocolPolicy"] == "redirect-to-https", path
    # And a citizen's request is never cached at the edge (CloudFront's managed CachingDisabled policy)
    # (nor a survey, which carries a citizen's one-time token)
    for path in ("/requests*", "/surveys/*"):
        assert behaviors[path]["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", path


def test_the_deployer_runs_under_its_own_narrow_role(dev_synth: Synth) -> None:
    # Given the function behind the BucketDeployment custom resource
    deployment = _deployment(dev_synth)
    function = dev_synth.resource(deployment["ServiceToken"]["Fn::GetAtt"][0])
    statements = dev_synth.statements_of_role(dev_synth.role_of(function))
    bucket_id, _ = _site_bucket(dev_synth)
    # When we collect the buckets its S3 permissions name
    s3_resources = json.dumps(
        [st["Resource"] for st in statements if any(a.startswith("s3:") for a in as_list(st["Action"]))]
    )
    # Then they are the CDK asset bucket and the site bucket, and it has no CloudFront or other power
    assert bucket_id in s3_resources
    assert "cdk-hnb659fds-assets-" in s3_resources
    services = {a.split(":")[0] for st in statements for a in as_list(st["Action"])}
    assert services == {"logs", "s3"}


# --- the files: nothing the CSP forbids ----------------------------------------------------------

WEB_FILES = sorted(p for p in WEB_DIR.rglob("*") if p.suffix in {".html", ".js", ".css"})
FORBIDDEN_IN_JS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function")


@pytest.mark.parametrize("page", ["index.html", "staff/index.html"])
def test_the_page_has_no_inline_code_or_styles(page: str) -> None:
    # Given the citizen page's index.html, and the staff console's
    html = (WEB_DIR / page).read_text(encoding="utf-8")
    # Then every script is an external module of ours, and no element carries inline code or style
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts == ['<script type="module" src="app.js">']
    assert "</script>" not in html.replace('<script type="module" src="app.js"></script>', "")
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert not re.search(r"\sstyle\s*=", html)
    assert "<style" not in html


@pytest.mark.parametrize(
    "path", [p for p in WEB_FILES if p.suffix == ".js"], ids=lambda p: str(p.relative_to(WEB_DIR))
)
def test_scripts_build_the_page_with_dom_apis_only(path: Path) -> None:
    # Given a script of the page / Then it never turns text into markup or code
    source = path.read_text(encoding="utf-8")
    assert [word for word in FORBIDDEN_IN_JS if word in source] == []


@pytest.mark.parametrize("path", WEB_FILES, ids=lambda p: str(p.relative_to(WEB_DIR)))
def test_nothing_is_loaded_from_another_origin(path: Path) -> None:
    # Given a file of the page / Then it names no other origin (no CDN, no font service, no tracker);
    # SVG's namespace is a name that looks like an address, never fetched
    text = path.read_text(encoding="utf-8").replace('"http://www.w3.org/2000/svg"', "")
    assert re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text) == []


@pytest.mark.parametrize("page", ["index.html", "staff/index.html"])
def test_every_file_index_html_refers_to_exists(page: str) -> None:
    # Given the local references of a page's index.html / Then each one is a file in web/
    html = (WEB_DIR / page).read_text(encoding="utf-8")
    references = re.findall(r'(?:src|href)="(?!#)([^"]+)"', html)
    assert references
    assert [r for r in references if not ((WEB_DIR / page).parent / r).is_file()] == []


def test_the_csp_builder_allows_only_this_origin() -> None:
    # When the policy is built / Then fetches may go to our own origin and nowhere else
    policy = content_security_policy()
    assert "connect-src 'self';" in policy
    assert policy.startswith("default-src 'self';")
