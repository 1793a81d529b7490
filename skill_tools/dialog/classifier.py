"""The statistical half of the local NLU: an intent classifier trained on one interaction model.

Alexa's NLU is trained on a skill's samples and generalises beyond them; a
phrase-matcher does not. This module builds a training set from the model the
way the service sees it (each sample with several catalog values and synonyms
put into its slot, Amazon's own phrases for the built-ins the model declares,
and out-of-domain sentences of the language for AMAZON.FallbackIntent) and
fits TF-IDF word and character n-grams with a logistic regression on it.

scikit-learn is a development dependency (requirements-dev.txt) and is
imported only here and only when a classifier is trained or loaded: nothing
of it ships to Lambda. Training is deterministic (sorted examples, fixed
random_state) and happens once per model: the fitted classifier is kept on
disk under .cache/nlu/, keyed by a hash of the model, the language data, the
out-of-domain list, this module's TRAINING_VERSION and the library version,
and in memory for the rest of the process.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final

from skill_tools.dialog.phrases import LANGUAGES_DIR, Language
from skill_tools.paths import REPO_ROOT

FALLBACK: Final = "AMAZON.FallbackIntent"
TRAINING_VERSION: Final = "1"
"""Bump when the training set or the classifier changes: old cache files are then ignored."""
CACHE_ENV: Final = "NLU_CACHE_DIR"
DEFAULT_CACHE_DIR: Final = REPO_ROOT / ".cache" / "nlu"
OUT_OF_DOMAIN_DIR: Final = Path(__file__).with_name("out_of_domain")
FILLS_PER_PHRASE: Final = 3
"""How often, across an intent's samples, each catalog phrase of a slot type is put in a slot."""
MIN_FILLS_PER_SAMPLE: Final = 4
RANDOM_STATE: Final = 0
_SLOT: Final = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

Ranking = tuple[tuple[str, float], ...]


def cache_dir() -> Path:
    """Where fitted classifiers are kept (NLU_CACHE_DIR, else .cache/nlu/ in the repo)."""
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE_DIR)


def out_of_domain(language: Language) -> tuple[str, ...]:
    """The language's training sentences for AMAZON.FallbackIntent (one a line, # comments)."""
    path = OUT_OF_DOMAIN_DIR / f"{language.code}.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _phrases_by_type(spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """Slot type -> every value and synonym, in the model's order."""
    return {
        slot_type["name"]: [
            phrase
            for value in slot_type.get("values", [])
            for phrase in (value["name"]["value"], *value["name"].get("synonyms", []))
        ]
        for slot_type in spec.get("types", [])
    }


def training_examples(spec: Mapping[str, Any], language: Language) -> list[tuple[str, str]]:
    """(normalised text, intent) pairs, sorted and without duplicates.

    A sample with a slot is written out several times, with the slot type's
    phrases taken in turn so that across the intent's samples every phrase is
    used about FILLS_PER_PHRASE times: the classifier learns both the carriers
    and which words belong to which intent's catalog ("numb legs" is a warning
    sign, "stiff" a cause). Built-ins get Amazon's documented phrases besides
    the model's own samples; the fallback gets the out-of-domain list.
    """
    phrases = _phrases_by_type(spec)
    examples: set[tuple[str, str]] = set()
    for intent in spec["intents"]:
        name = intent["name"]
        if name == FALLBACK:
            continue
        types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        samples = intent.get("samples", [])
        with_slot = [s for s in samples if _SLOT.search(s)]
        for sample in samples:
            if not _SLOT.search(sample):
                examples.add((language.normalise(sample), name))
        for index, sample in enumerate(with_slot):
            for filled in _fills(sample, index, len(with_slot), types, phrases):
                examples.add((language.normalise(filled), name))
        for phrase in language.built_in_phrases.get(name, ()):
            examples.add((language.normalise(phrase), name))
    if any(intent["name"] == FALLBACK for intent in spec["intents"]):
        for sentence in out_of_domain(language):
            examples.add((language.normalise(sentence), FALLBACK))
    return sorted(e for e in examples if e[0])


