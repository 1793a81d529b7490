"""``make console``: serve the test console on 127.0.0.1 and print its URL with this run's token."""

from __future__ import annotations

import argparse
import os
import sys

from werkzeug.serving import make_server

from skill_tools.console import guard
from skill_tools.console.app import create_app
from skill_tools.loopback import free_port

DEFAULT_PORT = 8765
LOCAL_HASH_KEY = "console-local-development-key"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m skill_tools.console",
        description="The skill's test console in your browser, offline (docs/console.md).",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port on 127.0.0.1 (0: any free port)"
    )
    args = parser.parse_args(argv)
    # Like `make run`: listeners remembered in .data/listeners.sqlite3 unless configured.
    os.environ.setdefault("USER_ID_HASH_KEY", LOCAL_HASH_KEY)
    token = guard.new_token()
    port = args.port or free_port()
    app = create_app(token, port)
    try:
        server = make_server("127.0.0.1", port, app, threaded=True)
    except OSError as error:
        print(f"console: cannot listen on 127.0.0.1:{port}: {error}", file=sys.stderr)
        return 1
    print(f"The test console is at http://127.0.0.1:{port}/?token={token}", flush=True)
    print("(127.0.0.1 only; the token changes every run. Ctrl-C stops it.)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print()
    finally:
        app.extensions["console"]["runtimes"].close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
