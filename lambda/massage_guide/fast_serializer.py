"""The SDK's serializer, minus its per-request overhead, with the SDK's own path as the fallback.

ask_sdk_core's ``DefaultSerializer`` re-reads each model class's type table on
every object, matches ``list[...]``/``dict(...)`` type strings with regular
expressions and re-imports classes by name each time, parses timestamps with
``dateutil`` (a slow import on the first request), and the Lambda wrapper
first turns the event back into a JSON string only to parse it again. Reading
a request was most of a warm request's time.

:class:`FastSerializer` compiles each type string once into a small reader
function and builds the same model objects straight from the event dict.
It accepts only the plain, well-formed case: anything unusual (a value of an
unexpected JSON type, an unknown enum value or request type, a timestamp
that is not plain ISO 8601, a non-JSON value) raises :class:`UnsupportedInputError`
internally and the whole envelope is read again by the SDK's own serializer,
exactly as before, so odd input is accepted or refused as it always was.

Three things neither path lets through, because they break the SDK or the
answer later (an :class:`UnreadableRequestError`, which the web service turns
into a 400 and Lambda into a spoken apology): JSON nested more than
:data:`MAX_NESTING` levels (the SDK deep-copies session attributes and runs out
of stack long before the JSON parser does), non-finite numbers (``1e999``
parses as infinity, which no JSON answer may carry), and keys starting with
``__`` (``__class__``, ``__dict__``: the SDK would set them on a model object,
failing or replacing the object itself). The fast path, which reads every
envelope Alexa sends, also refuses an unknown key on a model that is private or
names one of the model's own attributes or Python field names (``to_dict``,
``dialog_state``), which the SDK would set over them; unknown plain field names
are still kept, as the SDK keeps them, since Alexa adds fields. The response
side refuses non-finite numbers too, so no answer carries one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any, Final

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

Reader = Callable[[Any], Any]
log = logging.getLogger(__name__)

_LIST: Final = re.compile(r"list\[(.*)\]")
_DICT: Final = re.compile(r"dict\(([^,]*), (.*)\)")
_ISO_TIMESTAMP: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?"
)
_PRIMITIVES: Final = {"str": str, "int": int, "long": int, "float": float, "bool": bool}
_SERIALIZED_AS_IS: Final = (float, bool, bytes, str, int)
CHECKED_AGAINST: Final = {
    "ask-sdk-core": "1.19.0",
    "ask-sdk-model": "1.82.0",
    "ask-sdk-runtime": "1.19.0",
}
"""The SDK versions this serializer was checked against, answer for answer
(tests/test_fast_serializer.py). Another pin means checking it again: the model classes'
type tables, the enum values and what ``DefaultSerializer`` accepts may all have moved."""
MAX_NESTING: Final = 64
"""Deepest JSON a request may carry; Alexa's envelopes and this skill's attributes use under 10."""


class WireJson(dict[str, Any]):
    """A JSON object already in the form it is sent in (an APL document read from its file).

    :meth:`FastSerializer.serialize` hands it on as it is instead of walking it
    again on every answer: a screen's document is most of an answer's bytes.
    Shared between answers, so nothing may change it after it is built.
    """

    __slots__ = ()


class UnsupportedInputError(Exception):
    """The fast path does not handle this input; the SDK's serializer will."""


class UnreadableRequestError(SerializationException):
    """A request neither path may read (see the module docstring); the message is a fixed label."""


def _finite(number: float) -> bool:
    """False for inf, -inf and nan (inf - inf and nan - nan are nan), without importing math."""
    return number - number == 0.0


def _copy_json(value: Any, depth: int = 0) -> Any:
    """A copy of a JSON value, as the SDK's JSON round trip would give; non-JSON values declined.

    Refuses what no path may read: nesting past MAX_NESTING, non-finite numbers
    and keys starting with ``__``.
    """
    kind = type(value)
    if kind is dict or kind is list:
        if depth >= MAX_NESTING:
            raise UnreadableRequestError("nested too deeply")
        if kind is list:
            return [_copy_json(item, depth + 1) for item in value]
        copied = {}
        for key, item in value.items():
            if type(key) is not str:
                raise UnsupportedInputError("key")  # json.dumps would have renamed it
            if key.startswith("__"):
                raise UnreadableRequestError("reserved key")
            copied[key] = _copy_json(item, depth + 1)
        return copied
    if kind is float and not _finite(value):
        raise UnreadableRequestError("non-finite number")
    if kind in (str, int, float, bool) or value is None:
        return value
    raise UnsupportedInputError(kind.__name__)


