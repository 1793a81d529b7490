"""Speaking one benefit, for listeners who ask (learning) and listeners being guided (tour)."""

from __future__ import annotations

from functools import partial

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from massage_guide import display
from massage_guide.content import Benefit, Content
from massage_guide.conversation import content, state, varied
from massage_guide.handlers.base import reply
from massage_guide.speech import Speech


def all_names(words: Content) -> str:
    """The seven benefit names as one spoken list."""
    return words.spoken_list([benefit.name for benefit in words.benefits])


def benefit_text(benefit: Benefit, length: str) -> str:
    """The summary, or the fuller detail for listeners who asked for detailed answers."""
    return benefit.detail if length == "detailed" else benefit.summary


def benefit_card(benefit: Benefit) -> tuple[str, str]:
    return benefit.title, f"{benefit.summary}\n\n{benefit.detail}"


def benefit_shown(
    handler_input: HandlerInput, benefit: Benefit, hint: str
) -> tuple[tuple[str, str], display.ScreenBuilder]:
    """The card for a benefit and its screen: the tour position while touring, what to say next."""
    card = benefit_card(benefit)
    words = content(handler_input)
    tour = state(handler_input).tour
    touring = tour is not None and words.benefits[tour].id == benefit.id
    position = tour + 1 if touring and tour is not None else None
    return card, partial(
        display.benefit_screen, words, benefit, card[1], hint=hint, position=position
    )


def next_in_tour(handler_input: HandlerInput) -> int | None:
    """The tour position still to come, or None when no tour is under way or it has finished."""
    tour = state(handler_input).tour
    if tour is None or tour + 1 >= len(content(handler_input).benefits):
        return None
    return tour + 1


def offer_next(handler_input: HandlerInput, speech: Speech, benefit: Benefit) -> Response:
    """End a tour answer with "want the next one?", so a plain "yes" carries on."""
    words = content(handler_input)
    speech.say(varied(handler_input, "tour_next_question"))
    hint = words.prompt("tour_next_reprompt")
    card, screen = benefit_shown(handler_input, benefit, hint)
    return reply(handler_input, speech, Speech(hint), card=card, pending="tour_next", screen=screen)


def answer_benefit(
    handler_input: HandlerInput,
    benefit: Benefit,
    *,
    detail: bool = False,
    lead_in: str | None = None,
) -> Response:
    """Speak one benefit and ask what next.

    If it is the tour's current benefit, offer to carry on with the tour; after
    a summary, offer the detail ("want more detail?" so a plain "yes" works);
    after the detail, ask which benefit comes next.
    """
    words = content(handler_input)
    conversation = state(handler_input)
    conversation.discuss(benefit.id)
    detail = detail or conversation.length == "detailed"
    speech = Speech(lead_in) if lead_in else Speech()
    speech.say(benefit.detail if detail else benefit.summary).pause()
    upcoming = next_in_tour(handler_input)
    if upcoming is not None and words.benefits[upcoming - 1].id == benefit.id:
        return offer_next(handler_input, speech, benefit)
    if detail:
        speech.say(words.prompt("detail_follow_up"))
        hint = words.prompt("detail_reprompt")
        card, screen = benefit_shown(handler_input, benefit, hint)
        return reply(handler_input, speech, Speech(hint), card=card, screen=screen)
    speech.say(words.prompt("benefit_follow_up"))
    hint = words.prompt("benefit_reprompt")
    card, screen = benefit_shown(handler_input, benefit, hint)
    return reply(
        handler_input,
        speech,
        Speech(hint),
        card=card,
        screen=screen,
        pending="detail",
        offered=benefit.id,
    )


def ask_about_benefit(
    handler_input: HandlerInput, benefit_id: str | None, *, named: bool
) -> Response:
    """A benefit asked for by id, by voice or by touch; which one, when it matched none.

    ``named``: the listener named something (said a value, or touched a tile), so a miss
    lists all seven rather than just asking which one.
    """
    benefit = content(handler_input).benefit(benefit_id)
    if benefit is None:
        return ask_which_benefit(handler_input, unknown=named)
    return answer_benefit(handler_input, benefit)


def ask_which_benefit(handler_input: HandlerInput, *, unknown: bool) -> Response:
    """Ask which benefit the listener meant; name all seven when what they said matched none."""
    words = content(handler_input)
    if unknown:
        speech = Speech(words.prompt("unknown_benefit", names=all_names(words)))
    else:
        speech = Speech(words.prompt("which_benefit"))
    return reply(handler_input, speech, Speech(words.prompt("which_benefit")))
