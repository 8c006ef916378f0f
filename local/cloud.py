"""Create, in the AWS emulator, what the synthesized CloudFormation template defines.

Resources are read from the template — never described a second time by hand — so the local
system cannot drift from what `cdk deploy` creates. Works against moto in-process (`mock_aws`,
the integration tests) and in server mode (`make run`, the end-to-end tests): it only uses boto3.

What is created: DynamoDB tables (keys, indexes, stream, TTL), SQS queues (with redrive), SNS
topics, EventBridge buses and pattern rules with SQS targets, S3 buckets, Secrets Manager secrets
(generated values filled in), Lambda functions (so the
emulator can invoke them: see `local.lambdas`), their event source mappings, Step Functions state
machines (the deployed definition, tokens resolved), and the catalogue seed custom resource.
Scheduled rules are returned for `local.timer`, since the emulator never fires them.
"""

from __future__ import annotations

import importlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from secrets import token_hex
from typing import Any

import boto3

from local.template import Template, create_tables, resources

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "123456789012"
REGION = "eu-central-1"
PREFIX = "civicdesk-local"
METADATA_SOURCE = "civicdesk:source"  # infra.names.METADATA_SOURCE, without importing the CDK app

Handler = Callable[[dict[str, Any], Any], Any]


class LocalStackError(RuntimeError):
    """The template asks for something the local stack cannot honour: fail loudly, never drift."""


@dataclass(frozen=True)
class LocalFunction:
    logical_id: str
    name: str
    source: str  # "functions/intake"
    handler_path: str  # "handler.lambda_handler"
    environment: dict[str, str]
    timeout: int

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.name}"

    def load(self) -> Handler:
        """Import the handler from the source tree, as `functions.<dir>.<module>`."""
        module_name, _, attribute = self.handler_path.rpartition(".")
        package = self.source.replace("/", ".")
        module = importlib.import_module(f"{package}.{module_name}")
        handler: Handler = getattr(module, attribute)
        return handler


@dataclass(frozen=True)
class Schedule:
    """A scheduled rule and the function it targets; `local.timer` drives it."""

    logical_id: str
    expression: str
    function: str
    input: str | None = None

    @property
    def seconds(self) -> float:
        """The interval between runs. A daily cron (`cron(m h * * ? *)`) runs once a day locally and a
        weekly one (`cron(m h ? * MON *)`) once a week, counted from start-up rather than at their hour:
        the local timer keeps intervals, not a calendar."""
        match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", self.expression)
        if match:
            unit = {"minute": 60, "hour": 3600, "day": 86400}[match.group(2).rstrip("s")]
            return int(match.group(1)) * unit
        if re.fullmatch(r"cron\(\d+ \d+ \* \* \? \*\)", self.expression):
            return 86400
        if re.fullmatch(r"cron\(\d+ \d+ \? \* (MON|TUE|WED|THU|FRI|SAT|SUN|[1-7]) \*\)", self.expression):
            return 7 * 86400
        raise LocalStackError(
            f"{self.logical_id}: only rate(), daily and weekly cron() schedules run locally, "
            f"got {self.expression}"
        )


