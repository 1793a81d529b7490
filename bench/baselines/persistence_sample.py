"""Baseline 2: the ASK SDK samples' persistence pattern, against DynamoDB Local in the benchmark.

As the Alexa-hosted templates and persistence samples do it: boto3 imported at
module load, a DynamoDB resource built at import, ``DynamoDbAdapter`` passed
to a ``CustomSkillBuilder``, and the launch handler reading the listener's
persistent attributes (and saving the visit count back). Importing
``ask_sdk_dynamodb.adapter`` itself also builds a default resource, because
the adapter's signature does so in a default argument.
"""

from __future__ import annotations

import logging
import os

import ask_sdk_core.utils as ask_utils
import boto3
from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_dynamodb.adapter import DynamoDbAdapter
from ask_sdk_model import Response

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

ddb_region = os.environ.get("DYNAMODB_PERSISTENCE_REGION")
ddb_table_name = os.environ.get("DYNAMODB_PERSISTENCE_TABLE_NAME", "baseline-sample")
# The samples pass only the region; the benchmark adds DynamoDB Local's endpoint.
ddb_resource = boto3.resource(
    "dynamodb", region_name=ddb_region, endpoint_url=os.environ.get("DYNAMODB_ENDPOINT")
)
dynamodb_adapter = DynamoDbAdapter(
    table_name=ddb_table_name, create_table=False, dynamodb_resource=ddb_resource
)

BENEFITS = {
    "muscle_relaxation": "Massage can loosen tight back muscles.",
    "pain_relief": "Massage may ease back pain for a while.",
    "circulation": "Massage can bring more blood flow to sore tissue.",
    "flexibility": "Massage may help your back move more freely.",
    "stress_reduction": "Massage can calm the stress that tightens a back.",
    "posture": "Massage can release the muscles that pull your posture out of line.",
    "wellbeing": "Many people simply feel better after a massage.",
}
ORDER = tuple(BENEFITS)


def benefit_id(handler_input: HandlerInput) -> str | None:
    """The resolved id of the benefit slot, as the samples read entity resolution."""
    slot = ask_utils.get_slot(handler_input, "benefit")
    if slot is None or slot.resolutions is None:
        return None
    for authority in slot.resolutions.resolutions_per_authority or []:
        code = authority.status.code if authority.status else None
        value = authority.values[0].value if authority.values else None
        if code is not None and code.value == "ER_SUCCESS_MATCH" and value is not None:
            return value.id if isinstance(value.id, str) else None
    return None


class LaunchRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return ask_utils.is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        attributes_manager = handler_input.attributes_manager
        persistent = attributes_manager.persistent_attributes
        visits = int(str(persistent.get("visits", 0))) + 1  # DynamoDB numbers are Decimal
        persistent["visits"] = visits
        attributes_manager.persistent_attributes = persistent
        attributes_manager.save_persistent_attributes()
        if visits > 1:
            speak_output = "Welcome back. Ask about a benefit, or say start the tour."
        else:
            speak_output = "Welcome. Ask how massage helps your back, or say start the tour."
        return handler_input.response_builder.speak(speak_output).ask(speak_output).response


class BenefitIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return ask_utils.is_intent_name("BenefitIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = BENEFITS.get(benefit_id(handler_input) or "", "Which benefit?")
        return handler_input.response_builder.speak(text).ask("Want another?").response


class TourIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return ask_utils.is_intent_name("StartTourIntent")(handler_input) or (
            ask_utils.is_intent_name("AMAZON.NextIntent")(handler_input)
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        attributes = handler_input.attributes_manager.session_attributes or {}
        step = 0
        if ask_utils.is_intent_name("AMAZON.NextIntent")(handler_input):
            step = (int(attributes.get("step", -1)) + 1) % len(ORDER)
        attributes["step"] = step
        handler_input.attributes_manager.session_attributes = attributes
        speak_output = BENEFITS[ORDER[step]] + " Want the next one?"
        return handler_input.response_builder.speak(speak_output).ask("Next?").response


class HelpIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return ask_utils.is_intent_name("AMAZON.HelpIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        speak_output = "You can ask how massage helps, or say start the tour."
        return handler_input.response_builder.speak(speak_output).ask(speak_output).response


class CancelOrStopIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return ask_utils.is_intent_name("AMAZON.CancelIntent")(
            handler_input
        ) or ask_utils.is_intent_name("AMAZON.StopIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.speak("Goodbye!").response


class SessionEndedRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return ask_utils.is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.response


class CatchAllExceptionHandler(AbstractExceptionHandler):
    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        logger.error(exception, exc_info=True)
        speak_output = "Sorry, I had trouble doing what you asked. Please try again."
        return handler_input.response_builder.speak(speak_output).ask(speak_output).response


sb = CustomSkillBuilder(persistence_adapter=dynamodb_adapter)
sb.add_request_handler(LaunchRequestHandler())
sb.add_request_handler(BenefitIntentHandler())
sb.add_request_handler(TourIntentHandler())
sb.add_request_handler(HelpIntentHandler())
sb.add_request_handler(CancelOrStopIntentHandler())
sb.add_request_handler(SessionEndedRequestHandler())
sb.add_exception_handler(CatchAllExceptionHandler())

lambda_handler = sb.lambda_handler()
