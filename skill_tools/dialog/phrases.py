"""How people say things to Alexa, per language, as data: built-in phrases, launch words, forms.

Each language the skill speaks has ``languages/<code>.json``: the phrases
Amazon's built-in intents understand without samples, the words that open a
skill or hand it a request, and the word forms folded together before
comparing. :meth:`Language.normalise` is the one way samples, slot values and
typed text are put into the same form, so "I'm", "i am" and "I’m" (or
"¿Qué?" and "que", "Rücken" and "rücken") meet in the middle. Letters of every
language are kept as they are: an accent or an umlaut can change a word.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

LANGUAGES_DIR: Final = Path(__file__).with_name("languages")
DEFAULT_LANGUAGE: Final = "en"
_QUOTES: Final = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00b4": "'", "`": "'"})
_EDGE_PUNCTUATION: Final = '.,!?;:"()[]¿¡«»„“”…'
_NOT_WORD: Final = re.compile(r"[^\w ]|_")


@dataclass(frozen=True)
class Language:
    """The ways of speaking the resolver needs for one language."""

    code: str
    built_in_phrases: Mapping[str, tuple[str, ...]]
    launch_verbs: tuple[str, ...]
    one_shot_verbs: tuple[str, ...]
    connectors: tuple[str, ...]
    articles: tuple[str, ...]
    contractions: Mapping[str, str]
    suffixes: Mapping[str, str]
    is_words: tuple[str, ...]
    numbers: Mapping[str, str]
    courtesy_openers: tuple[str, ...] = ()
    courtesy_closers: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, code: str, data: Mapping[str, Any]) -> Language:
        return cls(
            code=code,
            built_in_phrases={k: tuple(v) for k, v in data["built_in_phrases"].items()},
            launch_verbs=tuple(data["launch_verbs"]),
            one_shot_verbs=tuple(data["one_shot_verbs"]),
            connectors=tuple(data["connectors"]),
            articles=tuple(data["articles"]),
            contractions=dict(data.get("contractions", {})),
            suffixes=dict(data.get("suffixes", {})),
            is_words=tuple(data.get("is_words", ())),
            numbers=dict(data.get("numbers", {})),
            courtesy_openers=tuple(data.get("courtesy_openers", ())),
            courtesy_closers=tuple(data.get("courtesy_closers", ())),
        )

    def normalise(self, text: str) -> str:
        """Lower case, forms folded, punctuation gone, digits as words, single spaces."""
        text = unicodedata.normalize("NFC", text).lower().translate(_QUOTES)
        words = []
        for word in text.split():
            core = word.strip(_EDGE_PUNCTUATION)
            words.append(self._fold(core))
        text = _NOT_WORD.sub(" ", " ".join(words).replace("'", ""))
        return " ".join(self.numbers.get(word, word) for word in text.split())

    def _fold(self, word: str) -> str:
        if word in self.contractions:
            return self.contractions[word]
        if word.endswith("'s") and word[:-2] in self.is_words:
            return word[:-2] + " is"
        for suffix, replacement in self.suffixes.items():
            if word.endswith(suffix) and len(word) > len(suffix):
                return word[: -len(suffix)] + replacement
        return word


@cache
def language(code: str) -> Language:
    """The language data for a code such as "de"; KeyError when the skill does not speak it."""
    path = LANGUAGES_DIR / f"{code}.json"
    if not path.is_file():
        raise KeyError(f"no resolver language data for {code!r} ({path})")
    with path.open(encoding="utf-8") as handle:
        return Language.from_data(code, json.load(handle))


def language_of(locale: str | None) -> Language:
    """The language of a locale such as "de-DE" (English when none is given)."""
    return language((locale or DEFAULT_LANGUAGE).replace("_", "-").split("-")[0].lower())


def normalise(text: str, locale: str | None = None) -> str:
    """``text`` in the comparable form of the locale's language (English by default)."""
    return language_of(locale).normalise(text)
