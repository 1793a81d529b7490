"""WSGI entry for production servers: ``gunicorn -c webservice/gunicorn.conf.py``.

Building the app here reads and validates the environment, so a bad
configuration stops the worker at boot with the message from ConfigError.
"""

from __future__ import annotations

from webservice.app import create_app

app = create_app()
