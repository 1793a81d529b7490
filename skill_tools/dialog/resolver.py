"""A small local stand-in for Alexa's language understanding, driven by our own model.

The local dialog must turn typed sentences into the same requests Alexa would
send, using nothing but interaction_models/<locale>.json, so that what we test
offline is the model we ship. The order of the steps mirrors how the service
behaves for our purposes: invocation phrases first, then Amazon's built-in
phrases, then exact sample matches (slot values resolved against the slot
types), then samples that carry unknown words as an unresolved slot
(ER_SUCCESS_NO_MATCH) unless a close near miss resolves, then a fuzzy near
miss, and AMAZON.FallbackIntent for everything else. Each step also tries the
text without a courtesy word at either end ("okay, next", "posture, please").
It is deterministic: the same model and text always give the same resolution.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from skill_tools.dialog.phrases import Language, language_of

FALLBACK = "AMAZON.FallbackIntent"

FUZZY_THRESHOLD = 0.8  # below this a near miss is not trusted at all
MAX_FREE_SLOT_WORDS = 3  # unknown slot text longer than this is not a slot value
MIN_CARRIER_WORDS = 2  # fixed words a sample needs before it may carry unknown slot text
FUZZY_STRONG = 0.92  # at or above this a near miss beats a pass-through slot match
# (below it, a near miss whose slots resolve still beats a pass-through that resolves nothing)

_SLOT_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class SlotValue:
    """A filled slot: what was said and, when it matched the slot type, the value's id."""

    value: str
    id: str | None = None
    canonical: str | None = None

    @property
    def matched(self) -> bool:
        """True for ER_SUCCESS_MATCH, False for ER_SUCCESS_NO_MATCH."""
        return self.id is not None


Method = Literal["launch", "built-in", "exact", "pass-through", "fuzzy", "fallback"]


@dataclass(frozen=True)
class Resolution:
    """What Alexa would send for one utterance.

    ``request_type`` is "LaunchRequest" or "IntentRequest"; ``one_shot`` is
    True when the invocation name was spoken with the request ("ask back
    massage guide ..."), which always opens a new session.
    """

    request_type: Literal["LaunchRequest", "IntentRequest"]
    intent: str | None
    slots: dict[str, SlotValue] = field(default_factory=dict)
    one_shot: bool = False
    method: Method = "exact"
    score: float = 1.0
    text: str = ""

    @property
    def invoked(self) -> bool:
        """True when the invocation name was spoken (launch or one-shot)."""
        return self.one_shot or self.request_type == "LaunchRequest"


@dataclass(frozen=True)
class _Template:
    intent: str
    text: str  # normalised sample, placeholders kept as {slot}
    slot_names: tuple[str, ...]
    literal_words: int
    exact: re.Pattern[str]  # each slot limited to its type's values
    loose: re.Pattern[str] | None  # each slot any text; None when the sample is only slots


@dataclass(frozen=True)
class _TypeValue:
    id: str | None
    canonical: str


