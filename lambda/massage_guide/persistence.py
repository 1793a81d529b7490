"""The persistence seam: which store remembers listeners, chosen by configuration.

Handlers never talk to a database. They read and change the conversation
state; this module decides whether and where the parts worth remembering are
kept between sessions.
"""

from __future__ import annotations

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.handler_input import HandlerInput


def adapter_from_environment() -> AbstractPersistenceAdapter | None:
    """The configured store, or None when the skill runs without memory."""
    return None


def forget(handler_input: HandlerInput) -> None:
    """Delete everything stored for this listener."""
    if handler_input.attributes_manager._persistence_adapter is not None:
        handler_input.attributes_manager.delete_persistent_attributes()
