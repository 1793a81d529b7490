"""The locales the skill is published in, read from the manifest: every per-locale test uses these.

Adding a locale to skill.json (with its interaction model, content and test
phrases) is what puts it under test; nothing here lists languages by hand.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from skill_tools.paths import REPO_ROOT

MANIFEST = json.loads((REPO_ROOT / "skill.json").read_text(encoding="utf-8"))["manifest"]
LOCALES: tuple[str, ...] = tuple(sorted(MANIFEST["publishingInformation"]["locales"]))
LANGUAGES: tuple[str, ...] = tuple(sorted({locale.split("-")[0] for locale in LOCALES}))
PHRASES_DIR = REPO_ROOT / "tests" / "phrases"


def language(locale: str) -> str:
    return locale.split("-", maxsplit=1)[0]


@cache
def phrases(language_or_locale: str) -> dict[str, Any]:
    """What listeners of a language say, for the tests (tests/phrases/<language>.json)."""
    with (PHRASES_DIR / f"{language(language_or_locale)}.json").open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def model_path(locale: str) -> Any:
    return REPO_ROOT / "interaction_models" / f"{locale}.json"


@cache
def language_model(locale: str) -> dict[str, Any]:
    data = json.loads(model_path(locale).read_text(encoding="utf-8"))
    model: dict[str, Any] = data["interactionModel"]["languageModel"]
    return model