def _primitive(expected: type) -> Reader:
    def read(value: Any) -> Any:
        if type(value) is expected:
            return value
        try:  # the SDK's coercions, exactly: float(160) for a float field, str(5) for a str one
            return expected(value)
        except TypeError:
            return value
        except (ValueError, OverflowError):
            raise UnsupportedInputError(expected.__name__) from None

    def read_finite(value: Any) -> Any:
        number = read(value)
        if type(number) is float and not _finite(number):
            raise UnreadableRequestError("non-finite number")
        return number

    return read_finite if expected is float else read


def _read_timestamp(value: Any) -> datetime:
    if type(value) is str and _ISO_TIMESTAMP.fullmatch(value):
        try:
            return datetime.fromisoformat(value)  # same instant dateutil would give
        except ValueError:
            pass  # e.g. February 30th: dateutil decides
    raise UnsupportedInputError("timestamp")


def _enum(cls: type[Enum]) -> Reader:
    def read(value: Any) -> Any:
        try:
            return cls(value)
        except ValueError:
            raise UnsupportedInputError(cls.__name__) from None

    return read


def _list(item: Reader) -> Reader:
    def read(value: Any) -> Any:
        if type(value) is not list:
            raise UnsupportedInputError("list")
        return [None if element is None else item(element) for element in value]

    return read


def _dict(item: Reader) -> Reader:
    def read(value: Any) -> Any:
        if type(value) is not dict:
            raise UnsupportedInputError("dict")
        if any(type(key) is str and key.startswith("__") for key in value):
            raise UnreadableRequestError("reserved key")
        return {key: None if element is None else item(element) for key, element in value.items()}

    return read


def _load_class(name: str) -> type:
    """A model class by its dotted name, as the SDK resolves it."""
    module_name, _, class_name = name.rpartition(".")
    if not module_name:
        raise UnsupportedInputError(name)
    try:
        module = sys.modules.get(module_name) or __import__(module_name, fromlist=[class_name])
        found: type = getattr(module, class_name)
    except (ImportError, AttributeError):
        raise UnsupportedInputError(name) from None
    return found


class _ModelReader:
    """Reads one model class: fields in the SDK's order, subclass chosen by the discriminator."""

    def __init__(self, codec: _Codec, cls: type) -> None:
        self.codec = codec
        self.cls = cls
        self.polymorphic = hasattr(cls, "get_real_child_model")
        self._fields: list[tuple[str, str, Reader]] | None = None
        self._keys: frozenset[str] = frozenset()
        self._names: frozenset[str] = frozenset()

    def fields(self) -> list[tuple[str, str, Reader]]:
        if self._fields is None:
            names = self.cls.deserialized_types  # type: ignore[attr-defined]
            mapping = getattr(self.cls, "attribute_map", {})
            self._fields = [
                (name, mapping.get(name, name), self.codec.reader(spec))
                for name, spec in names.items()
            ]
            self._keys = frozenset(key for _, key, _ in self._fields)
            self._names = frozenset(names)
        return self._fields

    def _extra_field_allowed(self, key: str) -> bool:
        """An unknown key may become an attribute only if it cannot reach into the model."""
        return not (key.startswith("_") or key in self._names or hasattr(self.cls, key))

    def __call__(self, value: Any) -> Any:
        if type(value) is not dict:
            raise UnsupportedInputError(self.cls.__name__)
        model_reader = self
        if self.polymorphic:
            try:
                child = self.cls.get_real_child_model(value)  # type: ignore[attr-defined]
            except (KeyError, TypeError):
                raise UnsupportedInputError("discriminator") from None
            if not child:
                raise UnsupportedInputError("discriminator")
            model_reader = self.codec.model(_load_class(child))
        return model_reader.build(value)

    def build(self, value: dict[str, Any]) -> Any:
        model = self.cls()
        matched = 0
        for name, key, read in self.fields():
            if key in value:
                matched += 1
                item = value[key]
                setattr(model, name, None if item is None else read(item))
        if matched < len(value):
            # Fields this SDK version does not know are kept under their JSON name, as the SDK does.
            for key, item in value.items():
                if key not in self._keys:
                    if not self._extra_field_allowed(key):
                        raise UnreadableRequestError("field name not allowed")
                    setattr(model, key, _copy_json(item))
        return model


