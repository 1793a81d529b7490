"""Name-free requests: whether the skill could serve what a listener asked Alexa for.

Before Alexa routes a request that names no skill ("Alexa, tell me about
posture for back pain"), it asks candidate skills a CanFulfillIntentRequest.
The answer must be honest and must change nothing: this handler reads only the
request and the skill's own content, never the store or the conversation
state, and the memory interceptors skip these requests altogether.

* YES: the skill fully serves the intent with the slots given.
* MAYBE: it understands the intent but would have to ask (no benefit named,
  or a value it cannot be sure of).
* NO: anything else, and always for health triage, which is not this skill's
  to volunteer for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.slu.entityresolution import StatusCode

from massage_guide import slots
from massage_guide.content import Content
from massage_guide.conversation import content, is_can_fulfill_query, resolved_id
from massage_guide.handlers.base import IntentHandler
from massage_guide.triage import TRIAGE_INTENTS

Answer = Literal["YES", "MAYBE", "NO"]

HEALTH_TRIAGE_INTENTS: Final = TRIAGE_INTENTS
"""Never volunteered for, whatever else is true: someone describing a warning sign must hear
"see a doctor" from whoever Alexa picks, not be routed to a massage guide."""


@dataclass(frozen=True)
class NameFree:
    """Which intents the skill serves name-free, as the handlers declare it."""

    served_as_asked: frozenset[str] = frozenset()
    """Intents with no slots that the skill answers in full for anyone, in any session."""
    slot_of: Mapping[str, str] = field(default_factory=dict)
    """Intents the skill serves in full once their one slot names something it knows."""

    @classmethod
    def of(cls, handlers: Iterable[object]) -> NameFree:
        """Read from each handler's ``served_name_free`` and ``name_free_slot``."""
        served: set[str] = set()
        slot_of: dict[str, str] = {}
        for handler in handlers:
            if not isinstance(handler, IntentHandler):
                continue
            if handler.served_name_free:
                served.update(handler.intents)
            if handler.name_free_slot is not None:
                slot_of.update(dict.fromkeys(handler.intents, handler.name_free_slot))
        return cls(frozenset(served), slot_of)


def _plain(phrase: str, words: Content) -> str:
    """Lower case, single spaces, without a leading article ("la postura" is "postura")."""
    parts = phrase.lower().split()
    first = 0  # an index, not slicing in the loop: a value of many articles stays linear
    while first < len(parts) - 1 and parts[first] in words.articles:
        first += 1
    return " ".join(parts[first:])


def _known_words(words: Content, slot: str) -> dict[str, str]:
    """Each way the content names a benefit or a cause (id, name, title), in plain form -> id."""
    entries: Iterable[Any] = words.benefits if slot == slots.BENEFIT else words.causes.values()
    names: dict[str, str] = {}
    for entry in entries:
        for word in (entry.id.replace("_", " "), entry.name, getattr(entry, "title", entry.name)):
            names[_plain(word, words)] = entry.id
    return names


def _judge_slot(slot: Any, known: Mapping[str, str], words: Content) -> tuple[Answer, Answer]:
    """(canUnderstand, canFulfill) for one filled slot.

    Amazon documents these slots without entity resolutions, so the spoken
    value is matched against the content's own words; a resolution, when Alexa
    sends one, decides.
    """
    matched = resolved_id(slot)
    if matched is not None:
        return ("YES", "YES") if matched in known.values() else ("NO", "NO")
    authorities = getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None)
    codes = [getattr(getattr(a, "status", None), "code", None) for a in authorities or ()]
    if codes and all(code == StatusCode.ER_SUCCESS_NO_MATCH for code in codes):
        return "NO", "NO"
    if _plain(str(slot.value), words) in known:
        return "YES", "YES"
    return "MAYBE", "NO"


def judge(
    handler_input: HandlerInput, name_free: NameFree
) -> tuple[Answer, dict[str, tuple[Answer, Answer]]]:
    """The answer for the whole intent, and (canUnderstand, canFulfill) per filled slot."""
    intent = getattr(handler_input.request_envelope.request, "intent", None)
    name = getattr(intent, "name", None)
    slots = getattr(intent, "slots", None) or {}
    filled = {slot_name: slot for slot_name, slot in slots.items() if getattr(slot, "value", None)}
    if not isinstance(name, str) or name in HEALTH_TRIAGE_INTENTS:
        return "NO", dict.fromkeys(filled, ("NO", "NO"))
    if name in name_free.served_as_asked:
        return ("NO" if filled else "YES"), dict.fromkeys(filled, ("NO", "NO"))
    wanted = name_free.slot_of.get(name)
    if wanted is None:
        return "NO", dict.fromkeys(filled, ("NO", "NO"))
    words = content(handler_input)
    known = _known_words(words, wanted)
    verdicts: dict[str, tuple[Answer, Answer]] = {
        slot_name: _judge_slot(slot, known, words) if slot_name == wanted else ("NO", "NO")
        for slot_name, slot in filled.items()
    }
    understood = {understand for understand, _ in verdicts.values()}
    if "NO" in understood:
        return "NO", verdicts
    if wanted in filled and understood == {"YES"}:
        return "YES", verdicts
    return "MAYBE", verdicts


class CanFulfillHandler(AbstractRequestHandler):
    """Answers CanFulfillIntentRequest with YES, MAYBE or NO, and per-slot verdicts.

    ``name_free`` comes from the other handlers' declarations (skill_builder passes it).
    """

    def __init__(self, name_free: NameFree) -> None:
        self.name_free = name_free

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_can_fulfill_query(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        # Imported here: only name-free queries pay for these model classes.
        from ask_sdk_model.canfulfill import (  # noqa: PLC0415
            CanFulfillIntent,
            CanFulfillIntentValues,
            CanFulfillSlot,
            CanFulfillSlotValues,
            CanUnderstandSlotValues,
        )

        answer, verdicts = judge(handler_input, self.name_free)
        slots = {
            name: CanFulfillSlot(
                can_understand=CanUnderstandSlotValues(understand),
                can_fulfill=CanFulfillSlotValues(fulfill),
            )
            for name, (understand, fulfill) in verdicts.items()
        }
        builder = handler_input.response_builder
        builder.set_can_fulfill_intent(
            CanFulfillIntent(can_fulfill=CanFulfillIntentValues(answer), slots=slots)
        )
        return builder.response
