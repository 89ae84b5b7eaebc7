"""Driving the dialog engine in tests: a `Chat` per person (requester or officer), officers
with their chats bound, and small readers of the tables. Shared by integration and e2e tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.engine import DialogEngine, HandleResult
from bot.messages import Inbound, InboundAttachment
from core.catalog.schema import FieldType
from core.settings import Settings
from storage import repositories as repo
from storage.db import Database
from storage.models import conversations

# Monday 23 November 2026, 10:00 WIB.
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
_updates = itertools.count(1)


def make_engine(db: Database, tmp_path: Path, agency: str = "kalbar", **extra: Any) -> DialogEngine:
    settings = Settings(agency=agency, data_dir=tmp_path / "data", **extra)
    return DialogEngine(db=db, settings=settings, clock=lambda: NOW)


class Chat:
    """One person (requester or officer) talking to the engine; chat id "chat-<user>"."""

    def __init__(self, engine: DialogEngine, user: str, channel: str = "test") -> None:
        self.engine = engine
        self.user = user
        self.channel = channel

    def inbound(self, update_id: str | None = None, **content: Any) -> Inbound:
        return Inbound(
            channel=self.channel,
            chat_id=f"chat-{self.user}",
            user_id=self.user,
            update_id=update_id or f"{self.user}-{next(_updates)}",
            **content,
        )

    async def say(self, text: str) -> HandleResult:
        return await self.engine.handle(self.inbound(text=text))

    async def tap(self, data: str) -> HandleResult:
        return await self.engine.handle(self.inbound(choice=data))

    async def send_file(self, data: bytes, name: str = "surat.pdf") -> HandleResult:
        return await self.engine.handle(
            self.inbound(attachment=InboundAttachment(data, name, "application/pdf"))
        )

    async def fill_to_summary(self, service: str) -> HandleResult:
        """Choose `service` and answer every question validly, stopping at the summary."""
        result = await self.tap(f"svc:{service}")
        catalog = self.engine.catalog
        spec_service = catalog.service(service)
        assert spec_service is not None
        for _ in range(30):
            state = await conversation(self.engine.db, f"chat-{self.user}")
            if state["state"] == "confirm":
                return result
            if state["state"] == "confirm_profile":  # a returning requester's details
                result = await self.tap("prof:use")
            elif state["state"] == "ask_field":
                field = next(f for f in spec_service.fields if f.code == state["data"]["field"])
                if field.type is FieldType.CHOICE:
                    result = await self.tap(f"fld:{field.choices[0].code}")
                else:
                    result = await self.say(ANSWERS[field.type])
            elif state["state"] == "ask_document":
                result = await self.send_file(PDF)
            else:
                raise AssertionError(state["state"])
        raise AssertionError("never reached the summary")


ANSWERS = {
    FieldType.TEXT: "Dinas Pendidikan",
    FieldType.LONG_TEXT: "Aplikasi sekolah perlu hosting",
    FieldType.PHONE: "081234567890",
    FieldType.DOMAIN: "sekolah.kalbarprov.go.id",
    FieldType.EMAIL: "admin@kalbarprov.go.id",
    FieldType.NUMBER: "30",
    FieldType.NIP: "198501012010011003",
    FieldType.DATETIME: "15/12/2026 10.00",
    FieldType.DATE: "15/12/2026",
}


async def rows(db: Database, table: Any, *where: Any) -> list[Any]:
    async with db.transaction() as conn:
        return list((await conn.execute(select(table).where(*where))).mappings())


async def conversation(db: Database, chat_id: str) -> dict[str, Any]:
    (row,) = await rows(db, conversations, conversations.c.chat_id == chat_id)
    return dict(row)


async def count(db: Database, table: Any) -> int:
    async with db.transaction() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def add_officer(
    db: Database, chat: Chat, *, name: str, roles: list[str], agency: str | None = None
) -> int:
    """An active officer holding `roles`, reached on `chat` (already bound); returns the id."""
    async with db.transaction() as conn:
        officer = await repo.add_officer(
            conn,
            agency=agency or chat.engine.agency,
            name=name,
            roles=roles,
            at=NOW,
        )
        await repo.bind_officer_identity(
            conn, officer_id=officer.id, channel=chat.channel, external_id=chat.user, at=NOW
        )
    return officer.id
