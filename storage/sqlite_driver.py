"""The SQLite connection under SQLAlchemy's aiosqlite dialect: one trip to the database thread
per statement instead of four.

aiosqlite hands every call to its thread: making a cursor, executing, fetching, closing. The
dialect makes all four for each statement, so an update's dozen statements cost about fifty
hand-offs, and the hand-offs (futures, wake-ups, the queue) cost the event loop more than the
statements cost SQLite (profiled under webhook load: the driver's own code was a fifth of the
server's busy time). Here a statement runs and its rows are fetched in one call on the
connection's thread; making and closing a cursor touch no data and stay on the loop.

Only what the dialect uses of aiosqlite is provided. The sqlite3 connection is opened with
`check_same_thread=False` (the loop thread makes and closes cursors) and autocommit
(`isolation_level=None`), as `storage.db` had set it: `BEGIN IMMEDIATE` is ours. Statements
never overlap: `Database` serialises transactions on its single connection.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL

_T = TypeVar("_T")


class Cursor:
    """The async cursor the dialect drives; rows are fetched with the statement."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._cursor = connection._conn.cursor()
        self._rows: list[Any] = []

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        cursor = self._cursor

        def run() -> list[Any]:
            cursor.execute(sql, parameters)
            return cursor.fetchall() if cursor.description else []

        self._rows = await self._connection._run(run)
        return self

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> Cursor:
        await self._connection._run(self._cursor.executemany, sql, parameters)
        self._rows = []
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = size or self._cursor.arraysize
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def nextset(self) -> None:
        return None

    async def close(self) -> None:
        self._rows = []
        self._cursor.close()


class _CursorContext:
    """`connection.cursor()` as aiosqlite returns it: awaitable and an async context manager."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def __await__(self) -> Any:
        return self.__aenter__().__await__()

    async def __aenter__(self) -> Cursor:
        return Cursor(self._connection)

    async def __aexit__(self, *exc: object) -> None:
        return None


class Connection:
    """An aiosqlite-shaped connection: one sqlite3 connection, one thread to run it on."""

    def __init__(self, conn: sqlite3.Connection, executor: ThreadPoolExecutor) -> None:
        self._conn = conn
        self._executor = executor
        self._connection: sqlite3.Connection | None = conn  # what the dialect checks for "open"

    async def _run(self, function: Callable[..., _T], *args: Any) -> _T:
        if self._connection is None:
            raise ValueError("Connection closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, function, *args)

    def cursor(self) -> _CursorContext:
        return _CursorContext(self)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def commit(self) -> None:
        await self._run(self._conn.commit)

    async def rollback(self) -> None:
        # The pool rolls back every connection it takes back; after a COMMIT there is nothing
        # to roll back, and asking costs a trip to the thread. After a failed COMMIT there is.
        if self._conn.in_transaction:
            await self._run(self._conn.rollback)

    async def create_function(self, *args: Any, **kw: Any) -> None:
        await self._run(lambda: self._conn.create_function(*args, **kw))

    async def close(self) -> None:
        if self._connection is None:
            return
        try:
            await self._run(self._conn.close)
        finally:
            self._connection = None
            self._executor.shutdown(wait=False)

    def stop(self) -> None:
        """Close at once, without the loop (the pool terminating a connection)."""
        if self._connection is None:
            return
        self._connection = None
        self._executor.submit(self._conn.close)
        self._executor.shutdown(wait=False)


def async_creator(url: URL) -> Callable[[], Any]:
    """`create_async_engine(async_creator=...)` for `url`: opens our `Connection`."""
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(url)
    database: str = args[0] if args else ":memory:"

    async def connect() -> Connection:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        loop = asyncio.get_running_loop()
        options: dict[str, Any] = {**kwargs, "check_same_thread": False, "isolation_level": None}
        conn = await loop.run_in_executor(executor, lambda: sqlite3.connect(database, **options))
        return Connection(conn, executor)

    return connect
