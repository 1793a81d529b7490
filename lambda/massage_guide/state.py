"""Conversation state, kept in session attributes and validated whenever it is read.

Session attributes come back from the Alexa service (and, in tests, from
anywhere), so every field is checked on the way in: a wrong type, an unknown
benefit id or an out-of-range position falls back to a safe default instead of
crashing a handler.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final, Literal, get_args

from massage_guide.speech import is_own_body

STATE_KEY: Final = "conversation"
LENGTHS: Final = ("brief", "detailed")
PACES: Final = ("normal", "slow")
MAX_VISITS: Final = 1_000_000
MAX_VARIED_PROMPTS: Final = 32
MAX_VARIANT: Final = 99
OFFERS: Final = ("offer", "detail")
"""Questions whose "yes" plays a benefit named in ``offered``."""

REMEMBERED: Final = ("benefit", "tour", "length", "pace", "visits")
"""The only conversation fields ever stored between sessions: progress, last benefit,
preferences, visit count (the stores keep nothing else; see stores/base.py)."""
PREFERENCES: Final[dict[str, tuple[str, ...]]] = {"length": LENGTHS, "pace": PACES}
"""The listening preferences a listener can set, with the choices each allows."""

Pending = Literal["tour_next", "resume", "forget", "offer", "detail", "overview", "after_warning"]
PENDING_VALUES: Final[tuple[str, ...]] = get_args(Pending)


@dataclass
class ConversationState:
    """Where the listener is, what the skill last said, and how they like to listen.

    ``tour`` is the index of the benefit the guided tour last played (None when no
    tour has started); ``benefit`` is the benefit being discussed, for "tell me
    more"; ``pending`` is the yes/no question the skill is waiting on, with
    ``offered`` naming the benefit a "yes" would play (its summary for "offer", its
    detail for "detail"; "overview" offers the overview; "after_warning" follows a warning
    sign, when no "yes" or "next" may lead back into the benefits). ``variants`` remembers which
    variant of each varied prompt was said last, so the next one differs.
    """

    benefit: str | None = None
    tour: int | None = None
    pending: Pending | None = None
    offered: str | None = None
    last_speech: str | None = None
    last_reprompt: str | None = None
    length: str = "brief"
    pace: str = "normal"
    visits: int = 0
    variants: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_attributes(cls, attributes: object, benefit_ids: tuple[str, ...]) -> ConversationState:
        """Read state from session attributes, keeping only values that make sense."""
        raw = attributes.get(STATE_KEY) if isinstance(attributes, Mapping) else None
        if not isinstance(raw, Mapping):
            return cls()
        state = cls()
        state.benefit = _choice(raw.get("benefit"), benefit_ids)
        tour = raw.get("tour")
        if isinstance(tour, int) and not isinstance(tour, bool) and 0 <= tour < len(benefit_ids):
            state.tour = tour
        state.pending = _choice(raw.get("pending"), PENDING_VALUES)
        state.offered = _choice(raw.get("offered"), benefit_ids)
        if state.pending in OFFERS and state.offered is None:
            state.pending = None
        state.last_speech = _ssml(raw.get("last_speech"))
        state.last_reprompt = _ssml(raw.get("last_reprompt"))
        state.length = _choice(raw.get("length"), LENGTHS) or "brief"
        state.pace = _choice(raw.get("pace"), PACES) or "normal"
        visits = raw.get("visits")
        if isinstance(visits, int) and not isinstance(visits, bool) and 0 <= visits <= MAX_VISITS:
            state.visits = visits
        state.variants = _variants(raw.get("variants"))
        return state

    def to_attributes(self) -> dict[str, Any]:
        """The JSON-safe form stored in session attributes."""
        data: dict[str, Any] = {
            "benefit": self.benefit,
            "tour": self.tour,
            "pending": self.pending,
            "offered": self.offered,
            "last_speech": self.last_speech,
            "last_reprompt": self.last_reprompt,
            "length": self.length,
            "pace": self.pace,
            "visits": self.visits,
            "variants": dict(self.variants) or None,
        }
        return {key: value for key, value in data.items() if value is not None}

    # --- the transitions handlers make; each keeps the state's rules ---------------------

    def ask(self, question: Pending | None, offered: str | None = None) -> None:
        """Wait on ``question`` (None: on nothing). ``offered`` goes only with an offer question,
        which needs one: it names the benefit a "yes" plays."""
        if question in OFFERS and offered is None:
            raise ValueError(f"the {question!r} question needs the benefit it offers")
        self.pending = question
        self.offered = offered if question in OFFERS else None

    def discuss(self, benefit_id: str) -> None:
        """The listener is now hearing about ``benefit_id`` ("tell me more" goes deeper into it)."""
        self.benefit = benefit_id

    def move_tour(self, index: int, benefit_id: str) -> None:
        """The guided tour plays its benefit ``index``, which is also the one discussed."""
        if index < 0:
            raise ValueError(f"no tour position {index}")
        self.tour = index
        self.discuss(benefit_id)

    def prefer(self, preference: str, choice: str) -> None:
        """Set a listening preference ("length" or "pace") to one of its choices."""
        if choice not in PREFERENCES.get(preference, ()):
            raise ValueError(f"{choice!r} is not a choice of {preference!r}")
        setattr(self, preference, choice)

    def said(self, speech: str, reprompt: str) -> None:
        """What the skill said and will reprompt with, for "repeat"."""
        self.last_speech = speech
        self.last_reprompt = reprompt

    def next_variant(self, key: str, count: int) -> int:
        """Which of ``count`` ways to say prompt ``key`` comes now, remembered for next time:
        the first in a session depends on the visit count, later ones rotate."""
        last = self.variants.get(key)
        chosen = self.visits % count if last is None else (last + 1) % count
        if count > 1:
            self.variants[key] = chosen
        return chosen

    def reset(self) -> None:
        """Back to a first visit's state: nothing discussed, asked or preferred."""
        fresh = ConversationState()
        for each in fields(self):
            setattr(self, each.name, getattr(fresh, each.name))

    def remembered(self) -> dict[str, Any]:
        """The part of the conversation worth keeping between sessions (see REMEMBERED)."""
        data = self.to_attributes()
        return {name: data[name] for name in REMEMBERED if name in data}

    def recall(self, known: ConversationState, present: set[str]) -> None:
        """Take remembered progress and preferences the session does not carry itself
        (``present``), and count this session as one more visit."""
        for name in REMEMBERED:
            if name != "visits" and name not in present:
                setattr(self, name, getattr(known, name))
        self.visits = min(MAX_VISITS, max(self.visits, known.visits + 1))


def _choice(value: object, allowed: tuple[str, ...]) -> Any:
    return value if isinstance(value, str) and value in allowed else None


def _variants(value: object) -> dict[str, int]:
    """Last-used variant per prompt key, dropping anything that is not a small count."""
    if not isinstance(value, Mapping) or len(value) > MAX_VARIED_PROMPTS:
        return {}
    return {
        key: index
        for key, index in value.items()
        if isinstance(key, str)
        and len(key) <= 40
        and isinstance(index, int)
        and not isinstance(index, bool)
        and 0 <= index <= MAX_VARIANT
    }


def _ssml(value: object) -> str | None:
    """Only replay speech the skill itself could have produced: its own SSML, ending on the
    question every turn that keeps the microphone open ends with."""
    if not isinstance(value, str) or not is_own_body(value):
        return None
    return value if value.rstrip().endswith("?") else None
