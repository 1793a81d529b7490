"""The pinned ASK CLI, and its own deploy code run offline against this project.

`ask deploy` uploads the skill package, builds the code, deploys the stack and
then rewrites the manifest's endpoints from the stack output. tests/ask_cli.js
runs the CLI's controllers for every step after the upload, with only the
CloudFormation call and the final SMAPI upload replaced, so these tests see
what the real CLI 2.30.7 would build and write for this project.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from skill_tools import deployed_replay, lambda_zip, node_tools, skill_package
from skill_tools.paths import REPO_ROOT
from tests.test_manifest import ENVELOPE, roundtrip

DRIVER = REPO_ROOT / "tests" / "ask_cli.js"
TOOLS_PACKAGE = REPO_ROOT / "tools" / "package.json"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:back-massage-guide:live"
REPLAYS = sorted((REPO_ROOT / "replays").glob("*.json"))

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None, reason="needs Node.js and npm"
)


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Deployed:
    project: Path
    result: dict[str, Any]
    uploaded_first: dict[str, Any]  # the manifest the skill package upload sent
    manifest: dict[str, Any]  # the manifest after the CLI's post-deploy update


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    """A first `ask deploy` of a fresh clone, in a scratch copy of the project."""
    node_tools.ensure_installed("ask-cli")
    project = tmp_path_factory.mktemp("project")
    shutil.copyfile(REPO_ROOT / "ask-resources.json", project / "ask-resources.json")
    shutil.copytree(
        REPO_ROOT / "lambda", project / "lambda", ignore=shutil.ignore_patterns("__pycache__")
    )
    (project / "hooks").symlink_to(REPO_ROOT / "hooks", target_is_directory=True)
    package_dir = project / "dist" / "skill-package"
    skill_package.build_skill_package(package_dir)  # `make package` before any deploy: no ARN known
    uploaded_first = load(package_dir / "skill.json")
    result_file = project / "result.json"
    result = drive("deploy", str(project), ARN, result_file=result_file)
    return Deployed(project, result, uploaded_first, load(package_dir / "skill.json"))


def drive(*args: str, result_file: Path) -> Any:
    """Run a command of tests/ask_cli.js; its result, as JSON."""
    proc = subprocess.run(
        ["node", str(DRIVER), *args, str(result_file)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return load(result_file)


def test_make_ask_cli_gives_a_working_pinned_cli(tmp_path: Path) -> None:
    ask = node_tools.ensure_installed("ask-cli").parent / ".bin" / "ask"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    proc = subprocess.run(
        [str(ask), "--version"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr  # unpatched 2.30.7 dies: Class extends value undefined
    assert proc.stdout.strip() == load(TOOLS_PACKAGE)["dependencies"]["ask-cli"]


@pytest.mark.slow
def test_the_cli_builds_the_zip_make_package_builds(deployed: Deployed, tmp_path: Path) -> None:
    (build,) = deployed.result["builds"]
    assert build["buildFlow"] == "CustomBuildFlow", "hooks/build.sh must win over the pip flow"
    reference = lambda_zip.build_lambda_zip(tmp_path / "lambda.zip")  # what `make package` writes
    assert Path(build["file"]).read_bytes() == reference.path.read_bytes()
    (call,) = deployed.result["deployerCalls"]
    assert call["codeBuild"] == build["file"], "the deployer uploads what the hook built"


@pytest.mark.slow
def test_one_deploy_writes_the_custom_and_the_events_endpoint(deployed: Deployed) -> None:
    before = deployed.uploaded_first["manifest"]
    # The first upload creates the skill: no placeholder ARN, and no events
    # block, which SMAPI refuses without an endpoint.
    assert "endpoint" not in before["apis"]["custom"]
    assert "events" not in before
    after = deployed.manifest["manifest"]
    assert set(after["apis"]) == {"custom"}, "an apis.events domain is not in the SMAPI model"
    assert after["apis"]["custom"]["endpoint"] == {"uri": ARN}
    assert after["events"] == {
        "endpoint": {"uri": ARN},
        "subscriptions": [{"eventName": "SKILL_DISABLED"}],
    }
    assert deployed.result["enable"] == "enabled", "one api domain, so `ask deploy` enables it"
    # The icons are file:// package assets, so the CLI re-imports the whole package.
    assert deployed.result["upload"] == "skill package"
    _, back = roundtrip(deployed.project / "dist" / "skill-package" / "skill.json", ENVELOPE)
    assert back == deployed.manifest, "the CLI wrote fields SMAPI's model does not know"


@pytest.mark.slow
def test_the_next_package_build_agrees_with_what_the_cli_wrote(
    deployed: Deployed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(skill_package, "ASK_STATES", deployed.project / ".ask" / "ask-states.json")
    assert skill_package.deployed_endpoint() == ARN  # read from the state the CLI recorded
    skill_package.build_skill_package(tmp_path / "skill-package", endpoint_arn=ARN)
    assert load(tmp_path / "skill-package" / "skill.json") == deployed.manifest


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
