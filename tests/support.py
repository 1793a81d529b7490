"""Checks every response a test sees must pass, whatever the test is about.

A response must be one Alexa accepts and a listener can hear: SSML that parses
and uses only the tags the skill emits, Alexa's size limits, a reprompt
whenever the microphone stays open, and no programming debris (None, braces,
exception names) in anything spoken or shown.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "lambda") not in sys.path:
    sys.path.insert(0, str(REPO / "lambda"))

MAX_SPEECH_CHARS = 8000
MAX_CARD_CHARS = 8000
MAX_RESPONSE_BYTES = 24 * 1024
ALLOWED_TAGS = {"speak", "break", "prosody"}
LEAKS = ("None", "null", "{", "}", "Traceback", "Exception", "Error:", "object at 0x", "<bound")
FORBIDDEN_CLAIMS = ("cure", "guarantee", "diagnos")


def _check_speech(speech: Any, where: str) -> str:
    assert isinstance(speech, dict), f"{where}: outputSpeech is not an object"
    kind = speech.get("type")
    if kind == "PlainText":
        text = speech.get("text")
        assert isinstance(text, str) and text.strip(), f"{where}: empty plain text"
        assert len(text) <= MAX_SPEECH_CHARS, f"{where}: {len(text)} chars"
        return text
    assert kind == "SSML", f"{where}: unknown speech type {kind!r}"
    ssml = speech.get("ssml")
    assert isinstance(ssml, str), f"{where}: ssml missing"
    assert len(ssml) <= MAX_SPEECH_CHARS, f"{where}: {len(ssml)} chars of SSML"
    try:
        root = ET.fromstring(ssml)
    except ET.ParseError as error:  # pragma: no cover - the assertion message is the point
        raise AssertionError(f"{where}: SSML does not parse ({error}): {ssml[:200]}") from error
    assert root.tag == "speak", f"{where}: root is {root.tag}"
    for element in root.iter():
        assert element.tag in ALLOWED_TAGS, f"{where}: unexpected tag <{element.tag}>"
        if element.tag == "break":
            time = element.get("time", "")
            assert time.endswith("ms") and 0 <= int(time[:-2]) <= 10_000, f"{where}: {time}"
    text = "".join(root.itertext()).strip()
    assert text, f"{where}: SSML speaks nothing"
    return text


def _check_words(text: str, where: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"{where}: {leak!r} leaked into {text[:200]!r}"
    lowered = text.lower()
    for claim in FORBIDDEN_CLAIMS:
        assert claim not in lowered, f"{where}: health claim {claim!r} in {text[:200]!r}"


def assert_valid_response(envelope: Any) -> dict[str, Any]:
    """Assert ``envelope`` is a response Alexa accepts and a listener can hear; return it."""
    assert isinstance(envelope, dict), f"not a response object: {envelope!r:.200}"
    assert envelope.get("version") == "1.0"
    encoded = json.dumps(envelope, allow_nan=False)  # Infinity and NaN are not JSON
    assert len(encoded.encode()) <= MAX_RESPONSE_BYTES, "response over Alexa's 24 KB"
    response = envelope.get("response")
    assert isinstance(response, dict), "no response object"
    attributes = envelope.get("sessionAttributes")
    assert attributes is None or isinstance(attributes, dict)
    spoken: list[str] = []
    if "outputSpeech" in response:
        spoken.append(_check_speech(response["outputSpeech"], "speech"))
    ends = response.get("shouldEndSession")
    assert ends in (True, False, None), f"shouldEndSession is {ends!r}"
    if ends is False:
        assert "outputSpeech" in response, "session left open without speech"
        reprompt = response.get("reprompt")
        assert isinstance(reprompt, dict), "session left open without a reprompt"
        spoken.append(_check_speech(reprompt.get("outputSpeech"), "reprompt"))
    elif "reprompt" in response:
        raise AssertionError("a reprompt on a response that closes the session")
    card = response.get("card")
    if card is not None:
        assert card.get("type") in ("Simple", "Standard"), card
        title = card.get("title", "")
        body = card.get("content", card.get("text", ""))
        assert title and body, "card without title or text"
        assert len(title) + len(body) <= MAX_CARD_CHARS
        spoken.extend([title, body])
    for directive in response.get("directives") or []:
        assert directive.get("type") == "Alexa.Presentation.APL.RenderDocument", directive
        assert directive["document"]["type"] == "APL" and directive["document"]["mainTemplate"]
        shown = directive["datasources"]["payload"]["card"]
        assert card is not None, "a screen without the card it mirrors"
        spoken.extend(str(value) for value in shown.values())
    for text in spoken:
        _check_words(text, "response")
    return envelope


def checked(handler: Any) -> Any:
    """Wrap a lambda_handler so every response it gives is validated."""

    def call(event: Any, context: Any = None) -> dict[str, Any]:
        return assert_valid_response(handler(event, context))

    return call


def _words(output_speech: dict[str, Any] | None) -> str:
    if output_speech is None:
        return ""
    return " ".join("".join(ET.fromstring(output_speech["ssml"]).itertext()).split())


def speech_text(envelope: dict[str, Any]) -> str:
    """The words of a response's speech, tags removed."""
    return _words(envelope["response"].get("outputSpeech"))


def reprompt_text(envelope: dict[str, Any]) -> str:
    """The words of a response's reprompt, tags removed."""
    return _words((envelope["response"].get("reprompt") or {}).get("outputSpeech"))
