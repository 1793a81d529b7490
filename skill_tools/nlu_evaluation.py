"""Score the NLU evaluation sets against the local resolver, as Alexa's NLU evaluation would.

Each set, interaction_models/nlu-evaluation/<locale>.json, is an annotation set in
the format Amazon's NLU annotation set API takes (``{"data": [{"inputs":
{"utterance"}, "expected": [{"intent": {"name", "slots": {slot: {"value"}}}}]}]}``),
so an owner uploads the very same file with the ASK CLI (docs/nlu-evaluation.md).
That format names a slot by the words said; our handlers act on entity-resolution
value ids, so the id each annotated value must resolve to sits beside the set in
<locale>.slot-ids.json (slot name -> words -> id), which the ASK tooling never sees.

``python -m skill_tools.nlu_evaluation`` prints each locale's figure and its misses.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skill_tools.dialog.resolver import Resolver
from skill_tools.paths import REPO_ROOT

MODELS = REPO_ROOT / "interaction_models"
SETS = MODELS / "nlu-evaluation"
SLOT_IDS_SUFFIX = ".slot-ids.json"


@dataclass(frozen=True)
class Annotation:
    """One utterance and what it should mean: an intent, the words of each slot, their ids."""

    utterance: str
    intent: str
    values: Mapping[str, str]
    ids: Mapping[str, str]


@dataclass(frozen=True)
class Outcome:
    """What the local resolver made of one annotation."""

    annotation: Annotation
    intent: str | None
    ids: Mapping[str, str | None]

    @property
    def right(self) -> bool:
        """The intent and every slot's value id, no more and no fewer slots."""
        expected = self.annotation
        return (self.intent, dict(self.ids)) == (expected.intent, dict(expected.ids))

    def describe(self) -> str:
        expected = self.annotation
        return (
            f"{expected.utterance!r}: expected {expected.intent} {dict(expected.ids)}, "
            f"got {self.intent} {dict(self.ids)}"
        )


def locales() -> list[str]:
    """The locales that have an annotation set, from the file names."""
    return sorted(p.stem for p in SETS.glob("*.json") if not p.name.endswith(SLOT_IDS_SUFFIX))


def read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def load(locale: str) -> list[Annotation]:
    """The annotation set of a locale with the value id of every annotated slot."""
    data = read_json(SETS / f"{locale}.json")["data"]
    slot_ids: dict[str, dict[str, str]] = read_json(SETS / f"{locale}{SLOT_IDS_SUFFIX}")
    annotations = []
    for entry in data:
        [expected] = entry["expected"]
        values = {name: slot["value"] for name, slot in expected["intent"].get("slots", {}).items()}
        ids = {name: slot_ids[name][words] for name, words in values.items()}
        annotations.append(
            Annotation(entry["inputs"]["utterance"], expected["intent"]["name"], values, ids)
        )
    return annotations


def evaluate(locale: str) -> list[Outcome]:
    """Resolve every annotated utterance with the locale's interaction model."""
    resolver = Resolver.from_file(MODELS / f"{locale}.json")
    outcomes = []
    for annotation in load(locale):
        resolution = resolver.resolve(annotation.utterance)
        ids = {name: slot.id for name, slot in resolution.slots.items()}
        outcomes.append(Outcome(annotation, resolution.intent, ids))
    return outcomes


def share_right(outcomes: list[Outcome]) -> float:
    return sum(outcome.right for outcome in outcomes) / len(outcomes)


def main(argv: list[str] | None = None) -> int:
    """Print each locale's figure and misses; exit 1 when a locale is below the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("locales", nargs="*", help="default: every locale with a set")
    parser.add_argument("--target", type=float, default=0.95)
    args = parser.parse_args(argv)
    status = 0
    for locale in args.locales or locales():
        outcomes = evaluate(locale)
        right = share_right(outcomes)
        print(f"{locale}: {len(outcomes)} utterances, {right:.1%} right through the local resolver")
        for outcome in outcomes:
            if not outcome.right:
                print(f"  miss {outcome.describe()}")
        status |= right < args.target
    return status


if __name__ == "__main__":
    raise SystemExit(main())
