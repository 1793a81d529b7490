"""A local stand-in for Alexa's language understanding, driven by our own model.

The local dialog must turn typed sentences into the same requests Alexa would
send, using nothing but interaction_models/<locale>.json, so that what we test
offline is the model we ship. The steps:

1. invocation phrases ("open back massage guide", "ask back massage guide to ...");
2. Amazon's built-in phrases ("stop", "next") and exact sample matches, slot
   values from the slot types: deterministic, confidence 1.0;
3. otherwise a statistical intent classifier trained on the same model
   (classifier.py), which generalises beyond the samples as Alexa's NLU does;
   below CONFIDENCE_THRESHOLD, or when it thinks the words out of domain,
   AMAZON.FallbackIntent; when it hesitates (below UNSURE), a sample nearly
   the same as the words said decides among its best three;
4. slot filling for the chosen intent: catalog values and synonyms anywhere in
   the text, then close matches, then the spoken words of a carrier of the
   intent with no id (ER_SUCCESS_NO_MATCH). Optional slots stay empty.

Each step also tries the text without a courtesy word at either end ("okay,
next", "posture, please"). It is deterministic: the same model and text always
give the same resolution.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from skill_tools.dialog.classifier import FALLBACK, IntentClassifier, Ranking, classifier_for
from skill_tools.dialog.phrases import Language, language_of

__all__ = ["FALLBACK", "Resolution", "Resolver", "SlotValue"]

CONFIDENCE_THRESHOLD = 0.3
"""Below this classifier probability the request goes to AMAZON.FallbackIntent.

