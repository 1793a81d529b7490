"""Talk to the skill in a terminal, like `ask dialog`, with no AWS account.

    python -m skill_tools.dialog                       # interactive (make run)
    python -m skill_tools.dialog --replay turns.json   # an ASK CLI replay file
    python -m skill_tools.dialog --replay turns.json --json

The rooms: ``resolver`` (typed words to intents and slots, from our own
interaction model, with ``phrases``), ``simulator`` (the device and the Alexa
service: ``LocalDialog``), ``turns`` (one exchange as the listener hears it),
``transcript`` (playing lines and printing turns), ``replay`` (ASK CLI replay
files) and ``cli`` (the command).
"""

from skill_tools.dialog.replay import Replay, ReplayError, load_replay
from skill_tools.dialog.simulator import LocalDialog
from skill_tools.dialog.turns import Card, Turn, ssml_to_text

__all__ = ["Card", "LocalDialog", "Replay", "ReplayError", "Turn", "load_replay", "ssml_to_text"]
