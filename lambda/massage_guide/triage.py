"""Which requests are health triage: warning signs by tier, and questions beyond the article.

Language-neutral policy, shared by the handlers that answer these requests and
by the one that tells Alexa the skill will not volunteer for them. The slot
value ids match the WarningSign type of every interaction model.
"""

from __future__ import annotations

from typing import Final

URGENT_SIGNS: Final = frozenset(
    {"bladder_bowel", "saddle_numbness", "leg_numbness", "serious_fall", "fever"}
)
"""Warning signs that need medical help right away (WarningSign slot value ids)."""
DOCTOR_FIRST_SIGNS: Final = frozenset(
    {
        "pregnancy", "osteoporosis", "cancer", "surgery", "blood_thinners", "disc", "sciatica",
        "severe_pain", "weight_loss", "injury", "medical_condition",
    }
)  # fmt: skip
"""Warning signs that mean checking with a doctor before trying massage."""

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
