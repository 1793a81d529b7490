"""What the NLU pane shows for a turn: intent, confidence, runners-up, each slot's status.

The one adapter between the local resolver and the page. The resolver is
growing ``Resolution.confidence``, ``Resolution.runners_up`` and
``SlotValue.status``; until they exist, confidence is the match score and the
status comes from ``SlotValue.matched``.
"""

from __future__ import annotations

from typing import Any

from skill_tools.dialog.resolver import Resolution, SlotValue


def slot_status(slot: SlotValue) -> str:
    status = getattr(slot, "status", None)
    if isinstance(status, str):
        return status
    return "ER_SUCCESS_MATCH" if slot.matched else "ER_SUCCESS_NO_MATCH"


def nlu_view(resolution: Resolution | None) -> dict[str, Any] | None:
    """The pane's JSON for one resolution, or None for a turn nothing was said in."""
    if resolution is None:
        return None
    found = getattr(resolution, "confidence", None)  # the new resolver's name
    confidence = found if found is not None else getattr(resolution, "score", 1.0)
    runners_up = getattr(resolution, "runners_up", ())
    return {
        "text": resolution.text,
        "requestType": resolution.request_type,
        "intent": resolution.intent,
        "method": resolution.method,
        "confidence": round(float(confidence), 3),
        "runnersUp": [[name, round(float(score), 3)] for name, score in runners_up],
        "oneShot": resolution.one_shot,
        "slots": {
            name: {
                "value": slot.value,
                "status": slot_status(slot),
                "id": slot.id,
                "canonical": slot.canonical,
            }
            for name, slot in resolution.slots.items()
        },
    }
