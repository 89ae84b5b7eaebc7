"""This server among others: the lock that keeps a second server off one SQLite file, and the
replica id that names the outbox rows a server claims.

Both are `flock` locks on small files. The kernel drops them when the process ends, however it
ends (kill -9 and power loss included), so a lock file left behind is never stale: only a live
process holds it. The files themselves stay; they are never deleted (deleting a lock file
another process is about to lock would let two processes hold "the" lock).

- SQLite allows one server per database file (one writer connection, in-process queueing):
  `claim_replica` refuses a second with `AlreadyServing`. The lock file sits next to the
  database file (`servicedesk.db.lock`, in DATA_DIR by default), so two servers are refused
  whatever DATA_DIR each was given. PostgreSQL takes no such lock.
- The replica id is stable across restarts of the same server: the host name, DATA_DIR and the
  first free slot among DATA_DIR's `replica-<n>.lock` files. A server killed and started again
  gets the same id back and so can release the outbox claims of its previous life at once;
  two live servers sharing one DATA_DIR get different slots, so never the same id.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, make_url

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locks, every server gets slot 0
    fcntl = None  # type: ignore[assignment]

# Slots tried in DATA_DIR; more servers than this on one DATA_DIR get an id of their own that
# nothing hands back after a crash (their claims then wait out the lease).
MAX_SLOTS = 64
_MAX_ID = 100  # the outbox column's width


class AlreadyServing(Exception):
    """Another live server uses this SQLite database."""

    def __init__(self, database: Path, pid: int | None) -> None:
        holder = f"process {pid}" if pid is not None else "another process"
        super().__init__(
            f"{holder} is already serving the SQLite database {database}; SQLite allows one "
            "server at a time (use PostgreSQL to run several replicas)"
        )
        self.database = database
        self.pid = pid


@dataclass
class Replica:
    """This server's replica id and the locks it holds until `release` (or the process ends)."""

    id: str
    _fds: list[int] = field(default_factory=list, repr=False)

    def release(self) -> None:
        """Drop the locks (closing a file descriptor releases its flock)."""
        while self._fds:
            os.close(self._fds.pop())


def claim_replica(data_dir: Path, database_url: str | URL) -> Replica:
    """Lock this server's place: the SQLite database (if that is the backend) and a replica slot
    in `data_dir`. Raises `AlreadyServing` when another live server uses the SQLite file."""
    fds: list[int] = []
    try:
        database = sqlite_file(make_url(database_url))
        if database is not None:
            fd = _try_lock(lock_path(database))
            if fd is None:
                raise AlreadyServing(database, _holder_pid(lock_path(database)))
            fds.append(fd)
        slot, fd = _free_slot(data_dir)
        if fd is not None:
            fds.append(fd)
        return Replica(id=_replica_id(data_dir, slot), _fds=fds)
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL (absolute), or None (PostgreSQL, in-memory SQLite)."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or "mode=memory" in str(url):
        return None
    return Path(database).expanduser().resolve()


def lock_path(database: Path) -> Path:
    """The lock file of a SQLite database file."""
    return database.with_name(database.name + ".lock")


def _free_slot(data_dir: Path) -> tuple[int | str, int | None]:
    """The first slot whose lock this process gets, with its descriptor."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for slot in range(MAX_SLOTS):
        fd = _try_lock(data_dir / f"replica-{slot}.lock")
        if fd is not None:
            return slot, fd
    return f"x{os.getpid()}", None


def _replica_id(data_dir: Path, slot: int | str) -> str:
    """Host, a digest of DATA_DIR's absolute path (short, no path leaks) and the slot."""
    place = hashlib.sha256(str(data_dir.expanduser().resolve()).encode()).hexdigest()[:12]
    host = socket.gethostname()[:60] or "host"
    return f"{host}:{place}:{slot}"[:_MAX_ID]


def _try_lock(path: Path) -> int | None:
    """An open descriptor holding an exclusive flock on `path` (created if missing), with this
    process's id written in it; None when a live process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    if fcntl is None:  # pragma: no cover - Windows
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _holder_pid(path: Path) -> int | None:
    """The process id the lock's holder wrote, if readable."""
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
