"""Checks every response a test sees must pass, whatever the test is about.

A response must be one Alexa accepts and a listener can hear: SSML that parses
and uses only the tags the skill emits, Alexa's size limits, a reprompt
whenever the microphone stays open, and no programming debris (None, braces,
exception names) in anything spoken or shown. It must also be one a listener
enjoys: within its spoken-length budget (skill_tools/spoken_length.py), and,
when the microphone stays open, ending with a question and reprompted with one.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from massage_guide import display
from skill_tools.spoken_length import DETAILED, ORDINARY, READ_THROUGH, REPROMPT, Budget, measure

MAX_SPEECH_CHARS = 8000
MAX_CARD_CHARS = 8000
MAX_RESPONSE_BYTES = 24 * 1024
ALLOWED_TAGS = {"speak", "break", "prosody", "say-as"}
LEAKS = ("None", "null", "{", "}", "Traceback", "Exception", "Error:", "object at 0x", "<bound")
CLAIMS = {
    "en": re.compile(
        r"\b(?:cur(?:e|es|ed|ing)|heal\w*|guarantee\w*|fix(?:es|ed|ing)?|will relieve|diagnos\w*|"
        r"proven|always works)\b",
        re.IGNORECASE,
    ),
    "de": re.compile(
        r"\b(?:\w*heil\w*|garantie\w*|garantier\w*|kurier\w*|beseitig\w*|beheb\w*|behoben|"
        r"diagnos\w*|bewiesen|nachgewiesen|wundermittel|wirkt immer|wird (?:\w+ ){0,3}lindern)\b",
        re.IGNORECASE,
    ),
    # No "cure" (a Spanish subjunctive too): it would flag the English honest sentence.
    "es": re.compile(
        r"\b(?:cur(?:a|as|an|ar|ará|arán|aría|ado|ada|ados|adas|ación|ativo|ativa)|"
        r"san(?:a|ar|ará|arán|ación)|garantiz\w*|garantía\w*|arregl\w*|solucion\w*|"
        r"diagn[oó]stic\w*|demostrad\w*|siempre funciona|aliviará\w*|"
        r"quitará\w*|eliminará\w*|para siempre)\b",
        re.IGNORECASE,
    ),
}
"""Per language: words that would promise what massage cannot (a cure, a fix, a guarantee)."""
HONEST_NEGATIONS = {
    "en": re.compile(r"\b(?:isn't|is not|not) a cure\b", re.IGNORECASE),
    "de": re.compile(r"\bkein(?:e|en)? (?:Heilmittel|Heilung|Allheilmittel)\b", re.IGNORECASE),
    "es": re.compile(r"\bno es una cura\b", re.IGNORECASE),
}
"""Per language: the one honest sentence allowed to use such a word ("massage isn't a cure")."""


def health_claims(text: str, language: str | None = None) -> list[str]:
    """Claim words in ``text`` outside the honest negation; every language's when none is given."""
    languages = [language] if language else list(CLAIMS)
    found: list[str] = []
    for name in languages:
        honest = HONEST_NEGATIONS[name].sub(" ", text)
        found.extend(match.group() for match in CLAIMS[name].finditer(honest))
    return found


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
        if element.tag == "say-as":  # only a phone number, read digit by digit
            assert element.get("interpret-as") == "digits", f"{where}: say-as {element.attrib}"
            assert (element.text or "").isdigit() and not len(element), f"{where}: say-as"
        if element.tag == "break":
            time = element.get("time", "")
            assert time.endswith("ms") and 0 <= int(time[:-2]) <= 10_000, f"{where}: {time}"
    text = "".join(root.itertext()).strip()
    assert text, f"{where}: SSML speaks nothing"
    return text


def _check_words(text: str, where: str, locale: str | None = None) -> None:
    for leak in LEAKS:
        assert leak not in text, f"{where}: {leak!r} leaked into {text[:200]!r}"
    language = locale.split("-")[0] if locale else None
    claims = health_claims(text, language if language in CLAIMS else None)
    assert not claims, f"{where}: health claim {claims} in {text[:200]!r}"


