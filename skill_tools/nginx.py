"""A real nginx (Debian's package) on loopback, for the tests of the web service's proxy modes.

nginx runs in the foreground from a scratch folder with a configuration written
there: its own pid, logs and temporary files, a loopback listening port, and
the ``server`` blocks a test gives it. Missing nginx is a skip naming the
package, unless ``make test`` (as root, with apt-get) installed it first.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

PACKAGE: Final = "nginx"
"""The Debian package that provides the binary (``apt-get install nginx``)."""


def nginx_binary() -> Path | None:
    """The nginx executable, found on PATH or where Debian puts it."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    return Path(found) if found else None


def _config(directory: Path, servers: str) -> str:
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} warn;\n"
        "events { worker_connections 512; }\n"
        f"http {{\n    access_log off;\n{temp}\n{servers}\n}}\n"
    )


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def running_nginx(directory: Path, servers: str, port: int) -> Iterator[Path]:
    """nginx serving ``servers`` (which listen on 127.0.0.1:``port``) for the block.

    Yields the error log's path. Raises FileNotFoundError when nginx is not installed.
    """
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError(f"nginx is not installed (Debian package {PACKAGE!r})")
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "nginx.conf"
    conf.write_text(_config(directory, servers), encoding="utf-8")
    log = directory / "error.log"
    command = [str(binary), "-p", str(directory), "-c", str(conf), "-e", str(log)]
    process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 15
        while not _listening(port):
            if process.poll() is not None:
                _, err = process.communicate()
                raise RuntimeError(f"nginx did not start: {err.decode(errors='replace')}")
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not listen within 15 s")
            time.sleep(0.05)
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