@dataclass
class LocalResources:
    """What was created: names and ARNs by logical id, the functions, and the schedules."""

    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    functions: dict[str, LocalFunction] = field(default_factory=dict)
    schedules: list[Schedule] = field(default_factory=list)
    tables: dict[str, str] = field(default_factory=dict)
    user_pool_clients: dict[str, tuple[str, str]] = field(default_factory=dict)
    """App client logical id -> (user pool id, client id)."""
    stream_batches: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Function name -> (batch size, batching window in seconds) of its table-stream mapping."""

    def handlers(self) -> dict[str, Handler]:
        """Function name -> the handler callable, imported from the source tree."""
        return {f.name: f.load() for f in self.functions.values()}

    def environment(self) -> dict[str, str]:
        """The union of every function's environment; one process runs them all, so a variable
        two functions set differently would make one of them wrong: that is refused."""
        merged: dict[str, str] = {}
        for function in self.functions.values():
            for key, value in function.environment.items():
                if merged.setdefault(key, value) != value:
                    raise LocalStackError(f"functions disagree on {key}: {merged[key]!r} vs {value!r}")
        return merged

    def table(self) -> str:
        if len(self.tables) != 1:
            raise LocalStackError(f"expected one table, found {sorted(self.tables)}")
        return next(iter(self.tables.values()))


class Resolver:
    """Resolves CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select) locally."""

    def __init__(self, created: LocalResources, stack_name: str, template: Template | None = None) -> None:
        self.created = created
        self.types = {k: v.get("Type", "") for k, v in (template or {}).get("Resources", {}).items()}
        self.pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
            "AWS::NoValue": "",
        }

    def ref(self, logical_id: str) -> str:
        if logical_id in self.pseudo:
            return self.pseudo[logical_id]
        if logical_id in self.created.refs:
            return self.created.refs[logical_id]
        return self._stand_in(logical_id)

    def _stand_in(self, logical_id: str) -> str:
        """Resources the emulator does not need (roles, keys, log groups): a stable, well-formed ARN."""
        shapes = {
            "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT}:role/{logical_id}",
            "AWS::KMS::Key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{logical_id}",
            "AWS::Logs::LogGroup": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{logical_id}",
        }
        return shapes.get(self.types.get(logical_id, ""), f"arn:aws:local:{REGION}:{ACCOUNT}:{logical_id}")

    def get_att(self, logical_id: str, attribute: str) -> str:
        known = self.created.attributes.get(logical_id, {})
        if attribute in known:
            return known[attribute]
        if attribute == "Arn":
            return self._stand_in(logical_id)
        return f"{logical_id}.{attribute}"

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Join":
                separator, parts = argument
                return separator.join(str(self(p)) for p in self(parts))
            if key == "Fn::Select":
                index, items = argument
                return self(items)[int(self(index))]
            if key == "Fn::Split":
                separator, text = argument
                return str(self(text)).split(separator)
            if key == "Fn::Sub":
                text, variables = (argument, {}) if isinstance(argument, str) else argument
                return self._sub(text, {k: self(v) for k, v in variables.items()})
        return {k: self(v) for k, v in value.items()}

    def _sub(self, text: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)


def _dummy_zip() -> bytes:
    """Lambda needs a package; the local bridge runs the source tree instead, in-process."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "handler.py", "def lambda_handler(event, context):\n    raise RuntimeError('local')\n"
        )
    return buffer.getvalue()


def _functions(template: Template) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Our functions (those CivicFunction marked with their source); framework code is skipped."""
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == "AWS::Lambda::Function":
            source = resource.get("Metadata", {}).get(METADATA_SOURCE)
            if source:
                yield logical_id, resource["Properties"], source


def create_from_template(template: Template, stack_name: str = "CivicDesk-Local") -> LocalResources:
    """Create the template's resources with boto3 (against whatever endpoint boto3 is pointed at)."""
    created = LocalResources()
    resolve = Resolver(created, stack_name, template)

    # Names and ARNs that other resources refer to are deterministic: compute them first, so
    # functions and state machines may refer to each other in any order.
    for logical_id, _props, _source in _functions(template):
        name = f"{PREFIX}-{logical_id}"[:64]
        created.refs[logical_id] = name
        created.attributes[logical_id] = {"Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"}
    for logical_id, _props in resources(template, "AWS::StepFunctions::StateMachine"):
        name = f"{PREFIX}-{logical_id}"[:80]
        arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
        created.refs[logical_id] = arn
        created.attributes[logical_id] = {"Arn": arn, "Name": name}

    _create_tables(template, created)
    _create_queues(template, created, resolve)
    _create_topics(template, created)
    _create_buses(template, created)
    _create_buckets(template, created)
    _create_secrets(template, created)
    _create_user_pools(template, created, resolve)
    _create_email_identities(template, created)
    _create_functions(template, created, resolve)
    _create_event_source_mappings(template, created, resolve)
    _create_state_machines(template, created, resolve)
    _create_rules(template, created, resolve)
    return created


def _create_tables(template: Template, created: LocalResources) -> None:
    client = boto3.client("dynamodb")
    for logical_id, name in create_tables(template, client, prefix=PREFIX).items():
        description = client.describe_table(TableName=name)["Table"]
        created.tables[logical_id] = name
        created.refs[logical_id] = name
        created.attributes[logical_id] = {"Arn": description["TableArn"]}
        if "LatestStreamArn" in description:
            created.attributes[logical_id]["StreamArn"] = description["LatestStreamArn"]


def _create_queues(template: Template, created: LocalResources, resolve: Resolver) -> None:
    client = boto3.client("sqs")
    queues = list(resources(template, "AWS::SQS::Queue"))
    for logical_id, props in queues:
        fifo = bool(props.get("FifoQueue"))
        name = f"{PREFIX}-{logical_id}"[: 75 if fifo else 80] + (".fifo" if fifo else "")
        attributes = {
            k: str(props[k]).lower() if isinstance(props[k], bool) else str(props[k])
            for k in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "FifoQueue")
            if k in props
        }
        url = client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        created.refs[logical_id] = url
        created.attributes[logical_id] = {"Arn": arn, "QueueName": name, "QueueUrl": url}
    for logical_id, props in queues:  # redrive once every dead-letter queue exists
        if "RedrivePolicy" in props:
            client.set_queue_attributes(
                QueueUrl=created.refs[logical_id],
                Attributes={"RedrivePolicy": json.dumps(resolve(props["RedrivePolicy"]))},
            )


