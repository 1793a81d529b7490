"""What every handler shares: reading the request, the conversation state, and replying.

Replies go through :func:`reply`, which applies the listener's pace, adds the
card, remembers the speech so "repeat" can say it again, and always leaves a
helpful reprompt when the session stays open.
"""

from __future__ import annotations

from typing import Final, Literal

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response
from ask_sdk_model.slu.entityresolution import StatusCode
from ask_sdk_model.ui import SimpleCard, SsmlOutputSpeech
from ask_sdk_model.ui.reprompt import Reprompt

from massage_guide import display
from massage_guide.content import Benefit, Content, content_for
from massage_guide.speech import Speech, fit, wrap
from massage_guide.state import STATE_KEY, ConversationState, Pending

_STATE: Final = "massage_guide.state"
KEEP: Final = "keep"
"""Pass as ``pending`` to leave the question the skill is waiting on as it was (repeat; help and
fallback via :func:`keep_question`)."""
CARD_TEXT_LIMIT: Final = 8000


def content(handler_input: HandlerInput) -> Content:
    """The content in the request's language."""
    return content_for(getattr(handler_input.request_envelope.request, "locale", None))


def state(handler_input: HandlerInput) -> ConversationState:
    """The validated conversation state, parsed once per request and shared by all handlers."""
    request_attributes = handler_input.attributes_manager.request_attributes
    cached = request_attributes.get(_STATE)
    if isinstance(cached, ConversationState):
        return cached
    session = handler_input.request_envelope.session
    attributes = session.attributes if session is not None else None
    parsed = ConversationState.from_attributes(attributes, content(handler_input).benefit_ids)
    request_attributes[_STATE] = parsed
    return parsed


def save_state(handler_input: HandlerInput) -> None:
    """Write the conversation state back into the session attributes Alexa will return."""
    if handler_input.request_envelope.session is None:
        return
    current = handler_input.attributes_manager.request_attributes.get(_STATE)
    if isinstance(current, ConversationState):
        attributes = handler_input.attributes_manager.session_attributes
        if not isinstance(attributes, dict):
            attributes = {}
            handler_input.attributes_manager.session_attributes = attributes
        attributes[STATE_KEY] = current.to_attributes()


def keep_question(handler_input: HandlerInput) -> Literal["keep"] | None:
    """For help, fallback and errors: keep the pending question, except "forget me?".

    Deleting needs a yes given right after the question; after a detour the
    listener may not remember what a "yes" would do.
    """
    return None if state(handler_input).pending == "forget" else KEEP


def intent_name(handler_input: HandlerInput) -> str | None:
    request = handler_input.request_envelope.request
    if isinstance(request, IntentRequest) and request.intent is not None:
        name = request.intent.name
        return name if isinstance(name, str) else None
    return None


def slot_id(handler_input: HandlerInput, slot_name: str) -> str | None:
    """The entity-resolution id of a slot, or None when it is empty or matched nothing."""
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or not request.intent or not request.intent.slots:
        return None
    slot = request.intent.slots.get(slot_name)
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or ():
        status = getattr(getattr(authority, "status", None), "code", None)
        if status == StatusCode.ER_SUCCESS_MATCH and authority.values:
            value = authority.values[0].value
            if value is not None and isinstance(value.id, str):
                return value.id
    return None


def slot_said(handler_input: HandlerInput, slot_name: str) -> bool:
    """Whether the listener filled the slot with anything at all, resolved or not."""
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or not request.intent or not request.intent.slots:
        return False
    slot = request.intent.slots.get(slot_name)
    return bool(getattr(slot, "value", None))


class IntentHandler(AbstractRequestHandler):
    """Handles the intents named in ``intents``; with ``answers``, only while one of those
    questions is pending (how "yes" and "no" mean what the last question meant).
    """

    intents: tuple[str, ...] = ()
    answers: tuple[Pending, ...] = ()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        # Reads state only: can_handle must never change it.
        if intent_name(handler_input) not in self.intents:
            return False
        return not self.answers or state(handler_input).pending in self.answers


def reply(
    handler_input: HandlerInput,
    speech: Speech,
    reprompt: Speech | None = None,
    *,
    card: tuple[str, str] | None = None,
    end_session: bool = False,
    pending: Pending | Literal["keep"] | None = None,
    offered: str | None = None,
) -> Response:
    """Build the response: paced SSML, a reprompt if the session stays open, a card, repeat memory.

    Every answer replaces the question the skill waits on (``pending``), so a
    later "yes" never continues something the listener has moved away from.
    """
    conversation = state(handler_input)
    if pending != KEEP:
        conversation.pending = pending
        conversation.offered = offered if pending == "offer" else None
    builder = handler_input.response_builder
    body = fit(speech.body(), conversation.pace)  # what is spoken is what repeat replays
    builder.response.output_speech = SsmlOutputSpeech(ssml=wrap(body, conversation.pace))
    if end_session:
        builder.set_should_end_session(True)
    else:
        if not reprompt:
            reprompt = Speech(content(handler_input).prompt("general_reprompt"))
        reprompt_body = fit(reprompt.body(), conversation.pace)
        builder.response.reprompt = Reprompt(
            output_speech=SsmlOutputSpeech(ssml=wrap(reprompt_body, conversation.pace))
        )
        builder.set_should_end_session(False)
        conversation.last_speech = body
        conversation.last_reprompt = reprompt_body
    if card is not None:
        title, text = card
        builder.set_card(SimpleCard(title=title[:200], content=text[:CARD_TEXT_LIMIT]))
        if display.has_screen(handler_input):
            footer = content(handler_input).prompt("screen_footer")
            builder.add_directive(display.card_screen(title, text, footer))
    save_state(handler_input)
    return builder.response


def benefit_text(benefit: Benefit, length: str) -> str:
    """The summary, or the fuller detail for listeners who asked for detailed answers."""
    return benefit.detail if length == "detailed" else benefit.summary


def benefit_card(benefit: Benefit) -> tuple[str, str]:
    return benefit.title, f"{benefit.summary}\n\n{benefit.detail}"


def next_in_tour(handler_input: HandlerInput) -> int | None:
    """The tour position still to come, or None when no tour is under way or it has finished."""
    tour = state(handler_input).tour
    if tour is None or tour + 1 >= len(content(handler_input).benefits):
        return None
    return tour + 1


def offer_next(handler_input: HandlerInput, speech: Speech, benefit: Benefit) -> Response:
    """End a tour answer with "want the next one?", so a plain "yes" carries on."""
    text = content(handler_input)
    speech.say(text.prompt("tour_next_question"))
    return reply(
        handler_input,
        speech,
        Speech(text.prompt("tour_next_reprompt")),
        card=benefit_card(benefit),
        pending="tour_next",
    )
