"""Answering with an official document: the .docx, or its PDF, or (when this server cannot make a
PDF) a page that says so and offers the .docx."""

from io import BytesIO

from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from campaign.documents.pdf import PdfUnavailable, docx_to_pdf

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_response(data: bytes, *, filename: str) -> FileResponse:
    """The .docx as an attachment; a non-ASCII name goes in filename* (RFC 5987)."""
    response = FileResponse(BytesIO(data), as_attachment=True, filename=filename,
                            content_type=DOCX_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def pdf_response(request: HttpRequest, data: bytes, *, filename: str,
                 docx_url: str) -> HttpResponseBase:
    """The PDF LibreOffice makes of the .docx `data`, as an attachment; when it cannot (no
    LibreOffice here, a failure, a timeout), a 503 page offering the .docx at `docx_url`."""
    try:
        pdf = docx_to_pdf(data)
    except PdfUnavailable:
        response = render(request, "documents/pdf_unavailable.html",
                          {"docx_url": docx_url}, status=503)
        response["Retry-After"] = "60"
        return response
    answer = FileResponse(BytesIO(pdf), as_attachment=True, filename=filename,
                          content_type="application/pdf")
    answer["Cache-Control"] = "no-store"
    return answer
