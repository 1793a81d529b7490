"""Which requests are health triage: warning signs by tier, and questions beyond the article.

Language-neutral policy, shared by the handlers that answer these requests and
by the one that tells Alexa the skill will not volunteer for them. The slot
value ids match the WarningSign type of every interaction model.

The tiers follow NICE CKS "Back pain - low (without radiculopathy)" and "Sciatica
(lumbar radiculopathy)", the NHS pages on back pain and cauda equina syndrome, and
the American College of Physicians' 2017 guideline on low back pain (docs/safety.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

EMERGENCY_SIGNS: Final = frozenset(
    {
        "bladder_bowel", "saddle_numbness", "leg_numbness", "sciatica_both_legs",
        "serious_fall", "chest_pain",
    }
)  # fmt: skip
"""Signs of cauda equina syndrome, spinal cord or serious trauma, or the heart: emergency
care now (the country's emergency number, the emergency department)."""
URGENT_SIGNS: Final = frozenset(
    {
        "fever", "weight_loss", "cancer", "steroids", "injecting_drugs", "weak_immunity",
        "severe_pain", "upper_back_pain",
    }
)  # fmt: skip
"""Red flags for infection, cancer or a fracture: see a doctor soon, today if possible.
``severe_pain`` is pain that keeps getting worse or wakes the listener at night."""
CAUTION_SIGNS: Final = frozenset(
    {
        "pregnancy", "osteoporosis", "surgery", "blood_thinners", "disc", "sciatica",
        "medical_condition", "injury",
    }
)  # fmt: skip
"""Reasons to check with a doctor before trying massage."""
WARNING_SIGNS: Final = EMERGENCY_SIGNS | URGENT_SIGNS | CAUTION_SIGNS

Tier = Literal["emergency", "urgent", "caution", "unknown"]
URGENCY: Final[tuple[Tier, ...]] = ("emergency", "urgent", "unknown", "caution")
"""Most urgent first. A sign that could not be resolved outranks a caution sign, since the
safe default it gets names the emergency signs; it yields to a sign known to be urgent."""


def most_urgent(tiers: Iterable[Tier]) -> Tier:
    """The tier to answer when a listener names two signs at once ("I can't feel my legs
    since I hurt my back"): the more urgent one, whichever was said first."""
    return min(tiers, key=URGENCY.index, default="unknown")


def tier_of(sign_id: str | None) -> Tier:
    """The tier of a resolved sign; "unknown" when Alexa could not resolve it (or none was said).

    An unknown sign is answered as the safe case: the emergency signs first.
    """
    if sign_id in EMERGENCY_SIGNS:
        return "emergency"
    if sign_id in URGENT_SIGNS:
        return "urgent"
    if sign_id in CAUTION_SIGNS:
        return "caution"
    return "unknown"


LIMIT_TOPICS: Final = {
    "MassageCostIntent": "cost",
    "MassageFrequencyIntent": "frequency",
    "MassageTypesIntent": "massage_type",
    "SelfMassageIntent": "self_massage",
    "AfterMassageIntent": "aftereffects",
    "FindTherapistIntent": "finding",
}
"""Questions the article does not answer, by intent, with the content key of the honest answer."""

TRIAGE_INTENTS: Final = frozenset({"WarningSignIntent", *LIMIT_TOPICS})
"""Requests a name-free query must never route here: a warning sign needs a doctor, and a
question the article does not answer needs someone who can."""
