"""Everything the skill says a listener can say back, the model understands as the skill meant it.

In every locale, derived from the content data so a new prompt, benefit or
cause cannot slip through: each phrase in the ``say`` table (the only way a
prompt may suggest words, see tests/test_content.py), every benefit's spoken
name and title and every cause's name, resolved through the locale's model.
"""

from __future__ import annotations

from functools import cache

import pytest

from massage_guide.content import content_for
from skill_tools.dialog.resolver import Resolution, Resolver
from tests.locales import LOCALES, language_model, model_path, phrases

CARRIERS_PER_SLOT = 4
"""How many of the model's own sample sentences each name is tried in."""


@cache
def resolver(locale: str) -> Resolver:
    return Resolver.from_file(model_path(locale))


def slot_ids(resolution: Resolution) -> dict[str, str | None]:
    return {name: slot.id for name, slot in resolution.slots.items()}


def carriers(locale: str, intent_name: str, slot: str) -> list[str]:
    """The bare slot, then the first few samples of the intent that carry the slot."""
    [intent] = [i for i in language_model(locale)["intents"] if i["name"] == intent_name]
    with_slot = [s for s in intent["samples"] if f"{{{slot}}}" in s and s != f"{{{slot}}}"]
    return with_slot[:CARRIERS_PER_SLOT]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_suggested_phrase_means_what_the_prompt_means(locale: str) -> None:
    wrong = []
    for suggestion in content_for(locale).say.values():
        resolution = resolver(locale).resolve(suggestion.phrase)
        if (resolution.intent, slot_ids(resolution)) != (suggestion.intent, suggestion.slots):
            wrong.append((suggestion.phrase, resolution.intent, slot_ids(resolution)))
    assert wrong == []


def misunderstood(
    locale: str, intent: str, slot: str, names: dict[str, list[str]], carriers: list[str]
) -> list[tuple[str, str | None, dict[str, str | None]]]:
    """Each name (by the value id it should resolve to) in each carrier, where it goes wrong."""
    wrong = []
    for value_id, spoken in names.items():
        for name in spoken:
            for carrier in carriers:
                said = carrier.replace(f"{{{slot}}}", name)
                resolution = resolver(locale).resolve(said)
                found = (resolution.intent, slot_ids(resolution))
                if found != (intent, {slot: value_id}):
                    wrong.append((said, *found))
    return wrong


@pytest.mark.parametrize("locale", LOCALES)
def test_every_benefit_name_and_title_is_understood(locale: str) -> None:
    names = {b.id: [b.name.lower(), b.title.lower()] for b in content_for(locale).benefits}
    frames = ["{benefit}", *carriers(locale, "BenefitIntent", "benefit")]
    assert misunderstood(locale, "BenefitIntent", "benefit", names, frames) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_every_cause_name_is_understood(locale: str) -> None:
    names = {cause.id: [cause.name] for cause in content_for(locale).causes.values()}
    frames = carriers(locale, "CauseIntent", "cause")
    assert misunderstood(locale, "CauseIntent", "cause", names, frames) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_how_people_actually_put_it(locale: str) -> None:
    wrong = []
    for said, intent, slots in phrases(locale)["how_people_put_it"]:
        resolution = resolver(locale).resolve(said)
        if (resolution.intent, slot_ids(resolution)) != (intent, slots):
            wrong.append((said, resolution.intent, slot_ids(resolution)))
    assert wrong == []


def test_the_english_short_forms_the_issue_names() -> None:
    for said in ("what about stress", "and posture?", "tell me about more flexibility"):
        assert resolver("en-US").resolve(said).intent == "BenefitIntent", said
