"""Listeners remembered in one SQLite file, for local runs: the dialog tool, the web service, tests.

Several processes may share the file (a web server with workers, a test run
beside a dialog session): WAL lets readers proceed while one writer writes, and
the busy timeout makes a writer wait its turn instead of failing. Each thread
of each process keeps one connection (opening one per operation cost a web
service about a millisecond a request), with ``synchronous=NORMAL``: in WAL
mode that still never corrupts the file, and a power cut can at worst lose
the last few commits of what is only a listening preference.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any, Final

from massage_guide.stores.base import DEFAULT_TTL_DAYS, ListenerStore, StorageError

BUSY_TIMEOUT_SECONDS: Final = 2.0
SIDE_FILES: Final = ("-wal", "-shm")
"""The files SQLite keeps beside the database in WAL mode."""
_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS listeners ("
    " id TEXT PRIMARY KEY,"
    " expires_at INTEGER NOT NULL,"
    " fields TEXT NOT NULL,"
    " written_at INTEGER)",
    "CREATE INDEX IF NOT EXISTS listeners_expiry ON listeners (expires_at)",
)


class SQLiteStore(ListenerStore):
    """Rows of (hashed id, expiry, JSON of remembered fields); expired rows purged on write."""

    def __init__(self, path: Path, secret: bytes, ttl_days: int = DEFAULT_TTL_DAYS) -> None:
        super().__init__(secret, ttl_days)
        self.path = Path(path)
        self._ready = False
        self._lock = threading.Lock()
        self._local = threading.local()

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection to the file at ``path``, with the schema in place.

        The file and folder are made on first use, and made again, private, if
        the file has gone (deleted under a running service): a connection to a
        deleted file is dropped, since it would write where nobody can read.
        """
        cached = getattr(self._local, "connection", None)
        if cached is not None and cached[0] == os.getpid():
            connection: sqlite3.Connection = cached[1]
            if self._same_file(cached[2]):
                return connection
            self._local.connection = None
            connection.close()
        try:
            with self._lock:
                if not self._ready or not self.path.exists():
                    self._create()
                    self._ready = True
            # mode=rw: never let SQLite create the file itself (with the umask's mode).
            connection = sqlite3.connect(
                self.path.absolute().as_uri() + "?mode=rw", timeout=BUSY_TIMEOUT_SECONDS, uri=True
            )
            connection.execute("PRAGMA synchronous=NORMAL")
            inode = self.path.stat().st_ino
        except (sqlite3.Error, OSError) as error:
            raise StorageError(f"sqlite {type(error).__name__}") from error
        # Keyed by process: a connection must never cross a fork.
        self._local.connection = (os.getpid(), connection, inode)
        return connection

    def _same_file(self, inode: int) -> bool:
        """Whether the file at ``path`` is still the one this thread's connection opened."""
        try:
            return self.path.stat().st_ino == inode
        except OSError:
            return False

    def _failed(self, error: sqlite3.Error) -> StorageError:
        """Drop this thread's connection after an error, so the next call starts afresh."""
        cached = getattr(self._local, "connection", None)
        self._local.connection = None
        if cached is not None:
            cached[1].close()
        return StorageError(f"sqlite {type(error).__name__}")

    def _create(self) -> None:
        """The folder (0700 if this store makes it), the file (0600), WAL mode and the schema.

        The file holds keyed hashes of listeners' ids and their preferences: only
        the service's user may read it. SQLite gives the WAL and shared-memory
        files it creates the database file's mode, so making the file private
        first makes all three private, whatever the umask.
        """
        try:
            self.path.parent.mkdir(parents=True, mode=0o700)
            self.path.parent.chmod(0o700)  # mkdir's mode is filtered by the umask
        except FileExistsError:
            pass  # someone else's folder (e.g. SQLITE_PATH=/tmp/x): not ours to change
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        for path in (self.path, *(self.path.with_name(self.path.name + end) for end in SIDE_FILES)):
            if path.exists() and stat.S_IMODE(path.stat().st_mode) != 0o600:
                path.chmod(0o600)  # a file from before this rule, or made under another umask
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)) as db:
            # WAL is a property of the file: set once, every later connection uses it.
            db.execute("PRAGMA journal_mode=WAL")
            with db:
                for statement in _SCHEMA:
                    db.execute(statement)
                columns = {row[1] for row in db.execute("PRAGMA table_info(listeners)")}
                if "written_at" not in columns:  # a file from before replayed events were judged
                    db.execute("ALTER TABLE listeners ADD COLUMN written_at INTEGER")

    def _get(self, key: str) -> tuple[dict[str, Any], int] | None:
        try:
            row = (
                self._connect()
                .execute("SELECT fields, expires_at FROM listeners WHERE id = ?", (key,))
                .fetchone()
            )
        except sqlite3.Error as error:
            raise self._failed(error) from error
        if row is None:
            return None
        try:
            fields = json.loads(row[0])
        except ValueError:
            return None
        return (fields if isinstance(fields, dict) else {}), int(row[1])

    def _put(self, key: str, fields: dict[str, Any], expires_at: int) -> None:
        encoded = json.dumps(fields, sort_keys=True, separators=(",", ":"))
        try:
            db = self._connect()
            with db:  # one transaction
                db.execute(
                    "INSERT INTO listeners (id, expires_at, fields, written_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at,"
                    " fields = excluded.fields, written_at = excluded.written_at",
                    (key, expires_at, encoded, int(time.time())),
                )
                # SQLite has no TTL of its own; the expiry index keeps this cheap.
                db.execute("DELETE FROM listeners WHERE expires_at <= ?", (int(time.time()),))
        except sqlite3.Error as error:
            raise self._failed(error) from error

    def _delete(self, key: str, not_written_after: int | None = None) -> None:
        try:
            db = self._connect()
            with db:
                if not_written_after is None:
                    db.execute("DELETE FROM listeners WHERE id = ?", (key,))
                else:
                    db.execute(
                        "DELETE FROM listeners WHERE id = ?"
                        " AND (written_at IS NULL OR written_at <= ?)",
                        (key, not_written_after),
                    )
        except sqlite3.Error as error:
            raise self._failed(error) from error
