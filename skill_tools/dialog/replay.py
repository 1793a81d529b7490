"""ASK CLI replay files: the utterances ``ask dialog --replay`` would play, as a list."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


class ReplayError(ValueError):
    """A replay file we cannot run, with a message fit for the user."""


@dataclass(frozen=True)
class Replay:
    skill_id: str | None
    locale: str | None
    inputs: list[str]


def load_replay(path: str | Path) -> Replay:
    """Read an ASK CLI replay file: {"skillId", "locale", "type": "text", "userInput": [...]}."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReplayError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ReplayError(f"{path}: cannot read it ({error})") from None
    except json.JSONDecodeError as error:
        raise ReplayError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise ReplayError(f"{path}: expected a JSON object with a userInput list")
    inputs = data.get("userInput")
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        raise ReplayError(f"{path}: userInput must be a list of strings")
    if not inputs:
        raise ReplayError(f"{path}: userInput is empty")
    if data.get("type", "text") != "text":
        raise ReplayError(f"{path}: only replay files of type 'text' are supported")
    for key in ("skillId", "locale"):
        if key in data and not isinstance(data[key], str):
            raise ReplayError(f"{path}: {key} must be a string")
    return Replay(data.get("skillId") or None, data.get("locale") or None, inputs)