Chosen by measurement on the tuning sets (en-US, es-ES, de-DE: 423 utterances
that reach the classifier) and the held-out out-of-domain sentences of
tests/out_of_domain/: every right classifier answer scores above 0.35, and
raising the threshold to 0.4 loses two right answers and gains nothing, while
the out-of-domain sentences all land on the fallback class itself at any
threshold from 0.2 to 0.6. Gibberish ("zxqv blorp") is split thinly over many
intents, with its best one below 0.3. New phrasings score lower than tuned
ones, so the threshold sits at the low end of the safe range
(docs/nlu-evaluation.md).
"""
UNSURE = 0.6  # below this classifier probability a near sample of a runner-up may decide
NEAR_SAMPLE = 0.8  # how close (difflib ratio) a sample must be to decide an unsure case
CLOSE_MATCH_CUTOFF = 0.84  # a spoken word group this similar to a catalog phrase resolves to it
MIN_CLOSE_MATCH_CHARS = 4  # shorter phrases are never matched by similarity ("pain" ~ "rain")
MAX_FREE_SLOT_WORDS = 3  # unknown slot text longer than this is not a slot value
MIN_CARRIER_WORDS = 2  # fixed words a sample needs before it may carry unknown slot text
MATCH = "ER_SUCCESS_MATCH"
NO_MATCH = "ER_SUCCESS_NO_MATCH"

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

    @property
    def status(self) -> str:
        """The entity resolution status code Alexa sends for this slot."""
        return MATCH if self.matched else NO_MATCH


Method = Literal["launch", "built-in", "exact", "classifier", "fallback"]


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
    confidence: float = 1.0
    text: str = ""
    runners_up: tuple[tuple[str, float], ...] = ()
    """The next two intents the classifier considered, with their probabilities."""

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
        self._spec = spec
        self._classifier: IntentClassifier | None = None
        self.invocation_name = self.language.normalise(spec["invocationName"])
        # Words around a request that do not change it: "okay, next", "posture, please".
        self._openers = tuple(self.language.normalise(w) for w in self.language.courtesy_openers)
        self._closers = tuple(self.language.normalise(w) for w in self.language.courtesy_closers)
        self._intents: dict[str, dict[str, str]] = {}  # intent -> slot name -> type
        self._types: dict[str, dict[str, _TypeValue]] = {}  # type -> phrase -> value
        self._type_patterns: dict[str, str] = {}
        self._longest: dict[str, int] = {}  # type -> words in its longest phrase
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
        self._carrier_words: dict[str, frozenset[str]] = {
            name: frozenset(
                word
                for template in self._templates
                if template.intent == name
                for word in _SLOT_RE.sub(" ", template.text).split()
            )
            for name in self._intents
        }
        # Carriers of two slots of one type ("{sign} since {second_sign}"), per intent.
        self._pair_templates: dict[str, list[_Template]] = {}
        for template in self._templates:
            names, slots = template.slot_names, self._intents[template.intent]
            if (
                template.loose is not None
                and len(names) == 2
                and len(set(map(slots.get, names))) == 1
            ):
                self._pair_templates.setdefault(template.intent, []).append(template)

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

    _shared: ClassVar[dict[tuple[str, str], Resolver]] = {}

    @classmethod
    def from_file(cls, path: str | Path, locale: str | None = None) -> Resolver:
        """Load an SMAPI interaction model file (interaction_models/<locale>.json).

        The language comes from ``locale``, else from the file's name ("de-DE.json").
        One resolver per (model content, language) per process: a resolver holds
        no state between utterances, so every dialog and test shares it, and its
        classifier is loaded or trained once.
        """
        model_path = Path(path)
        raw = model_path.read_bytes()
        stem = model_path.stem
        guessed = stem if re.fullmatch(r"[a-z]{2}-[A-Z]{2}", stem) else None
        language = language_of(locale or guessed)
        key = (hashlib.sha256(raw).hexdigest(), language.code)
        shared = cls._shared.get(key)
        if shared is None:
            shared = cls(json.loads(raw.decode("utf-8")), language)
            cls._shared[key] = shared
        return shared

    @classmethod
    def for_locale(cls, locale: str) -> Resolver:
        """The shared resolver of the model the skill ships for ``locale``."""
        from skill_tools.paths import REPO_ROOT  # noqa: PLC0415 - keeps paths out of the API

        return cls.from_file(REPO_ROOT / "interaction_models" / f"{locale}.json", locale)

    @property
    def classifier(self) -> IntentClassifier:
        """The model's intent classifier, loaded (or trained) on first use."""
        if self._classifier is None:
            self._classifier = classifier_for(self._spec, self.language)
        return self._classifier

    # -- model compilation -------------------------------------------------

    def _add_type(self, slot_type: Mapping[str, Any]) -> None:
        phrases: dict[str, _TypeValue] = {}
        for entry in slot_type.get("values", []):
            name = entry["name"]
            value = _TypeValue(entry.get("id"), name["value"])
            for phrase in (name["value"], *name.get("synonyms", [])):
                phrases.setdefault(self.language.normalise(phrase), value)
        self._types[slot_type["name"]] = phrases
        self._longest[slot_type["name"]] = max((len(p.split()) for p in phrases), default=0)
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
        return self._classified(candidates, one_shot)

    def _classified(self, candidates: list[str], one_shot: bool) -> Resolution:
        """The classifier's intent for the most confidently classified candidate, slots filled."""
        ranked: list[tuple[Ranking, str]] = [
            (self.classifier.rank(text), text) for text in candidates if text
        ]
        if not ranked:
            return Resolution("IntentRequest", FALLBACK, {}, one_shot, "fallback", 1.0, "")
        ranking, text = max(ranked, key=lambda pair: pair[0][0][1])
        intent, confidence = ranking[0]
        if intent == FALLBACK or confidence < CONFIDENCE_THRESHOLD:
            others = tuple(pair for pair in ranking if pair[0] != FALLBACK)[:2]
            fallback = dict(ranking).get(FALLBACK, 0.0)
            return Resolution(
                "IntentRequest", FALLBACK, {}, one_shot, "fallback", fallback, text, others
            )
        if confidence < UNSURE:
            near = self._near_sample(text, {name for name, _ in ranking[:3]} - {FALLBACK})
            if near is not None and near != intent:
                scores = dict(ranking)
                intent, confidence = near, scores[near]
                ranking = ((near, confidence), *(p for p in ranking if p[0] != near))
        slots = self._fill(intent, text)
        return Resolution(
            "IntentRequest", intent, slots, one_shot, "classifier", confidence, text, ranking[1:3]
        )

    def _near_sample(self, text: str, intents: set[str]) -> str | None:
        """The intent of a sample nearly the same as the text, among the classifier's best three.

        When the classifier hesitates ("bekomme ich das vom arzt verschrieben":
        a warning sign 0.49, the cost 0.21), a sample one word away from the
        words said ("bekomme ich massage verschrieben") is the better witness.
        """
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(text)
        best: tuple[float, str] | None = None
        for template in self._templates:
            if template.intent not in intents:
                continue
            said = text
            for name in template.slot_names:
                value = self._catalog_value(
                    template.intent, self._intents[template.intent][name], said
                )
                if value is not None:
                    said = said.replace(value.value, "{" + name + "}", 1)
            matcher.set_seqs(template.text, said)
            if matcher.real_quick_ratio() < NEAR_SAMPLE or matcher.quick_ratio() < NEAR_SAMPLE:
                continue
            score = matcher.ratio()
            if score >= NEAR_SAMPLE and (best is None or score > best[0]):
                best = (score, template.intent)
        return best[1] if best else None

    # -- slot filling --------------------------------------------------------

    def _fill(self, intent: str, text: str) -> dict[str, SlotValue]:
        """Each slot of the intent that the words fill: catalog, close match, or carried words.

        A second slot of a type already filled (the warning sign's ``second_sign``) is
        filled only as Alexa would: by a carrier with both slots ("{sign} since
        {second_sign}") whose two parts each hold a catalog phrase of a different value.
        """
        paired = self._paired(intent, text)
        if paired:
            return paired
        slots: dict[str, SlotValue] = {}
        carried = self._carried(intent, text)
        filled_types: set[str] = set()
        for name, slot_type in self._intents.get(intent, {}).items():
            if slot_type in filled_types:
                continue
            value = (
                self._catalog_value(intent, slot_type, text)
                or self._close_value(intent, slot_type, text)
                or carried.get(name)
            )
            if value is not None:
                slots[name] = value
            filled_types.add(slot_type)
        return slots

    def _paired(self, intent: str, text: str) -> dict[str, SlotValue]:
        """Both slots of a carrier whose slots share a type, when each part names a value."""
        types = self._intents.get(intent, {})
        for template in self._pair_templates.get(intent, ()):
            names = template.slot_names
            found = template.loose.fullmatch(text) if template.loose else None
            if found is None:
                continue
            values = [
                self._catalog_value(intent, types[name], found.group(f"s{i}"))
                for i, name in enumerate(names)
            ]
            first, second = values
            if first and second and first.id != second.id:
                return {names[0]: first, names[1]: second}
        return {}

    def _catalog_value(self, intent: str, slot_type: str, text: str) -> SlotValue | None:
        """The longest catalog value or synonym said anywhere, as whole words.

        The spoken value keeps the articles and possessives before it ("the
        stiffness"), as Alexa's slot value does; they never decide the match.
        A one-word phrase the intent's carriers use as a fixed word ("rücken" in
        "mein rücken tut so weh") is left to the carriers themselves (_carried).
        """
        phrases = self._types.get(slot_type, {})
        carrier_words = self._carrier_words.get(intent, frozenset())
        words = text.split()
        best: tuple[int, int, int] | None = None  # (-words, -chars, start)
        found: tuple[int, int, _TypeValue] | None = None
        longest = self._longest.get(slot_type, 0)
        for start in range(len(words)):
            for end in range(min(len(words), start + longest), start, -1):
                value = phrases.get(" ".join(words[start:end]))
                if value is None or (end - start == 1 and words[start] in carrier_words):
                    continue
                rank = (-(end - start), -len(" ".join(words[start:end])), start)
                if best is None or rank < best:
                    best, found = rank, (start, end, value)
                break
        if found is None:
            return None
        start, end, value = found
        while start > 0 and words[start - 1] in self.language.articles:
            start -= 1
        return SlotValue(" ".join(words[start:end]), value.id, value.canonical)

    def _close_value(self, intent: str, slot_type: str, text: str) -> SlotValue | None:
        """A group of up to four spoken words close to a catalog phrase ("posturr", "flexibilty").

        Only word groups with a word the intent's samples never use are tried:
        the carrier's own words ("tell me about") are not slot values.
        """
        phrases = self._types.get(slot_type, {})
        carrier_words = self._carrier_words.get(intent, frozenset())
        words = text.split()
        matcher = difflib.SequenceMatcher(autojunk=False)
        best: tuple[float, int, int, int] | None = None
        chosen: tuple[str, _TypeValue] | None = None
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + 4) + 1):
                group = words[start:end]
                if all(w in carrier_words or w in self.language.articles for w in group):
                    continue
                said = " ".join(group)
                matcher.set_seq2(said)
                for phrase, value in phrases.items():
                    if len(phrase) < MIN_CLOSE_MATCH_CHARS:
                        continue
                    matcher.set_seq1(phrase)
                    if matcher.real_quick_ratio() < CLOSE_MATCH_CUTOFF:
                        continue
                    if matcher.quick_ratio() < CLOSE_MATCH_CUTOFF:
                        continue
                    score = matcher.ratio()
                    if score < CLOSE_MATCH_CUTOFF:
                        continue
                    rank = (-score, -(end - start), start, 0)
                    if best is None or rank < best:
                        best, chosen = rank, (said, value)
        if chosen is None:
            return None
        said, value = chosen
        return SlotValue(said, value.id, value.canonical)

    def _carried(self, intent: str, text: str) -> dict[str, SlotValue]:
        """Words in the slot of one of the intent's own carriers: passed on, unresolved."""
        best: tuple[int, dict[str, SlotValue]] | None = None
        for template in self._templates:
            if template.intent != intent or template.loose is None or not template.slot_names:
                continue
            found = template.loose.fullmatch(text)
            if found is None or not self._plausible_slot_text(template, found):
                continue
            if best is None or template.literal_words > best[0]:
                slots = {
                    name: self._slot_value(intent, name, found.group(f"s{i}"))
                    for i, name in enumerate(template.slot_names)
                }
                best = (template.literal_words, slots)
        return best[1] if best else {}

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
