"""The GeoReport v2 documents, field by field and in the specification's order, as JSON or XML.

A document is a list of rows; a row is a dict whose keys are the fields below. JSON writes a row
as an object (an empty value is null); XML writes it as an element named after the row kind inside
the root element (an empty value is an empty element, a boolean is true/false). This module knows
nothing of the models: it only writes what it is given.
"""

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords",
                  "group")
SERVICE_DEFINITION_FIELDS = ("service_code", "attributes")
REQUEST_FIELDS = (
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
    "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
)
CREATED_FIELDS = ("service_request_id", "service_notice", "account_id")
ERROR_FIELDS = ("code", "description")

# (root element, row element) of each document in XML.
SERVICES = ("services", "service")
REQUESTS = ("service_requests", "request")
ERRORS = ("errors", "error")
SERVICE_DEFINITION = "service_definition"

# Characters XML 1.0 cannot carry at all (most control characters): dropped from text rather
# than writing a document no parser reads.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _element(parent: ET.Element, name: str, value: Any) -> None:
    child = ET.SubElement(parent, name)
    if isinstance(value, list):      # a list of rows (a service definition's attributes)
        for row in value:
            _row(child, name[:-1], row)
    else:
        child.text = _text(value)


def _row(parent: ET.Element, name: str, row: Mapping[str, Any]) -> None:
    element = ET.SubElement(parent, name)
    for field, value in row.items():
        _element(element, field, value)


def _xml(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8",
                                                                     xml_declaration=False)


def _json(data: Any) -> bytes:
    def empty_as_null(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: empty_as_null(item) for key, item in value.items()}
        if isinstance(value, list):
            return [empty_as_null(item) for item in value]
        return None if value == "" else value

    return json.dumps(empty_as_null(data), ensure_ascii=False).encode()


def rows_response(fmt: str, kind: tuple[str, str], rows: Iterable[Mapping[str, Any]], *,
                  status: int = 200) -> HttpResponse:
    """A list document: services, service requests, a filed request, errors."""
    rows = list(rows)
    if fmt == "json":
        body = _json(rows)
    else:
        root = ET.Element(kind[0])
        for row in rows:
            _row(root, kind[1], row)
        body = _xml(root)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def object_response(fmt: str, root_name: str, row: Mapping[str, Any]) -> HttpResponse:
    """A single-object document (a service definition)."""
    if fmt == "json":
        body = _json(dict(row))
    else:
        root = ET.Element(root_name)
        for field, value in row.items():
            _element(root, field, value)
        body = _xml(root)
    return HttpResponse(body, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, status: int, description: str) -> HttpResponse:
    return rows_response(fmt, ERRORS, [{"code": status, "description": description}],
                         status=status)
