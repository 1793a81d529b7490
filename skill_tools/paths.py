"""Where the repository's parts are, named once for the tools, benchmarks and tests.

Not for ``lambda/``: the skill never looks outside its own folder, and nothing
here ships to Lambda.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
LAMBDA_DIR: Final = REPO_ROOT / "lambda"
"""What ships to Lambda: lambda_function.py and the massage_guide package (the task root)."""
DIST: Final = REPO_ROOT / "dist"
"""What `make package` writes: lambda.zip (skill-package/ is committed at the root)."""
