"""dist/lambda.zip: what it holds, that it is reproducible, and that it runs as Lambda runs it."""

from __future__ import annotations

import hashlib
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

from skill_tools import lambda_zip, node_tools, package, skill_package
from skill_tools.envelopes import Session
from skill_tools.paths import LAMBDA_DIR, REPO_ROOT
from tests.test_manifest import ENVELOPE, roundtrip

SITE_PACKAGES = Path(next(p for p in sys.path if p.endswith("site-packages")))


@dataclass(frozen=True)
class Built:
    first: lambda_zip.LambdaBuild
    second: lambda_zip.LambdaBuild


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The zip, built twice from the same sources in different folders."""
    one = lambda_zip.build_lambda_zip(tmp_path_factory.mktemp("one") / "lambda.zip")
    two = lambda_zip.build_lambda_zip(tmp_path_factory.mktemp("two") / "lambda.zip")
    return Built(one, two)


def names(build: lambda_zip.LambdaBuild) -> list[str]:
    with zipfile.ZipFile(build.path) as zf:
        return zf.namelist()


@pytest.mark.slow
@pytest.mark.subprocess
def test_reproducible_and_small(built: Built) -> None:
    assert built.first.sha256 == built.second.sha256
    assert built.first.path.read_bytes() == built.second.path.read_bytes()
    assert built.first.sha256 == hashlib.sha256(built.first.path.read_bytes()).hexdigest()
    assert built.first.size < lambda_zip.MAX_ZIP_BYTES
    assert built.first.size == built.first.path.stat().st_size


@pytest.mark.slow
@pytest.mark.subprocess
def test_entries_have_fixed_metadata(built: Built) -> None:
    with zipfile.ZipFile(built.first.path) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0), info.filename
            assert info.external_attr >> 16 == 0o100644, info.filename
            assert not info.is_dir()
        assert zf.testzip() is None


@pytest.mark.slow
@pytest.mark.subprocess
def test_contents_code_data_and_dependencies(built: Built) -> None:
    entries = set(names(built.first))
    assert "lambda_function.py" in entries  # the handler at the zip root
    assert "massage_guide/__init__.py" in entries
    assert "massage_guide/skill_builder.py" in entries
    source_locales = {
        f"massage_guide/locales/{p.name}"
        for p in (LAMBDA_DIR / "massage_guide" / "locales").glob("*.json")
    }
    assert source_locales and source_locales <= entries  # non-.py data files ship too
    for dependency in ("ask_sdk_core", "ask_sdk_model", "ask_sdk_runtime", "requests", "dateutil"):
        assert f"{dependency}/__init__.py" in entries
    tops = {name.split("/", 1)[0].split("-", 1)[0].lower() for name in entries}
    assert not tops & lambda_zip.RUNTIME_PROVIDED, "boto3 & co. come with the Lambda runtime"
    local_nlu = {"sklearn", "scikit_learn", "numpy", "scipy", "joblib", "threadpoolctl"}
    assert not tops & local_nlu, "the local NLU's libraries are development tools, never shipped"
    assert not any(name.endswith(".so") for name in entries), "pure Python, any architecture"
    assert not any(name.startswith(("bin/", "tests/")) for name in entries)
    info_files = {name.rsplit("/", 1)[-1] for name in entries if ".dist-info/" in name}
    assert "METADATA" in info_files
    assert not info_files & {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


@pytest.mark.slow
@pytest.mark.subprocess
def test_bytecode_only_for_the_target_runtime(built: Built) -> None:
    entries = names(built.first)
    pycs = [n for n in entries if n.endswith(".pyc")]
    if built.first.bytecode_for is None:
        assert pycs == [], "no interpreter for the target: .py only"
        pytest.skip("no interpreter of the target Python version on this machine")
    tag = "cpython-" + built.first.bytecode_for.replace(".", "")
    assert all(f".{tag}.pyc" in n and "/__pycache__/" in f"/{n}" for n in pycs)
    sources = [n for n in entries if n.endswith(".py")]
    for source in sources:
        folder, _, stem = source.rpartition("/")
        prefix = f"{folder}/" if folder else ""
        assert f"{prefix}__pycache__/{stem[:-3]}.{tag}.pyc" in pycs, source
    with zipfile.ZipFile(built.first.path) as zf:
        for name in pycs[:50] + [n for n in pycs if n.startswith("massage_guide/")]:
            header = zf.read(name)[:16]
            flags = int.from_bytes(header[4:8], "little")
            assert flags == 0b01, f"{name}: not an unchecked-hash .pyc"
        handler = zf.read(f"__pycache__/lambda_function.{tag}.pyc")
        assert b"/var/task/lambda_function.py" in handler
        assert b"lambda-build-" not in handler, "build folder leaked into the bytecode"


@pytest.mark.subprocess
def test_no_interpreter_for_an_unknown_version() -> None:
    assert lambda_zip.find_target_interpreter("2.0") is None


def test_requirements_must_be_exact_pins(tmp_path: Path) -> None:
    loose = tmp_path / "requirements.txt"
    loose.write_text("ask-sdk-core>=1.19\n")
    with pytest.raises(ValueError, match="not an exact pin"):
        lambda_zip.ensure_wheelhouse(loose, tmp_path / "wheels")


# The child process: an isolated interpreter (-I: no env vars, no user site;
# -S: no site-packages) that sees only the unzipped task folder and a folder
# standing in for what the Lambda runtime adds (boto3, botocore, s3transfer,
# jmespath). It answers the envelopes from stdin like the Lambda runtime would
# and reports where every imported module came from.
RUNNER = r"""
import json, sys
task, runtime = sys.argv[1], sys.argv[2]
sys.path[:0] = [task, runtime]
import lambda_function
events = json.load(sys.stdin)
answers = [lambda_function.lambda_handler(event, None) for event in events]
files = sorted({getattr(m, "__file__", None) or "" for m in list(sys.modules.values())})
json.dump({"answers": answers, "files": [f for f in files if f],
           "stdlib": [p for p in sys.path[2:] if p]}, sys.stdout)
