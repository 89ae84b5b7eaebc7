"""The privacy notice (UU PDP 27/2022) requesters see at first contact and with /privasi: what
is collected, why, for how long, their rights, and whom to ask."""

from __future__ import annotations

from core.catalog.schema import Agency
from locales import Translator

_CONTACT_KINDS = ("email", "whatsapp", "phone", "web")


def retention_words(days: int, t: Translator) -> str:
    """ "2 tahun", "180 hari"."""
    if days % 365 == 0:
        return t("{count} tahun").format(count=days // 365)
    return t("{count} hari").format(count=days)


def office_contact(agency: Agency) -> str:
    """The office's first e-mail (or WhatsApp, phone, web) for questions about personal data."""
    for kind in _CONTACT_KINDS:
        found = next((c.value for c in agency.contacts if c.kind == kind), None)
        if found:
            return found
    return agency.short_name


def privacy_notice(agency: Agency, t: Translator) -> str:
    """The notice in `t`'s language: the agency's own wording, or ours."""
    values = {
        "retention": retention_words(agency.retention_days, t),
        "contact": office_contact(agency),
        "agency": agency.short_name,
    }
    if agency.privacy is not None:
        return agency.privacy.get(t.locale).format(**values)
    return t(
        "Perlindungan data pribadi: {agency} mencatat nama, NIP, instansi, nomor kontak dan isi "
        "permohonan Bapak/Ibu hanya untuk memproses dan melaporkan layanan ini. Data disimpan "
        "{retention} setelah tiket selesai, lalu dianonimkan. Bapak/Ibu berhak melihat data "
        "Bapak/Ibu (/dataku), meminta perbaikan atau penghapusan, melalui {contact}. Ketik "
        "/privasi untuk membaca ini lagi."
    ).format(**values)
