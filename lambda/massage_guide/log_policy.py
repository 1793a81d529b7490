"""What the skill may write to its logs: levels from LOG_LEVEL, and failures without their words.

Exception messages can quote request data (the SDK's own quote whole payloads),
and request data contains user ids. Failures are therefore logged as their type
and stack frames only: enough to find the bug, nothing about the listener.
"""

from __future__ import annotations

import logging
import traceback


def configure(level_name: str = "INFO") -> None:
    """Set the skill's log level (LOG_LEVEL, read by SkillConfig); Lambda's root logger warns."""
    level = logging.getLevelName(level_name.strip().upper())
    logging.getLogger("massage_guide").setLevel(level if isinstance(level, int) else logging.INFO)


def withheld_traceback(error: BaseException) -> str:
    """The stack frames and exception type of ``error``, without its message."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    kind = type(error)
    return f"Traceback (exception message withheld):\n{frames}{kind.__module__}.{kind.__qualname__}"


def log_failure(logger: logging.Logger, what: str, error: BaseException) -> None:
    """Log that ``what`` failed, with the frames but never the exception's message."""
    logger.error("%s: %s\n%s", what, type(error).__name__, withheld_traceback(error))
