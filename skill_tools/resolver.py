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

FALLBACK = "AMAZON.FallbackIntent"

# Phrases Amazon's built-in intents understand without any samples. Only the
# built-ins a model declares are ever used, and a model's own samples for them
# are added to these, as Alexa does.
BUILT_IN_PHRASES: Mapping[str, tuple[str, ...]] = {
    "AMAZON.HelpIntent": ("help", "help me", "i need help", "can you help me", "what can i do"),
    "AMAZON.StopIntent": ("stop", "stop it", "off", "shut up", "be quiet", "enough", "goodbye"),
    "AMAZON.CancelIntent": ("cancel", "never mind", "nevermind", "forget it", "cancel that"),
    "AMAZON.NextIntent": ("next", "next one", "the next one", "skip", "skip this", "skip it"),
    "AMAZON.PreviousIntent": (
        "previous",
        "previous one",
        "the previous one",
        "go back",
        "back",
        "last one",
        "the last one",
        "back up",
    ),
    "AMAZON.RepeatIntent": ("repeat", "repeat that", "say that again", "again", "once more"),
    "AMAZON.StartOverIntent": ("start over", "restart", "start again", "from the beginning"),
    "AMAZON.YesIntent": (
        "yes",
        "yeah",
        "yep",
        "yup",
        "sure",
        "ok",
        "okay",
        "yes please",
        "of course",
        "please do",
        "alright",
        "go ahead",
    ),
    "AMAZON.NoIntent": ("no", "nope", "nah", "no thanks", "no thank you", "not now", "not really"),
    "AMAZON.NavigateHomeIntent": ("home", "go home", "main menu"),
}

# Words that start a session: "open back massage guide" and friends.
LAUNCH_VERBS = ("open", "launch", "start", "begin", "load", "run", "play", "use", "talk to")
# Words that hand the rest of the sentence to the skill: "ask back massage guide ...".
ONE_SHOT_VERBS = ("ask", "tell")
# Words Alexa allows between the invocation name and the request.
CONNECTORS = ("to", "about", "for", "whether", "if", "that", "and")
# Words around a request that do not change it: "okay, next", "more about posture, please".
COURTESY_OPENERS = ("okay", "ok", "alright", "so", "um", "uh", "oh", "yeah")
COURTESY_CLOSERS = ("please", "thanks", "thank you")

FUZZY_THRESHOLD = 0.8  # below this a near miss is not trusted at all
MAX_FREE_SLOT_WORDS = 3  # unknown slot text longer than this is not a slot value
MIN_CARRIER_WORDS = 2  # fixed words a sample needs before it may carry unknown slot text
FUZZY_STRONG = 0.92  # at or above this a near miss beats a pass-through slot match
# (below it, a near miss whose slots resolve still beats a pass-through that resolves nothing)

