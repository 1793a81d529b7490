"""S3 and CloudFormation answered on loopback, for the ASK CLI's cfn-deployer in the tests.

Neither service runs off AWS, so this is a stand-in, kept to the calls the
deployer makes (tests/test_ask_cli.py drives the CLI's real code and the real
AWS SDK, pointed here with AWS_ENDPOINT_URL). It speaks the wire protocols the
SDK speaks (S3's REST XML, CloudFormation's query protocol), reads the region
each call was signed for from its SigV4 credential scope, and checks a stack's
parameters against its template as CloudFormation does: undeclared, missing or
disallowed values are refused with CloudFormation's ValidationError.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from cfnlint.decode import cfn_yaml  # type: ignore[import-untyped]

ACCOUNT = "123456789012"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9]+)/aws4_request")
_CFN_NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"


@dataclass
class Stack:
    """A stack as created: where, from what, and the outputs it answers with."""

    region: str
    name: str
    stack_id: str
    parameters: dict[str, str]
    capabilities: list[str]
    resources: dict[str, str]
    outputs: dict[str, str]


@dataclass
class Bucket:
    region: str
    versioning: str = ""
    objects: dict[str, bytes] = field(default_factory=dict)


@dataclass
class AwsOnLoopback:
    """What the deployer did: buckets, objects and stacks, by region."""

    buckets: dict[str, Bucket] = field(default_factory=dict)
    stacks: dict[str, Stack] = field(default_factory=dict)
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # (service, region, action)
    lock: threading.Lock = field(default_factory=threading.Lock)


class CloudFormationError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_parameters(template: dict[str, Any], given: dict[str, str]) -> None:
    """CloudFormation's own checks on a stack's parameter values."""
    declared = template.get("Parameters", {})
    for name in given:
        if name not in declared:
            raise CloudFormationError(
                "ValidationError", f"Parameters: [{name}] do not exist in the template"
            )
    missing = [n for n, p in declared.items() if n not in given and "Default" not in p]
    if missing:
        raise CloudFormationError(
            "ValidationError", f"Parameters: [{', '.join(missing)}] must have values"
        )
    for name, value in given.items():
        spec = declared[name]
        allowed = [str(v) for v in spec.get("AllowedValues", [])]
        pattern = spec.get("AllowedPattern")
        if (allowed and value not in allowed) or (
            pattern and value and not re.fullmatch(pattern, value)
        ):
            raise CloudFormationError(
                "ValidationError", f"Parameter '{name}' failed to satisfy constraint"
            )


def create_stack(state: AwsOnLoopback, region: str, form: dict[str, str]) -> Stack:
    """A stack in ``region``: names made from the stack name, as CloudFormation makes them."""
    name = form["StackName"]
    template = cfn_yaml.loads(form["TemplateBody"])
    parameters = _members(form, "Parameters", ("ParameterKey", "ParameterValue"))
    check_parameters(template, parameters)
    capabilities = [v for k, v in sorted(form.items()) if k.startswith("Capabilities.member.")]
    if "CAPABILITY_IAM" not in capabilities:
        raise CloudFormationError("InsufficientCapabilitiesException", "Requires [CAPABILITY_IAM]")
    suffix = hashlib.sha256(f"{region}/{name}".encode()).hexdigest()[:12].upper()
    resources = {logical: f"{name}-{logical}-{suffix}" for logical in template["Resources"]}
    function = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{resources['SkillFunction']}"
    outputs = {
        "SkillEndpoint": f"{function}:live",
        "FunctionArn": function,
        "TableName": resources["MemoryTable"],
    }
    stack_id = f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/{name}/{suffix.lower()}"
    return Stack(region, name, stack_id, parameters, capabilities, resources, outputs)


def _members(form: dict[str, str], prefix: str, pair: tuple[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    index = 1
    while f"{prefix}.member.{index}.{pair[0]}" in form:
        key = form[f"{prefix}.member.{index}.{pair[0]}"]
        found[key] = form.get(f"{prefix}.member.{index}.{pair[1]}", "")
        index += 1
    return found


def _stack_xml(stack: Stack) -> str:
    outputs = "".join(
        f"<member><OutputKey>{k}</OutputKey><OutputValue>{escape(v)}</OutputValue></member>"
        for k, v in stack.outputs.items()
    )
    return (
        f"<member><StackId>{escape(stack.stack_id)}</StackId><StackName>{stack.name}</StackName>"
        "<CreationTime>2026-01-01T00:00:00Z</CreationTime>"
        f"<StackStatus>CREATE_COMPLETE</StackStatus><Outputs>{outputs}</Outputs></member>"
    )


def _dechunk(body: bytes) -> bytes:
    """The payload of an aws-chunked body (what the SDK sends with a trailing checksum)."""
    out = b""
    while body:
        header, _, rest = body.partition(b"\r\n")
        size = int(header.split(b";", 1)[0], 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return out


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reports what it checks."""

    def _scope(self) -> tuple[str, str]:
        found = _SCOPE.search(self.headers.get("Authorization", ""))
        return (found[1], found[2]) if found else ("", "")

    def _body(self) -> bytes:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "aws-chunked" in self.headers.get("Content-Encoding", ""):
            return _dechunk(body)
        return body

    def _send(self, status: int, body: str = "", headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_POST(self) -> None:
        region, service = self._scope()
        if service != "cloudformation":
            self._send(400, "<Error><Code>NotImplemented</Code></Error>")
            return
        form = {k: v[0] for k, v in parse_qs(self._body().decode(), keep_blank_values=True).items()}
        action = form.get("Action", "")
        state = self.server.state
        with state.lock:
            state.calls.append((service, region, action))
            try:
                result = self._cloudformation(state, region, action, form)
            except CloudFormationError as error:
                self._send(
                    400,
                    f'<ErrorResponse xmlns="{_CFN_NS}"><Error><Type>Sender</Type>'
                    f"<Code>{error.code}</Code><Message>{escape(str(error))}</Message></Error>"
                    "<RequestId>loopback</RequestId></ErrorResponse>",
                )
                return
        self._send(
            200,
            f'<{action}Response xmlns="{_CFN_NS}"><{action}Result>{result}</{action}Result>'
            f"<ResponseMetadata><RequestId>loopback</RequestId></ResponseMetadata></{action}Response>",
        )

    def _cloudformation(
        self, state: AwsOnLoopback, region: str, action: str, form: dict[str, str]
    ) -> str:
        if action == "CreateStack":
            stack = create_stack(state, region, form)
            state.stacks[stack.stack_id] = stack
            return f"<StackId>{escape(stack.stack_id)}</StackId>"
        if action in {"DescribeStacks", "DescribeStackEvents"}:
            stack_ = state.stacks.get(form.get("StackName", ""))
            if stack_ is None or stack_.region != region:
                raise CloudFormationError("ValidationError", "Stack does not exist")
            if action == "DescribeStackEvents":
                return "<StackEvents></StackEvents>"
            return f"<Stacks>{_stack_xml(stack_)}</Stacks>"
        raise CloudFormationError("InvalidAction", f"{action} is not answered here")

    def _s3(self) -> None:
        region, service = self._scope()
        parts = urlsplit(self.path)
        bucket_name, _, key = parts.path.lstrip("/").partition("/")
        query = parse_qs(parts.query, keep_blank_values=True)
        body = self._body() if self.command == "PUT" else b""
        state = self.server.state
        with state.lock:
            state.calls.append((service, region, f"{self.command} {parts.path}?{parts.query}"))
            bucket = state.buckets.get(bucket_name)
            if self.command == "PUT" and not key and "versioning" not in query:
                where = re.search(rb"<LocationConstraint>([^<]+)</LocationConstraint>", body)
                state.buckets[bucket_name] = Bucket(where[1].decode() if where else "us-east-1")
                self._send(200, headers={"Location": f"/{bucket_name}"})
                return
            if bucket is None:
                self._send(404, "<Error><Code>NoSuchBucket</Code></Error>")
                return
            if bucket.region != region:
                self._send(301, "<Error><Code>PermanentRedirect</Code></Error>")
                return
            if self.command == "HEAD":
                self._send(200, headers={"x-amz-bucket-region": bucket.region})
            elif "versioning" in query and self.command == "GET":
                status = f"<Status>{bucket.versioning}</Status>" if bucket.versioning else ""
                self._send(200, f"<VersioningConfiguration>{status}</VersioningConfiguration>")
            elif "versioning" in query:
                found = re.search(rb"<Status>([^<]+)</Status>", body)
                bucket.versioning = found[1].decode() if found else ""
                self._send(200)
            elif self.command == "PUT" and key:
                bucket.objects[key] = body
                version = hashlib.sha256(body).hexdigest()[:32]
                etag = hashlib.md5(body).hexdigest()  # noqa: S324 - S3's ETag is an MD5
                self._send(200, headers={"ETag": f'"{etag}"', "x-amz-version-id": version})
            else:
                self._send(400, "<Error><Code>NotImplemented</Code></Error>")

    do_HEAD = _s3  # noqa: N815
    do_GET = _s3  # noqa: N815
    do_PUT = _s3  # noqa: N815


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: AwsOnLoopback


class AwsLoopbackServer:
    """The stand-in on 127.0.0.1, in a thread: ``with AwsLoopbackServer() as aws: aws.url``."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = AwsOnLoopback()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def state(self) -> AwsOnLoopback:
        return self._server.state

    def __enter__(self) -> AwsLoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
