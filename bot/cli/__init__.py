"""The `servicedesk` console script: one typer app, one sub-app per concern."""

from __future__ import annotations

import typer

from bot.cli import (
    audit,
    catalog,
    chat,
    commands,
    db,
    demo,
    ikm,
    match,
    officers,
    privacy,
    report,
    serve,
    sla,
    tokens,
)

app = typer.Typer(
    help="servicedesk: layanan service desk berbasis chat untuk Diskominfo.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(catalog.app, name="catalog", help="Katalog layanan per instansi.")
# Single-command concerns are plain commands, so their --help shows their options directly.
app.command("match", help="Cocokkan teks bebas dengan layanan.")(match.match)
app.add_typer(sla.app, name="sla", help="Perhitungan SLA hari kerja.")
app.command("report", help="Laporan periode: SLA, antrean, pengaduan, ketersediaan.")(report.report)
app.add_typer(ikm.app, name="ikm", help="Indeks Kepuasan Masyarakat (SKM).")
app.add_typer(db.app, name="db", help="Migrasi basis data.")
app.add_typer(officers.app, name="officers", help="Petugas instansi dan perannya.")
app.add_typer(tokens.app, name="tokens", help="Token API (hanya baca).")
app.add_typer(privacy.app, name="privacy", help="Data pribadi pemohon: ekspor dan hapus.")
app.command("audit", help="Catatan akses data pribadi (siapa melihat apa).")(audit.audit)
app.command("chat", help="Obrolan di terminal dengan bot.")(chat.chat)
app.command("demo-data", help="Isi basis data dengan data contoh untuk mencoba laporan.")(demo.demo_data)  # noqa: E501  # fmt: skip
app.command("commands", help="Daftar perintah chat (dari tabel perintah).")(commands.commands)
app.command("serve", help="Jalankan server (Telegram, WhatsApp, web chat).")(serve.serve)
