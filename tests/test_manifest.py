"""skill.json and the interaction models: valid for SMAPI, consistent with each other."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_model_runtime.serializer import DefaultSerializer
from ask_smapi_model.v1.skill.manifest.interface import Interface
from ask_smapi_model.v1.skill.manifest.interface_type import InterfaceType
from cfnlint.decode import cfn_yaml  # type: ignore[import-untyped]

from massage_guide.state import REMEMBERED
from massage_guide.stores.base import DEFAULT_TTL_DAYS
from massage_guide.stores.dynamodb_store import EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE
from skill_tools import skill_package
from skill_tools.dialog.phrases import language_of
from skill_tools.dialog.resolver import Resolver
from skill_tools.paths import REPO_ROOT
from tests.locales import language_model

MODELS = sorted((REPO_ROOT / "interaction_models").glob("*.json"))
PRIVACY_POLICY = REPO_ROOT / "docs" / "privacy-policy.md"
ENVELOPE = "ask_smapi_model.v1.skill.manifest.skill_manifest_envelope.SkillManifestEnvelope"
MODEL_DATA = (
    "ask_smapi_model.v1.skill.interaction_model.interaction_model_data.InteractionModelData"
)


def load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = load(REPO_ROOT / "skill.json")["manifest"]
    return manifest


def roundtrip(path: Path, type_name: str) -> tuple[Any, Any]:
    """Deserialize into the SMAPI model and back: unknown or misspelt fields vanish."""
    serializer = DefaultSerializer()
    data = json.loads(path.read_text(encoding="utf-8"))
    classless = set_aside_classless_interfaces(data)
    obj = serializer.deserialize(json.dumps(data), type_name)
    back: Any = serializer.serialize(obj)
    for index, entry in classless:
        back["manifest"]["apis"]["custom"]["interfaces"].insert(index, entry)
    return obj, back


def set_aside_classless_interfaces(data: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """Take out the interfaces SMAPI's model names (InterfaceType) but has no class for.

    ask-smapi-model lists CAN_FULFILL_INTENT_REQUEST among its interface types
    yet cannot deserialize one; such an entry must be a known type with no
    other fields, and the rest of the manifest goes through the model as usual.
    Returns them with their positions, to be put back after the round trip.
    """
    interfaces = data.get("manifest", {}).get("apis", {}).get("custom", {}).get("interfaces")
    if not interfaces:
        return []
    with_class = Interface.discriminator_value_class_map
    known = {kind.value for kind in InterfaceType}
    classless = [
        (index, entry) for index, entry in enumerate(interfaces) if entry["type"] not in with_class
    ]
    for _, entry in classless:
        assert entry.get("type") in known, f"not a SMAPI interface type: {entry}"
        assert set(entry) == {"type"}, f"fields SMAPI cannot check: {entry}"
    interfaces[:] = [entry for entry in interfaces if entry.get("type") in with_class]
    return classless


def test_manifest_loads_into_smapi_model_without_losing_fields() -> None:
    obj, back = roundtrip(REPO_ROOT / "skill.json", ENVELOPE)
    assert type(obj).__name__ == "SkillManifestEnvelope"
    assert back == load(REPO_ROOT / "skill.json")


def test_roundtrip_detects_a_misspelt_field(tmp_path: Path) -> None:
    bad = load(REPO_ROOT / "skill.json")
    locale = bad["manifest"]["publishingInformation"]["locales"]["en-US"]
    locale["examplePhrase"] = locale.pop("examplePhrases")
    path = tmp_path / "skill.json"
    path.write_text(json.dumps(bad))
    _, back = roundtrip(path, ENVELOPE)
    assert back != bad


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_interaction_model_loads_into_smapi_model(path: Path) -> None:
    obj, back = roundtrip(path, MODEL_DATA)
    assert type(obj).__name__ == "InteractionModelData"
    assert back == load(path)


def test_locales_match_interaction_models(manifest: dict[str, Any]) -> None:
    model_locales = {p.stem for p in MODELS}
    assert model_locales, "no interaction models"
    assert set(manifest["publishingInformation"]["locales"]) == model_locales
    assert set(manifest["privacyAndCompliance"]["locales"]) <= model_locales


LOCALES = [p.stem for p in MODELS]


def test_published_name_and_metadata(manifest: dict[str, Any]) -> None:
    assert manifest["manifestVersion"] == "1.0"
    info = manifest["publishingInformation"]
    assert info["locales"]["en-US"]["name"] == "Back Massage Guide"
    for locale in LOCALES:
        published = info["locales"][locale]
        assert published["name"].lower() == language_model(locale)["invocationName"], locale
        assert 0 < len(published["summary"]) <= 160, locale
        assert 0 < len(published["description"]) <= 4000, locale
        assert 1 <= len(published["keywords"]) <= 30, locale
    assert info["category"] == "HEALTH_AND_FITNESS"
    assert info["isAvailableWorldwide"] or info["distributionCountries"]
    assert info["testingInstructions"].strip()


def test_every_locale_is_offered_in_its_country(manifest: dict[str, Any]) -> None:
    countries = set(manifest["publishingInformation"]["distributionCountries"])
    assert {locale.split("-")[1] for locale in LOCALES} <= countries
    assert set(manifest["privacyAndCompliance"]["locales"]) == set(LOCALES)


def test_every_description_ends_with_the_health_disclaimer(manifest: dict[str, Any]) -> None:
    for locale in LOCALES:
        description = manifest["publishingInformation"]["locales"][locale]["description"]
        body, _, disclaimer = description.rpartition("\n\n")
        assert body and disclaimer, locale
        assert len(disclaimer) < len(body), locale


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-CA", "en-AU", "en-IN"])
def test_description_carries_the_health_disclaimer(manifest: dict[str, Any], locale: str) -> None:
    text = manifest["publishingInformation"]["locales"][locale]["description"].lower()
    for phrase in (
        "information only",
        "not a substitute for professional medical advice, diagnosis or treatment",
        "qualified massage therapist",
        "doctor",
    ):
        assert phrase in text, phrase


def test_privacy_and_compliance(manifest: dict[str, Any]) -> None:
    privacy = manifest["privacyAndCompliance"]
    assert privacy["allowsPurchases"] is False
    assert privacy["usesPersonalInfo"] is False
    # Explicit: true would declare the publisher a HIPAA-covered entity handling health data.
    assert privacy["usesHealthInfo"] is False
    assert privacy["isChildDirected"] is False
    assert privacy["isExportCompliant"] is True
    assert privacy["containsAds"] is False
    # No made-up URLs anywhere in the manifest.
    assert "http" not in json.dumps(manifest)


@pytest.mark.parametrize("field", sorted(skill_package.ICON_SIZES))
def test_every_locale_names_its_icons_as_package_files(
    manifest: dict[str, Any], field: str
) -> None:
    size = skill_package.ICON_SIZES[field]
    for locale, info in manifest["publishingInformation"]["locales"].items():
        uri = info[field]
        assert uri.startswith("file://assets/"), (locale, uri)  # the ASK CLI's package form
        icon = REPO_ROOT / uri.removeprefix("file://")
        assert skill_package.png_size(icon.read_bytes()) == (size, size), (locale, uri)


def policy_section(heading: str) -> str:
    text = PRIVACY_POLICY.read_text(encoding="utf-8")
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_privacy_policy_names_exactly_the_stored_fields() -> None:
    table = [
        line
        for line in policy_section("What the skill stores").splitlines()
        if line.startswith("|")
    ]
    stored_as = {
        match for row in table[2:] for match in re.findall(r"`([^`]+)`", row.split("|")[2])
    }
    assert stored_as == {KEY_ATTRIBUTE, EXPIRY_ATTRIBUTE, *REMEMBERED}


def test_privacy_policy_says_how_long_and_how_to_delete() -> None:
    template = json.loads(
        json.dumps(cfn_yaml.load(str(REPO_ROOT / "infrastructure" / "skill-stack.yaml")))
    )
    ttl_days = int(template["Parameters"]["MemoryTtlDays"]["Default"])
    log_days = int(template["Parameters"]["LogRetentionDays"]["Default"])
    assert ttl_days == DEFAULT_TTL_DAYS
    how_long = policy_section("How long it is kept")
    assert f"{ttl_days} days after your last visit" in how_long
    table = template["Resources"]["MemoryTable"]["Properties"]
    if table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]:
        assert "point-in-time recovery" in how_long and "35 days" in how_long
    assert f"kept for {log_days} days" in policy_section("Logs")
    deleting = policy_section("How to delete it")
    forget = {text for text, intent in sample_texts("en-US").items() if intent == "ForgetMeIntent"}
    phrases = re.findall(r'"([a-z ]+)"', deleting)  # what the policy tells listeners to say
    assert phrases and set(phrases) <= forget, phrases
    assert "Disable the skill" in deleting
    assert {"eventName": "SKILL_DISABLED"} in load(REPO_ROOT / "skill.json")["manifest"]["events"][
        "subscriptions"
    ]


def test_endpoints_events_and_permissions(manifest: dict[str, Any]) -> None:
    assert manifest["apis"]["custom"]["endpoint"]["uri"] == skill_package.ENDPOINT_PLACEHOLDER
    assert manifest["events"]["endpoint"]["uri"] == skill_package.ENDPOINT_PLACEHOLDER
    assert manifest["events"]["subscriptions"] == [{"eventName": "SKILL_DISABLED"}]
    assert manifest["permissions"] == []


def test_ask_deploy_writes_the_events_the_manifest_declares(manifest: dict[str, Any]) -> None:
    """ask-resources.json tells the ASK CLI which events to subscribe after the stack deploy."""
    resources = load(REPO_ROOT / "ask-resources.json")
    user_config = resources["profiles"]["default"]["skillInfrastructure"]["userConfig"]
    assert user_config["targetEndpoint"] == ["custom"], "'events' there writes apis.events"
    declared = [event["eventName"] for event in manifest["events"]["subscriptions"]]
    assert user_config["skillEvents"] == {"subscriptions": declared}


def sample_texts(locale: str) -> dict[str, str]:
    """Every sample utterance of the model, mapped to its intent."""
    return {
        sample: intent["name"]
        for intent in language_model(locale)["intents"]
        for sample in intent.get("samples", [])
    }


def example_utterance(phrase: str, locale: str) -> tuple[str, list[str]]:
    """("launch", []) for "Alexa, <open> <name>"; ("one-shot", [what may be the request]).

    As Alexa does, a connecting word after the name ("to", "que", "welche") may be part of
    the request or not: both readings are offered.
    """
    name = language_model(locale)["invocationName"]
    spoken = language_of(locale)
    launch = "|".join(re.escape(verb) for verb in spoken.launch_verbs)
    if re.fullmatch(rf"Alexa, (?:{launch}) {re.escape(name)}", phrase):
        return "launch", []
    verbs = "|".join(re.escape(verb) for verb in spoken.one_shot_verbs)
    found = re.fullmatch(rf"Alexa, (?:{verbs}) {re.escape(name)},? (?P<rest>.+)", phrase)
    assert found, f"{locale}: {phrase!r} is neither a launch nor a one-shot request"
    rest = found["rest"]
    first, _, after = rest.partition(" ")
    readings = [rest]
    if first in spoken.connectors and after:
        readings.append(after)
    return "one-shot", readings


@pytest.mark.parametrize("locale", LOCALES)
def test_example_phrases_are_real_utterances(manifest: dict[str, Any], locale: str) -> None:
    phrases = manifest["publishingInformation"]["locales"][locale]["examplePhrases"]
    samples = sample_texts(locale)
    assert 1 <= len(phrases) <= 3
    kinds = [example_utterance(phrase, locale) for phrase in phrases]
    for kind, readings in kinds:
        assert kind == "launch" or set(readings) & set(samples), f"{readings} are not samples"


@pytest.mark.parametrize("locale", LOCALES)
def test_example_phrases_resolve_through_the_local_resolver(
    manifest: dict[str, Any], locale: str
) -> None:
    resolver = Resolver.from_file(REPO_ROOT / "interaction_models" / f"{locale}.json")
    samples = sample_texts(locale)
    for phrase in manifest["publishingInformation"]["locales"][locale]["examplePhrases"]:
        resolution = resolver.resolve(phrase)
        kind, readings = example_utterance(phrase, locale)
        if kind == "launch":
            assert resolution.request_type == "LaunchRequest", phrase
            continue
        assert resolution.request_type == "IntentRequest", phrase
        assert resolution.one_shot
        assert resolution.method == "exact", (phrase, resolution)
        assert resolution.intent in {samples[r] for r in readings if r in samples}, phrase


def test_skill_package_layout(tmp_path: Path) -> None:
    out = tmp_path / "skill-package"
    (out / "interactionModels" / "custom").mkdir(parents=True)
    stale = out / "interactionModels" / "custom" / "xx-XX.json"
    stale.write_text("{}")
    skill_package.build_skill_package(out)
    assert not stale.exists(), "a removed locale must not linger in the package"
    assert sorted(p.name for p in (out / "interactionModels" / "custom").iterdir()) == [
        p.name for p in MODELS
    ]
    for model in MODELS:
        assert load(out / "interactionModels" / "custom" / model.name) == load(model)
    _, back = roundtrip(out / "skill.json", ENVELOPE)
    assert back == load(out / "skill.json")


def test_skill_package_endpoint_filled_or_left_for_the_ask_cli(tmp_path: Path) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:back-massage-guide:live"
    skill_package.build_skill_package(tmp_path / "with", endpoint_arn=arn)
    filled = load(tmp_path / "with" / "skill.json")["manifest"]
    assert filled["apis"]["custom"]["endpoint"]["uri"] == arn
    assert filled["events"]["endpoint"]["uri"] == arn
    assert filled["events"]["subscriptions"] == [{"eventName": "SKILL_DISABLED"}]
    assert skill_package.ENDPOINT_PLACEHOLDER not in json.dumps(filled)

    skill_package.build_skill_package(tmp_path / "without", endpoint_arn=None)
    bare = load(tmp_path / "without" / "skill.json")["manifest"]
    original_custom = load(REPO_ROOT / "skill.json")["manifest"]["apis"]["custom"]
    assert bare["apis"]["custom"] == {"interfaces": original_custom["interfaces"]}
    assert "events" not in bare
    assert skill_package.ENDPOINT_PLACEHOLDER not in json.dumps(bare)
    # Everything else is carried over unchanged.
    original = load(REPO_ROOT / "skill.json")["manifest"]
    assert bare["publishingInformation"] == original["publishingInformation"]
    assert bare["privacyAndCompliance"] == original["privacyAndCompliance"]