def _create_topics(template: Template, created: LocalResources) -> None:
    client = boto3.client("sns")
    for logical_id, _props in resources(template, "AWS::SNS::Topic"):
        arn = client.create_topic(Name=f"{PREFIX}-{logical_id}")["TopicArn"]
        created.refs[logical_id] = arn
        created.attributes[logical_id] = {"TopicName": arn.rsplit(":", 1)[1], "TopicArn": arn}


def _create_buses(template: Template, created: LocalResources) -> None:
    client = boto3.client("events")
    for logical_id, props in resources(template, "AWS::Events::EventBus"):
        name = props.get("Name", f"{PREFIX}-{logical_id}")
        arn = client.create_event_bus(Name=name)["EventBusArn"]
        created.refs[logical_id] = name
        created.attributes[logical_id] = {"Arn": arn, "Name": name}


def _create_buckets(template: Template, created: LocalResources) -> None:
    client = boto3.client("s3")
    for logical_id, props in resources(template, "AWS::S3::Bucket"):
        name = f"{PREFIX}-{logical_id}".lower()[:63]
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        if props.get("VersioningConfiguration", {}).get("Status") == "Enabled":
            client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if props.get("CorsConfiguration"):  # the page's origin differs locally: any origin may post
            rules = [
                {"AllowedMethods": r["AllowedMethods"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"]}
                for r in props["CorsConfiguration"]["CorsRules"]
            ]
            client.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
        created.refs[logical_id] = name
        created.attributes[logical_id] = {"Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.local"}


def _create_secrets(template: Template, created: LocalResources) -> None:
    """Secrets as CloudFormation would create them: the template string with its generated key filled."""
    client = boto3.client("secretsmanager")
    for logical_id, props in resources(template, "AWS::SecretsManager::Secret"):
        generate = props.get("GenerateSecretString", {})
        if "SecretString" in props:
            value = str(props["SecretString"])
        elif "SecretStringTemplate" in generate:
            value = json.dumps(
                {**json.loads(generate["SecretStringTemplate"]), generate["GenerateStringKey"]: token_hex(32)}
            )
        else:
            value = token_hex(32)
        arn = client.create_secret(Name=f"{PREFIX}-{logical_id}", SecretString=value)["ARN"]
        created.refs[logical_id] = arn  # Ref of a secret is its ARN
        created.attributes[logical_id] = {"Id": arn}


def _create_email_identities(template: Template, created: LocalResources) -> None:
    """SES sending identities (CloudFormation in moto skips them; SES refuses an unknown sender)."""
    client = boto3.client("sesv2")
    for logical_id, props in resources(template, "AWS::SES::EmailIdentity"):
        client.create_email_identity(EmailIdentity=props["EmailIdentity"])
        created.refs[logical_id] = props["EmailIdentity"]


def _create_user_pools(template: Template, created: LocalResources, resolve: Resolver) -> None:
    """Cognito user pools, their groups and app clients (CloudFormation in moto skips Cognito)."""
    client = boto3.client("cognito-idp")
    for logical_id, props in resources(template, "AWS::Cognito::UserPool"):
        pool = client.create_user_pool(
            PoolName=props.get("UserPoolName", logical_id),
            Policies=props.get("Policies", {}),
            UsernameAttributes=props.get("UsernameAttributes", []),
            Schema=props.get("Schema", []),
            MfaConfiguration="OFF",  # locally: demo accounts sign in with a password alone
        )["UserPool"]
        created.refs[logical_id] = pool["Id"]
        created.attributes[logical_id] = {
            "Arn": pool["Arn"],
            "ProviderURL": f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}",
        }
    for logical_id, props in resources(template, "AWS::Cognito::UserPoolGroup"):
        pool_id = resolve(props["UserPoolId"])
        client.create_group(
            UserPoolId=pool_id, GroupName=props["GroupName"], Description=props.get("Description", "")
        )
        created.refs[logical_id] = props["GroupName"]
    for logical_id, props in resources(template, "AWS::Cognito::UserPoolClient"):
        made = client.create_user_pool_client(
            UserPoolId=resolve(props["UserPoolId"]),
            ClientName=props.get("ClientName", logical_id),
            ExplicitAuthFlows=props.get("ExplicitAuthFlows", []),
            ReadAttributes=props.get("ReadAttributes", []),
            WriteAttributes=props.get("WriteAttributes", []),
        )["UserPoolClient"]
        created.refs[logical_id] = made["ClientId"]
        created.user_pool_clients[logical_id] = (made["UserPoolId"], made["ClientId"])


def _create_functions(template: Template, created: LocalResources, resolve: Resolver) -> None:
    client = boto3.client("lambda")
    role = _local_role()
    for logical_id, props, source in _functions(template):
        environment = {
            k: str(v) for k, v in resolve(props.get("Environment", {}).get("Variables", {})).items()
        }
        function = LocalFunction(
            logical_id=logical_id,
            name=created.refs[logical_id],
            source=source,
            handler_path=props["Handler"],
            environment=environment,
            timeout=int(props.get("Timeout", 3)),
        )
        client.create_function(
            FunctionName=function.name,
            Runtime="python3.13",
            Role=role,
            Handler=function.handler_path,
            Code={"ZipFile": _dummy_zip()},
            Timeout=function.timeout,
            Environment={"Variables": environment},
        )
        created.functions[logical_id] = function


def _local_role() -> str:
    iam = boto3.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    try:
        return iam.get_role(RoleName="civicdesk-local")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_role(RoleName="civicdesk-local", AssumeRolePolicyDocument=json.dumps(trust))[
            "Role"
        ]["Arn"]


def _create_event_source_mappings(template: Template, created: LocalResources, resolve: Resolver) -> None:
    client = boto3.client("lambda")
    for logical_id, props in resources(template, "AWS::Lambda::EventSourceMapping"):
        spec = resolve(props)
        function = spec["FunctionName"]
        name = function.rsplit(":", 1)[-1] if function.startswith("arn:") else function
        arguments: dict[str, Any] = {
            "EventSourceArn": spec["EventSourceArn"],
            "FunctionName": name,
            "BatchSize": int(spec.get("BatchSize", 10)),
        }
        if "StartingPosition" in spec:
            arguments["StartingPosition"] = spec["StartingPosition"]
        if "FilterCriteria" in spec:
            arguments["FilterCriteria"] = spec["FilterCriteria"]
        uuid = client.create_event_source_mapping(**arguments)["UUID"]
        created.refs[logical_id] = uuid
        if ":dynamodb:" in spec["EventSourceArn"]:
            window = float(spec.get("MaximumBatchingWindowInSeconds", 0))
            created.stream_batches[name] = (arguments["BatchSize"], window)


def _create_state_machines(template: Template, created: LocalResources, resolve: Resolver) -> None:
    client = boto3.client("stepfunctions")
    for logical_id, props in resources(template, "AWS::StepFunctions::StateMachine"):
        definition = props.get("DefinitionString") or json.dumps(props["Definition"])
        client.create_state_machine(
            name=created.attributes[logical_id]["Name"],
            definition=str(resolve(definition)),
            roleArn=str(resolve(props["RoleArn"])),
            type=props.get("StateMachineType", "STANDARD"),
        )


def _create_rules(template: Template, created: LocalResources, resolve: Resolver) -> None:
    client = boto3.client("events")
    for logical_id, props in resources(template, "AWS::Events::Rule"):
        spec = resolve(props)
        targets = spec.get("Targets", [])
        if "ScheduleExpression" in spec:
            for target in targets:
                created.schedules.append(
                    Schedule(
                        logical_id=logical_id,
                        expression=spec["ScheduleExpression"],
                        function=target["Arn"].rsplit(":", 1)[-1],
                        input=target.get("Input"),
                    )
                )
            continue
        bus = spec.get("EventBusName", "default")
        name = f"{PREFIX}-{logical_id}"[:64]
        client.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(spec["EventPattern"]))
        local_targets = []
        for target in targets:
            if ":sqs:" not in target["Arn"]:
                raise LocalStackError(
                    f"{logical_id}: rule target {target['Arn']} is not SQS; the emulator only delivers "
                    "EventBridge rules to SQS (the design routes every consumer through a queue)"
                )
            local_targets.append(
                {
                    k: v
                    for k, v in target.items()
                    if k in ("Id", "Arn", "Input", "InputPath", "InputTransformer")
                }
            )
        if local_targets:
            client.put_targets(Rule=name, EventBusName=bus, Targets=local_targets)
        created.refs[logical_id] = name


def custom_resources(template: Template, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Custom resources of one type (e.g. the catalogue seed), for the local stack to run itself."""
    yield from resources(template, resource_type)
