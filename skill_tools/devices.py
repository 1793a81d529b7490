"""The devices the offline twin can be: what each one tells a skill about itself.

A device reports its interfaces in ``System.device.supportedInterfaces`` and,
when it renders APL, its screen in ``context.Viewport`` and ``context.Viewports``.
The values here are those real devices send (sources beside each profile); the
envelopes intersect ``interfaces`` with what the skill's manifest declares, so a
device only claims APL for a skill that asked for it. ask-sdk-core's own
``get_viewport_profile`` sorts every screen below into the profile named in
``sdk_profile`` (tests/test_devices.py holds it to that).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

DeviceKind = Literal["speaker", "show", "spot", "tv", "phone"]

APL_RUNTIME: Final = {"runtime": {"maxVersion": "2023.3"}}
"""What an APL device reports: the newest APL version it renders (the documents' version)."""
TOUCH_VIDEO: Final = {"codecs": ["H_264_42", "H_264_41"]}


@dataclass(frozen=True)
class DeviceProfile:
    """One kind of device: its interfaces (by manifest type) and its screen, if it has one."""

    name: str
    description: str
    source: str
    interfaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    viewport: dict[str, Any] | None = None
    viewports: list[dict[str, Any]] = field(default_factory=list)
    sdk_profile: str | None = None

    @property
    def dp_size(self) -> tuple[int, int] | None:
        """Width and height in display-independent pixels (dp = px * 160 / dpi)."""
        if self.viewport is None:
            return None
        dpi = self.viewport["dpi"]
        width, height = self.viewport["pixelWidth"], self.viewport["pixelHeight"]
        return round(width * 160 / dpi), round(height * 160 / dpi)


def _screen(
    *,
    mode: str,
    shape: str,
    width: int,
    height: int,
    dpi: int,
    experience: dict[str, Any],
    touch: bool,
    codecs: list[str],
    can_rotate: bool = False,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The Viewport object and the Viewports list a screen sends, from its few real numbers."""
    viewport: dict[str, Any] = {
        "experiences": [experience],
        "mode": mode,
        "shape": shape,
        "pixelWidth": width,
        "pixelHeight": height,
        "dpi": dpi,
        "currentPixelWidth": width,
        "currentPixelHeight": height,
    }
    if touch:
        viewport["touch"] = ["SINGLE"]
    else:
        viewport["keyboard"] = ["DIRECTION"]  # a remote's direction pad
    viewport["video"] = {"codecs": list(codecs)}
    viewports = [
        {
            "type": "APL",
            "id": "main",
            "shape": shape,
            "dpi": dpi,
            "presentationType": "STANDARD",
            "canRotate": can_rotate,
            "configuration": {
                "current": {
                    "mode": mode,
                    "video": {"codecs": list(codecs)},
                    "size": {"type": "DISCRETE", "pixelWidth": width, "pixelHeight": height},
                }
            },
        }
    ]
    return viewport, viewports


_SHOW = _screen(
    mode="HUB",
    shape="RECTANGLE",
    width=1280,
    height=800,
    dpi=160,
    experience={
        "arcMinuteWidth": 246,
        "arcMinuteHeight": 144,
        "canRotate": False,
        "canResize": False,
    },
    touch=True,
    codecs=TOUCH_VIDEO["codecs"],
)
_SPOT = _screen(
    mode="HUB",
    shape="ROUND",
    width=480,
    height=480,
    dpi=160,
    experience={
        "arcMinuteWidth": 144,
        "arcMinuteHeight": 144,
        "canRotate": False,
        "canResize": False,
    },
    touch=True,
    codecs=["H_264_41"],
)
_TV = _screen(
    mode="TV",
    shape="RECTANGLE",
    width=1920,
    height=1080,
    dpi=320,
    experience={"canRotate": False, "canResize": False},
    touch=False,
    codecs=TOUCH_VIDEO["codecs"],
)
_PHONE = _screen(
    mode="MOBILE",
    shape="RECTANGLE",
    width=720,
    height=1280,
    dpi=240,
    experience={"canRotate": True, "canResize": False},
    touch=True,
    codecs=TOUCH_VIDEO["codecs"],
    can_rotate=True,
)

DEVICES: Final[dict[str, DeviceProfile]] = {
    "speaker": DeviceProfile(
        name="speaker",
        description="an Echo without a screen",
        source="Alexa's request examples: an empty supportedInterfaces and no Viewport",
    ),
    "show": DeviceProfile(
        name="show",
        description="an Echo Show, landscape hub (1280x800 at 160 dpi)",
        source="Alexa's viewport characteristics docs and the developer console's Echo Show "
        "requests (Viewport with experiences, touch and video; Viewports with a DISCRETE size)",
        interfaces={"ALEXA_PRESENTATION_APL": APL_RUNTIME},
        viewport=_SHOW[0],
        viewports=_SHOW[1],
        sdk_profile="HUB_LANDSCAPE_LARGE",
    ),
    "spot": DeviceProfile(
        name="spot",
        description="an Echo Spot, round small hub (480x480 at 160 dpi)",
        source="a simulator request for the round small hub, published with a skill's source: "
        "ROUND, 144x144 arc minutes, touch, H_264_41 only",
        interfaces={"ALEXA_PRESENTATION_APL": APL_RUNTIME},
        viewport=_SPOT[0],
        viewports=_SPOT[1],
        sdk_profile="HUB_ROUND_SMALL",
    ),
    "tv": DeviceProfile(
        name="tv",
        description="a Fire TV (1920x1080 at 320 dpi, 960x540 dp), driven by a remote",
        source="the viewport profiles docs (tvLandscapeXLarge: 960x540 dp) and the Alexa Smart "
        "Screen SDK's TV configuration (mode TV, no touch, a direction-pad keyboard)",
        interfaces={"ALEXA_PRESENTATION_APL": APL_RUNTIME},
        viewport=_TV[0],
        viewports=_TV[1],
        sdk_profile="TV_LANDSCAPE_XLARGE",
    ),
    "phone": DeviceProfile(
        name="phone",
        description="the Alexa app on a phone, portrait (720x1280 at 240 dpi)",
        source="the viewport docs' MOBILE mode and rotating experiences; ask-sdk-core's "
        "mobile profiles need a medium density (161-240 dpi)",
        interfaces={"ALEXA_PRESENTATION_APL": APL_RUNTIME},
        viewport=_PHONE[0],
        viewports=_PHONE[1],
        sdk_profile="MOBILE_PORTRAIT_MEDIUM",
    ),
}