class _Codec:
    """Type string -> reader, compiled once per process."""

    def __init__(self) -> None:
        self._readers: dict[str, Reader] = {}
        self._models: dict[type, _ModelReader] = {}

    def model(self, cls: type) -> _ModelReader:
        found = self._models.get(cls)
        if found is None:
            found = self._models[cls] = _ModelReader(self, cls)
        return found

    def reader(self, spec: str) -> Reader:
        found = self._readers.get(spec)
        if found is None:
            found = self._readers[spec] = self._compile(spec)
        return found

    def _compile(self, spec: str) -> Reader:
        if spec.startswith("list["):
            match = _LIST.match(spec)
            if match is None or "," in match.group(1):
                raise UnsupportedInputError(spec)
            return _list(self._lazy(match.group(1).strip()))
        if spec.startswith("dict("):
            match = _DICT.match(spec)
            if match is None:
                raise UnsupportedInputError(spec)
            return _dict(self._lazy(match.group(2)))
        if spec in _PRIMITIVES:
            return _primitive(_PRIMITIVES[spec])
        if spec == "object":
            return _copy_json
        if spec == "datetime":
            return _read_timestamp
        if spec == "date":
            return _unsupported
        return self._lazy(spec)

    def _lazy(self, spec: str) -> Reader:
        """Resolve a class name only when a value of that type first appears (no eager imports)."""
        resolved: list[Reader] = []

        def read(value: Any) -> Any:
            if not resolved:
                resolved.append(self._resolve(spec))
            return resolved[0](value)

        return read

    def _resolve(self, spec: str) -> Reader:
        if spec in _PRIMITIVES or spec in {"object", "datetime", "date"} or "[" in spec:
            return self.reader(spec)
        if spec.startswith("dict("):
            return self.reader(spec)
        cls = _load_class(spec)
        if isinstance(cls, type) and issubclass(cls, Enum):
            return _enum(cls)
        if not hasattr(cls, "deserialized_types"):
            raise UnsupportedInputError(spec)
        return self.model(cls)


def _unsupported(value: Any) -> Any:
    raise UnsupportedInputError("date")


def session_end_with_unknown_values(event: Any) -> dict[str, Any] | None:
    """A SessionEndedRequest with a reason or error type newer than the SDK's model, made readable.

    Alexa adds reasons and error types over time; the SDK's enums refuse them.
    The values are logged as they came (they identify no one) and replaced by
    the generic ERROR, so the session-end handler and memory still run.
    """
    request = event.get("request") if isinstance(event, dict) else None
    if not isinstance(request, dict) or request.get("type") != "SessionEndedRequest":
        return None
    error = request.get("error")
    error_type = error.get("type") if isinstance(error, dict) else None
    log.info(
        "session ended with values the SDK does not know: reason=%.40s error=%.40s",
        _printable(request.get("reason")),
        _printable(error_type),
    )
    readable = {**request, "reason": "ERROR"}
    readable.pop("error", None)
    return {**event, "request": readable}


def _printable(value: object) -> str:
    return "".join(c for c in str(value) if c.isalnum() or c in "_.-")


