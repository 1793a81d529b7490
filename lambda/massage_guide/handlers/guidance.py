"""How the skill steers a listener back after help or words it could not place.

Shared by the handlers for the session itself and for touches on a screen, so
no group of handlers reaches sideways into another.
"""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from massage_guide.conversation import content, varied
from massage_guide.handlers.base import reply
from massage_guide.handlers.benefits import next_in_tour
from massage_guide.speech import Speech


def where_next(handler_input: HandlerInput, speech: Speech, question: str) -> Response:
    """Close help or a fallback with a question: 'shall we carry on?' in a tour, else ``question``.

    In a tour a "yes" then carries on; otherwise the skill asked something new,
    so no earlier yes/no question is left waiting (a later "yes" deletes nothing).
    """
    words = content(handler_input)
    upcoming = next_in_tour(handler_input)
    if upcoming is not None:
        total = len(words.benefits)
        speech.say(words.prompt("help_in_tour", number=upcoming, total=total))
        return reply(
            handler_input, speech, Speech(words.prompt("tour_next_reprompt")), pending="tour_next"
        )
    speech.say(question)
    return reply(handler_input, speech, Speech(words.prompt("general_reprompt")))


def fallback(handler_input: HandlerInput) -> Response:
    """Words the skill could not place: what it does, and a doctor for symptoms; never a pitch.

    They may be a symptom said in words the model does not know, so there is no
    benefit offered and no tour to carry on with on "yes".
    """
    words = content(handler_input)
    speech = Speech(varied(handler_input, "fallback"), words.prompt("fallback_question"))
    return reply(handler_input, speech, Speech(words.prompt("fallback_reprompt")))
