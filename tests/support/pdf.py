"""Reading PDFs back with poppler (pdftotext): skipped where it is missing, a failure in CI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest


def tool(name: str) -> str:
    """The poppler tool's path; skip (or fail under CI) when it is missing."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} (poppler-utils) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_tool(args: list[str], pdf: bytes) -> bytes:
    """Run a poppler tool with the PDF on stdin and return its stdout."""
    return subprocess.run(args, input=pdf, capture_output=True, check=True, timeout=60).stdout


def text(pdf: bytes) -> list[str]:
    """Each page's text in drawing order, whitespace collapsed."""
    out = run_tool([tool("pdftotext"), "-raw", "-enc", "UTF-8", "-", "-"], pdf).decode()
    return [" ".join(page.split()) for page in out.split("\f") if page.strip()]


def all_text(pdf: bytes) -> str:
    """The whole document's text without the page footers, whitespace collapsed."""
    footer = re.compile(r"Berita Acara · Tiket \S+ · Halaman \d+/\d+")
    return " ".join(" ".join(footer.sub(" ", page).split()) for page in text(pdf))
