"""The slot names of the interaction models, named once for the handlers that read them.

Every locale's model declares these slots on its intents (interaction_models/*.json);
tests/test_interaction_model.py holds the models to them.
"""

from __future__ import annotations

from typing import Final

BENEFIT: Final = "benefit"
"""BenefitIntent and TellMeMoreIntent: which benefit (BenefitType)."""
CAUSE: Final = "cause"
"""CauseIntent: what the listener's back pain comes from (BackPainCause)."""
SIGN: Final = "sign"
"""WarningSignIntent: the warning sign described (WarningSign)."""
SECOND_SIGN: Final = "second_sign"
"""WarningSignIntent: a second sign in the same breath ("numb legs since the fall"), which
may be the more urgent one (WarningSign)."""
LENGTH: Final = "length"
"""AnswerLengthIntent: brief or detailed; also the state field it sets."""
PACE: Final = "pace"
"""SpeechPaceIntent: normal or slow; also the state field it sets."""
