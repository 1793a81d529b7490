"""``make serve``: the service on HOST:PORT (default 127.0.0.1:5000) with Werkzeug's server.

For local use and tests. Production runs gunicorn with webservice/gunicorn.conf.py
(see docs/webservice.md); both read the same settings and refuse the same things.
"""

from __future__ import annotations

import sys

from werkzeug.serving import run_simple

from webservice.app import create_app
from webservice.settings import ConfigError, Settings


def main() -> int:
    try:
        settings = Settings.from_env()
        app = create_app(settings)
    except ConfigError as error:
        print(f"webservice: {error}", file=sys.stderr)
        return 2
    print(f"webservice: serving the skill at http://{settings.bind}/", file=sys.stderr, flush=True)
    run_simple(settings.host, settings.port, app, threaded=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
