"""The satisfaction survey (SKM, PermenPANRB 14/2017) a requester answers about a finished ticket.

When a ticket is finished its requester is invited once (`bot.notify.invite_to_survey`): a
message with "Isi survei" and "Lain kali". Only their tap opens the survey (`State.SURVEY`),
so a link scanner or a preview never answers anything. The nine elements come one at a time in
the regulation's order, each with its four answers (one tap; typed "4", "sangat sesuai" or a
typo of one counts) and "Lewati"; then an optional comment and the regulation's optional
respondent profile. Each answer is written as it is given, so a survey left halfway keeps what
was said.
"""

from __future__ import annotations

from typing import Any

from bot.callbacks import SURVEY, FormTap, choice, survey_tap
from bot.dialogs.state import State, Step
from bot.dialogs.words import interpret, is_no, is_yes
from bot.handlers.base import Request, idle, is_cancel, keep, parse_command
from bot.messages import Choice, Outbound
from core import ikm
from core.tickets import TicketStatus
from locales import Translator
from storage import repositories as repo

PREFIX = SURVEY
MAX_COMMENT = 1000
SKIP = "0"  # an element's "Lewati"
_OPEN = ("invited", "started")

# The regulation's respondent profile, as buttons: field → (code, Indonesian label) choices.
PROFILE: dict[str, tuple[tuple[str, str], ...]] = {
    "usia": (("lt20", "< 20"), ("20-29", "20–29"), ("30-39", "30–39"), ("40-49", "40–49"),
             ("ge50", "≥ 50")),
    "jenis_kelamin": (("l", "Laki-laki"), ("p", "Perempuan")),
    "pendidikan": (("sd", "SD"), ("smp", "SMP"), ("sma", "SMA/SMK"), ("d3", "D1–D3"),
                   ("s1", "D4/S1"), ("s2", "S2"), ("s3", "S3")),
    "pekerjaan": (("pns", "PNS/ASN"), ("tni", "TNI/Polri"), ("swasta", "Pegawai swasta"),
                  ("wira", "Wiraswasta"), ("lain", "Lainnya")),
}  # fmt: skip
_ORDER = tuple(PROFILE)
_ELEMENTS = tuple(element.code for element in ikm.ELEMENTS)  # u1..u9


# --- answering ------------------------------------------------------------------------------


async def on_choice(req: Request) -> Step | None:
    """A survey button: open the survey, decline it, or answer the question it belongs to."""
    action = FormTap.read(req.msg.choice or "").action
    verb, _, rest = action.partition(":")
    if verb == "go":
        return await _open(req, rest)
    if verb == "no":
        return keep(
            req, req.t("Baik, terima kasih. Bapak/Ibu dapat mengisinya nanti dari pesan di atas.")
        )
    if req.turn.state is not State.SURVEY:
        return keep(req, req.t("Survei tersebut sudah selesai atau dihentikan. Terima kasih."))
    stage = str(req.turn.data.get("stage", ""))
    asked, _, value = rest.partition(":")
    if verb != "a" or asked != stage:
        return _ask(
            req, dict(req.turn.data), req.t("Mohon jawab pertanyaan terakhir di bawah ini.")
        )
    return await _answer(req, value)


async def on_message(req: Request) -> Step | None:
    """In State.SURVEY: a typed answer (a number, a label, "lewati"), the comment, or /batal."""
    if req.msg.choice is not None:
        return None
    text = req.text
    if req.msg.attachment is not None:
        return _ask(
            req, dict(req.turn.data), req.t("Mohon jawab dengan menyentuh salah satu pilihan.")
        )
    if parse_command(text) is not None:
        if is_cancel(text):
            return idle(
                req,
                req.t("Survei dihentikan. Jawaban yang sudah Bapak/Ibu berikan tetap kami simpan."),
            )
        return None  # another command: the survey is left where it is
    stage = str(req.turn.data.get("stage", ""))
    if stage == "comment":
        if interpret(text, (Choice(survey_tap("a:comment:" + SKIP), req.t("Lewati")),)) is not None:
            return await _answer(req, SKIP)
        if len(text) > MAX_COMMENT:
            return _ask(
                req,
                dict(req.turn.data),
                req.t("Komentar terlalu panjang (paling banyak {max} karakter).").format(
                    max=MAX_COMMENT
                ),
            )
        return await _answer(req, text)
    if stage == "profile" and (is_yes(text) or is_no(text)):
        return await _answer(req, "yes" if is_yes(text) else SKIP)
    question = _question(req.turn.data, req.t)
    picked = interpret(text, question.choices)
    if picked is None:
        return _ask(
            req, dict(req.turn.data), req.t("Mohon pilih salah satu jawaban yang tersedia.")
        )
    return await _answer(req, FormTap.read(picked).action.rsplit(":", 1)[-1])


RECENT = 20  # the requester's latest tickets /survei looks through


async def command(req: Request) -> Step:
    """/survei [NOMOR]: open the survey of that ticket, or of the latest finished ticket whose
    survey is still open (when the invitation was missed, or on a channel without buttons)."""
    if req.argument:
        return await _open(req, req.argument)
    for record in await repo.list_tickets_for_requester(
        req.conn, requester_id=req.requester_id, limit=RECENT
    ):
        survey = await repo.get_survey(req.conn, ticket_id=record.id)
        if survey is not None and survey.status in (*_OPEN, "deferred"):
            return await _open(req, record.ref)
    return keep(req, req.t("Belum ada survei kepuasan yang menunggu jawaban Bapak/Ibu."))


