"""What an Echo Show shows: the same title and text as the card, as an APL screen.

Devices without a screen never see a directive; the document is data
(``apl/card.json``), read once, and the text goes in through datasources,
escaped for APL's small markup language.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Final

from ask_sdk_core.handler_input import HandlerInput

DOCUMENT_PATH: Final = Path(__file__).with_name("apl") / "card.json"
DOCUMENT_TOKEN: Final = "massage-guide-card"  # noqa: S105 - names the screen, no secret


def has_screen(handler_input: HandlerInput) -> bool:
    """Whether the device renders APL (an Echo Show, a Fire TV), from what it says it supports."""
    system = getattr(handler_input.request_envelope.context, "system", None)
    interfaces = getattr(getattr(system, "device", None), "supported_interfaces", None)
    return getattr(interfaces, "alexa_presentation_apl", None) is not None


@cache
def _document() -> dict[str, Any]:
    with DOCUMENT_PATH.open(encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    return document


def _apl_text(text: str) -> str:
    """Plain text made safe for an APL Text component, with paragraph breaks kept."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\n", "<br>")


def card_screen(title: str, text: str, footer: str) -> Any:
    """A RenderDocument directive showing a card's title and text, with a footer line."""
    # Imported here: speakers never pay for the directive's model class.
    from ask_sdk_model.interfaces.alexa.presentation.apl import (  # noqa: PLC0415
        RenderDocumentDirective,
    )

    payload = {"card": {"title": _apl_text(title), "text": _apl_text(text), "footer": footer}}
    return RenderDocumentDirective(
        token=DOCUMENT_TOKEN, document=_document(), datasources={"payload": payload}
    )