class FastSerializer(DefaultSerializer):
    """``DefaultSerializer`` with compiled readers and cached class tables; same output."""

    def __init__(self) -> None:
        super().__init__()
        self._codec = _Codec()
        self._envelope = self._codec.model(RequestEnvelope)
        self._attributes: dict[type, tuple[tuple[str, str], ...]] = {}

    def read_request_envelope(self, event: Any) -> RequestEnvelope:
        """A RequestEnvelope straight from the decoded event, without a JSON round trip.

        Anything the fast path declines goes through ``json.dumps`` and the
        SDK's ``deserialize``, which is what the Lambda wrapper always did; a
        session end with values newer than the SDK's enums is then made readable.
        """
        try:
            try:
                envelope: RequestEnvelope = self._envelope(event)
            except UnsupportedInputError:
                pass
            else:
                return envelope
            # The SDK copies and sets whatever it is given: refuse first what it must not see.
            # (A value that is not JSON at all is left for the SDK to refuse as it always has.)
            with contextlib.suppress(UnsupportedInputError):
                _copy_json(event)
            return self._sdk_read(event)
        except RecursionError:
            # A recursive model (a list slot value holds slot values) nested past the stack.
            raise UnreadableRequestError("nested too deeply") from None

    def _sdk_read(self, event: Any) -> RequestEnvelope:
        try:
            envelope: RequestEnvelope = super().deserialize(
                payload=json.dumps(event), obj_type=RequestEnvelope
            )
            return envelope
        except SerializationException:
            readable = session_end_with_unknown_values(event)
            if readable is None:
                raise
            recovered: RequestEnvelope = super().deserialize(
                payload=json.dumps(readable), obj_type=RequestEnvelope
            )
            return recovered

    def deserialize(self, payload: str | None, obj_type: Any) -> Any:
        """The SDK contract (a JSON string in), used by flask-ask-sdk; envelopes as above."""
        if obj_type is RequestEnvelope and payload is not None:
            try:
                event = json.loads(payload)
            except ValueError:
                pass  # the SDK reads it again and raises its own SerializationException
            else:
                return self.read_request_envelope(event)
        return super().deserialize(payload, obj_type)

    def serialize(self, obj: Any) -> Any:
        """Same result as ``DefaultSerializer.serialize``, with each class's field table cached."""
        kind = type(obj)
        if obj is None or kind is str or kind is bool or kind is int:
            return obj
        if kind is float:
            if not _finite(obj):
                raise ValueError("a non-finite number cannot be sent as JSON")
            return obj
        if kind is dict:
            return {key: self.serialize(value) for key, value in obj.items()}
        if kind is WireJson:
            return obj
        attributes = self._attributes.get(kind)
        if attributes is not None:
            return self._serialize_fields(obj, attributes)
        return self._serialize_other(obj)

    def _serialize_fields(self, obj: Any, attributes: tuple[tuple[str, str], ...]) -> Any:
        """A model's set fields, under their JSON names."""
        out = {}
        for name, key in attributes:
            value = getattr(obj, name)
            if value is not None:
                out[key] = self.serialize(value)
        return out

    def _serialize_other(self, obj: Any) -> Any:
        if isinstance(obj, float):  # a float subclass: same rule as a float
            return self.serialize(float(obj))
        if isinstance(obj, _SERIALIZED_AS_IS):
            return obj
        if isinstance(obj, list):
            return [self.serialize(item) for item in obj]
        if isinstance(obj, tuple):
            return tuple(self.serialize(item) for item in obj)
        if isinstance(obj, (datetime, date)):
            return obj.isoformat()
        if isinstance(obj, Enum):
            return obj.value
        decimal = sys.modules.get("decimal")  # a Decimal exists only if decimal was imported
        if decimal is not None and isinstance(obj, decimal.Decimal):
            return int(obj) if obj % 1 == 0 else float(obj)
        if isinstance(obj, dict):
            return {key: self.serialize(value) for key, value in obj.items()}
        # A model: the fields named in deserialized_types, under their JSON names, when set.
        names = obj.deserialized_types
        mapping = getattr(obj, "attribute_map", {})
        attributes = tuple((name, mapping.get(name, name)) for name in names)
        if hasattr(type(obj), "deserialized_types"):
            self._attributes[type(obj)] = attributes
        return self._serialize_fields(obj, attributes)
