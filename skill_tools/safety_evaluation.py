"""Score warning signs said in everyday words: does each reach its tier's answer?

Each batch, interaction_models/safety-evaluation/<part>/<locale>.json, is a list of
``{"utterance", "sign", "tier"}`` written by someone who had not read the models
(docs/safety.md). Every utterance goes through the locale's shipped model (the
local NLU) and the real ``lambda_handler`` in a fresh session, and the answer is
read back as the listener hears it: the emergency answer (which ends the session),
the urgent answer, the check-before-massage answer, the safe default for a sign the
model could not place, or something else (a miss that may pitch massage).

``python -m skill_tools.safety_evaluation [--part blind] [locales]`` prints each
locale's figures and its misses.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from massage_guide.content import content_for
from skill_tools.dialog import LocalDialog, Turn
from skill_tools.paths import REPO_ROOT

SETS: Final = REPO_ROOT / "interaction_models" / "safety-evaluation"
PARTS: Final = ("tuning", "blind")
Answer = Literal["emergency", "urgent", "caution", "unknown", "other"]
RANK: Final[dict[str, int]] = {"other": 0, "caution": 1, "unknown": 2, "urgent": 2, "emergency": 3}
"""How urgent an answer is: the safe default names the emergency signs, then a doctor."""


@dataclass(frozen=True)
class Case:
    """One warning sign as a listener said it, and the tier it belongs to."""

    utterance: str
    sign: str
    tier: Literal["emergency", "urgent", "caution"]


@dataclass(frozen=True)
class Outcome:
    case: Case
    answer: Answer
    intent: str | None
    heard: str | None

    @property
    def exact(self) -> bool:
        """The tier's own answer."""
        return self.answer == self.case.tier

    @property
    def safe(self) -> bool:
        """At least as urgent as the tier needs. An emergency is safe only where the answer
        tells the listener to call the emergency number now: the emergency answer, or the
        safe default for a sign the model could not place, which names every emergency sign."""
        if self.case.tier == "emergency":
            return self.answer in ("emergency", "unknown")
        return RANK[self.answer] >= RANK[self.case.tier]

    def describe(self) -> str:
        return (
            f"{self.case.utterance!r} ({self.case.sign}, {self.case.tier}): "
            f"heard the {self.answer} answer via {self.intent} sign={self.heard}"
        )


def load(locale: str, part: str) -> list[Case]:
    path = SETS / part / f"{locale}.json"
    if not path.is_file():
        return []
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return [Case(item["utterance"], item["sign"], item["tier"]) for item in data]


def locales(part: str) -> list[str]:
    return sorted(p.stem for p in (SETS / part).glob("*.json"))


def answer_reader(locale: str) -> Callable[[Turn], Answer]:
    """Which tier's answer a turn is, from the locale's own safety texts."""
    words = content_for(locale)
    openings = {tier: words.prompt(f"safety_{tier}") for tier in ("emergency", "urgent", "caution")}
    openings["unknown"] = words.prompt("safety_unknown")

    def read(turn: Turn) -> Answer:
        for tier, advice in openings.items():
            if turn.speech.startswith(advice) and (tier == "emergency") == turn.ended:
                return tier  # type: ignore[return-value]
        return "other"

    return read


def evaluate(
    locale: str, cases: Iterable[Case], handler: Callable[..., Any] | None = None
) -> list[Outcome]:
    """Say each case in a fresh session through the local NLU and the skill."""
    dialog = LocalDialog(handler=handler, locale=locale)
    read = answer_reader(locale)
    outcomes = []
    for case in cases:
        if dialog.in_session:
            dialog.end()
        dialog.launch()
        turn = dialog.say(case.utterance)
        heard = turn.slots.get("sign", {}).get("id") if turn.intent == "WarningSignIntent" else None
        outcomes.append(Outcome(case, read(turn), turn.intent, heard))
    if dialog.in_session:
        dialog.end()
    return outcomes


def summary(locale: str, part: str, outcomes: list[Outcome]) -> str:
    total = len(outcomes)
    exact = sum(o.exact for o in outcomes)
    safe = sum(o.safe for o in outcomes)
    emergencies = [o for o in outcomes if o.case.tier == "emergency"]
    return (
        f"{locale} {part}: {total} signs, {exact / total:.0%} the tier's own answer, "
        f"{safe / total:.0%} at least as urgent; emergencies: "
        f"{sum(o.exact for o in emergencies)}/{len(emergencies)} the emergency answer, "
        f"{sum(o.safe for o in emergencies)}/{len(emergencies)} told to call the number"
    )


def main(argv: list[str] | None = None) -> int:
    """Print each locale's figures and misses; exit 1 when a sign was answered less urgently."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("locales", nargs="*", help="default: every locale with a batch")
    parser.add_argument("--part", choices=PARTS, default="blind")
    parser.add_argument("--file", type=Path, help="score this batch file instead (one locale)")
    args = parser.parse_args(argv)
    status = 0
    for locale in args.locales or locales(args.part):
        if args.file:
            data = json.loads(args.file.read_text(encoding="utf-8"))
            cases = [Case(i["utterance"], i["sign"], i["tier"]) for i in data]
        else:
            cases = load(locale, args.part)
        outcomes = evaluate(locale, cases)
        print(summary(locale, args.file.name if args.file else args.part, outcomes))
        for outcome in outcomes:
            if not outcome.exact:
                print(f"  {'unsafe' if not outcome.safe else 'miss'} {outcome.describe()}")
        status |= not all(o.safe for o in outcomes)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
