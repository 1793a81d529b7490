"""The committed skill-package/ is what `make skill-package` makes from the sources.

skill.json, interaction_models/ and assets/ are the sources; skill-package/ is the
copy `ask deploy` reads (ask-resources.json) and `ask smapi export-package` gives
back. Regenerate it with `make skill-package` after editing a source.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from skill_tools import lambda_zip, skill_package
from skill_tools.paths import REPO_ROOT

COMMITTED = REPO_ROOT / "skill-package"
ARN = "arn:aws:lambda:{region}:123456789012:function:stack-SkillFunction-X:live"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_committed_skill_package_is_what_the_generator_makes(tmp_path: Path) -> None:
    committed = skill_package.read_manifest(COMMITTED)
    assert committed is not None, "skill-package/skill.json is missing: run make skill-package"
    # What a deploy wrote into the working copy (endpoints, policy URLs) is kept.
    skill_package.build_skill_package(tmp_path / "fresh", previous=committed)
    fresh, ours = tree(tmp_path / "fresh"), tree(COMMITTED)
    stale = sorted(name for name in fresh.keys() | ours.keys() if fresh.get(name) != ours.get(name))
    assert not stale, f"skill-package/ differs from its sources in {stale}: run make skill-package"


def test_a_source_edit_shows_as_a_difference(tmp_path: Path) -> None:
    """The check above can fail: a changed sample utterance is caught."""
    models = tmp_path / "models"
    shutil.copytree(REPO_ROOT / "interaction_models", models)
    model = json.loads((models / "en-US.json").read_text(encoding="utf-8"))
    model["interactionModel"]["languageModel"]["invocationName"] = "changed guide"
    (models / "en-US.json").write_text(json.dumps(model), encoding="utf-8")
    skill_package.build_skill_package(tmp_path / "pkg", models=models)
    assert tree(tmp_path / "pkg") != tree(COMMITTED)


def test_the_committed_copy_is_a_fresh_clones(tmp_path: Path) -> None:
    """No developer's endpoint or URL is committed: `ask deploy` writes its own."""
    manifest = json.loads((COMMITTED / "skill.json").read_text(encoding="utf-8"))
    assert skill_package.endpoints_in(manifest) == {}
    assert "http" not in json.dumps(manifest)
    assert manifest["manifest"]["privacyAndCompliance"]["usesHealthInfo"] is False


def test_regenerating_keeps_what_ask_deploy_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(skill_package, "ASK_STATES", tmp_path / "no-states.json")
    out = tmp_path / "skill-package"
    skill_package.build_skill_package(out)
    manifest = json.loads((out / "skill.json").read_text(encoding="utf-8"))
    written = {r: ARN.format(region=a) for r, a in skill_package.ALEXA_REGIONS.items()}
    deployed = skill_package.resolve_endpoints(
        json.loads(skill_package.SKILL_JSON.read_text(encoding="utf-8")), written
    )
    manifest["manifest"]["apis"] = deployed["manifest"]["apis"]
    manifest["manifest"]["events"] = deployed["manifest"]["events"]
    (out / "skill.json").write_text(json.dumps(manifest), encoding="utf-8")
    files = skill_package.regenerate(
        out, environ={"PRIVACY_POLICY_URL": "https://guide.example/privacy.{language}.html"}
    )
    again = json.loads(files[0].read_text(encoding="utf-8"))
    assert skill_package.endpoints_in(again) == written
    policies = again["manifest"]["privacyAndCompliance"]["locales"]
    assert policies["de-DE"] == {"privacyPolicyUrl": "https://guide.example/privacy.de.html"}
    assert policies["es-MX"] == {"privacyPolicyUrl": "https://guide.example/privacy.es.html"}
    assert policies["en-IN"] == {"privacyPolicyUrl": "https://guide.example/privacy.en.html"}
    line = skill_package.describe(files)
    assert "endpoints: EU, FE, NA, default" in line
    assert "policy URLs: not set (TERMS_OF_USE_URL" in line
    # And the URLs stay when the next regeneration has no environment.
    kept = skill_package.regenerate(out, environ={})
    assert skill_package.policy_urls_in(json.loads(kept[0].read_text(encoding="utf-8"))) == {
        locale: urls for locale, urls in skill_package.policy_urls_in(again).items()
    }


def test_a_region_without_a_deploy_loses_its_placeholder() -> None:
    source = json.loads(skill_package.SKILL_JSON.read_text(encoding="utf-8"))
    only_default = skill_package.resolve_endpoints(source, ARN.format(region="us-east-1"))
    custom = only_default["manifest"]["apis"]["custom"]
    assert custom["endpoint"]["uri"].startswith("arn:aws:lambda:us-east-1:")
    assert "regions" not in custom and "regions" not in only_default["manifest"]["events"]
    assert skill_package.ENDPOINT_PLACEHOLDER not in json.dumps(only_default)


def test_the_source_names_an_endpoint_for_every_alexa_region() -> None:
    source = json.loads(skill_package.SKILL_JSON.read_text(encoding="utf-8"))["manifest"]
    for domain in (source["apis"]["custom"], source["events"]):
        assert set(domain["regions"]) == {"NA", "EU", "FE"}
        for holder in domain["regions"].values():
            assert holder == {"endpoint": {"uri": skill_package.ENDPOINT_PLACEHOLDER}}


def test_one_list_of_runtime_pins() -> None:
    """lambda/requirements.txt is the list; the root one only includes it."""
    root = (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in root.splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines == ["-r lambda/requirements.txt"]
    assert lambda_zip.REQUIREMENTS == REPO_ROOT / "lambda" / "requirements.txt"
    pins = lambda_zip._pinned_requirements(lambda_zip.REQUIREMENTS)
    assert pins and all("==" in pin for pin in pins)
