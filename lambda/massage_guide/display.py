"""What a screen shows: the home screen, one benefit, the read-through, or any other card.

Every screen mirrors the card of the same answer, and the card holds what is
said: nothing is only on screen. Devices without APL (or a skill whose
manifest did not declare it) never see a directive. Each document is data
(``apl/<kind>.json``), read once; the code builds its data source, with every
text escaped for APL's small markup language.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from ask_sdk_core.handler_input import HandlerInput

from massage_guide.content import Benefit, Content
from massage_guide.fast_serializer import WireJson
from massage_guide.speech import escape

DOCUMENTS: Final = Path(__file__).with_name("apl")
KINDS: Final = ("card", "home", "benefit", "read_through")
BENEFIT_EVENT: Final = "benefit"
"""First SendEvent argument of a touch on the home screen; the second is the benefit id."""
USER_EVENT: Final = "Alexa.Presentation.APL.UserEvent"


def token_for(kind: str) -> str:
    """The RenderDocument token naming a screen (and coming back with its touches)."""
    return f"massage-guide-{kind.replace('_', '-')}"


@dataclass(frozen=True)
class Screen:
    """A document kind and the data source it is rendered with."""

    kind: str
    payload: dict[str, Any]


ScreenBuilder = Callable[[], Screen]
"""How a handler offers its screen: built only when the device has one, so speakers pay nothing."""


def has_screen(handler_input: HandlerInput) -> bool:
    """Whether the device renders APL (an Echo Show, a Fire TV), from what it says it supports."""
    system = getattr(handler_input.request_envelope.context, "system", None)
    interfaces = getattr(getattr(system, "device", None), "supported_interfaces", None)
    return getattr(interfaces, "alexa_presentation_apl", None) is not None


@cache
def document(kind: str) -> WireJson:
    """The screen's APL document, read once, sent as read (never changed after)."""
    with (DOCUMENTS / f"{kind}.json").open(encoding="utf-8") as handle:
        return WireJson(json.load(handle))


def _apl_text(text: str) -> str:
    """Plain text made safe for an APL Text component (its markup escapes as SSML's does),
    with paragraph breaks kept."""
    return escape(text).replace("\n", "<br>")


def render(screen: Screen) -> Any:
    """The RenderDocument directive for a screen."""
    # Imported here: speakers never pay for the directive's model class.
    from ask_sdk_model.interfaces.alexa.presentation.apl import (  # noqa: PLC0415
        RenderDocumentDirective,
    )

    return RenderDocumentDirective(
        token=token_for(screen.kind),
        document=document(screen.kind),
        datasources={"payload": {_payload_key(screen.kind): screen.payload}},
    )


def _payload_key(kind: str) -> str:
    head, *rest = kind.split("_")
    return head + "".join(word.title() for word in rest)


def card_screen(title: str, text: str, footer: str) -> Screen:
    """Any card as a screen: its title and text, with the footer line."""
    return Screen("card", {"title": _apl_text(title), "text": _apl_text(text), "footer": footer})


def home_screen(words: Content) -> Screen:
    """The seven benefits as touchable tiles, with what to say or touch."""
    return Screen(
        "home",
        {
            "title": _apl_text(words.skill_name),
            "hint": _apl_text(words.prompt("screen_home_hint")),
            "footer": _apl_text(words.prompt("screen_footer")),
            "benefits": [{"id": b.id, "title": _apl_text(b.title)} for b in words.benefits],
        },
    )


def benefit_screen(
    words: Content, benefit: Benefit, body: str, *, hint: str, position: int | None = None
) -> Screen:
    """One benefit: its card words, the tour position while touring, and what to say next."""
    where = (
        ""
        if position is None
        else words.prompt("screen_position", number=position, total=len(words.benefits))
    )
    return Screen(
        "benefit",
        {
            "position": _apl_text(where),
            "title": _apl_text(benefit.title),
            "text": _apl_text(body),
            "hint": _apl_text(hint),
            "footer": _apl_text(words.prompt("screen_footer")),
        },
    )


def read_through_screen(words: Content, benefits: Iterable[Benefit]) -> Screen:
    """Every benefit's title and the line read out for it, then the tip and the disclaimer."""
    return Screen(
        "read_through",
        {
            "title": _apl_text(words.skill_name),
            "benefits": [
                {"title": _apl_text(b.title), "line": _apl_text(b.line)} for b in benefits
            ],
            "closing": _apl_text(f"{words.therapist_tip} {words.disclaimer}"),
        },
    )