def budget_for(speech: str, locale: str | None) -> Budget:
    """Which budget a response's speech is held to, recognised from the content it carries."""
    from massage_guide.content import content_for

    words = content_for(locale)
    plain = " ".join(speech.split())
    if all(benefit.line in plain for benefit in words.benefits):
        return READ_THROUGH
    if any(benefit.detail in plain for benefit in words.benefits):
        return DETAILED
    return ORDINARY


def _check_length(ssml: str, budget: Budget, locale: str | None, where: str) -> None:
    english = locale is None or locale.startswith("en")
    overrun = budget.overrun(measure(ssml), english)
    assert overrun is None, f"{where}: {overrun}: {_words({'ssml': ssml})[:300]!r}"


def assert_valid_response(envelope: Any, locale: str | None = None) -> dict[str, Any]:
    """Assert ``envelope`` is a response Alexa accepts and a listener can hear; return it.

    ``locale`` is the request's; word budgets apply to English (the default).
    """
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
        said = _check_speech(response["outputSpeech"], "speech")
        spoken.append(said)
        ssml = response["outputSpeech"].get("ssml")
        if ssml:
            _check_length(ssml, budget_for(said, locale), locale, "speech")
    ends = response.get("shouldEndSession")
    assert ends in (True, False, None), f"shouldEndSession is {ends!r}"
    if ends is False:
        assert "outputSpeech" in response, "session left open without speech"
        assert spoken[0].rstrip().endswith("?"), f"open microphone, no question: {spoken[0]!r}"
        reprompt = response.get("reprompt")
        assert isinstance(reprompt, dict), "session left open without a reprompt"
        again = _check_speech(reprompt.get("outputSpeech"), "reprompt")
        assert again.rstrip().endswith("?"), f"a reprompt that asks nothing: {again!r}"
        if reprompt["outputSpeech"].get("ssml"):
            _check_length(reprompt["outputSpeech"]["ssml"], REPROMPT, locale, "reprompt")
        spoken.append(again)
    elif "reprompt" in response:
        raise AssertionError("a reprompt on a response that closes the session")
    if "canFulfillIntent" in response:
        _check_can_fulfill(response)
    card = response.get("card")
    if card is not None:
        assert card.get("type") in ("Simple", "Standard"), card
        title = card.get("title", "")
        body = card.get("content", card.get("text", ""))
        assert title and body, "card without title or text"
        assert len(title) + len(body) <= MAX_CARD_CHARS
        spoken.extend([title, body])
    for directive in response.get("directives") or []:
        assert card is not None, "a screen without the card it mirrors"
        spoken.extend(_check_screen(directive, card))
    for text in spoken:
        _check_words(text, "response", locale)
    return envelope


#: What each kind of screen (display.KINDS) must carry: its data source's key and its fields.
SCREEN_DATA: dict[str, tuple[str, set[str]]] = {
    "card": ("card", {"title", "text", "footer"}),
    "home": ("home", {"title", "hint", "footer", "benefits"}),
    "benefit": ("benefit", {"position", "title", "text", "hint", "footer"}),
    "read_through": ("readThrough", {"title", "benefits", "closing"}),
}
assert set(SCREEN_DATA) == set(display.KINDS), "every screen display.py knows is checked"
#: Each screen's token -> (its document, its data source's key, the fields it must carry).
SCREENS: dict[str, tuple[str, str, set[str]]] = {
    display.token_for(kind): (kind, *SCREEN_DATA[kind]) for kind in display.KINDS
}


def apl_text(text: str) -> str:
    """Text as APL markup shows it (what display.py sends for plain text)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\n", "<br>")


def screen_strings(value: Any) -> list[str]:
    """Every string in a data source, however deep."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in screen_strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in screen_strings(item)]
    raise AssertionError(f"a data source holds {type(value).__name__}: {value!r:.80}")


