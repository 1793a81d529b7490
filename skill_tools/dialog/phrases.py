"""How people say things to Alexa, as data: built-in phrases, launch words, word forms.

``normalise`` is the one way samples, slot values and typed text are put into
the same form before the resolver compares them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Phrases Amazon's built-in intents understand without any samples. Only the
# built-ins a model declares are ever used, and a model's own samples for them
# are added to these, as Alexa does.
BUILT_IN_PHRASES: Mapping[str, tuple[str, ...]] = {
    "AMAZON.HelpIntent": ("help", "help me", "i need help", "can you help me", "what can i do"),
    "AMAZON.StopIntent": ("stop", "stop it", "off", "shut up", "be quiet", "enough", "goodbye"),
    "AMAZON.CancelIntent": ("cancel", "never mind", "nevermind", "forget it", "cancel that"),
    "AMAZON.NextIntent": ("next", "next one", "the next one", "skip", "skip this", "skip it"),
    "AMAZON.PreviousIntent": (
        "previous",
        "previous one",
        "the previous one",
        "go back",
        "back",
        "last one",
        "the last one",
        "back up",
    ),
    "AMAZON.RepeatIntent": ("repeat", "repeat that", "say that again", "again", "once more"),
    "AMAZON.StartOverIntent": ("start over", "restart", "start again", "from the beginning"),
    "AMAZON.YesIntent": (
        "yes",
        "yeah",
        "yep",
        "yup",
        "sure",
        "ok",
        "okay",
        "yes please",
        "of course",
        "please do",
        "alright",
        "go ahead",
    ),
    "AMAZON.NoIntent": ("no", "nope", "nah", "no thanks", "no thank you", "not now", "not really"),
    "AMAZON.NavigateHomeIntent": ("home", "go home", "main menu"),
}

# Words that start a session: "open back massage guide" and friends.
LAUNCH_VERBS = ("open", "launch", "start", "begin", "load", "run", "play", "use", "talk to")
# Words that hand the rest of the sentence to the skill: "ask back massage guide ...".
ONE_SHOT_VERBS = ("ask", "tell")
# Words Alexa allows between the invocation name and the request.
CONNECTORS = ("to", "about", "for", "whether", "if", "that", "and")

_CONTRACTIONS = {
    "i'm": "i am",
    "i've": "i have",
    "i'd": "i would",
    "i'll": "i will",
    "you're": "you are",
    "you've": "you have",
    "you'd": "you would",
    "you'll": "you will",
    "we're": "we are",
    "we've": "we have",
    "they're": "they are",
    "let's": "let us",
    "can't": "cannot",
    "won't": "will not",
    "shan't": "shall not",
    "ain't": "is not",
    # Typed without the apostrophe, as people do at a keyboard (Alexa's speech recogniser
    # writes them with it).
    "im": "i am",
    "ive": "i have",
    "cant": "cannot",
    "dont": "do not",
    "doesnt": "does not",
    "wont": "will not",
    "isnt": "is not",
}
_IS_WORDS = (
    "it",
    "that",
    "what",
    "there",
    "here",
    "who",
    "how",
    "where",
    "when",
    "why",
    "he",
    "she",
)
_NUMBERS = {
    "0": "zero",
    "1": "one",
    "2": "two",
    "3": "three",
    "4": "four",
    "5": "five",
    "6": "six",
    "7": "seven",
    "8": "eight",
    "9": "nine",
    "10": "ten",
}
# Words a slot value may be said with: "my posture" is still the posture value.
ARTICLES = ("the", "a", "an", "my", "some", "your")


def normalise(text: str) -> str:
    """Lower case, contractions expanded, punctuation gone, single spaces.

    Samples, slot values and what the user types all go through this one
    function, so "I'm", "i am" and "I’m" meet in the middle.
    """
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    words = []
    for word in re.split(r"\s+", text):
        core = word.strip('.,!?;:"()[]')
        if core in _CONTRACTIONS:
            words.append(_CONTRACTIONS[core])
        elif core.endswith("n't"):
            words.append(core[:-3] + " not")
        elif core.endswith("'s") and core[:-2] in _IS_WORDS:
            words.append(core[:-2] + " is")
        elif core.endswith(("'re", "'ll", "'ve")):
            tail = {"'re": " are", "'ll": " will", "'ve": " have"}[core[-3:]]
            words.append(core[:-3] + tail)
        else:
            words.append(word)
    text = " ".join(words).replace("'", "")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    return " ".join(_NUMBERS.get(w, w) for w in text.split())
