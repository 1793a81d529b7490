"""``python -m skill_tools.dialog``: see skill_tools.dialog.cli."""

import sys

from skill_tools.dialog.cli import main

sys.exit(main())
