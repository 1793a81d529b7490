"""Check that JSON files parse: ``python -m skill_tools.json_check FILE...`` (the pre-commit hook).

A locale, interaction model or APL document that does not parse breaks the skill or the
deploy far from the edit that broke it; this names the file, line and column at once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def problems(paths: list[str]) -> list[str]:
    """One line per file that is not valid UTF-8 JSON."""
    found = []
    for name in paths:
        try:
            json.loads(Path(name).read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            found.append(f"{name}:{error.lineno}:{error.colno}: {error.msg}")
        except (OSError, UnicodeDecodeError) as error:
            found.append(f"{name}: {error}")
    return found


def main(argv: list[str] | None = None) -> int:
    found = problems(sys.argv[1:] if argv is None else argv)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
