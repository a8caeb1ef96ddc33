"""An official document as PDF: LibreOffice (headless) converts the very .docx the builder wrote.

The server has none of the office's fonts; fontconfig substitutes what is installed (Noto CJK in
the Debian packages), so the PDF is a faithful layout in stand-in typefaces. One conversion runs at
a time in a process (a lock, waited for no longer than the timeout), each in its own LibreOffice
profile directory (two profiles shared between processes corrupt each other), killed after
`settings.DOCUMENT_PDF_TIMEOUT` seconds. Any failure is `PdfUnavailable`: the caller answers that
the PDF cannot be made here and the .docx can be downloaded.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings

__all__ = ["PdfUnavailable", "docx_to_pdf", "soffice_path"]

logger = logging.getLogger(__name__)

_LOCK = threading.Lock()
# A document the builder writes is tens of kilobytes; its PDF at most a few megabytes.
MAX_PDF_BYTES = 50 * 1024 * 1024


class PdfUnavailable(Exception):
    """No PDF: LibreOffice is missing, failed, or took too long."""


def soffice_path() -> str | None:
    """The LibreOffice binary: the setting if given, else `soffice` on PATH; None when absent."""
    configured = getattr(settings, "DOCUMENT_PDF_SOFFICE", "")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("soffice")


def docx_to_pdf(data: bytes, *, timeout: float | None = None) -> bytes:
    """The PDF of a .docx, made by LibreOffice; PdfUnavailable on any failure."""
    binary = soffice_path()
    if binary is None:
        raise PdfUnavailable("soffice not found")
    limit = float(settings.DOCUMENT_PDF_TIMEOUT if timeout is None else timeout)
    started = time.monotonic()
    if not _LOCK.acquire(timeout=limit):
        raise PdfUnavailable("another conversion is still running")
    try:
        return _convert(binary, data, limit - (time.monotonic() - started))
    finally:
        _LOCK.release()


def _convert(binary: str, data: bytes, limit: float) -> bytes:
    if limit <= 0:
        raise PdfUnavailable("no time left")
    with tempfile.TemporaryDirectory(prefix="campaign-pdf-") as work:
        root = Path(work)
        source = root / "document.docx"
        source.write_bytes(data)
        profile = (root / "profile").as_uri()
        command = [binary, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", "pdf", "--outdir", str(root), str(source)]
        # Its own session, so a timeout kills LibreOffice's helper processes as well.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True, cwd=work,
                                   env={**os.environ, "HOME": work})
        try:
            _, stderr = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            logger.warning("PDF conversion killed after %.0f s", limit)
            raise PdfUnavailable("timed out") from None
        target = root / "document.pdf"
        if process.returncode != 0 or not target.is_file():
            logger.warning("PDF conversion failed (exit %s): %s", process.returncode,
                           stderr.decode("utf-8", "replace")[-500:])
            raise PdfUnavailable("conversion failed")
        if target.stat().st_size > MAX_PDF_BYTES:
            raise PdfUnavailable("PDF too large")
        return target.read_bytes()
