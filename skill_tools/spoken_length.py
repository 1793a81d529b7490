"""How long a response takes to hear: the one measure behind the skill's one-breath budgets.

:func:`measure` reads SSML as Alexa would speak it:

* **words**: whitespace-separated words of the spoken text (tags removed);
* **seconds**: an estimate of speaking time. Text is spoken at
  :data:`CHARACTERS_PER_SECOND` characters (letters, digits and the spaces
  between words; punctuation is not counted), which is about 150 words a
  minute for English, Alexa's normal pace. Counting characters rather than
  words keeps the estimate fair for languages with longer words (German) or
  more, shorter ones (Spanish). ``<prosody rate="slow">`` stretches the text
  by :data:`PACE_STRETCH`; every ``<break time="...ms"/>`` adds its length.

``seconds_at_normal_pace`` is the same estimate with any prosody rate ignored:
budgets for ordinary turns hold at the listener's chosen pace in words and at
normal pace in seconds, while the hands-free read-through must fit its budget
even when spoken slowly.

The budgets (:data:`BUDGETS`) are the skill's design rules, enforced on every
response the tests see (tests/support.py):

* an ordinary turn, its closing question included: 45 words, 18 seconds;
* "tell me more" and detailed answers: 70 words, 28 seconds;
* the hands-free read-through: 100 seconds, pauses and slow pace included;
* a reprompt: 20 words, 8 seconds.

Word limits apply to English; other languages are held to the seconds.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Final

CHARACTERS_PER_SECOND: Final = 15.0
PACE_STRETCH: Final = {"x-slow": 1.5, "slow": 1.25, "medium": 1.0, "fast": 0.85, "x-fast": 0.7}
_BREAK_TIME: Final = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$")
_SPOKEN_CHARACTERS: Final = re.compile(r"[^\W_]|(?<=\w) (?=\w)")


@dataclass(frozen=True)
class SpokenLength:
    """What a listener sits through: words, and estimated seconds as spoken and at normal pace."""

    words: int
    seconds: float
    seconds_at_normal_pace: float


@dataclass(frozen=True)
class Budget:
    """The most a kind of turn may take; ``words`` applies to English only."""

    kind: str
    words: int | None
    seconds: float
    at_chosen_pace: bool = False
    """True when ``seconds`` must hold at the listener's pace (slow included)."""

    def overrun(self, length: SpokenLength, english: bool) -> str | None:
        """Why ``length`` breaks this budget, or None when it fits."""
        if english and self.words is not None and length.words > self.words:
            return f"{self.kind}: {length.words} words (budget {self.words})"
        seconds = length.seconds if self.at_chosen_pace else length.seconds_at_normal_pace
        if seconds > self.seconds:
            return f"{self.kind}: {seconds:.1f} s (budget {self.seconds:.0f} s)"
        return None


ORDINARY: Final = Budget("an ordinary turn", 45, 18.0)
DETAILED: Final = Budget("a detailed answer", 70, 28.0)
READ_THROUGH: Final = Budget("the read-through", None, 100.0, at_chosen_pace=True)
REPROMPT: Final = Budget("a reprompt", 20, 8.0)
BUDGETS: Final = (ORDINARY, DETAILED, READ_THROUGH, REPROMPT)


def _break_seconds(element: ET.Element) -> float:
    found = _BREAK_TIME.match(element.get("time", "").strip())
    if found is None:
        return 0.0
    value = float(found.group(1))
    return value / 1000 if found.group(2) == "ms" else value


def _spoken_characters(text: str) -> int:
    return len(_SPOKEN_CHARACTERS.findall(" ".join(text.split())))


def measure(ssml: str) -> SpokenLength:
    """Words and estimated seconds of one SSML string (a whole ``<speak>`` element)."""
    root = ET.fromstring(ssml)  # noqa: S314 - the skill's own SSML, in tests and tools
    words = len("".join(root.itertext()).split())
    spoken = 0.0
    plain = 0.0
    pauses = 0.0

    def walk(element: ET.Element, stretch: float) -> None:
        nonlocal spoken, plain, pauses
        if element.tag == "prosody":
            stretch *= PACE_STRETCH.get(element.get("rate", "medium"), 1.0)
        if element.tag == "break":
            pauses += _break_seconds(element)
        characters = _spoken_characters(element.text or "")
        spoken += characters * stretch
        plain += characters
        for child in element:
            walk(child, stretch)
            tail = _spoken_characters(child.tail or "")
            spoken += tail * stretch
            plain += tail

    walk(root, 1.0)
    return SpokenLength(
        words=words,
        seconds=round(spoken / CHARACTERS_PER_SECOND + pauses, 2),
        seconds_at_normal_pace=round(plain / CHARACTERS_PER_SECOND + pauses, 2),
    )
