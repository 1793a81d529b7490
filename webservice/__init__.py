"""The Back Massage Guide skill hosted as a web service (Flask + flask-ask-sdk).

Importing the package puts the repo's ``lambda/`` directory on ``sys.path`` so
that the very skill package that ships to Lambda (``massage_guide``) is the one
served here: one skill, two hostings. Everything else lives in submodules:
``settings`` (environment), ``verify`` (the Alexa request checks), ``app`` (the
Flask factory), ``wsgi`` (the gunicorn entry) and ``__main__`` (``make serve``).
"""

from __future__ import annotations

import sys
from pathlib import Path

LAMBDA_DIR = Path(__file__).resolve().parent.parent / "lambda"

if str(LAMBDA_DIR) not in sys.path:
    sys.path.append(str(LAMBDA_DIR))
