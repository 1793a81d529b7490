"""The handler base class and :func:`reply`, the one way every handler answers.

Replies go through :func:`reply`, which applies the listener's pace, adds the
card (and its screen on a display device), remembers the speech so "repeat"
can say it again, and always leaves a helpful reprompt when the session stays open.
"""

from __future__ import annotations

from typing import Final, Literal

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard, SsmlOutputSpeech
from ask_sdk_model.ui.reprompt import Reprompt

from massage_guide import display
from massage_guide.conversation import content, intent_name, save_state, state
from massage_guide.speech import Speech, fit, wrap
from massage_guide.state import OFFERS, Pending

KEEP: Final = "keep"
"""Pass as ``pending`` to leave the question the skill is waiting on as it was (repeat; the
error apology via :func:`keep_question`)."""
CARD_TEXT_LIMIT: Final = 8000


def keep_question(handler_input: HandlerInput) -> Literal["keep"] | None:
    """For the error apology ("could you try again?"): keep the pending question, except
    "forget me?".

    Deleting needs a yes given right after the question; after a detour the
    listener may not remember what a "yes" would do.
    """
    return None if state(handler_input).pending == "forget" else KEEP


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
    screen: display.ScreenBuilder | None = None,
) -> Response:
    """Build the response: paced SSML, a reprompt if the session stays open, a card, repeat memory.

    Every answer replaces the question the skill waits on (``pending``), so a
    later "yes" never continues something the listener has moved away from.
    On a screen, ``screen`` builds what is shown (else the card itself is); a
    screen only ever comes with the card it mirrors.
    """
    conversation = state(handler_input)
    if pending != KEEP:
        conversation.pending = pending
        conversation.offered = offered if pending in OFFERS else None
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
            if screen is None:
                footer = content(handler_input).prompt("screen_footer")
                shown = display.card_screen(title, text, footer)
            else:
                shown = screen()
            builder.add_directive(display.render(shown))
    save_state(handler_input)
    return builder.response