def _check_screen(directive: dict[str, Any], card: dict[str, Any]) -> list[str]:
    """A known screen, its own linted document, and data that mirrors the card; its strings."""
    assert directive.get("type") == "Alexa.Presentation.APL.RenderDocument", directive
    assert directive.get("token") in SCREENS, f"unknown screen token {directive.get('token')!r}"
    kind, key, fields = SCREENS[directive["token"]]
    document = json.loads((display.DOCUMENTS / f"{kind}.json").read_text(encoding="utf-8"))
    assert directive["document"] == document, f"{kind}: not the document in apl/{kind}.json"
    assert set(directive["datasources"]) == {"payload"}
    assert set(directive["datasources"]["payload"]) == {key}, directive["datasources"]
    shown = directive["datasources"]["payload"][key]
    assert set(shown) == fields, f"{kind}: fields {sorted(shown)}"
    card_text = apl_text(card.get("content", card.get("text", "")))
    assert shown["title"] == apl_text(card["title"]), f"{kind}: the title is not the card's"
    if "text" in shown:
        assert shown["text"] == card_text, f"{kind}: the text is not the card's"
    for item in shown.get("benefits", []):
        for field in ("title", "line"):
            if field in item:
                assert item[field] in card_text, f"{kind}: {item[field]!r} is only on screen"
    strings = screen_strings(shown)
    assert all(text.strip() or text == shown.get("position") for text in strings), shown
    return strings


def _check_can_fulfill(response: dict[str, Any]) -> None:
    """A name-free answer says only whether the skill could help: no speech, no screen."""
    answer = response["canFulfillIntent"]
    assert answer.get("canFulfill") in ("YES", "NO", "MAYBE"), answer
    for name, slot in (answer.get("slots") or {}).items():
        assert slot.get("canUnderstand") in ("YES", "NO", "MAYBE"), (name, slot)
        assert slot.get("canFulfill") in ("YES", "NO"), (name, slot)
    extra = set(response) - {"canFulfillIntent", "shouldEndSession"}
    assert not extra, f"a CanFulfillIntent answer that does more: {sorted(extra)}"


def checked(handler: Any) -> Any:
    """Wrap a lambda_handler so every response it gives is validated."""

    def call(event: Any, context: Any = None) -> dict[str, Any]:
        request = event.get("request") if isinstance(event, dict) else None
        locale = request.get("locale") if isinstance(request, dict) else None
        return assert_valid_response(
            handler(event, context), locale if isinstance(locale, str) else None
        )

    return call


def _words(output_speech: dict[str, Any] | None) -> str:
    if output_speech is None or not output_speech.get("ssml"):
        return ""
    return " ".join("".join(ET.fromstring(output_speech["ssml"]).itertext()).split())


def speech_text(envelope: dict[str, Any]) -> str:
    """The words of a response's speech, tags removed."""
    return _words(envelope["response"].get("outputSpeech"))


def reprompt_text(envelope: dict[str, Any]) -> str:
    """The words of a response's reprompt, tags removed."""
    return _words((envelope["response"].get("reprompt") or {}).get("outputSpeech"))


def variants_of(key: str, locale: str | None = "en-US", **values: object) -> list[str]:
    """Every way the skill can say prompt ``key`` (filled with ``values``)."""
    from massage_guide.content import content_for

    words = content_for(locale)
    return [words.prompt(key, index, **values) for index in range(words.variants(key))]


def says(spoken: str, key: str, locale: str | None = "en-US", **values: object) -> bool:
    """Whether ``spoken`` contains one of the ways the skill says prompt ``key``."""
    return any(variant in spoken for variant in variants_of(key, locale, **values))


def handler_input_for(event: dict[str, Any]) -> Any:
    """A real request envelope, deserialized as the skill does, in a HandlerInput: for testing
    one step of the skill (a handler's rule, a step of an answer) without the whole dispatch."""
    from ask_sdk_core.attributes_manager import AttributesManager
    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_model import RequestEnvelope

    from massage_guide.fast_serializer import FastSerializer

    envelope = FastSerializer().deserialize(json.dumps(event), RequestEnvelope)
    return HandlerInput(
        request_envelope=envelope, attributes_manager=AttributesManager(request_envelope=envelope)
    )
