"""Build dist/skill-package/ for SMAPI: skill.json, its icons and the interaction models.

The skill package carries the icons skill.json names as ``file://assets/...``
(committed PNGs, rendered once from assets/icon.svg by `make icons`), and the
privacy-policy and terms-of-use URLs when configuration gives them:
certification needs both, and no made-up URL belongs in skill.json.

The endpoints are the function ARN when one is known (given, or recorded by
`ask deploy`), and left out before the first deploy (see resolve_endpoints).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from skill_tools.paths import DIST, REPO_ROOT

SKILL_JSON = REPO_ROOT / "skill.json"
INTERACTION_MODELS = REPO_ROOT / "interaction_models"
ASK_STATES = REPO_ROOT / ".ask" / "ask-states.json"

#: The token skill.json carries where the function (alias) ARN goes.
ENDPOINT_PLACEHOLDER = "arn:aws:lambda:REGION:ACCOUNT_ID:function:back-massage-guide:live"
#: Icon fields of a published locale, and the square size in pixels Alexa wants for each.
ICON_SIZES = {"smallIconUri": 108, "largeIconUri": 512}
#: How a skill package names a file inside itself (the ASK CLI's and SMAPI's form).
PACKAGE_FILE_URI = "file://"
#: Per-locale privacyAndCompliance fields, and the environment variables that give them.
POLICY_URL_SETTINGS = {
    "privacyPolicyUrl": "PRIVACY_POLICY_URL",
    "termsOfUseUrl": "TERMS_OF_USE_URL",
}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def deployed_endpoint() -> str | None:
    """The SkillEndpoint output that `ask deploy` recorded, if it has run here."""
    try:
        states = json.loads(ASK_STATES.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    infra = states.get("profiles", {}).get("default", {}).get("skillInfrastructure", {})
    for deployer in infra.values():
        outputs = deployer.get("deployState", {}).get("default", {}).get("outputs", [])
        for output in outputs:
            if output.get("OutputKey") == "SkillEndpoint":
                return str(output["OutputValue"])
    return None


def resolve_endpoints(manifest: dict[str, Any], endpoint_arn: str | None) -> dict[str, Any]:
    """Put the function ARN where skill.json holds the placeholder.

    With no ARN known yet (before the first `ask deploy`), the custom endpoint
    and the events block are left out: the skill package upload that creates the
    skill comes before the stack, and SMAPI takes no event subscription without an
    endpoint. The same `ask deploy` then writes both from the stack output
    (targetEndpoint and skillEvents in ask-resources.json; tests/test_ask_cli.py
    runs the CLI's own code for it).
    """
    result = json.loads(json.dumps(manifest))
    body = result["manifest"]
    custom = body.get("apis", {}).get("custom", {})
    events = body.get("events")
    if endpoint_arn:
        if custom.get("endpoint", {}).get("uri") == ENDPOINT_PLACEHOLDER:
            custom["endpoint"]["uri"] = endpoint_arn
        if events and events.get("endpoint", {}).get("uri") == ENDPOINT_PLACEHOLDER:
            events["endpoint"]["uri"] = endpoint_arn
        return result
    if custom.get("endpoint", {}).get("uri") == ENDPOINT_PLACEHOLDER:
        del custom["endpoint"]
    if events and events.get("endpoint", {}).get("uri") == ENDPOINT_PLACEHOLDER:
        del body["events"]
    return result


def policy_urls_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The privacyAndCompliance URLs configured in the environment (PRIVACY_POLICY_URL, ...)."""
    env = os.environ if environ is None else environ
    found = {field: env.get(name, "").strip() for field, name in POLICY_URL_SETTINGS.items()}
    return {field: url for field, url in found.items() if url}


def with_policy_urls(manifest: dict[str, Any], urls: Mapping[str, str]) -> dict[str, Any]:
    """Set the given policy URLs for every published locale; ``{locale}`` in a URL becomes it.

    SMAPI keeps them per locale (privacyAndCompliance.locales.<locale>), so a
    locale without them would fail certification even if another has them.
    """
    unknown = set(urls) - set(POLICY_URL_SETTINGS)
    if unknown:
        raise ValueError(f"not a privacyAndCompliance URL field: {sorted(unknown)}")
    for field, url in urls.items():
        parts = urlsplit(url)
        if parts.scheme not in {"https", "http"} or not parts.netloc:
            raise ValueError(f"{field}: {url!r} is not an http(s) URL")
    result = json.loads(json.dumps(manifest))
    if not urls:
        return result
    body = result["manifest"]
    compliance = body.setdefault("privacyAndCompliance", {}).setdefault("locales", {})
    for locale in body["publishingInformation"]["locales"]:
        entry = compliance.setdefault(locale, {})
        for field, url in urls.items():
            entry[field] = url.replace("{locale}", locale)
    return result


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header; anything else is refused (SMAPI takes only PNG)."""
    if len(data) < 24 or data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def copy_icons(manifest: dict[str, Any], out: Path, source_root: Path = REPO_ROOT) -> list[Path]:
    """Copy every ``file://`` icon the manifest names from the repository into the package.

    Each must be a PNG of the size Alexa wants for its field, found under
    assets/, so a wrong or missing icon fails the build rather than SMAPI's import.
    """
    written: list[Path] = []
    for locale, info in manifest["manifest"]["publishingInformation"]["locales"].items():
        for field, size in ICON_SIZES.items():
            uri = info.get(field)
            if not isinstance(uri, str) or not uri.startswith(PACKAGE_FILE_URI):
                continue
            relative = PurePosixPath(uri.removeprefix(PACKAGE_FILE_URI))
            if relative.parts[:1] != ("assets",) or ".." in relative.parts:
                raise ValueError(f"{locale} {field}: {uri} is not a file under assets/")
            data = (source_root / relative).read_bytes()
            width, height = png_size(data)
            if (width, height) != (size, size):
                raise ValueError(
                    f"{locale} {field}: {relative} is {width}x{height}, Alexa wants {size}x{size}"
                )
            target = out / relative
            if target not in written:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                written.append(target)
    return written


def build_skill_package(
    out: Path = DIST / "skill-package",
    *,
    endpoint_arn: str | None = None,
    policy_urls: Mapping[str, str] | None = None,
    skill_json: Path = SKILL_JSON,
    models: Path = INTERACTION_MODELS,
) -> list[Path]:
    """Lay out skill.json, its icons and interactionModels/custom/<locale>.json for SMAPI."""
    if out.exists():
        shutil.rmtree(out)
    manifest = resolve_endpoints(json.loads(skill_json.read_text(encoding="utf-8")), endpoint_arn)
    manifest = with_policy_urls(manifest, policy_urls or {})
    written = [out / "skill.json"]
    out.mkdir(parents=True)
    written[0].write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    written += copy_icons(manifest, out, skill_json.parent)
    custom = out / "interactionModels" / "custom"
    custom.mkdir(parents=True)
    for model in sorted(models.glob("*.json")):
        json.loads(model.read_text(encoding="utf-8"))  # fail here, not in SMAPI
        shutil.copyfile(model, custom / model.name)
        written.append(custom / model.name)
    return written
