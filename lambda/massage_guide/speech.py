"""The one place that turns words into SSML: escaped, paced, paused, and within Alexa's limits.

ask-sdk's ``speak()`` wraps text in ``<speak>`` without escaping it, so an
ampersand in content would make the whole response invalid. Everything the
skill says goes through :class:`Speech`, which escapes each piece of text and
keeps the result under Alexa's 8,000-character limit for output speech.
"""

from __future__ import annotations

import re
from typing import Final

MAX_SSML_CHARS: Final = 8000
SHORT_PAUSE_MS: Final = 400
BENEFIT_PAUSE_MS: Final = 1500
READ_THROUGH_PAUSE_MS: Final = 3000
MAX_BREAK_MS: Final = 10_000
MAX_SPOKEN_DIGITS: Final = 6
PROSODY_RATES: Final = {"normal": None, "slow": "slow"}
"""The prosody rate for each listening pace; normal speech needs no prosody element."""

_SPACES = re.compile(r"\s+")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape(text: str) -> str:
    """Escape &, < and > for SSML, as xml.sax.saxutils.escape does.

    Written out because importing xml.sax.saxutils pulls in urllib.request,
    http.client, email and ssl on every cold start, for three replaces.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clean(text: str) -> str:
    """One line of speakable text: no control characters, single spaces."""
    return _SPACES.sub(" ", _NOT_XML.sub("", text)).strip()


class Speech:
    """An ordered list of SSML fragments, each either escaped text or a pause."""

    __slots__ = ("_fragments",)

    def __init__(self, *texts: str) -> None:
        self._fragments: list[str] = []
        for text in texts:
            self.say(text)

    @classmethod
    def from_body(cls, body: str) -> Speech:
        """Speech from inner SSML this skill produced earlier (validated by the caller)."""
        speech = cls()
        speech._fragments.append(body)
        return speech

    def say(self, text: str) -> Speech:
        """Add text to be spoken; XML metacharacters are escaped, control characters dropped."""
        cleaned = _clean(text)
        if cleaned:
            self._fragments.append(escape(cleaned))
        return self

    def say_with_number(self, text: str, number: str) -> Speech:
        """Add text in which ``number`` (a phone number such as 911) is read digit by digit.

        "Call 911" must be heard as "nine one one" whatever the voice makes of a
        bare number; the rest of the text is escaped as :meth:`say` does.
        """
        before, found, after = _clean(text).partition(number)
        if not found or not number.isdigit() or len(number) > MAX_SPOKEN_DIGITS:
            return self.say(text)
        digits = f'<say-as interpret-as="digits">{number}</say-as>'
        self._fragments.append(f"{escape(before)}{digits}{escape(after)}")
        return self

    def pause(self, milliseconds: int = SHORT_PAUSE_MS) -> Speech:
        """Add a silence, for example between benefits read out one after another."""
        bounded = max(0, min(int(milliseconds), MAX_BREAK_MS))
        self._fragments.append(f'<break time="{bounded}ms"/>')
        return self

    def __bool__(self) -> bool:
        return bool(self._fragments)

    def body(self) -> str:
        """The inner SSML, without the ``<speak>`` element."""
        return " ".join(self._fragments)

    def ssml(self, pace: str | None = None) -> str:
        """Complete SSML, wrapped in prosody for a slower pace and cut to fit Alexa's limit."""
        return wrap(self.body(), pace)


def _speak_tags(pace: str | None) -> tuple[str, str]:
    """The opening and closing tags around spoken SSML: ``<speak>``, and prosody for a pace."""
    rate = PROSODY_RATES.get(pace or "normal")
    if rate:
        return f'<speak><prosody rate="{rate}">', "</prosody></speak>"
    return "<speak>", "</speak>"


def fit(body: str, pace: str | None = None) -> str:
    """The inner SSML that fits Alexa's limit once wrapped for this pace: what will be spoken."""
    opening, closing = _speak_tags(pace)
    room = MAX_SSML_CHARS - len(opening) - len(closing)
    return body if len(body) <= room else _cut(body, room)


def wrap(body: str, pace: str | None = None) -> str:
    """Wrap inner SSML in ``<speak>`` (and prosody), cut to fit if it is too long."""
    opening, closing = _speak_tags(pace)
    return f"{opening}{fit(body, pace)}{closing}"


def _cut(body: str, room: int) -> str:
    """Cut at the latest sentence end or pause that fits, never inside a tag or an entity."""
    cut = body[:room]
    ends = [cut.rfind(b) + len(b) for b in ("/>", ". ", "? ", "! ") if cut.rfind(b) > 0]
    if ends:
        return cut[: max(ends)].rstrip()
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    lt = cut.rfind("<")
    if lt != -1 and ">" not in cut[lt:]:
        cut = cut[:lt]
    return cut.rstrip()


_OWN_BREAK = re.compile(r'<break time="(\d{1,5})ms"/>')
_OWN_DIGITS = re.compile(r'<say-as interpret-as="digits">(\d{1,6})</say-as>')
_BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);)")


def is_own_body(body: object) -> bool:
    """Whether ``body`` looks like inner SSML this module made: escaped words, its own pauses
    and numbers read digit by digit.

    Session attributes come back from outside, so speech kept there for
    "repeat" is checked before it is spoken again.
    """
    if not isinstance(body, str) or len(body) > MAX_SSML_CHARS:
        return False
    if any(int(ms) > MAX_BREAK_MS for ms in _OWN_BREAK.findall(body)):
        return False
    text = _OWN_DIGITS.sub(r" \1 ", _OWN_BREAK.sub(" ", body))
    if "<" in text or ">" in text or _BARE_AMPERSAND.search(text) or _NOT_XML.search(text):
        return False
    return bool(text.strip())