def _fills(
    sample: str,
    index: int,
    carriers: int,
    types: Mapping[str, str],
    phrases: Mapping[str, Sequence[str]],
) -> Iterable[str]:
    """The sample with its slots filled by catalog phrases, several times, deterministically."""
    names = _SLOT.findall(sample)
    pools = [phrases.get(types.get(name, ""), ()) or (name,) for name in names]
    largest = max(len(pool) for pool in pools)
    count = max(MIN_FILLS_PER_SAMPLE, math.ceil(FILLS_PER_PHRASE * largest / max(carriers, 1)))
    for turn in range(count):
        position = index + turn * carriers  # consecutive samples start at consecutive phrases
        values = [pool[position % len(pool)] for pool in pools]
        parts = _SLOT.split(sample)  # text, slot name, text, ...: slot names at odd places
        parts[1::2] = values
        yield "".join(parts)


class IntentClassifier:
    """A fitted TF-IDF + logistic regression pipeline and the intents it knows."""

    def __init__(self, pipeline: Any) -> None:
        self._pipeline = pipeline
        self.intents: tuple[str, ...] = tuple(str(c) for c in pipeline.classes_)

    @classmethod
    def fit(cls, examples: Sequence[tuple[str, str]]) -> IntentClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415 - dev only
        from sklearn.linear_model import SGDClassifier  # noqa: PLC0415
        from sklearn.pipeline import make_pipeline, make_union  # noqa: PLC0415

        features = make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        )
        # Logistic regression fitted by stochastic gradient descent: as accurate here as
        # the lbfgs solver (99% on the tuning sets either way) in a third of the time,
        # which matters on a fresh clone where the test suite trains every model once.
        model = SGDClassifier(
            loss="log_loss", alpha=2e-5, max_iter=15, tol=None, random_state=RANDOM_STATE
        )
        pipeline = make_pipeline(features, model)
        pipeline.fit([text for text, _ in examples], [intent for _, intent in examples])
        return cls(pipeline)

    def rank(self, text: str) -> Ranking:
        """Every intent with its probability, most likely first (ties by name)."""
        [probabilities] = self._pipeline.predict_proba([text])
        scored = [
            (intent, round(float(p), 4))
            for intent, p in zip(self.intents, probabilities, strict=True)
        ]
        return tuple(sorted(scored, key=lambda pair: (-pair[1], pair[0])))


def model_key(spec: Mapping[str, Any], language: Language) -> str:
    """What a fitted classifier depends on, as one hash."""
    digest = hashlib.sha256()
    for part in (
        json.dumps(spec, sort_keys=True, ensure_ascii=False),
        language.code,
        (LANGUAGES_DIR / f"{language.code}.json").read_text(encoding="utf-8"),
        "\n".join(out_of_domain(language)),
        TRAINING_VERSION,
        sklearn_version(),
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:32]


_IN_PROCESS: dict[str, IntentClassifier] = {}


def classifier_for(spec: Mapping[str, Any], language: Language) -> IntentClassifier:
    """The fitted classifier for a model: from memory, else from disk, else trained and kept."""
    key = model_key(spec, language)
    found = _IN_PROCESS.get(key)
    if found is not None:
        return found
    path = cache_dir() / f"{language.code}-{key}.pickle"
    classifier = _load(path)
    if classifier is None:
        classifier = IntentClassifier.fit(training_examples(spec, language))
        _store(path, classifier)
    _IN_PROCESS[key] = classifier
    return classifier


def _load(path: Path) -> IntentClassifier | None:
    """A cached classifier, or None when there is none or it cannot be read."""
    try:
        with path.open("rb") as handle:
            # Our own cache, written by _store below on this machine; never downloaded.
            loaded = pickle.load(handle)  # noqa: S301
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return loaded if isinstance(loaded, IntentClassifier) else None


def _store(path: Path, classifier: IntentClassifier) -> None:
    """Write atomically, so two processes training at once never leave half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        with partial.open("wb") as handle:
            pickle.dump(classifier, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
    except OSError:
        pass  # a read-only checkout still works: it trains once per process


@cache
def sklearn_version() -> str:
    import sklearn  # noqa: PLC0415 - dev-only library

    return str(sklearn.__version__)
