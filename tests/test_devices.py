"""The twin obeys the manifest: interfaces come from skill.json, screens from real device data.

The code and the manifest must agree both ways: an interface the code relies
on must be declared (or real Alexa never sends it), and a declared one must be
used (or certification tests a feature that is not there).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.utils.viewport import get_viewport_profile
from ask_sdk_model import RequestEnvelope

from skill_tools.devices import DEVICES
from skill_tools.envelopes import (
    APL,
    CAN_FULFILL,
    Listener,
    Session,
    UndeclaredInterfaceError,
    can_fulfill_request,
    declared_interfaces,
)
from skill_tools.paths import REPO_ROOT

LAMBDA = REPO_ROOT / "lambda"
SCREENS = sorted(name for name, profile in DEVICES.items() if profile.viewport is not None)

#: What in the skill's code shows it relies on each interface the manifest can declare.
USES: dict[str, re.Pattern[str]] = {
    APL: re.compile(r"RenderDocumentDirective|Alexa\.Presentation\.APL"),
    CAN_FULFILL: re.compile(r"CanFulfillIntentRequest|CanFulfillIntent\b"),
    "AUDIO_PLAYER": re.compile(r"AudioPlayer"),
    "VIDEO_APP": re.compile(r"VideoApp"),
    "RENDER_TEMPLATE": re.compile(r"RenderTemplate"),
    "ALEXA_PRESENTATION_HTML": re.compile(r"Alexa\.Presentation\.HTML"),
}


def interfaces_used(sources: dict[str, str]) -> dict[str, list[str]]:
    """Interface type -> the files whose text relies on it."""
    found: dict[str, list[str]] = {}
    for name, text in sources.items():
        for kind, pattern in USES.items():
            if pattern.search(text):
                found.setdefault(kind, []).append(name)
    return found


def shipped_sources() -> dict[str, str]:
    """Everything that ships to Lambda: the code and the APL documents."""
    return {
        str(path.relative_to(REPO_ROOT)): path.read_text(encoding="utf-8")
        for path in sorted(LAMBDA.rglob("*"))
        if path.suffix in {".py", ".json"} and "__pycache__" not in path.parts
    }


def test_the_code_uses_exactly_the_interfaces_the_manifest_declares() -> None:
    used = interfaces_used(shipped_sources())
    declared = declared_interfaces()
    undeclared = {kind: files for kind, files in used.items() if kind not in declared}
    assert not undeclared, f"the code relies on undeclared interfaces: {undeclared}"
    assert declared <= used.keys(), f"declared but never used: {declared - used.keys()}"
    assert {APL, CAN_FULFILL} <= declared


def test_the_usage_scan_notices_what_it_looks_for() -> None:
    used = interfaces_used(
        {
            "a.py": "from ask_sdk_model.interfaces.audioplayer import PlayDirective  # AudioPlayer",
            "b.py": "if request.object_type == 'CanFulfillIntentRequest': ...",
            "c.py": "plain speech only",
        }
    )
    assert used == {"AUDIO_PLAYER": ["a.py"], CAN_FULFILL: ["b.py"]}


def test_a_screen_reports_apl_only_because_the_manifest_declares_it() -> None:
    for device in SCREENS:
        declared = Listener(device=device)  # type: ignore[arg-type]
        assert declared.renders_apl, device
        context = declared.context()
        assert "Alexa.Presentation.APL" in context["System"]["device"]["supportedInterfaces"]
        assert context["Viewport"] == DEVICES[device].viewport
        undeclared = Listener(device=device, declared=frozenset({CAN_FULFILL}))  # type: ignore[arg-type]
        bare = undeclared.context()
        assert bare["System"]["device"]["supportedInterfaces"] == {}, device
        assert "Viewport" not in bare and "Viewports" not in bare


def test_a_speaker_reports_no_screen_whatever_the_manifest_says() -> None:
    context = Listener(device="speaker").context()
    assert context["System"]["device"]["supportedInterfaces"] == {}
    assert "Viewport" not in context


def test_the_manifest_on_disk_decides(tmp_path: Path) -> None:
    manifest = json.loads((REPO_ROOT / "skill.json").read_text(encoding="utf-8"))
    manifest["manifest"]["apis"]["custom"]["interfaces"] = [{"type": CAN_FULFILL}]
    scratch = tmp_path / "skill.json"
    scratch.write_text(json.dumps(manifest), encoding="utf-8")
    assert declared_interfaces(scratch) == {CAN_FULFILL}
    manifest["manifest"]["apis"]["custom"]["interfaces"] = [{"type": "AUDIO_PLAYER"}]
    unmodelled = tmp_path / "audio.json"
    unmodelled.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ValueError, match="AUDIO_PLAYER"):
        declared_interfaces(unmodelled)


def test_requests_that_need_an_undeclared_interface_are_never_sent() -> None:
    no_cfir = Listener(declared=frozenset({APL}))
    with pytest.raises(UndeclaredInterfaceError):
        can_fulfill_request(no_cfir, "BenefitIntent", {"benefit": "posture"})
    speaker = Session(Listener(device="speaker"))
    with pytest.raises(UndeclaredInterfaceError):
        speaker.user_event(["benefit", "posture"], "massage-guide-home", "benefit-posture")
    no_apl = Session(Listener(device="show", declared=frozenset()))
    with pytest.raises(UndeclaredInterfaceError):
        no_apl.user_event(["benefit", "posture"], "massage-guide-home", "benefit-posture")


@pytest.mark.parametrize("device", SCREENS)
def test_each_screen_is_the_viewport_profile_ask_sdk_core_says_it_is(device: str) -> None:
    event = Session(Listener(device=device)).launch()  # type: ignore[arg-type]
    envelope = DefaultSerializer().deserialize(json.dumps(event), RequestEnvelope)
    assert get_viewport_profile(envelope).value == DEVICES[device].sdk_profile


@pytest.mark.parametrize("device", SCREENS)
def test_each_screen_fits_a_viewport_the_manifest_declares(device: str) -> None:
    """Certification tests the declared viewports: the twin tests the same ones."""
    manifest = json.loads((REPO_ROOT / "skill.json").read_text(encoding="utf-8"))
    [apl] = [
        entry
        for entry in manifest["manifest"]["apis"]["custom"]["interfaces"]
        if entry["type"] == APL
    ]
    profile = DEVICES[device]
    assert profile.viewport is not None and profile.dp_size is not None
    width, height = profile.dp_size
    fits = [
        spec
        for spec in apl["supportedViewports"]
        if spec["mode"] == profile.viewport["mode"]
        and spec["shape"] == profile.viewport["shape"]
        and spec["minWidth"] <= width <= spec["maxWidth"]
        and spec["minHeight"] <= height <= spec["maxHeight"]
    ]
    assert fits, f"{device} ({width}x{height} dp) is in no declared supportedViewport"


def test_every_screen_profile_says_where_its_numbers_come_from() -> None:
    for name, profile in DEVICES.items():
        assert profile.name == name and profile.source.strip() and profile.description
        viewport: Any = profile.viewport
        if viewport is not None:
            assert profile.viewports[0]["configuration"]["current"]["mode"] == viewport["mode"]
            assert ("touch" in viewport) != ("keyboard" in viewport)
