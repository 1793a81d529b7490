"""What the skill says, loaded from per-language data files with locale fallback.

All facts and sentences live in ``locales/<language>.json``; adding a locale is
adding a file. ``en-GB`` looks for ``en-GB.json``, then ``en.json``, then the
default language, so a regional file only needs the strings that differ.

A prompt is one template or a list of variants with the same placeholders
(the caller picks the variant, see ``conversation.varied``). Placeholders
named ``say_<key>`` are filled from the ``say`` table: the exact phrases the
skill suggests a listener say, kept in one place so a test can check that
each one is understood back by the interaction model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from string import Formatter
from typing import Any, Final

LOCALES_DIR = Path(__file__).with_name("locales")
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Benefit:
    """One of the seven ways massage may help a back, keyed by its slot value id.

    ``line`` is one short sentence, for the hands-free read-through of all seven.
    """

    id: str
    name: str
    title: str
    line: str
    summary: str
    detail: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A phrase the skill tells a listener to say, and what the model must understand by it."""

    phrase: str
    intent: str
    slots: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Cause:
    """A reason a listener's back hurts, and the benefits that speak to it."""

    id: str
    name: str
    intro: str
    benefit_ids: tuple[str, ...]


class MissingPromptError(KeyError):
    """A prompt or placeholder that the locale data does not define."""


SAY_PREFIX: Final = "say_"


@dataclass(frozen=True)
class Content:
    """Everything the skill can say in one language."""

    language: str
    skill_name: str
    benefits: tuple[Benefit, ...]
    overview: str
    therapist_advice: str
    therapist_tip: str
    disclaimer: str
    doctor_reminder: str
    definition: str
    source: str
    not_a_cure: str
    causes: dict[str, Cause]
    limits: dict[str, str]
    prompts: dict[str, tuple[str, ...]]
    say: dict[str, Suggestion]
    articles: frozenset[str] = frozenset()
    """Words that may lead a spoken name ("the", "la", "die"): matched without them."""
    benefit_ids: tuple[str, ...] = field(init=False)
    _placeholders: dict[str, frozenset[str]] = field(init=False, repr=False)
    _suggested: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Worked out once per language, not on every request.
        object.__setattr__(self, "benefit_ids", tuple(b.id for b in self.benefits))
        placeholders = {
            key: frozenset(
                name
                for template in variants
                for _, name, _, _ in Formatter().parse(template)
                if name and not name.startswith(SAY_PREFIX)
            )
            for key, variants in self.prompts.items()
        }
        object.__setattr__(self, "_placeholders", placeholders)
        suggested = {SAY_PREFIX + key: item.phrase for key, item in self.say.items()}
        object.__setattr__(self, "_suggested", suggested)

    def benefit(self, benefit_id: str | None) -> Benefit | None:
        """The benefit with this id, or None for an unknown or missing id."""
        for benefit in self.benefits:
            if benefit.id == benefit_id:
                return benefit
        return None

    def index_of(self, benefit_id: str | None) -> int | None:
        """Position of a benefit in the tour order, or None."""
        for index, benefit in enumerate(self.benefits):
            if benefit.id == benefit_id:
                return index
        return None

    def prompt(self, key: str, variant: int = 0, **values: object) -> str:
        """A prompt (variant ``variant``) with its placeholders filled.

        A gap is an error, never a brace in speech; suggested phrases come from
        the ``say`` table.
        """
        try:
            variants = self.prompts[key]
        except KeyError as missing:
            raise MissingPromptError(key) from missing
        absent = self._placeholders[key] - values.keys()
        if absent:
            raise MissingPromptError(f"{key}: {sorted(absent)}")
        try:
            return variants[variant % len(variants)].format(**self._suggested, **values)
        except KeyError as missing:
            raise MissingPromptError(f"{key}: {missing}") from None

    def variants(self, key: str) -> int:
        """How many ways the prompt can be said (1 for a plain one)."""
        return len(self.prompts.get(key, ())) or 1

    def spoken_list(self, names: list[str]) -> str:
        """'a, b, and c' for the ear, with the language's own 'and' (list_pair, list_many)."""
        if len(names) <= 1:
            return "".join(names)
        if len(names) == 2:
            return self.prompt("list_pair", first=names[0], last=names[1])
        return self.prompt("list_many", rest=", ".join(names[:-1]), last=names[-1])


def _language_chain(locale: str | None) -> list[str]:
    """Files to use for a locale, most specific first, each one that exists.

    ``en-AU`` gives en-AU, then what it ``inherits`` (en-GB: the British
    spellings), then its language (en). The default language comes in only
    when the locale's own language has no file, so a Spanish request never
    loads English and a missing Spanish string is an error, never English speech.
    """
    chain: list[str] = []
    if locale:
        name: str | None = locale.replace("_", "-")
        while name and _available(name) and name not in chain:
            chain.append(name)
            name = _layer(name).get("inherits")
        language = locale.replace("_", "-").split("-", 1)[0].lower()
        if _available(language) and language not in chain:
            chain.append(language)
    if not chain or chain[-1].split("-", 1)[0] != chain[-1]:
        chain.append(DEFAULT_LANGUAGE)
    return list(dict.fromkeys(chain))


@cache
def _languages(directory: Path) -> frozenset[str]:
    """Languages with a data file, listed once: a request's locale never names a file."""
    return frozenset(path.stem for path in directory.glob("*.json"))


def _available(language: str) -> bool:
    return language in _languages(LOCALES_DIR)


def _layer(name: str) -> dict[str, Any]:
    return _read_layer(LOCALES_DIR, name)


@cache
def _read_layer(directory: Path, name: str) -> dict[str, Any]:
    """One data file, read once per process (only for names in :func:`_languages`)."""
    with (directory / f"{name}.json").open(encoding="utf-8") as handle:
        layer: dict[str, Any] = json.load(handle)
    return layer


@lru_cache(maxsize=64)
def content_for(locale: str | None) -> Content:
    """The content for a locale, falling back by region and language; bounded cache."""
    return _build(tuple(_language_chain(locale)))


@cache
def _build(languages: tuple[str, ...]) -> Content:
    """Merge the data files so specific locales override general ones, prompt by prompt."""
    data: dict[str, Any] = {}
    prompts: dict[str, tuple[str, ...]] = {}
    for language in reversed(languages):
        layer = _layer(language)
        for key, value in layer.get("prompts", {}).items():
            prompts[key] = (value,) if isinstance(value, str) else tuple(value)
        data.update(layer)
    benefits = tuple(
        Benefit(id=benefit_id, **data["benefits"][benefit_id])
        for benefit_id in data["benefit_order"]
    )
    causes = {
        cause_id: Cause(
            id=cause_id,
            name=raw["name"],
            intro=raw["intro"],
            benefit_ids=tuple(raw["benefits"]),
        )
        for cause_id, raw in data["causes"].items()
    }
    return Content(
        language=languages[0],
        skill_name=data["skill_name"],
        benefits=benefits,
        overview=data["overview"],
        therapist_advice=data["therapist_advice"],
        therapist_tip=data["therapist_tip"],
        disclaimer=data["disclaimer"],
        doctor_reminder=data["doctor_reminder"],
        definition=data["definition"],
        source=data["source"],
        not_a_cure=data["not_a_cure"],
        causes=causes,
        limits=dict(data["limits"]),
        prompts=prompts,
        say={
            key: Suggestion(raw["phrase"], raw["intent"], dict(raw.get("slots", {})))
            for key, raw in data["say"].items()
        },
        articles=frozenset(data["articles"]),
    )