class Resolver:
    """Resolve typed utterances to requests using one interaction model."""

    def __init__(self, model: Mapping[str, Any], language: Language | None = None) -> None:
        self.language = language or language_of(None)
        spec = model["interactionModel"]["languageModel"]
        self.invocation_name = self.language.normalise(spec["invocationName"])
        # Words around a request that do not change it: "okay, next", "posture, please".
        self._openers = tuple(self.language.normalise(w) for w in self.language.courtesy_openers)
        self._closers = tuple(self.language.normalise(w) for w in self.language.courtesy_closers)
        self._intents: dict[str, dict[str, str]] = {}  # intent -> slot name -> type
        self._types: dict[str, dict[str, _TypeValue]] = {}  # type -> phrase -> value
        self._type_patterns: dict[str, str] = {}
        for slot_type in spec.get("types", []):
            self._add_type(slot_type)

        self._phrases: dict[str, str] = {}  # whole-utterance built-in phrases
        self._templates: list[_Template] = []
        for intent in spec["intents"]:
            name = intent["name"]
            slots = {s["name"]: s["type"] for s in intent.get("slots", [])}
            self._intents[name] = slots
            for phrase in self.language.built_in_phrases.get(name, ()):
                self._phrases.setdefault(self.language.normalise(phrase), name)
            for sample in intent.get("samples", []):
                self._templates.append(self._compile(name, sample, slots))

        verbs = "|".join(
            re.escape(self.language.normalise(verb))
            for verb in (*self.language.launch_verbs, *self.language.one_shot_verbs)
        )
        connectors = "|".join(
            re.escape(self.language.normalise(c)) for c in self.language.connectors
        )
        self._invocation = re.compile(
            rf"(?:alexa )?(?P<verb>{verbs}) {re.escape(self.invocation_name)}"
            rf"(?: (?P<connector>{connectors}))?(?: (?P<rest>.+))?"
        )

    @classmethod
    def from_file(cls, path: str | Path, locale: str | None = None) -> Resolver:
        """Load an SMAPI interaction model file (interaction_models/<locale>.json).

        The language comes from ``locale``, else from the file's name ("de-DE.json").
        """
        model_path = Path(path)
        with model_path.open(encoding="utf-8") as handle:
            model = json.load(handle)
        stem = model_path.stem
        guessed = stem if re.fullmatch(r"[a-z]{2}-[A-Z]{2}", stem) else None
        return cls(model, language_of(locale or guessed))

    # -- model compilation -------------------------------------------------

    def _add_type(self, slot_type: Mapping[str, Any]) -> None:
        phrases: dict[str, _TypeValue] = {}
        for entry in slot_type.get("values", []):
            name = entry["name"]
            value = _TypeValue(entry.get("id"), name["value"])
            for phrase in (name["value"], *name.get("synonyms", [])):
                phrases.setdefault(self.language.normalise(phrase), value)
        self._types[slot_type["name"]] = phrases
        ordered = sorted((p for p in phrases if p), key=lambda p: (-len(p), p))
        self._type_patterns[slot_type["name"]] = "|".join(re.escape(p) for p in ordered)

    def _compile(self, intent: str, sample: str, slots: Mapping[str, str]) -> _Template:
        parts = _SLOT_RE.split(sample)
        exact, loose, text = [], [], []
        names: list[str] = []
        literal_words = 0
        for index, part in enumerate(parts):
            if index % 2:  # a slot name
                names.append(part)
                group = f"s{len(names) - 1}"
                values = self._type_patterns.get(slots.get(part, ""), "")
                exact.append(f"(?P<{group}>{values})" if values else r"(?!)")
                loose.append(f"(?P<{group}>.+?)")
                text.append("{" + part + "}")
            else:
                words = self.language.normalise(part)
                literal_words += len(words.split())
                if words:
                    exact.append(re.escape(words))
                    loose.append(re.escape(words))
                    text.append(words)
        return _Template(
            intent=intent,
            text=" ".join(text),
            slot_names=tuple(names),
            literal_words=literal_words,
            exact=re.compile(" ".join(exact)),
            loose=re.compile(" ".join(loose)) if literal_words else None,
        )

    # -- resolution ----------------------------------------------------------

    def slot_types(self, intent: str) -> dict[str, str]:
        """Slot name -> slot type for an intent in the model (empty if unknown)."""
        return dict(self._intents.get(intent, {}))

    def resolve(self, text: str) -> Resolution:
        """Map one utterance to a LaunchRequest or an IntentRequest with slots."""
        spoken = self.language.normalise(text)
        if spoken.startswith("alexa "):
            spoken = spoken[len("alexa ") :]
        invoked = self._invocation.fullmatch(spoken)
        if invoked is None:
            return self._utterance([spoken])
        rest, connector = invoked.group("rest"), invoked.group("connector")
        if rest is None:
            # "open back massage guide", and also "ask back massage guide" alone.
            return Resolution("LaunchRequest", None, method="launch", text=spoken)
        candidates = [rest, f"{connector} {rest}"] if connector else [rest]
        return self._utterance(candidates, one_shot=True)

    def _utterance(self, candidates: list[str], one_shot: bool = False) -> Resolution:
        plain = (self._without_courtesy(text) for text in candidates)
        candidates = [*candidates, *(text for text in plain if text not in candidates)]
        for text in candidates:
            intent = self._phrases.get(text)
            if intent:
                return Resolution("IntentRequest", intent, {}, one_shot, "built-in", 1.0, text)
        for text in candidates:
            exact = self._match(text, loose=False)
            if exact:
                return Resolution("IntentRequest", *exact, one_shot, "exact", 1.0, text)
        fuzzy = max((self._fuzzy(text) for text in candidates), key=lambda r: r[2], default=None)
        pass_through = next(filter(None, (self._match(t, loose=True) for t in candidates)), None)
        if fuzzy and fuzzy[2] >= FUZZY_STRONG:
            return Resolution("IntentRequest", fuzzy[0], fuzzy[1], one_shot, "fuzzy", *fuzzy[2:])
        if pass_through and not (_unresolved(pass_through[1]) and _trusted(fuzzy)):
            text = candidates[0]
            return Resolution("IntentRequest", *pass_through, one_shot, "pass-through", 1.0, text)
        if fuzzy and fuzzy[2] >= FUZZY_THRESHOLD:
            return Resolution("IntentRequest", fuzzy[0], fuzzy[1], one_shot, "fuzzy", *fuzzy[2:])
        score = fuzzy[2] if fuzzy else 0.0
        return Resolution("IntentRequest", FALLBACK, {}, one_shot, "fallback", score, candidates[0])

    def _match(self, text: str, loose: bool) -> tuple[str, dict[str, SlotValue]] | None:
        """The most specific sample (most literal words) that matches the whole text.

        Between equally specific samples, the one whose slots resolve wins: a
        carrier shared by two slot types ("i have {cause}", "i have {sign}")
        goes to the intent whose type knows the words, as Alexa would send it.
        """
        best: tuple[tuple[int, int], str, dict[str, SlotValue]] | None = None
        for template in self._templates:
            pattern = template.loose if loose else template.exact
            if pattern is None or (loose and not template.slot_names):
                continue
            found = pattern.fullmatch(text)
            if found is None:
                continue
            if loose and not self._plausible_slot_text(template, found):
                continue
            if best is not None and template.literal_words < best[0][0]:
                continue
            slots = {
                name: self._slot_value(template.intent, name, found.group(f"s{i}"))
                for i, name in enumerate(template.slot_names)
            }
            rank = (template.literal_words, sum(slot.matched for slot in slots.values()))
            if best is None or rank > best[0]:
                best = (rank, template.intent, slots)
        return (best[1], best[2]) if best else None

    def _without_courtesy(self, text: str) -> str:
        """The text less one opening and one closing courtesy word, if anything else is left."""
        for opener in self._openers:
            if text.startswith(opener + " "):
                text = text[len(opener) + 1 :]
                break
        for closer in self._closers:
            if text.endswith(" " + closer):
                text = text[: -len(closer) - 1]
                break
        return text

    @staticmethod
    def _plausible_slot_text(template: _Template, found: re.Match[str]) -> bool:
        """Pass unknown words through only as a slot value would sound: short, in a real carrier.

        Without this, a sample like "what about {benefit}" would swallow any
        sentence, and nothing would ever reach the fallback intent.
        """
        free_words = sum(len(found.group(f"s{i}").split()) for i in range(len(template.slot_names)))
        return template.literal_words >= MIN_CARRIER_WORDS and free_words <= MAX_FREE_SLOT_WORDS

    def _slot_value(self, intent: str, slot: str, said: str) -> SlotValue:
        """Entity resolution: the slot type's value for what was said, if there is one."""
        phrases = self._types.get(self._intents[intent].get(slot, ""), {})
        words = said.split()
        while words:
            value = phrases.get(" ".join(words))
            if value is not None:
                return SlotValue(said, value.id, value.canonical)
            if words[0] not in self.language.articles:
                break
            words = words[1:]
        return SlotValue(said)

    def _fuzzy(self, text: str) -> tuple[str, dict[str, SlotValue], float, str]:
        """The closest sample, comparing with any recognised slot value put back as {slot}."""
        variants = list(self._slot_variants(text))
        best: tuple[str, dict[str, SlotValue], float, str] = (FALLBACK, {}, 0.0, text)
        matcher = difflib.SequenceMatcher(autojunk=False)
        for variant, filled in variants:
            matcher.set_seq2(variant)
            for template in self._templates:
                if set(template.slot_names) != set(filled):
                    continue
                matcher.set_seq1(template.text)
                if matcher.real_quick_ratio() <= best[2] or matcher.quick_ratio() <= best[2]:
                    continue
                score = matcher.ratio()
                if score > best[2]:
                    slots = {n: self._slot_value(template.intent, n, filled[n]) for n in filled}
                    best = (template.intent, slots, round(score, 3), text)
        return best

    def _slot_variants(self, text: str) -> Iterable[tuple[str, dict[str, str]]]:
        """The text itself, then the text with one recognised slot value replaced by {slot}."""
        yield text, {}
        seen: set[tuple[str, str]] = set()
        for intent_slots in self._intents.values():
            for slot, slot_type in intent_slots.items():
                pattern = self._type_patterns.get(slot_type)
                if not pattern or (slot, slot_type) in seen:
                    continue
                seen.add((slot, slot_type))
                for found in re.finditer(rf"(?<!\S)(?:{pattern})(?!\S)", text):
                    start, end = found.span()
                    yield f"{text[:start]}{{{slot}}}{text[end:]}", {slot: found.group()}


def _unresolved(slots: Mapping[str, SlotValue]) -> bool:
    """No slot value the slot type knows: Alexa would send ER_SUCCESS_NO_MATCH for each."""
    return not any(slot.matched for slot in slots.values())


def _trusted(fuzzy: tuple[str, dict[str, SlotValue], float, str] | None) -> bool:
    """A near miss worth more than words passed through unresolved: close, and its slots resolve.

    "what is massage therapy anyway" is a near miss of a sample, not an unknown
    benefit called "massage therapy anyway".
    """
    if fuzzy is None or fuzzy[2] < FUZZY_THRESHOLD:
        return False
    return all(slot.matched for slot in fuzzy[1].values())
