"""Everything the skill says a listener can say back, the model understands as the skill meant it.

Derived from the content data, so a new prompt, benefit or cause cannot slip
through: each phrase in the ``say`` table (the only way a prompt may suggest
words, see tests/test_content.py), every benefit's spoken name and title, and
every cause's name, resolved through the shipped interaction model.
"""

from __future__ import annotations

import pytest

from massage_guide.content import content_for
from skill_tools.dialog.resolver import Resolution, Resolver
from skill_tools.paths import REPO_ROOT

TEXT = content_for("en-US")
RESOLVER = Resolver.from_file(REPO_ROOT / "interaction_models" / "en-US.json")


def slot_ids(resolution: Resolution) -> dict[str, str | None]:
    return {name: slot.id for name, slot in resolution.slots.items()}


@pytest.mark.parametrize("key", sorted(TEXT.say))
def test_every_suggested_phrase_means_what_the_prompt_means(key: str) -> None:
    suggestion = TEXT.say[key]
    resolution = RESOLVER.resolve(suggestion.phrase)
    assert resolution.intent == suggestion.intent, (suggestion.phrase, resolution)
    assert slot_ids(resolution) == suggestion.slots, (suggestion.phrase, resolution)


@pytest.mark.parametrize("benefit", TEXT.benefits, ids=lambda b: b.id)
@pytest.mark.parametrize("carrier", ["{}", "tell me about {}", "what about {}", "and {}"])
def test_every_benefit_name_and_title_is_understood(benefit: object, carrier: str) -> None:
    for spoken in (benefit.name, benefit.title):  # type: ignore[attr-defined]
        resolution = RESOLVER.resolve(carrier.format(spoken.lower()))
        assert resolution.intent == "BenefitIntent", (spoken, carrier, resolution)
        assert slot_ids(resolution) == {"benefit": benefit.id}, (spoken, resolution)  # type: ignore[attr-defined]


@pytest.mark.parametrize("cause_id", sorted(TEXT.causes))
@pytest.mark.parametrize("carrier", ["my back hurts from {}", "i think it's {}"])
def test_every_cause_name_is_understood(cause_id: str, carrier: str) -> None:
    spoken = TEXT.causes[cause_id].name
    resolution = RESOLVER.resolve(carrier.format(spoken))
    assert resolution.intent == "CauseIntent", (spoken, resolution)
    assert slot_ids(resolution) == {"cause": cause_id}, (spoken, resolution)


@pytest.mark.parametrize(
    ("said", "intent", "slots"),
    [
        ("what about stress", "BenefitIntent", {"benefit": "stress_reduction"}),
        ("and posture?", "BenefitIntent", {"benefit": "posture"}),
        ("tell me about more flexibility", "BenefitIntent", {"benefit": "flexibility"}),
        ("I sit at a desk all day", "CauseIntent", {"cause": "sitting"}),
        ("I pulled a muscle lifting boxes", "CauseIntent", {"cause": "strain"}),
        ("I slouch", "CauseIntent", {"cause": "posture"}),
        ("I'm stressed and my back aches", "CauseIntent", {"cause": "stress"}),
        ("can massage help me unwind", "BenefitIntent", {"benefit": "stress_reduction"}),
        ("my back hurts from stress", "CauseIntent", {"cause": "stress"}),
        ("what are the benefits of massage", "WhyMassageHelpsIntent", {}),
        ("what benefits does massage have", "WhyMassageHelpsIntent", {}),
    ],
)
def test_how_people_actually_put_it(said: str, intent: str, slots: dict[str, str]) -> None:
    resolution = RESOLVER.resolve(said)
    assert (resolution.intent, slot_ids(resolution)) == (intent, slots), resolution
