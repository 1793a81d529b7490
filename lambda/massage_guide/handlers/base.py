"""The handler base class and :func:`reply`, the one way every handler answers.

A handler's answer is an :class:`Answer` value; :func:`respond` turns it into the
response in small steps: the question the skill now waits on, the speech at the
listener's pace, a helpful reprompt whenever the session stays open (remembered so
"repeat" can say it again), and the card with its screen on a display device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard, SsmlOutputSpeech
from ask_sdk_model.ui.reprompt import Reprompt

from massage_guide import display
from massage_guide.conversation import content, intent_name, save_state, state
from massage_guide.speech import Speech, fit, wrap
from massage_guide.state import ConversationState, Pending

CARD_TEXT_LIMIT: Final = 8000


def keeps_question(handler_input: HandlerInput) -> bool:
    """For the error apology ("could you try again?"): keep the pending question, except
    "forget me?".

    Deleting needs a yes given right after the question; after a detour the
    listener may not remember what a "yes" would do.
    """
    return state(handler_input).pending != "forget"


class IntentHandler(AbstractRequestHandler):
    """Handles the intents named in ``intents``; with ``only_while_asked``, only while one of
    those questions is pending (how "yes" and "no" mean what the last question meant).

    What a handler tells Alexa about a name-free request for its intents is declared here
    too, and handlers/can_fulfill.py answers from it: ``served_name_free`` for an intent
    without slots answered in full for anyone in any session; ``name_free_slot`` for an
    intent served in full once that one slot names something the content knows.
    """

    intents: tuple[str, ...] = ()
    only_while_asked: tuple[Pending, ...] = ()
    served_name_free: bool = False
    name_free_slot: str | None = None

    def can_handle(self, handler_input: HandlerInput) -> bool:
        # Reads state only: can_handle must never change it.
        if intent_name(handler_input) not in self.intents:
            return False
        return not self.only_while_asked or state(handler_input).pending in self.only_while_asked


@dataclass(frozen=True)
class Answer:
    """What a handler says: speech, reprompt, card and screen, and the question it leaves open.

    Every answer replaces the question the skill waits on (``pending``, with the benefit
    ``offered`` for an offer question), so a later "yes" never continues something the
    listener has moved away from; ``keep_question`` leaves it as it was (repeat, the error
    apology). On a screen, ``screen`` builds what is shown (else the card itself is); a
    screen only ever comes with the card it mirrors.
    """

    speech: Speech
    reprompt: Speech | None = None
    card: tuple[str, str] | None = None
    end_session: bool = False
    pending: Pending | None = None
    offered: str | None = None
    keep_question: bool = False
    screen: display.ScreenBuilder | None = None


def settle_question(conversation: ConversationState, answer: Answer) -> None:
    """The question the skill waits on after ``answer``."""
    if not answer.keep_question:
        conversation.ask(answer.pending, answer.offered)


def spoken(speech: Speech, pace: str) -> tuple[str, SsmlOutputSpeech]:
    """What is said, fitted to the pace (the body "repeat" replays), and its SSML."""
    body = fit(speech.body(), pace)
    return body, SsmlOutputSpeech(ssml=wrap(body, pace))


def reprompt_of(handler_input: HandlerInput, answer: Answer) -> Speech:
    """The answer's reprompt, else the general one: an open session always has one."""
    return answer.reprompt or Speech(content(handler_input).prompt("general_reprompt"))


def show_card(handler_input: HandlerInput, card: tuple[str, str], answer: Answer) -> None:
    """The card, and on a display device the screen that mirrors it."""
    builder = handler_input.response_builder
    title, body = card
    builder.set_card(SimpleCard(title=title[:200], content=body[:CARD_TEXT_LIMIT]))
    if display.has_screen(handler_input):
        if answer.screen is None:
            footer = content(handler_input).prompt("screen_footer")
            shown = display.card_screen(title, body, footer)
        else:
            shown = answer.screen()
        builder.add_directive(display.render(shown))


def respond(handler_input: HandlerInput, answer: Answer) -> Response:
    """The response for ``answer``, with the conversation state saved for the next turn."""
    conversation = state(handler_input)
    settle_question(conversation, answer)
    builder = handler_input.response_builder
    body, builder.response.output_speech = spoken(answer.speech, conversation.pace)
    if answer.end_session:
        builder.set_should_end_session(True)
    else:
        reprompt_body, ssml = spoken(reprompt_of(handler_input, answer), conversation.pace)
        builder.response.reprompt = Reprompt(output_speech=ssml)
        builder.set_should_end_session(False)
        conversation.said(body, reprompt_body)
    if answer.card is not None:
        show_card(handler_input, answer.card, answer)
    save_state(handler_input)
    return builder.response


def reply(
    handler_input: HandlerInput,
    speech: Speech,
    reprompt: Speech | None = None,
    *,
    card: tuple[str, str] | None = None,
    end_session: bool = False,
    pending: Pending | None = None,
    offered: str | None = None,
    keep_question: bool = False,
    screen: display.ScreenBuilder | None = None,
) -> Response:
    """Answer with ``speech`` (see :class:`Answer` for the rest), the way every handler does."""
    answer = Answer(speech, reprompt, card, end_session, pending, offered, keep_question, screen)
    return respond(handler_input, answer)
