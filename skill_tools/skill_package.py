"""Generate skill-package/ from the sources: skill.json, its icons and the interaction models.

skill-package/ is committed, in the layout every ASK CLI project has, so plain
`ask deploy` works from a fresh clone; `make skill-package` (this module's main)
regenerates it from skill.json, interaction_models/ and assets/, and a test fails
when the committed copy differs from what this makes.

The skill package carries the icons skill.json names as ``file://assets/...``
(committed PNGs, rendered once from assets/icon.svg by `make icons`), and the
privacy-policy and terms-of-use URLs when configuration gives them:
certification needs both, and no made-up URL belongs in skill.json.

The endpoints are the function ARNs, one per Alexa region, when they are known
(given, recorded by `ask deploy`, or already written into skill-package/ by the
CLI), and left out before the first deploy (see resolve_endpoints).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from skill_tools.paths import REPO_ROOT

SKILL_JSON = REPO_ROOT / "skill.json"
#: The committed skill package, what ask-resources.json's skillMetadata.src names.
SKILL_PACKAGE = REPO_ROOT / "skill-package"
INTERACTION_MODELS = REPO_ROOT / "interaction_models"
ASK_STATES = REPO_ROOT / ".ask" / "ask-states.json"

#: The token skill.json carries where the function (alias) ARN goes.
ENDPOINT_PLACEHOLDER = "arn:aws:lambda:REGION:ACCOUNT_ID:function:back-massage-guide:live"
#: Alexa's endpoint regions as the ASK CLI and the manifest name them ("default" is the
#: manifest's top-level endpoint), and the AWS region nearest to the Alexa service of each:
#: North America from us-east-1, Europe and India from eu-west-1, the Far East from us-west-2.
ALEXA_REGIONS = {"default": "us-east-1", "NA": "us-east-1", "EU": "eu-west-1", "FE": "us-west-2"}
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


def deployed_endpoints(states: Path | None = None) -> dict[str, str]:
    """The SkillEndpoint output of each Alexa region that `ask deploy` recorded here."""
    try:
        recorded = json.loads((states or ASK_STATES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    infra = recorded.get("profiles", {}).get("default", {}).get("skillInfrastructure", {})
    found: dict[str, str] = {}
    for deployer in infra.values():
        for region, state in deployer.get("deployState", {}).items():
            for output in state.get("outputs", []) if region in ALEXA_REGIONS else []:
                if output.get("OutputKey") == "SkillEndpoint":
                    found[region] = str(output["OutputValue"])
    return found


def deployed_endpoint() -> str | None:
    """The default region's SkillEndpoint that `ask deploy` recorded, if it has run here."""
    return deployed_endpoints().get("default")


