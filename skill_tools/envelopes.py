"""Build the JSON request envelopes that the Alexa service sends a skill.

The shapes follow what Alexa really sends (session, context with System and
Viewport, requests with ids, timestamps and locale, slots with entity
resolutions) so that tests, the local dialog and the benchmarks exercise the
skill exactly as production traffic would.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

from skill_tools.devices import DEVICES, DeviceKind, DeviceProfile
from skill_tools.paths import REPO_ROOT

JSON = dict[str, Any]

DEFAULT_SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"
SKILL_JSON: Final = REPO_ROOT / "skill.json"

APL: Final = "ALEXA_PRESENTATION_APL"
CAN_FULFILL: Final = "CAN_FULFILL_INTENT_REQUEST"
#: Manifest interface types that show up in a device's supportedInterfaces, by their key there.
SUPPORTED_INTERFACE_KEYS: Final = {APL: "Alexa.Presentation.APL"}
#: Manifest interface types that change which requests Alexa sends, not what a device says.
REQUEST_INTERFACES: Final = frozenset({CAN_FULFILL})


class UndeclaredInterfaceError(ValueError):
    """Real Alexa would not send this: the manifest does not declare the interface it needs."""


@cache
def declared_interfaces(manifest: Path = SKILL_JSON) -> frozenset[str]:
    """The interface types skill.json declares (apis.custom.interfaces), read once per file.

    The twin knows what each declared type does to a request; a type it does
    not model is an error, so the envelopes never silently ignore the manifest.
    """
    data = json.loads(manifest.read_text(encoding="utf-8"))
    custom = data["manifest"]["apis"].get("custom", {})
    types = frozenset(str(entry["type"]) for entry in custom.get("interfaces", []))
    unknown = types - SUPPORTED_INTERFACE_KEYS.keys() - REQUEST_INTERFACES
    if unknown:
        raise ValueError(f"{manifest.name} declares interfaces the twin does not model: {unknown}")
    return types


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
    """One listener on one device: the identity that stays stable across sessions.

    ``declared`` is what the skill's manifest declares (skill.json by default);
    the device says it supports an interface only when both the device has it
    and the manifest declares it, as real Alexa does.
    """

    skill_id: str = DEFAULT_SKILL_ID
    user_id: str = field(default_factory=lambda: _token("amzn1.ask.account", 207))
    device_id: str = field(default_factory=lambda: _token("amzn1.ask.device", 152))
    locale: str = "en-US"
    device: DeviceKind = "speaker"
    access_token: str | None = None
    declared: frozenset[str] = field(default_factory=declared_interfaces)

    @property
    def profile(self) -> DeviceProfile:
        return DEVICES[self.device]

    def supported_interfaces(self) -> JSON:
        """What the device reports in System.device.supportedInterfaces for this skill."""
        return {
            SUPPORTED_INTERFACE_KEYS[kind]: dict(value)
            for kind, value in self.profile.interfaces.items()
            if kind in self.declared
        }

    @property
    def renders_apl(self) -> bool:
        return SUPPORTED_INTERFACE_KEYS[APL] in self.supported_interfaces()

    def _system(self) -> JSON:
        system: JSON = {
            "application": {"applicationId": self.skill_id},
            "user": {"userId": self.user_id},
            "device": {
                "deviceId": self.device_id,
                "supportedInterfaces": self.supported_interfaces(),
            },
            "apiEndpoint": "https://api.amazonalexa.com",
            "apiAccessToken": _token("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9", 380),
        }
        if self.access_token:
            system["user"]["accessToken"] = self.access_token
        return system

    def context(self) -> JSON:
        """The context object: System always; Viewport and Viewports where APL is rendered."""
        ctx: JSON = {"System": self._system()}
        if self.renders_apl and self.profile.viewport is not None:
            ctx["Viewport"] = json.loads(json.dumps(self.profile.viewport))
            ctx["Viewports"] = json.loads(json.dumps(self.profile.viewports))
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

    def user_event(self, arguments: list[Any], token: str, source_id: str) -> JSON:
        """A touch on an APL screen: the Alexa.Presentation.APL.UserEvent a SendEvent command sends.

        Only a device that renders APL for this skill can send one.
        """
        if not self.listener.renders_apl:
            raise UndeclaredInterfaceError(
                f"a {self.listener.device} shows no APL for this manifest: nothing to touch"
            )
        request = _request("Alexa.Presentation.APL.UserEvent", self.listener.locale)
        request["token"] = token
        request["arguments"] = list(arguments)
        request["source"] = {"type": "TouchWrapper", "handler": "Press", "id": source_id}
        request["components"] = {}
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


def can_fulfill_request(
    listener: Listener, name: str, slots: Mapping[str, str] | None = None
) -> JSON:
    """The CanFulfillIntentRequest Alexa sends before routing a name-free request to a skill.

    Shaped as Amazon documents it: a new session with no attributes, a context
    with System only and an empty supportedInterfaces, and slots carrying the
    name and spoken value (no entity resolutions). Alexa sends it only to skills
    whose manifest declares CAN_FULFILL_INTENT_REQUEST.
    """
    if CAN_FULFILL not in listener.declared:
        raise UndeclaredInterfaceError(f"the manifest does not declare {CAN_FULFILL}")
    application = {"applicationId": listener.skill_id}
    user = {"userId": listener.user_id}
    return {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": application,
            "attributes": {},
            "user": user,
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {"supportedInterfaces": {}},
            }
        },
        "request": {
            "type": "CanFulfillIntentRequest",
            "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "intent": {
                "name": name,
                "slots": {
                    slot: {"name": slot, "value": value} for slot, value in (slots or {}).items()
                },
            },
            "locale": listener.locale,
            "timestamp": timestamp(),
        },
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


def skill_disabled_event(listener: Listener, created: datetime | None = None) -> JSON:
    """The AlexaSkillEvent.SkillDisabled event Alexa sends when a listener disables the skill.

    ``created``: when the listener disabled it (default now); Alexa may deliver
    the event later, and a replay of it is valid for an hour.
    """
    return {
        "version": "1.0",
        "context": listener.context(),
        "request": {
            "type": "AlexaSkillEvent.SkillDisabled",
            "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": timestamp(),
            "locale": listener.locale,
            "eventCreationTime": timestamp(created),
            "eventPublishingTime": timestamp(created),
            "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"},
        },
    }
