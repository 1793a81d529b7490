"""Reading a turn's SSML aloud with espeak-ng, offline, when it is installed."""

from __future__ import annotations

import shutil
import subprocess
from typing import Final

#: espeak-ng voices for the skill's languages
VOICES: Final = {"en-US": "en-us", "en-GB": "en-gb", "en-IN": "en-gb", "en-AU": "en-gb"}
INSTALL_NOTE: Final = (
    "espeak-ng is not installed, so speech cannot play: sudo apt-get install espeak-ng"
)


def available() -> bool:
    return shutil.which("espeak-ng") is not None


def voice_for(locale: str) -> str:
    if locale in VOICES:
        return VOICES[locale]
    return {"en": "en-us", "es": "es", "de": "de"}.get(locale.split("-", maxsplit=1)[0], "en-us")


def speak(ssml: str, locale: str) -> bytes:
    """A WAV of the SSML as espeak-ng reads it (``-m``: SSML markup)."""
    program = shutil.which("espeak-ng")
    if program is None:
        raise RuntimeError(INSTALL_NOTE)
    command = [program, "-m", "--stdout", "-v", voice_for(locale), "-s", "150"]
    proc = subprocess.run(  # noqa: S603 - a fixed program; the SSML goes in on stdin
        command, input=ssml.encode(), capture_output=True, timeout=30, check=False
    )
    if proc.returncode != 0 or not proc.stdout.startswith(b"RIFF"):
        raise RuntimeError(f"espeak-ng failed: {proc.stderr.decode(errors='replace')[:200]}")
    return proc.stdout