"""


def lambda_interpreter(build: lambda_zip.LambdaBuild) -> str:
    """The interpreter matching the shipped bytecode if there is one, else this one."""
    if build.bytecode_for:
        found = lambda_zip.find_target_interpreter(build.bytecode_for)
        assert found
        return found
    return sys.executable


def tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.mark.slow
@pytest.mark.subprocess
def test_zip_answers_requests_as_lambda_would(built: Built, tmp_path: Path) -> None:
    task = tmp_path / "task"
    with zipfile.ZipFile(built.first.path) as zf:
        zf.extractall(task)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    for name in sorted(lambda_zip.RUNTIME_PROVIDED):
        (runtime / name).symlink_to(SITE_PACKAGES / name, target_is_directory=True)
    before = tree(task)

    session = Session()
    events = [
        session.launch(),
        session.intent("WhyMassageHelpsIntent"),
        session.intent("AMAZON.HelpIntent"),
    ]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SKILL_ID": session.listener.skill_id,
        "USER_ID_HASH_KEY": "test-key-" + "x" * 32,
        "MEMORY_TTL_DAYS": "180",
        "LOG_LEVEL": "WARNING",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": str(task),
    }
    proc = subprocess.run(
        [lambda_interpreter(built.first), "-I", "-S", "-c", RUNNER, str(task), str(runtime)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)

    for event, answer in zip(events, report["answers"], strict=True):
        kind = event["request"]["type"]
        assert answer["version"] == "1.0", kind
        speech = answer["response"]["outputSpeech"]
        assert speech["type"] == "SSML", kind
        assert speech["ssml"].startswith("<speak>") and speech["ssml"].endswith("</speak>")
        assert len(speech["ssml"]) > len("<speak></speak>") + 20, kind
    assert report["answers"][0]["response"].get("shouldEndSession") is not True

    # Nothing came from the project's environment or sources, only the zip,
    # the stand-in runtime folder and the interpreter's standard library.
    allowed = (str(task), str(runtime), *report["stdlib"])
    strays = [f for f in report["files"] if not f.startswith(allowed)]
    assert strays == []
    assert any(f.startswith(str(task / "ask_sdk_core")) for f in report["files"])

    if built.first.bytecode_for:
        # Valid, matching .pyc for everything imported: the interpreter wrote none.
        assert tree(task) == before


# The skill package: icons and the privacy-policy and terms-of-use URLs.


def manifest_of(out: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((out / "skill.json").read_text(encoding="utf-8"))
    inner: dict[str, Any] = manifest["manifest"]
    return inner


def test_skill_package_carries_the_icons_skill_json_names(tmp_path: Path) -> None:
    written = skill_package.build_skill_package(tmp_path / "pkg")
    locales = manifest_of(tmp_path / "pkg")["publishingInformation"]["locales"]
    icons = {info[field] for info in locales.values() for field in skill_package.ICON_SIZES}
    assert icons == {"file://assets/icon-108.png", "file://assets/icon-512.png"}
    for uri in icons:
        relative = uri.removeprefix("file://")
        copied = tmp_path / "pkg" / relative
        assert copied in written
        assert copied.read_bytes() == (REPO_ROOT / relative).read_bytes()
    assert sorted(p.name for p in (tmp_path / "pkg" / "assets").iterdir()) == [
        "icon-108.png",
        "icon-512.png",
    ]


def skill_json_with(tmp_path: Path, **en_us: str) -> Path:
    """A copy of skill.json, beside a copy of assets/, with en-US fields replaced."""
    raw = json.loads((REPO_ROOT / "skill.json").read_text(encoding="utf-8"))
    raw["manifest"]["publishingInformation"]["locales"]["en-US"].update(en_us)
    shutil.copytree(REPO_ROOT / "assets", tmp_path / "assets")
    path = tmp_path / "skill.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("field", "uri", "complaint"),
    [
        ("smallIconUri", "file://assets/icon-512.png", "is 512x512, Alexa wants 108x108"),
        ("largeIconUri", "file://assets/icon.svg", "not a PNG"),
        ("smallIconUri", "file://assets/../skill.json", "not a file under assets/"),
        ("largeIconUri", "file://lambda/lambda_function.py", "not a file under assets/"),
    ],
)
def test_a_wrong_icon_fails_the_build(tmp_path: Path, field: str, uri: str, complaint: str) -> None:
    skill_json = skill_json_with(tmp_path, **{field: uri})
    with pytest.raises(ValueError, match=re.escape(complaint)):
        skill_package.build_skill_package(tmp_path / "pkg", skill_json=skill_json)


def test_policy_urls_come_from_configuration_for_every_locale(tmp_path: Path) -> None:
    urls = skill_package.policy_urls_from_environment(
        {
            "PRIVACY_POLICY_URL": " https://guide.example/{locale}/privacy ",
            "TERMS_OF_USE_URL": "",
        }
    )
    assert urls == {"privacyPolicyUrl": "https://guide.example/{locale}/privacy"}
    raw = json.loads((REPO_ROOT / "skill.json").read_text(encoding="utf-8"))
    locales = raw["manifest"]["publishingInformation"]["locales"]
    skill_json = tmp_path / "skill.json"
    skill_json.write_text(json.dumps(raw), encoding="utf-8")
    shutil.copytree(REPO_ROOT / "assets", tmp_path / "assets")
    skill_package.build_skill_package(tmp_path / "pkg", skill_json=skill_json, policy_urls=urls)
    compliance = manifest_of(tmp_path / "pkg")["privacyAndCompliance"]
    assert len(locales) > 1
    assert compliance["locales"] == {
        locale: {"privacyPolicyUrl": f"https://guide.example/{locale}/privacy"}
        for locale in locales
    }
    assert compliance["usesPersonalInfo"] is False  # the rest is carried over
    _, back = roundtrip(tmp_path / "pkg" / "skill.json", ENVELOPE)
    assert back == json.loads((tmp_path / "pkg" / "skill.json").read_text(encoding="utf-8")), (
        "the URL fields are where the SMAPI model has them"
    )


@pytest.mark.parametrize("url", ["guide.example/privacy", "ftp://guide.example/p", "https://"])
def test_a_policy_url_that_is_not_a_web_address_fails_the_build(url: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        skill_package.with_policy_urls({"manifest": {}}, {"privacyPolicyUrl": url})


@pytest.mark.slow
@pytest.mark.subprocess
def test_make_package_fills_the_urls_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRIVACY_POLICY_URL", "https://guide.example/privacy")
    monkeypatch.setenv("TERMS_OF_USE_URL", "https://guide.example/terms")
    out = ["--dist", str(tmp_path), "--skill-package", str(tmp_path / "skill-package")]
    assert package.main([*out, "--no-bytecode"]) == 0  # `make package`
    assert "policy URLs: set" in capsys.readouterr().out
    locale = manifest_of(tmp_path / "skill-package")["privacyAndCompliance"]["locales"]["en-US"]
    assert locale == {
        "privacyPolicyUrl": "https://guide.example/privacy",
        "termsOfUseUrl": "https://guide.example/terms",
    }


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
@pytest.mark.node
@pytest.mark.subprocess
def test_committed_icons_are_what_the_svg_renders_to(tmp_path: Path) -> None:
    node_tools.ensure_installed("@resvg/resvg-js")
    proc = subprocess.run(
        [str(node_tools.node()), str(REPO_ROOT / "tools" / "render-icons.js"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for size in skill_package.ICON_SIZES.values():
        rendered = (tmp_path / f"icon-{size}.png").read_bytes()
        assert skill_package.png_size(rendered) == (size, size)
        assert rendered == (REPO_ROOT / "assets" / f"icon-{size}.png").read_bytes(), (
            f"assets/icon-{size}.png is stale: run `make icons` after editing assets/icon.svg"
        )