async def _open(req: Request, ref: str) -> Step:
    t = req.t
    record = await repo.get_ticket(req.conn, ref=ref)
    survey = None
    if record is not None and record.requester_id == req.requester_id:
        survey = await repo.get_survey(req.conn, ticket_id=record.id)
    if record is None or survey is None or survey.status not in (*_OPEN, "deferred"):
        return keep(req, t("Survei tersebut sudah selesai atau tidak berlaku lagi. Terima kasih."))
    if record.status is not TicketStatus.SELESAI:
        return keep(
            req, t("Survei dapat diisi setelah tiket {ref} selesai.").format(ref=record.ref)
        )
    if req.turn.state not in (State.IDLE, State.SURVEY):
        return keep(
            req,
            t(
                "Bapak/Ibu sedang mengisi permohonan. Survei dapat diisi setelahnya dari pesan "
                "undangan survei."
            ),
        )
    await repo.record_survey(req.conn, ticket_id=record.id, at=req.desk.now)
    first = next((f"u{i}" for i, a in enumerate(survey.answers, 1) if a is None), "comment")
    data = {"ref": record.ref, "ticket": record.id, "stage": first}
    return _ask(req, data)


async def _answer(req: Request, value: str) -> Step:
    """Record the answer to the current stage and ask the next question (or thank)."""
    data: dict[str, Any] = dict(req.turn.data)
    stage = str(data.get("stage", ""))
    ticket_id = int(data.get("ticket") or 0)
    survey = await repo.get_survey(req.conn, ticket_id=ticket_id)
    if survey is None or survey.status not in (*_OPEN, "answered"):
        return idle(req, req.t("Survei tersebut sudah tidak berlaku lagi. Terima kasih."))
    if not _valid(stage, value):
        # Button data can be forged (the web chat posts it): only an offered answer counts.
        return _ask(req, data, req.t("Mohon pilih salah satu jawaban yang tersedia."))
    values: dict[str, Any] = {}
    if stage in _ELEMENTS:
        if value != SKIP:
            values[stage] = int(value)
        index = int(stage[1:])
        data["stage"] = f"u{index + 1}" if index < len(ikm.ELEMENTS) else "comment"
    elif stage == "comment":
        if value != SKIP:
            values["comment"] = value
        data["stage"] = "profile"
    elif stage == "profile":
        data["stage"] = _ORDER[0] if value == "yes" else "done"
    elif stage in PROFILE:
        if value != SKIP:
            values[stage] = value
        following = _ORDER.index(stage) + 1
        data["stage"] = _ORDER[following] if following < len(_ORDER) else "done"
    done = data["stage"] == "done"
    status = "answered" if done or survey.status == "answered" else "started"
    await repo.record_survey(
        req.conn, ticket_id=ticket_id, at=req.desk.now, status=status, values=values
    )
    if done:
        return idle(
            req,
            req.t(
                "Terima kasih, penilaian Bapak/Ibu sudah kami terima. Masukan ini kami gunakan "
                "untuk memperbaiki pelayanan."
            ),
        )
    return _ask(req, data)


def _valid(stage: str, value: str) -> bool:
    """Whether `value` is one of the answers the question of `stage` offers."""
    if stage in _ELEMENTS:
        return value in (SKIP, "1", "2", "3", "4")
    if stage == "profile":
        return value in ("yes", SKIP)
    if stage in PROFILE:
        return value == SKIP or value in {code for code, _label in PROFILE[stage]}
    return stage == "comment"


def _ask(req: Request, data: dict[str, Any], note: str = "") -> Step:
    question = _question(data, req.t)
    if note:
        question = Outbound(f"{note}\n\n{question.text}", question.choices)
    return Step(state=State.SURVEY, data=data, locale=req.turn.locale, replies=[question])


def _question(data: dict[str, Any], t: Translator) -> Outbound:
    """The question of the survey's current stage, with its buttons (answers 1-4 in order, so
    their numbers in a numbered list are the scores)."""
    stage = str(data.get("stage", ""))
    skip = t("Lewati")
    if stage in _ELEMENTS:
        index = int(stage[1:])
        element = ikm.ELEMENTS[index - 1]
        text = t("Pertanyaan {n} dari {total}: {question}").format(
            n=index, total=len(ikm.ELEMENTS), question=element.question(t.locale)
        )
        answers = tuple(
            choice(survey_tap(f"a:{stage}:{score}"), element.answer_label(score, t.locale))
            for score in range(1, 5)
        )
        return Outbound(text, (*answers, choice(survey_tap(f"a:{stage}:{SKIP}"), skip)))
    if stage == "comment":
        return Outbound(
            t("Terakhir, adakah saran atau komentar untuk kami? Silakan ketik, atau pilih Lewati."),
            (choice(survey_tap(f"a:comment:{SKIP}"), skip),),
        )
    if stage == "profile":
        return Outbound(
            t(
                "Bersediakah Bapak/Ibu mengisi data responden (usia, jenis kelamin, pendidikan, "
                "pekerjaan)? Tidak wajib."
            ),
            (
                choice(survey_tap("a:profile:yes"), t("Isi")),
                choice(survey_tap("a:profile:" + SKIP), skip),
            ),
        )
    questions = {
        "usia": t("Usia Bapak/Ibu (tahun)?"),
        "jenis_kelamin": t("Jenis kelamin?"),
        "pendidikan": t("Pendidikan terakhir?"),
        "pekerjaan": t("Pekerjaan?"),
    }
    options = tuple(
        choice(survey_tap(f"a:{stage}:{code}"), t(label)) for code, label in PROFILE[stage]
    )
    return Outbound(questions[stage], (*options, choice(survey_tap(f"a:{stage}:{SKIP}"), skip)))
