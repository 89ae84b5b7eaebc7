"""Bot API calls on the hot path without PTB's object layer.

`Bot.send_message` and friends build parameter objects, then turn Telegram's answer into a
`Message` that nothing here reads; profiled under load that was a tenth of the server's busy
time. These calls go through the same PTB request object (so the same connection pool, error
mapping and exceptions: `RetryAfter`, `Forbidden`, `BadRequest`...), with the parameters
encoded as PTB encodes them (strings as they are, everything else as JSON).
"""

from __future__ import annotations

import json
from typing import Any, cast

from telegram import Bot
from telegram.request import RequestData


class _Form:
    """What a PTB request object reads of `RequestData` for a call without files."""

    __slots__ = ("json_parameters",)

    contains_files = False
    multipart_data: dict[str, Any] = {}  # noqa: RUF012 (read-only, shared)

    def __init__(self, params: dict[str, object]) -> None:
        self.json_parameters = {
            name: value if isinstance(value, str) else json.dumps(value)
            for name, value in params.items()
            if value is not None
        }

    @property
    def parameters(self) -> dict[str, object]:
        return dict(self.json_parameters)


async def call(bot: Bot, method: str, **params: object) -> object:
    """Call `method` with `params` (None values left out); Telegram's `result`, unparsed."""
    form = cast(RequestData, _Form(params))
    return await bot.request.post(f"{bot.base_url}/{method}", request_data=form)
