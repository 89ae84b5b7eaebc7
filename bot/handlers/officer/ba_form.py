"""The Berita Acara form's questions, summary and next question: pure, from the form's data.

Apart from the /selesai handler (bot.handlers.officer.berita_acara) because every officer reply
asks an open form's pending question again (common.answer)."""

from __future__ import annotations

from bot.callbacks import BeritaAcaraTap, FormAction, choice
from bot.handlers.forms import BeritaAcaraForm
from bot.labels import clip
from bot.messages import Choice, Outbound
from core.workflow import BERITA_ACARA_FIELDS
from locales import Translator


def ba_labels(t: Translator) -> dict[str, str]:
    """Each part of the form, named for the summary and the "change which part" buttons."""
    return {
        "ringkasan_pekerjaan": t("Ringkasan pekerjaan"),
        "ringkasan_masalah": t("Ringkasan masalah"),
        "alternatif_solusi": t("Alternatif solusi"),
        "lokasi": t("Lokasi"),
        "petugas": t("Petugas"),
    }


def ba_question(data: BeritaAcaraForm, t: Translator) -> Outbound:
    """The form's pending question (a field, the summary, or which part to change)."""
    field = data.get("field")
    if field == "summary":
        return ba_summary(data, t)
    if field == "edit":
        labels = ba_labels(t)
        parts = [
            choice(BeritaAcaraTap(FormAction.EDIT, code).pack(), labels[code])
            for code in BERITA_ACARA_FIELDS
        ]
        parts.append(choice(BeritaAcaraTap(FormAction.BACK).pack(), t("Kembali ke ringkasan")))
        return Outbound(t("Bagian mana yang ingin diubah?"), tuple(parts))
    prompts = {
        "ringkasan_pekerjaan": t("Ringkasan pekerjaan: apa saja yang telah dikerjakan?"),
        "ringkasan_masalah": t("Ringkasan masalah: apa masalah yang ditemukan?"),
        "alternatif_solusi": t(
            'Alternatif solusi: apa saran bila masalah serupa terjadi lagi? Pilih "Tidak ada" '
            "bila tidak ada."
        ),
        "lokasi": t("Lokasi pekerjaan (gedung/ruangan/alamat)?"),
        "petugas": t(
            "Nama petugas yang mengerjakan? Pisahkan dengan koma bila lebih dari satu orang."
        ),
    }
    buttons: list[Choice] = []
    if field == "alternatif_solusi":
        buttons.append(choice(BeritaAcaraTap(FormAction.NONE).pack(), t("Tidak ada")))
    if field == "lokasi" and data.get("lokasi_saran"):
        buttons.append(
            choice(BeritaAcaraTap(FormAction.LOCATION).pack(), clip(str(data["lokasi_saran"]), 40))
        )
    if field == "petugas":
        buttons.append(choice(BeritaAcaraTap(FormAction.ME).pack(), t("Saya sendiri")))
    if data.get("editing"):
        buttons.append(choice(BeritaAcaraTap(FormAction.KEEP).pack(), t("Tetap, tidak diubah")))
    return Outbound(prompts.get(str(field), prompts["ringkasan_pekerjaan"]), tuple(buttons))


def ba_summary(data: BeritaAcaraForm, t: Translator) -> Outbound:
    labels = ba_labels(t)
    answers = data.get("answers", {})
    lines = [t("Berita Acara tiket {ref}:").format(ref=data.get("ref", "")), ""]
    lines += [f"{labels[code]}: {answers.get(code, '-')}" for code in BERITA_ACARA_FIELDS]
    lines += ["", t("Kirim Berita Acara ini kepada pemohon dan tutup tiketnya?")]
    return Outbound(
        "\n".join(lines),
        (
            choice(BeritaAcaraTap(FormAction.SEND).pack(), t("Kirim")),
            choice(BeritaAcaraTap(FormAction.EDIT).pack(), t("Ubah")),
            choice(BeritaAcaraTap(FormAction.CANCEL).pack(), t("Batal")),
        ),
    )


def ba_next(data: BeritaAcaraForm) -> BeritaAcaraForm:
    """The form after an answer: the next empty field, or the summary."""
    answers = data.get("answers", {})
    missing = [code for code in BERITA_ACARA_FIELDS if not answers.get(code)]
    field = "summary" if data.get("editing") or not missing else missing[0]
    return {**data, "field": field, "editing": False}
