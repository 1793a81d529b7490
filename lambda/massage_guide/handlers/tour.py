"""Handlers for a listener being guided: the one-at-a-time tour and the hands-free read-through."""

from __future__ import annotations

from functools import partial

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from massage_guide import display
from massage_guide.conversation import content, state
from massage_guide.handlers.base import IntentHandler, reply
from massage_guide.handlers.benefits import answer_benefit, benefit_shown, benefit_text, offer_next
from massage_guide.speech import BENEFIT_PAUSE_MS, READ_THROUGH_PAUSE_MS, Speech


def play_step(handler_input: HandlerInput, index: int, lead_in: str | None = None) -> Response:
    """Play benefit ``index`` of the tour and ask whether to go on; the last one closes the tour."""
    words = content(handler_input)
    conversation = state(handler_input)
    total = len(words.benefits)
    index = max(0, min(index, total - 1))
    benefit = words.benefits[index]
    conversation.move_tour(index, benefit.id)
    speech = Speech()
    if lead_in:
        speech.say(lead_in).pause()
    speech.say(words.prompt("tour_position", number=index + 1, total=total, title=benefit.title))
    speech.say(benefit_text(benefit, conversation.length)).pause()
    if index + 1 < total:
        return offer_next(handler_input, speech, benefit)
    card, screen = benefit_shown(handler_input, benefit, words.prompt("tour_done_follow_up"))
    return no_more_benefits(handler_input, speech, card=card, screen=screen)


def no_more_benefits(
    handler_input: HandlerInput,
    speech: Speech | None = None,
    card: tuple[str, str] | None = None,
    screen: display.ScreenBuilder | None = None,
) -> Response:
    """'That's all seven', the therapist tip where the listener finishes, and what next."""
    words = content(handler_input)
    speech = (speech or Speech()).say(words.prompt("tour_done")).say(words.therapist_tip)
    speech.say(words.prompt("tour_done_follow_up"))
    reprompt = Speech(words.prompt("tour_done_reprompt"))
    return reply(handler_input, speech, reprompt, card=card, screen=screen)


def step(handler_input: HandlerInput, direction: int) -> Response:
    """Next (+1) or previous (-1): through the tour when one is under way, else benefit by benefit.

    Outside a tour the listener moves from the benefit last discussed without
    starting a tour, so nothing is remembered as tour progress they never made.
    """
    words = content(handler_input)
    conversation = state(handler_input)
    if conversation.tour is not None:
        target = conversation.tour + direction
        if target >= len(words.benefits):
            return no_more_benefits(handler_input)
        if target < 0:
            return play_step(handler_input, 0, lead_in=words.prompt("tour_at_start"))
        return play_step(handler_input, target)
    current = words.index_of(conversation.benefit)
    if current is None:
        if direction > 0:
            return play_step(handler_input, 0)
        return reply(
            handler_input,
            Speech(words.prompt("tour_not_started")),
            Speech(words.prompt("tour_start_reprompt")),
            pending="tour_next",
        )
    target = current + direction
    if target >= len(words.benefits):
        return no_more_benefits(handler_input)
    if target < 0:
        return answer_benefit(
            handler_input, words.benefits[0], lead_in=words.prompt("tour_at_start")
        )
    return answer_benefit(handler_input, words.benefits[target])


class StartTourHandler(IntentHandler):
    intents = ("StartTourIntent",)
    served_name_free = True

    def handle(self, handler_input: HandlerInput) -> Response:
        return play_step(handler_input, 0)


class NextHandler(IntentHandler):
    """'Next': the next tour step, or the next benefit after the one last discussed."""

    intents = ("AMAZON.NextIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return step(handler_input, +1)


class CarryOnHandler(IntentHandler):
    """'Yes' to 'want the next one?', 'shall we carry on?' or 'shall we begin?'."""

    intents = ("AMAZON.YesIntent",)
    only_while_asked = ("tour_next", "resume")

    def handle(self, handler_input: HandlerInput) -> Response:
        return step(handler_input, +1)


class PreviousHandler(IntentHandler):
    intents = ("AMAZON.PreviousIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return step(handler_input, -1)


class StartOverHandler(IntentHandler):
    intents = ("AMAZON.StartOverIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return play_step(handler_input, 0)


class PauseTourHandler(IntentHandler):
    """'No' to 'want the next one?': keep the place and let the listener lead."""

    intents = ("AMAZON.NoIntent",)
    only_while_asked = ("tour_next", "resume")

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        prompt = words.prompt("tour_paused")
        return reply(handler_input, Speech(prompt), Speech(words.prompt("general_reprompt")))


class ReadThroughHandler(IntentHandler):
    """All seven in one short line each, with pauses, for a listener who is stretching."""

    intents = ("ReadThroughIntent",)
    served_name_free = True

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        speech = Speech(words.prompt("read_through_intro")).pause(BENEFIT_PAUSE_MS)
        for benefit in words.benefits:
            speech.say(f"{benefit.title}.").say(benefit.line).pause(READ_THROUGH_PAUSE_MS)
        speech.say(words.prompt("read_through_outro")).say(words.therapist_tip).say(
            words.disclaimer
        )
        card_text = "\n\n".join(f"{b.title}: {b.line}" for b in words.benefits)
        return reply(
            handler_input,
            speech,
            card=(words.skill_name, f"{card_text}\n\n{words.therapist_tip} {words.disclaimer}"),
            end_session=True,
            screen=partial(display.read_through_screen, words, words.benefits),
        )
