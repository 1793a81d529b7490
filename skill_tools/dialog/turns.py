"""One exchange as the listener experiences it: what Alexa says, shows and does.

A Turn keeps the request sent and the response received, with the speech and
reprompt turned into the plain text a listener hears.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from skill_tools.dialog.resolver import Resolution
from skill_tools.envelopes import JSON

_BREAK = re.compile(r"<break\b[^>]*/?>", re.IGNORECASE)
_AUDIO = re.compile(r"<audio\b[^>]*/?>", re.IGNORECASE)
_BLOCK_END = re.compile(r"</(?:p|s)>|<(?:p|s)>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def ssml_to_text(ssml: str) -> str:
    """What the listener hears, as text: tags gone, pauses as " … ", entities decoded."""
    text = _BREAK.sub(" … ", ssml)
    text = _AUDIO.sub(" [audio] ", text)
    text = _BLOCK_END.sub(" ", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = re.sub(r"…(?:\s*…)+", "…", " ".join(text.split()))
    return text.strip(" …")


def speech_of(output: JSON | None) -> tuple[str | None, str | None]:
    """(plain text, ssml) of an outputSpeech object; (None, None) when there is none."""
    if not output:
        return None, None
    if output.get("type") == "SSML":
        ssml = str(output.get("ssml", ""))
        return ssml_to_text(ssml), ssml
    return str(output.get("text", "")), None


@dataclass(frozen=True)
class Card:
    """A card shown in the Alexa app: its title and text."""

    type: str
    title: str
    text: str

    @classmethod
    def from_json(cls, card: JSON | None) -> Card | None:
        if not card:
            return None
        text = card.get("content") or card.get("text") or ""
        return cls(str(card.get("type", "Simple")), str(card.get("title", "")), str(text))


@dataclass
class Turn:
    """One exchange: what was said, what was sent, and what Alexa says back."""

    user: str | None
    resolution: Resolution | None
    request: JSON | None
    response: JSON | None
    speech: str = ""
    ssml: str | None = None
    reprompt: str | None = None
    card: Card | None = None
    directives: list[str] = field(default_factory=list)
    ended: bool = False
    new_session: bool = False

    @property
    def request_type(self) -> str | None:
        return self.request["request"]["type"] if self.request else None

    @property
    def intent(self) -> str | None:
        """The intent sent, or the request type when it was not an IntentRequest."""
        if not self.request:
            return None
        request = self.request["request"]
        return str(request["intent"]["name"]) if "intent" in request else str(request["type"])

    @property
    def slots(self) -> dict[str, JSON]:
        """Filled slots as sent: name -> {"value", "id", "name", "status"} (id None unresolved)."""
        filled = self.resolution.slots if self.resolution else {}
        return {
            name: {
                "value": slot.value,
                "id": slot.id,
                "name": slot.canonical,
                "status": slot.status,
            }
            for name, slot in filled.items()
        }

    @property
    def understanding(self) -> JSON | None:
        """How the words were understood: method, confidence and the two runners-up."""
        resolution = self.resolution
        if resolution is None or self.user is None:
            return None
        return {
            "method": resolution.method,
            "confidence": resolution.confidence,
            "runnersUp": [
                {"intent": intent, "confidence": confidence}
                for intent, confidence in resolution.runners_up
            ],
        }

    @property
    def session_attributes(self) -> JSON:
        return dict((self.response or {}).get("sessionAttributes") or {})

    def as_json(self) -> JSON:
        card = self.card
        return {
            "user": self.user,
            "requestType": self.request_type,
            "intent": self.intent,
            "slots": self.slots,
            "understanding": self.understanding,
            "speech": self.speech,
            "ssml": self.ssml,
            "reprompt": self.reprompt,
            "card": {"title": card.title, "text": card.text} if card else None,
            "directives": self.directives,
            "newSession": self.new_session,
            "endSession": self.ended,
        }
