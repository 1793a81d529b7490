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

DeviceKind = Literal["speaker", "show5", "show", "show15", "spot", "tv", "phone"]

APL_RUNTIME: Final = {"runtime": {"maxVersion": "2023.3"}}
"""What an APL device reports: the newest APL version it renders (the documents' version)."""


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


@dataclass(frozen=True)
class ScreenSpec:
    """The few real numbers that decide what a screen reports."""

    mode: str
    shape: str
    width: int
    height: int
    dpi: int
    touch: bool
    codecs: tuple[str, ...]
    can_rotate: bool = False
    arc_minutes: tuple[int, int] | None = None

    def viewport(self) -> dict[str, Any]:
        """context.Viewport, as the viewport characteristics docs describe it."""
        experience: dict[str, Any] = {}
        if self.arc_minutes is not None:
            experience = {
                "arcMinuteWidth": self.arc_minutes[0],
                "arcMinuteHeight": self.arc_minutes[1],
            }
        experience.update(canRotate=self.can_rotate, canResize=False)
        viewport: dict[str, Any] = {
            "experiences": [experience],
            "mode": self.mode,
            "shape": self.shape,
            "pixelWidth": self.width,
            "pixelHeight": self.height,
            "dpi": self.dpi,
            "currentPixelWidth": self.width,
            "currentPixelHeight": self.height,
        }
        # Touch screens report touch; a TV reports its remote's direction pad instead.
        viewport["touch" if self.touch else "keyboard"] = ["SINGLE" if self.touch else "DIRECTION"]
        viewport["video"] = {"codecs": list(self.codecs)}
        return viewport

    def viewports(self) -> list[dict[str, Any]]:
        """context.Viewports: the one APL viewport, at a fixed (DISCRETE) size."""
        size = {"type": "DISCRETE", "pixelWidth": self.width, "pixelHeight": self.height}
        current = {"mode": self.mode, "video": {"codecs": list(self.codecs)}, "size": size}
        return [
            {
                "type": "APL",
                "id": "main",
                "shape": self.shape,
                "dpi": self.dpi,
                "presentationType": "STANDARD",
                "canRotate": self.can_rotate,
                "configuration": {"current": current},
            }
        ]


H264: Final = ("H_264_42", "H_264_41")

# name: (what it is, where its numbers come from, its screen, ask-sdk-core's name for it)
_PROFILES: Final[dict[str, tuple[str, str, ScreenSpec | None, str | None]]] = {
    "speaker": (
        "an Echo without a screen",
        "Alexa's request examples: an empty supportedInterfaces and no Viewport",
        None,
        None,
    ),
    "show5": (
        "an Echo Show 5, small landscape hub (960x480 at 160 dpi)",
        "Alexa's viewport profiles docs (hubLandscapeSmall: 960x480 dp) and the developer "
        "console's Echo Show 5 simulator",
        ScreenSpec("HUB", "RECTANGLE", 960, 480, 160, True, H264),
        "HUB_LANDSCAPE_SMALL",
    ),
    "show": (
        "an Echo Show 8, landscape hub (1280x800 at 160 dpi)",
        "Alexa's viewport characteristics docs and the developer console's Echo Show requests "
        "(Viewport with experiences, touch and video; Viewports with a DISCRETE size)",
        ScreenSpec("HUB", "RECTANGLE", 1280, 800, 160, True, H264, arc_minutes=(246, 144)),
        "HUB_LANDSCAPE_LARGE",
    ),
    "show15": (
        "an Echo Show 15, extra-large landscape hub (1920x1080 at 160 dpi)",
        "Alexa's viewport profiles docs (hubLandscapeXLarge: 1920x1080 dp); ask-sdk-core "
        "1.19 has no extra-large hub profile and sorts it into HUB_LANDSCAPE_LARGE",
        ScreenSpec("HUB", "RECTANGLE", 1920, 1080, 160, True, H264),
        "HUB_LANDSCAPE_LARGE",
    ),
    "spot": (
        "an Echo Spot, round small hub (480x480 at 160 dpi)",
        "a simulator request for the round small hub, published with a skill's source: ROUND, "
        "144x144 arc minutes, touch, H_264_41 only",
        ScreenSpec("HUB", "ROUND", 480, 480, 160, True, ("H_264_41",), arc_minutes=(144, 144)),
        "HUB_ROUND_SMALL",
    ),
    "tv": (
        "a Fire TV (1920x1080 at 320 dpi, 960x540 dp), driven by a remote",
        "the viewport profiles docs (tvLandscapeXLarge: 960x540 dp) and the Alexa Smart Screen "
        "SDK's TV configuration (mode TV, no touch, a direction-pad keyboard)",
        ScreenSpec("TV", "RECTANGLE", 1920, 1080, 320, False, H264),
        "TV_LANDSCAPE_XLARGE",
    ),
    "phone": (
        "the Alexa app on a phone, portrait (720x1280 at 240 dpi)",
        "the viewport docs' MOBILE mode and rotating experiences; ask-sdk-core's mobile "
        "profiles need a medium density (161-240 dpi)",
        ScreenSpec("MOBILE", "RECTANGLE", 720, 1280, 240, True, H264, can_rotate=True),
        "MOBILE_PORTRAIT_MEDIUM",
    ),
}

DEVICES: Final[dict[str, DeviceProfile]] = {
    name: DeviceProfile(
        name=name,
        description=description,
        source=source,
        interfaces={} if screen is None else {"ALEXA_PRESENTATION_APL": APL_RUNTIME},
        viewport=None if screen is None else screen.viewport(),
        viewports=[] if screen is None else screen.viewports(),
        sdk_profile=sdk_profile,
    )
    for name, (description, source, screen, sdk_profile) in _PROFILES.items()
}
