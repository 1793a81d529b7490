"""Build the JSON request envelopes that the Alexa service sends a skill.

The shapes follow what Alexa really sends (session, context with System and
Viewport, requests with ids, timestamps and locale, slots with entity
resolutions) so that tests, the local dialog and the benchmarks exercise the
skill exactly as production traffic would.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

JSON = dict[str, Any]
DeviceKind = Literal["speaker", "show"]

DEFAULT_SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"


def _token(prefix: str, length: int = 108) -> str:
    """An opaque Alexa-style identifier as long as the real ones."""
    body = (uuid.uuid4().hex * 4).upper()[:length]
    return f"{prefix}.{body}"


def timestamp(moment: datetime | None = None) -> str:
    """ISO-8601 UTC timestamp in the form Alexa uses (second precision, Z)."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Slot:
    """A slot as the listener said it and, when it matched, the resolved value id."""

    value: str
    id: str | None = None
    canonical: str | None = None


SlotArg = Slot | str | None


@dataclass
class Listener:
    """One listener on one device: the identity that stays stable across sessions."""

    skill_id: str = DEFAULT_SKILL_ID
    user_id: str = field(default_factory=lambda: _token("amzn1.ask.account", 207))
    device_id: str = field(default_factory=lambda: _token("amzn1.ask.device", 152))
    locale: str = "en-US"
    device: DeviceKind = "speaker"
    access_token: str | None = None

    def _system(self) -> JSON:
        interfaces: JSON = {}
        if self.device == "show":
            interfaces = {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}}
        system: JSON = {
            "application": {"applicationId": self.skill_id},
            "user": {"userId": self.user_id},
            "device": {"deviceId": self.device_id, "supportedInterfaces": interfaces},
            "apiEndpoint": "https://api.amazonalexa.com",
            "apiAccessToken": _token("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9", 380),
        }
        if self.access_token:
            system["user"]["accessToken"] = self.access_token
        return system

    def context(self) -> JSON:
        """The context object: System always, Viewport on screen devices."""
        ctx: JSON = {"System": self._system()}
        if self.device == "show":
            ctx["Viewport"] = {
                "experiences": [
                    {
                        "arcMinuteWidth": 246,
                        "arcMinuteHeight": 144,
                        "canRotate": False,
                        "canResize": False,
                    }
                ],
                "mode": "HUB",
                "shape": "RECTANGLE",
                "pixelWidth": 1280,
                "pixelHeight": 800,
                "dpi": 160,
                "currentPixelWidth": 1280,
                "currentPixelHeight": 800,
                "touch": ["SINGLE"],
                "video": {"codecs": ["H_264_42", "H_264_41"]},
            }
            ctx["Viewports"] = [
                {
                    "type": "APL",
                    "id": "main",
                    "shape": "RECTANGLE",
                    "dpi": 160,
                    "presentationType": "STANDARD",
                    "canRotate": False,
                    "configuration": {
                        "current": {
                            "mode": "HUB",
                            "video": {"codecs": ["H_264_42"]},
                            "size": {"type": "DISCRETE", "pixelWidth": 1280, "pixelHeight": 800},
                        }
                    },
                }
            ]
        return ctx


@dataclass
class Session:
    """One Alexa session: an id, whether the next request is its first, and its attributes."""

    listener: Listener = field(default_factory=Listener)
    session_id: str = field(default_factory=lambda: f"amzn1.echo-api.session.{uuid.uuid4()}")
    new: bool = True
    attributes: JSON = field(default_factory=dict)

    def envelope(self, request: JSON) -> JSON:
        """Wrap a request the way Alexa does, then mark the session as no longer new."""
        user: JSON = {"userId": self.listener.user_id}
        if self.listener.access_token:
            user["accessToken"] = self.listener.access_token
        body: JSON = {
            "version": "1.0",
            "session": {
                "new": self.new,
                "sessionId": self.session_id,
                "application": {"applicationId": self.listener.skill_id},
                "attributes": dict(self.attributes),
                "user": user,
            },
            "context": self.listener.context(),
            "request": request,
        }
        self.new = False
        return body

    def update(self, response: JSON) -> None:
        """Carry session attributes to the next turn, as the Alexa service does."""
        self.attributes = dict(response.get("sessionAttributes") or {})

    def launch(self) -> JSON:
        return self.envelope(_request("LaunchRequest", self.listener.locale))

    def intent(
        self,
        name: str,
        slots: Mapping[str, SlotArg] | None = None,
        slot_types: Mapping[str, str] | None = None,
    ) -> JSON:
        request = _request("IntentRequest", self.listener.locale)
        request["dialogState"] = "COMPLETED" if slots else "STARTED"
        request["intent"] = {
            "name": name,
            "confirmationStatus": "NONE",
            "slots": {
                slot_name: slot_json(
                    self.listener.skill_id,
                    slot_name,
                    arg,
                    (slot_types or {}).get(slot_name, slot_name),
                )
                for slot_name, arg in (slots or {}).items()
            },
        }
        if not slots:
            del request["dialogState"]
        return self.envelope(request)

    def session_ended(self, reason: str = "USER_INITIATED", error: JSON | None = None) -> JSON:
        request = _request("SessionEndedRequest", self.listener.locale)
        request["reason"] = reason
        if error is not None:
            request["error"] = error
        return self.envelope(request)


def _request(kind: str, locale: str) -> JSON:
    return {
        "type": kind,
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": timestamp(),
        "locale": locale,
    }


def slot_json(skill_id: str, name: str, arg: SlotArg, type_name: str) -> JSON:
    """A slot with entity resolution: a match carries the value id, a miss says so."""
    if arg is None:
        return {"name": name, "confirmationStatus": "NONE"}
    slot = Slot(arg) if isinstance(arg, str) else arg
    authority = f"amzn1.er-authority.echo-sdk.{skill_id}.{type_name}"
    if slot.id is None:
        resolution: JSON = {"authority": authority, "status": {"code": "ER_SUCCESS_NO_MATCH"}}
    else:
        resolution = {
            "authority": authority,
            "status": {"code": "ER_SUCCESS_MATCH"},
            "values": [{"value": {"name": slot.canonical or slot.value, "id": slot.id}}],
        }
    resolutions = {"resolutionsPerAuthority": [resolution]}
    return {
        "name": name,
        "value": slot.value,
        "confirmationStatus": "NONE",
        "source": "USER",
        "resolutions": resolutions,
        "slotValue": {"type": "Simple", "value": slot.value, "resolutions": resolutions},
    }


def skill_disabled_event(listener: Listener) -> JSON:
    """The AlexaSkillEvent.SkillDisabled event Alexa sends when a listener disables the skill."""
    return {
        "version": "1.0",
        "context": listener.context(),
        "request": {
            "type": "AlexaSkillEvent.SkillDisabled",
            "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": timestamp(),
            "locale": listener.locale,
            "eventCreationTime": timestamp(),
            "eventPublishingTime": timestamp(),
            "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"},
        },
    }
