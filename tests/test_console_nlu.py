"""The NLU pane's adapter: today's resolver, and the names the new resolver brings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from skill_tools.console.nlu import nlu_view, slot_status
from skill_tools.dialog.resolver import Resolution, Resolver, SlotValue
from skill_tools.dialog.simulator import model_path_for


def test_a_resolved_utterance_as_the_pane_shows_it() -> None:
    resolver = Resolver.from_file(model_path_for("en-US"), "en-US")
    view = nlu_view(resolver.resolve("tell me about posture"))
    assert view is not None
    assert view["intent"] == "BenefitIntent"
    assert view["slots"]["benefit"] == {
        "value": "posture",
        "status": "ER_SUCCESS_MATCH",
        "id": "posture",
        "canonical": view["slots"]["benefit"]["canonical"],
    }
    assert 0 < view["confidence"] <= 1
    fallback = nlu_view(resolver.resolve("what is the capital of peru"))
    assert fallback is not None
    assert fallback["intent"] == "AMAZON.FallbackIntent"
    assert nlu_view(None) is None


def test_slot_status_without_and_with_the_new_field() -> None:
    assert slot_status(SlotValue("posture", "posture")) == "ER_SUCCESS_MATCH"
    assert slot_status(SlotValue("my elbow")) == "ER_SUCCESS_NO_MATCH"

    @dataclass(frozen=True)
    class NewSlot:
        """A slot as the new resolver gives it: its status said, not inferred."""

        value: str
        id: str | None
        status: str

        @property
        def matched(self) -> bool:
            return self.id is not None

    said = NewSlot("posture", "posture", "ER_SUCCESS_NO_MATCH")
    assert slot_status(cast(SlotValue, said)) == "ER_SUCCESS_NO_MATCH"


def test_the_new_resolvers_confidence_and_runners_up_are_shown() -> None:
    @dataclass(frozen=True)
    class NewResolution(Resolution):
        confidence: float = 0.0
        runners_up: tuple[tuple[str, float], ...] = field(default=())

    resolution = NewResolution(
        "IntentRequest",
        "BenefitIntent",
        method="exact",
        confidence=0.8123,
        runners_up=(("CauseIntent", 0.1), ("AMAZON.FallbackIntent", 0.05)),
    )
    view = nlu_view(resolution)
    assert view is not None
    assert view["confidence"] == 0.812
    assert view["runnersUp"] == [["CauseIntent", 0.1], ["AMAZON.FallbackIntent", 0.05]]
