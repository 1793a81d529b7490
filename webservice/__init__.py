"""The Back Massage Guide skill hosted as a web service (Flask + flask-ask-sdk).

The very skill package that ships to Lambda (``massage_guide``, importable
through the venv's path file: see the README's Layout) is the one served here:
one skill, two hostings. The submodules: ``settings`` (environment),
``verify`` (the Alexa request checks), ``app`` (the Flask factory), ``wsgi``
(the gunicorn entry) and ``__main__`` (``make serve``).
"""
