"""Each officer command's line in /bantuan (its syntax, in a few words); the same line answers
a command typed without its ticket number."""

from __future__ import annotations

from collections.abc import Callable

from locales import Translator


def usages(t: Translator) -> dict[str, str]:
    """Each command's syntax, with a few words on what it does."""
    return {
        "antrian": t("/antrian — antrean tiket Bapak/Ibu, yang paling mendesak di atas"),
        "tiket": t("/tiket NOMOR — rincian, persyaratan, lampiran dan riwayat tiket"),
        "cari": t("/cari KATA — cari tiket menurut nama, instansi, lokasi atau isi permohonan"),
        "ambil": t("/ambil NOMOR — ambil tiket yang belum dipegang"),
        "disposisi": t(
            "/disposisi NOMOR [#nomor-petugas | @nama | @semua] [instruksi] — teruskan ke tahap "
            "berikutnya"
        ),
        "tugaskan": t("/tugaskan NOMOR #nomor-petugas atau nama — tugaskan tahap ini"),
        "lengkapi": t("/lengkapi NOMOR pesan — minta pemohon melengkapi persyaratan"),
        "tolak": t("/tolak NOMOR alasan — tolak permohonan"),
        "catatan": t("/catatan NOMOR teks — catatan internal pada riwayat tiket"),
        "selesai": t("/selesai NOMOR — isi Berita Acara dan tutup tiket (tahap terakhir)"),
        "datang": t("/datang — catat permohonan pemohon yang datang langsung"),
        "klasifikasi": t("/klasifikasi NOMOR — tetapkan klasifikasi pengaduan"),
        "laporan": t(
            "/laporan [minggu | bulan | bulan lalu | 2026-11 | DARI SAMPAI | ikm PERIODE] — "
            "laporan SLA, grafik, Excel dan IKM (koordinator)"
        ),
    }


def usage(command: str) -> Callable[[Translator], str]:
    """The /bantuan line of `command`, in the reader's language when shown."""
    return lambda t: usages(t)[command]