_CONTRACTIONS = {
    "i'm": "i am",
    "i've": "i have",
    "i'd": "i would",
    "i'll": "i will",
    "you're": "you are",
    "you've": "you have",
    "you'd": "you would",
    "you'll": "you will",
    "we're": "we are",
    "we've": "we have",
    "they're": "they are",
    "let's": "let us",
    "can't": "cannot",
    "won't": "will not",
    "shan't": "shall not",
    "ain't": "is not",
    # Typed without the apostrophe, as people do at a keyboard (Alexa's speech recogniser
    # writes them with it).
    "im": "i am",
    "ive": "i have",
    "cant": "cannot",
    "dont": "do not",
    "doesnt": "does not",
    "wont": "will not",
    "isnt": "is not",
}
_IS_WORDS = (
    "it",
    "that",
    "what",
    "there",
    "here",
    "who",
    "how",
    "where",
    "when",
    "why",
    "he",
    "she",
)
_NUMBERS = {
    "0": "zero",
    "1": "one",
    "2": "two",
    "3": "three",
    "4": "four",
    "5": "five",
    "6": "six",
    "7": "seven",
    "8": "eight",
    "9": "nine",
    "10": "ten",
}
_ARTICLES = ("the", "a", "an", "my", "some", "your")
_SLOT_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def normalise(text: str) -> str:
    """Lower case, contractions expanded, punctuation gone, single spaces.

    Samples, slot values and what the user types all go through this one
    function, so "I'm", "i am" and "I’m" meet in the middle.
    """
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    words = []
    for word in re.split(r"\s+", text):
        core = word.strip('.,!?;:"()[]')
        if core in _CONTRACTIONS:
            words.append(_CONTRACTIONS[core])
        elif core.endswith("n't"):
            words.append(core[:-3] + " not")
        elif core.endswith("'s") and core[:-2] in _IS_WORDS:
            words.append(core[:-2] + " is")
        elif core.endswith(("'re", "'ll", "'ve")):
            tail = {"'re": " are", "'ll": " will", "'ve": " have"}[core[-3:]]
            words.append(core[:-3] + tail)
        else:
            words.append(word)
    text = " ".join(words).replace("'", "")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    return " ".join(_NUMBERS.get(w, w) for w in text.split())


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

    def __init__(self, model: Mapping[str, Any]) -> None:
        language = model["interactionModel"]["languageModel"]
        self.invocation_name = normalise(language["invocationName"])
        self._intents: dict[str, dict[str, str]] = {}  # intent -> slot name -> type
        self._types: dict[str, dict[str, _TypeValue]] = {}  # type -> phrase -> value
        self._type_patterns: dict[str, str] = {}
        for slot_type in language.get("types", []):
            self._add_type(slot_type)

        self._phrases: dict[str, str] = {}  # whole-utterance built-in phrases
        self._templates: list[_Template] = []
        for intent in language["intents"]:
            name = intent["name"]
            slots = {s["name"]: s["type"] for s in intent.get("slots", [])}
            self._intents[name] = slots
            for phrase in BUILT_IN_PHRASES.get(name, ()):
                self._phrases.setdefault(normalise(phrase), name)
            for sample in intent.get("samples", []):
                self._templates.append(self._compile(name, sample, slots))

        verbs = "|".join(re.escape(v) for v in (*LAUNCH_VERBS, *ONE_SHOT_VERBS))
        connectors = "|".join(CONNECTORS)
        self._invocation = re.compile(
            rf"(?:alexa )?(?P<verb>{verbs}) {re.escape(self.invocation_name)}"
            rf"(?: (?P<connector>{connectors}))?(?: (?P<rest>.+))?"
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Resolver:
        """Load an SMAPI interaction model file (interaction_models/<locale>.json)."""
        with Path(path).open(encoding="utf-8") as handle:
            return cls(json.load(handle))

    # -- model compilation -------------------------------------------------

    def _add_type(self, slot_type: Mapping[str, Any]) -> None:
        phrases: dict[str, _TypeValue] = {}
        for entry in slot_type.get("values", []):
            name = entry["name"]
            value = _TypeValue(entry.get("id"), name["value"])
            for phrase in (name["value"], *name.get("synonyms", [])):
                phrases.setdefault(normalise(phrase), value)
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
                words = normalise(part)
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

    def intent_names(self) -> list[str]:
        return list(self._intents)

    def resolve(self, text: str) -> Resolution:
        """Map one utterance to a LaunchRequest or an IntentRequest with slots."""
        spoken = normalise(text)
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
        plain = (_without_courtesy(text) for text in candidates)
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
            if words[0] not in _ARTICLES:
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


def _without_courtesy(text: str) -> str:
    """The text less one opening and one closing courtesy word, if anything else is left."""
    for opener in COURTESY_OPENERS:
        if text.startswith(opener + " "):
            text = text[len(opener) + 1 :]
            break
    for closer in COURTESY_CLOSERS:
        if text.endswith(" " + closer):
            text = text[: -len(closer) - 1]
            break
    return text


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


def load(path: str | Path) -> Resolver:
    """Shorthand for Resolver.from_file."""
    return Resolver.from_file(path)
