"""The pinned ASK CLI, and its own build and deploy code run offline against this project.

`ask deploy` uploads the skill package, builds the code, deploys a stack per Alexa
region and then rewrites the manifest's endpoints from the stack outputs.
tests/ask_cli.js runs the CLI's controllers for every step after the upload: the
real code builders, the real @ask-cli/cfn-deployer and the real AWS SDK, whose S3
and CloudFormation calls are answered on loopback (tests/aws_loopback.py, a
stand-in: neither service runs off AWS). Only the final SMAPI upload is replaced.
So these tests see what the real CLI 2.30.7 would build, send and write.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from skill_tools import deployed_replay, lambda_zip, node_tools, skill_package
from skill_tools.paths import REPO_ROOT
from tests.aws_loopback import AwsLoopbackServer, AwsOnLoopback
from tests.test_manifest import ENVELOPE, roundtrip

DRIVER = REPO_ROOT / "tests" / "ask_cli.js"
TOOLS_PACKAGE = REPO_ROOT / "tools" / "package.json"
REPLAYS = sorted((REPO_ROOT / "replays").glob("*.json"))
#: The AWS region each Alexa region's stack must land in.
AWS_REGION_OF = {"default": "us-east-1", "NA": "us-east-1", "EU": "eu-west-1", "FE": "us-west-2"}

pytestmark = [
    pytest.mark.node,
    pytest.mark.subprocess,
    pytest.mark.skipif(
        node_tools.node() is None or shutil.which("npm") is None, reason="needs Node.js and npm"
    ),
]


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Deployed:
    project: Path
    result: dict[str, Any]
    uploaded_first: dict[str, Any]  # the manifest the skill package upload sent
    manifest: dict[str, Any]  # the manifest after the CLI's post-deploy update
    aws: AwsOnLoopback


def scratch_project(root: Path) -> Path:
    """A fresh clone's project files, as `ask deploy` sees them (no dist/, no .ask/)."""
    project = root / "back-massage-guide"
    project.mkdir()
    shutil.copyfile(REPO_ROOT / "ask-resources.json", project / "ask-resources.json")
    for folder in ("lambda", "skill-package", "infrastructure"):
        shutil.copytree(
            REPO_ROOT / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    return project


def configured_home(root: Path) -> Path:
    """A HOME as `ask configure` leaves it: an ASK profile linked to an AWS profile."""
    home = root / "home"
    (home / ".ask").mkdir(parents=True)
    (home / ".aws").mkdir()
    (home / ".ask" / "cli_config").write_text(
        json.dumps({"profiles": {"default": {"aws_profile": "ask-loopback"}}}), encoding="utf-8"
    )
    (home / ".aws" / "credentials").write_text(
        "[ask-loopback]\naws_access_key_id = AKIALOOPBACK\naws_secret_access_key = loopback\n",
        encoding="utf-8",
    )
    return home


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    """A first `ask deploy` of a fresh clone, in a scratch copy of the project."""
    node_tools.ensure_installed("ask-cli")
    root = tmp_path_factory.mktemp("deploy")
    project = scratch_project(root)
    (project / "hooks").symlink_to(REPO_ROOT / "hooks", target_is_directory=True)
    assert not (project / "dist").exists()
    uploaded_first = load(project / "skill-package" / "skill.json")
    with AwsLoopbackServer() as aws:
        env = {
            "HOME": str(configured_home(root)),
            "AWS_ENDPOINT_URL": aws.url,
            "AWS_CONFIG_FILE": str(root / "home" / ".aws" / "config"),
        }
        result = drive("deploy", str(project), result_file=root / "result.json", env=env)
    return Deployed(
        project, result, uploaded_first, load(project / "skill-package" / "skill.json"), aws.state
    )


def drive(*args: str, result_file: Path, env: dict[str, str] | None = None) -> Any:
    """Run a command of tests/ask_cli.js under the project's Node; its result, as JSON."""
    node = node_tools.node()
    assert node is not None
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run(
        [node, str(DRIVER), *args, str(result_file)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**base, **(env or {})},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return load(result_file)


def test_make_ask_cli_gives_a_working_pinned_cli(tmp_path: Path) -> None:
    ask = node_tools.ensure_installed("ask-cli").parent / ".bin" / "ask"
    env = {"PATH": node_tools.node_path_env(), "HOME": str(tmp_path)}
    proc = subprocess.run(
        [str(ask), "--version"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr  # unpatched 2.30.7 dies: Class extends value undefined
    assert proc.stdout.strip() == load(TOOLS_PACKAGE)["dependencies"]["ask-cli"]


@pytest.mark.slow
def test_the_cli_builds_the_zip_make_package_builds(deployed: Deployed, tmp_path: Path) -> None:
    (build,) = deployed.result["builds"]
    assert build["buildFlow"] == "CustomBuildFlow", "hooks/build.sh must win over the pip flow"
    assert sorted(build["regionsList"]) == sorted(AWS_REGION_OF), "one build for every region"
    reference = lambda_zip.build_lambda_zip(tmp_path / "lambda.zip")  # what `make package` writes
    built = Path(build["file"]).read_bytes()
    assert built == reference.path.read_bytes()
    uploads = [data for bucket in deployed.aws.buckets.values() for data in bucket.objects.values()]
    assert uploads == [built] * 3, "each region's stack gets the zip the hook built"


@pytest.mark.slow
def test_a_stack_per_alexa_region_in_its_aws_region(deployed: Deployed) -> None:
    stacks = sorted(deployed.aws.stacks.values(), key=lambda s: s.region)
    assert [s.region for s in stacks] == ["eu-west-1", "us-east-1", "us-west-2"]
    template = (REPO_ROOT / "infrastructure" / "skill-stack.yaml").read_text(encoding="utf-8")
    for stack in stacks:
        params = stack.parameters
        assert params["SkillId"] == deployed.result["skillId"]
        assert params["LambdaRuntime"] == "python3.13"
        assert params["LambdaHandler"] == "lambda_function.lambda_handler"
        assert params["MemoryTtlDays"] == "180" and params["LogLevel"] == "INFO"
        bucket = deployed.aws.buckets[params["CodeBucket"]]
        assert bucket.region == stack.region, "the code sits in the stack's own region"
        assert bucket.versioning == "Enabled" and params["CodeVersion"]
        assert params["CodeKey"] in bucket.objects
        assert stack.capabilities == ["CAPABILITY_IAM"]
        assert re.fullmatch(r"ask-BackMassageGuide-(default|EU|FE)-skillStack-\d+", stack.name)
    # Every call went to the region of what it touched: SigV4 scopes, stack by stack.
    for service, region, action in deployed.aws.calls:
        assert region in {s.region for s in stacks}, (service, region, action)
    assert "DYNAMODB_TABLE: !Ref MemoryTable" in template, "each function uses its own table"


@pytest.mark.slow
def test_each_alexa_region_gets_its_own_endpoint(deployed: Deployed) -> None:
    by_region = {s.region: s.outputs["SkillEndpoint"] for s in deployed.aws.stacks.values()}
    after = deployed.manifest["manifest"]
    custom = after["apis"]["custom"]
    assert custom["endpoint"] == {"uri": by_region["us-east-1"]}
    regions = {r: holder["endpoint"]["uri"] for r, holder in custom["regions"].items()}
    assert regions == {r: by_region[AWS_REGION_OF[r]] for r in ("NA", "EU", "FE")}
    events = {r: holder["endpoint"]["uri"] for r, holder in after["events"]["regions"].items()}
    assert events == regions, "SKILL_DISABLED reaches the region that holds the record"
    states = deployed.result["deployState"]
    assert {r: s["outputs"][0]["OutputValue"] for r, s in states.items()} == {
        r: by_region[AWS_REGION_OF[r]] for r in AWS_REGION_OF
    }
    assert skill_package.deployed_endpoints(deployed.project / ".ask" / "ask-states.json") == {
        r: by_region[AWS_REGION_OF[r]] for r in AWS_REGION_OF
    }


@pytest.mark.slow
def test_one_deploy_writes_the_custom_and_the_events_endpoint(deployed: Deployed) -> None:
    before = deployed.uploaded_first["manifest"]
    # The first upload creates the skill: no placeholder ARN, and no events
    # block, which SMAPI refuses without an endpoint.
    assert "endpoint" not in before["apis"]["custom"] and "regions" not in before["apis"]["custom"]
    assert "events" not in before
    after = deployed.manifest["manifest"]
    arn = after["apis"]["custom"]["endpoint"]["uri"]
    assert arn.startswith("arn:aws:lambda:us-east-1:") and arn.endswith(":live")
    assert set(after["apis"]) == {"custom"}, "an apis.events domain is not in the SMAPI model"
    assert after["events"]["endpoint"] == {"uri": arn}
    assert after["events"]["subscriptions"] == [{"eventName": "SKILL_DISABLED"}]
    assert deployed.result["enable"] == "enabled", "one api domain, so `ask deploy` enables it"
    # The icons are file:// package assets, so the CLI re-imports the whole package.
    assert deployed.result["upload"] == "skill package"
    _, back = roundtrip(deployed.project / "skill-package" / "skill.json", ENVELOPE)
    assert back == deployed.manifest, "the CLI wrote fields SMAPI's model does not know"


@pytest.mark.slow
def test_the_next_package_build_agrees_with_what_the_cli_wrote(
    deployed: Deployed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    states = deployed.project / ".ask" / "ask-states.json"
    monkeypatch.setattr(skill_package, "ASK_STATES", states)
    endpoints = skill_package.deployed_endpoints()
    assert skill_package.deployed_endpoint() == endpoints["default"]
    skill_package.build_skill_package(tmp_path / "from-states", endpoint_arn=endpoints)
    assert load(tmp_path / "from-states" / "skill.json") == deployed.manifest
    # Regenerating the committed package after a deploy keeps what the CLI wrote.
    skill_package.build_skill_package(tmp_path / "kept", previous=deployed.manifest)
    assert load(tmp_path / "kept" / "skill.json") == deployed.manifest


@pytest.mark.slow
def test_the_default_pip_flow_builds_a_working_zip(tmp_path: Path) -> None:
    """No hooks/: the CLI pip-installs lambda/requirements.txt itself (from our wheelhouse)."""
    node_tools.ensure_installed("ask-cli")
    project = scratch_project(tmp_path)
    wheels = lambda_zip.ensure_wheelhouse()
    env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}
    result = drive("build", str(project), "linux", result_file=tmp_path / "r.json", env=env)
    (build,) = result["builds"]
    assert build["buildFlow"] == "PythonPipBuildFlow"
    with zipfile.ZipFile(build["file"]) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "task")
    assert {"lambda_function.py", "massage_guide/__init__.py", "ask_sdk_core/__init__.py"} <= names
    answer = subprocess.run(
        [sys.executable, "-I", "-c", LAUNCH_SCRIPT],
        cwd=tmp_path / "task",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(tmp_path / "task")},
    )
    assert answer.returncode == 0, answer.stderr
    assert "Back Massage Guide" in answer.stdout or "massage" in answer.stdout.lower()


#: A LaunchRequest through the unpacked zip's handler; prints the spoken answer.
LAUNCH_SCRIPT = """
import json, sys
sys.path.insert(0, ".")
import lambda_function
event = {
    "version": "1.0",
    "session": {"new": True, "sessionId": "s", "application": {"applicationId": "a"},
                "user": {"userId": "u"}},
    "context": {"System": {"application": {"applicationId": "a"}, "user": {"userId": "u"},
                "device": {"deviceId": "d", "supportedInterfaces": {}}, "apiEndpoint": "x"}},
    "request": {"type": "LaunchRequest", "requestId": "r", "timestamp": "2026-01-01T00:00:00Z",
                "locale": "en-US"},
}
print(json.dumps(lambda_function.lambda_handler(event, None)))
"""


@pytest.mark.slow
def test_the_hook_flow_builds_the_make_package_zip_on_linux(tmp_path: Path) -> None:
    node_tools.ensure_installed("ask-cli")
    project = scratch_project(tmp_path)
    (project / "hooks").symlink_to(REPO_ROOT / "hooks", target_is_directory=True)
    result = drive("build", str(project), "linux", result_file=tmp_path / "r.json")
    (build,) = result["builds"]
    assert build["buildFlow"] == "CustomBuildFlow" and result["hook"].endswith("build.sh")
    reference = lambda_zip.build_lambda_zip(tmp_path / "lambda.zip")
    assert Path(build["file"]).read_bytes() == reference.path.read_bytes()


def test_on_windows_the_cli_runs_build_ps1_with_the_output_file(tmp_path: Path) -> None:
    """The CLI's Windows path, up to the shell: no PowerShell runs here to go further."""
    node_tools.ensure_installed("ask-cli")
    project = scratch_project(tmp_path)
    (project / "hooks").symlink_to(REPO_ROOT / "hooks", target_is_directory=True)
    result = drive("build", str(project), "win32", result_file=tmp_path / "r.json")
    (build,) = result["builds"]
    assert build["buildFlow"] == "CustomBuildFlow"
    assert result["hook"] == str(project / "hooks" / "build.ps1")
    (command,) = result["commands"]
    assert command == (
        f"PowerShell.exe -Command \"& {{& '{result['hook']}' '{build['file']}' $False }}\""
    )


@pytest.mark.parametrize("replay", REPLAYS, ids=lambda p: p.stem)
def test_project_replay_files_read_as_ask_dialog_reads_them(replay: Path, tmp_path: Path) -> None:
    node_tools.ensure_installed("ask-cli")
    read = drive("replay", str(replay), result_file=tmp_path / "read.json")
    written = load(replay)
    assert read == {
        "skillId": written["skillId"],
        "locale": "en-US",
        "userInputs": [said.strip() for said in written["userInput"]],
    }


@pytest.mark.slow
def test_ask_dialog_replays_against_the_deployed_skill(deployed: Deployed, tmp_path: Path) -> None:
    states = deployed.project / ".ask" / "ask-states.json"
    skill_id = deployed_replay.deployed_skill_id(states)
    assert skill_id == deployed.result["skillId"]  # what the CLI recorded
    out = tmp_path / "replay.json"
    assert deployed_replay.main([str(REPLAYS[0]), str(out), "--states", str(states)]) == 0
    read = drive("replay", str(out), result_file=tmp_path / "read.json")
    assert read["skillId"] == skill_id
    assert read["userInputs"] == load(REPLAYS[0])["userInput"]


def test_no_deployed_skill_means_deploy_first(tmp_path: Path) -> None:
    with pytest.raises(LookupError, match="run make deploy"):
        deployed_replay.deployed_skill_id(tmp_path / "missing.json")
    code = deployed_replay.main(
        [str(REPLAYS[0]), str(tmp_path / "out.json"), "--states", str(tmp_path / "none.json")]
    )
    assert code == 2 and not (tmp_path / "out.json").exists()