def _endpoint_slots(body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(region, the dict holding "endpoint", its key) for every endpoint ``ask deploy`` writes."""
    for domain in (body.get("apis", {}).get("custom"), body.get("events")):
        if not isinstance(domain, dict):
            continue
        yield "default", domain, "endpoint"
        for region, holder in domain.get("regions", {}).items():
            yield region, holder, "endpoint"


def endpoints_in(manifest: dict[str, Any]) -> dict[str, str]:
    """The real (not placeholder) custom endpoints a manifest holds, by Alexa region."""
    custom = manifest["manifest"].get("apis", {}).get("custom", {})
    found = {"default": custom.get("endpoint", {}).get("uri")}
    for region, holder in custom.get("regions", {}).items():
        found[region] = holder.get("endpoint", {}).get("uri")
    return {r: uri for r, uri in found.items() if uri and uri != ENDPOINT_PLACEHOLDER}


def resolve_endpoints(
    manifest: dict[str, Any], endpoints: Mapping[str, str] | str | None
) -> dict[str, Any]:
    """Put each Alexa region's function ARN where skill.json holds the placeholder.

    ``endpoints`` maps the ASK CLI's region names (default, NA, EU, FE) to ARNs; a
    single ARN is the default region's. A region with no ARN known loses its
    placeholder. With no default ARN known yet (before the first `ask deploy`),
    the custom endpoints and the events block are left out: the skill package
    upload that creates the skill comes before the stacks, and SMAPI takes no
    event subscription without an endpoint. The same `ask deploy` then writes
    them all from the stack outputs (code regions, targetEndpoint and skillEvents
    in ask-resources.json; tests/test_ask_cli.py runs the CLI's own code for it).
    """
    known = {"default": endpoints} if isinstance(endpoints, str) else dict(endpoints or {})
    result: dict[str, Any] = json.loads(json.dumps(manifest))
    body = result["manifest"]
    if "default" not in known:
        known = {}
    for region, holder, key in list(_endpoint_slots(body)):
        if holder.get(key, {}).get("uri") != ENDPOINT_PLACEHOLDER:
            continue
        if region in known:
            holder[key]["uri"] = known[region]
        else:
            del holder[key]
    for domain in (body.get("apis", {}).get("custom"), body.get("events")):
        if isinstance(domain, dict) and "regions" in domain:
            domain["regions"] = {r: h for r, h in domain["regions"].items() if h}
            if not domain["regions"]:
                del domain["regions"]
    events = body.get("events")
    if isinstance(events, dict) and "endpoint" not in events:
        del body["events"]
    return result


def policy_urls_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The privacyAndCompliance URLs configured in the environment (PRIVACY_POLICY_URL, ...)."""
    env = os.environ if environ is None else environ
    found = {field: env.get(name, "").strip() for field, name in POLICY_URL_SETTINGS.items()}
    return {field: url for field, url in found.items() if url}


def with_policy_urls(manifest: dict[str, Any], urls: Mapping[str, str]) -> dict[str, Any]:
    """Set the given policy URLs for every published locale.

    ``{locale}`` in a URL becomes the locale (de-DE) and ``{language}`` its language
    (de), for a policy page per locale or per language (docs/privacy-policy.<language>.md).

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
    result: dict[str, Any] = json.loads(json.dumps(manifest))
    if not urls:
        return result
    body = result["manifest"]
    compliance = body.setdefault("privacyAndCompliance", {}).setdefault("locales", {})
    for locale in body["publishingInformation"]["locales"]:
        entry = compliance.setdefault(locale, {})
        for field, url in urls.items():
            language = locale.split("-", 1)[0]
            entry[field] = url.replace("{locale}", locale).replace("{language}", language)
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


def policy_urls_in(manifest: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The policy URLs a manifest gives, by locale (what a publisher's build put there)."""
    compliance = manifest["manifest"].get("privacyAndCompliance", {}).get("locales", {})
    return {
        locale: {f: entry[f] for f in POLICY_URL_SETTINGS if entry.get(f)}
        for locale, entry in compliance.items()
        if any(entry.get(f) for f in POLICY_URL_SETTINGS)
    }


def _carry_policy_urls(manifest: dict[str, Any], kept: Mapping[str, Mapping[str, str]]) -> None:
    """Keep URLs an earlier build wrote for a locale, where this build sets none."""
    compliance = manifest["manifest"].setdefault("privacyAndCompliance", {})
    for locale, urls in kept.items():
        if locale in manifest["manifest"]["publishingInformation"]["locales"]:
            entry = compliance.setdefault("locales", {}).setdefault(locale, {})
            for field, url in urls.items():
                entry.setdefault(field, url)


def build_skill_package(
    out: Path = SKILL_PACKAGE,
    *,
    endpoint_arn: Mapping[str, str] | str | None = None,
    policy_urls: Mapping[str, str] | None = None,
    previous: dict[str, Any] | None = None,
    skill_json: Path = SKILL_JSON,
    models: Path = INTERACTION_MODELS,
) -> list[Path]:
    """Lay out skill.json, its icons and interactionModels/custom/<locale>.json for SMAPI.

    ``previous`` is the manifest this package held before: the endpoints `ask deploy`
    wrote into it and the policy URLs an earlier build set are kept unless given anew,
    so regenerating never undoes a deploy.
    """
    endpoints = {"default": endpoint_arn} if isinstance(endpoint_arn, str) else endpoint_arn
    if previous is not None:
        endpoints = {**endpoints_in(previous), **(endpoints or {})}
    manifest = resolve_endpoints(json.loads(skill_json.read_text(encoding="utf-8")), endpoints)
    manifest = with_policy_urls(manifest, policy_urls or {})
    if previous is not None:
        _carry_policy_urls(manifest, policy_urls_in(previous))
    if out.exists():
        shutil.rmtree(out)
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


def read_manifest(package: Path) -> dict[str, Any] | None:
    """The skill.json a skill package holds, or None when there is none yet."""
    try:
        manifest = json.loads((package / "skill.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and "manifest" in manifest else None


def regenerate(
    out: Path = SKILL_PACKAGE,
    *,
    endpoint_arn: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Path]:
    """`make skill-package`: skill-package/ anew from the sources, keeping what deploys wrote.

    Endpoints: ``endpoint_arn`` (or $SKILL_ENDPOINT_ARN) for the default region, then
    what `ask deploy` recorded in .ask/ask-states.json, then what it wrote into the
    package. Policy URLs: $PRIVACY_POLICY_URL and $TERMS_OF_USE_URL, then the package's.
    """
    env = os.environ if environ is None else environ
    endpoints = deployed_endpoints()
    given = endpoint_arn or env.get("SKILL_ENDPOINT_ARN", "").strip()
    if given:
        endpoints["default"] = given
    previous = read_manifest(out) or {"manifest": {}}
    return build_skill_package(
        out,
        endpoint_arn=endpoints,
        policy_urls=policy_urls_from_environment(env),
        previous=previous,
    )


def describe(files: list[Path]) -> str:
    """One line on a generated package: models, icons, endpoints and policy URLs."""
    manifest = json.loads(files[0].read_text(encoding="utf-8"))
    models = sum(1 for f in files if f.parent.name == "custom")
    icons = sum(1 for f in files if f.suffix == ".png")
    regions = sorted(endpoints_in(manifest))
    where = ", ".join(regions) if regions else "none yet, `ask deploy` fills them"
    locales = manifest["manifest"]["publishingInformation"]["locales"]
    urls = policy_urls_in(manifest)
    missing = [
        POLICY_URL_SETTINGS[field]
        for field in POLICY_URL_SETTINGS
        if any(field not in urls.get(locale, {}) for locale in locales)
    ]
    policies = "set" if not missing else f"not set ({', '.join(missing)}; certification needs them)"
    return (
        f"{files[0].parent}  {models} interaction model(s), {icons} icon(s); "
        f"endpoints: {where}; policy URLs: {policies}"
    )


def main(argv: list[str] | None = None) -> int:
    """`make skill-package`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=SKILL_PACKAGE)
    parser.add_argument("--endpoint-arn", help="the default region's function/alias ARN")
    args = parser.parse_args(argv)
    print(describe(regenerate(args.out, endpoint_arn=args.endpoint_arn)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
