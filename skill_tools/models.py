"""Keep the interaction models of one language in step: ``python -m skill_tools.models``.

A language is written once, in its source locale, and its other locales are
copies (English: en-US for en-GB, en-CA, en-AU and en-IN; Spanish: es-MX for
es-US). Spain's Spanish (es-ES) is a model of its own, kept structurally equal
by the tests. Run this after editing a source model; tests/test_interaction_model.py
fails while a copy is out of step.
"""

from __future__ import annotations

import sys
from typing import Final

from skill_tools.paths import REPO_ROOT

MODELS: Final = REPO_ROOT / "interaction_models"
COPIES: Final = {
    "en-US": ("en-GB", "en-CA", "en-AU", "en-IN"),
    "es-MX": ("es-US",),
}
"""Source locale -> the locales whose model is the same file."""


def out_of_step() -> list[str]:
    """Locales whose model differs from its source (missing sources are skipped)."""
    stale = []
    for source, copies in COPIES.items():
        if not (MODELS / f"{source}.json").is_file():
            continue
        wanted = (MODELS / f"{source}.json").read_bytes()
        for locale in copies:
            path = MODELS / f"{locale}.json"
            if not path.is_file() or path.read_bytes() != wanted:
                stale.append(locale)
    return stale


def sync() -> list[str]:
    """Copy each source model over its copies; the locales written."""
    written = out_of_step()
    for source, copies in COPIES.items():
        for locale in copies:
            if locale in written:
                (MODELS / f"{locale}.json").write_bytes((MODELS / f"{source}.json").read_bytes())
    return written


def main() -> int:
    written = sync()
    print(f"models: wrote {', '.join(written)}" if written else "models: all in step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
