"""Accepting an uploaded photo: the one way a Photo row and its files come to exist.

Rules (DOMAIN/issue): JPEG, PNG, WebP and HEIC; the whole image is decoded so fakes and
truncated files are refused; decompression bombs and oversized files are refused; orientation is
applied, EXIF is stripped (capture time and GPS kept as data first); a thumbnail is made.
Either everything is stored (both files and the row) or nothing is.
"""

import datetime as dt
import hashlib
import io
import logging
import uuid
from decimal import Decimal

import pillow_heif
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from campaign.models import Photo, Unit, User
from campaign.storage import OBJECT_STORE_ERRORS, STORAGE_ERRORS, reason

logger = logging.getLogger(__name__)

pillow_heif.register_heif_opener()

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
MAX_PIXELS = 50_000_000       # a 50-megapixel phone photo is fine; more is a bomb or a mistake
MAX_EDGE = 2560               # stored size: enough to read a shop sign, small on the intranet
THUMB_EDGE = 360

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATETIME_ORIGINAL = 0x9003
DATETIME = 0x0132


class PhotoError(Exception):
    """The upload is not an acceptable photo; the message is for the person who sent it."""


def store_photo(upload, *, unit: Unit, by: User) -> Photo:
    """Check, clean and store one uploaded file; returns the saved Photo or raises PhotoError."""
    name = getattr(upload, "name", "") or ""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.PHOTO_MAX_BYTES:
        raise PhotoError(_("“%(name)s” is too large (%(size)s MB); the limit is %(limit)s MB.") % {
            "name": name, "size": round(size / 1048576, 1),
            "limit": settings.PHOTO_MAX_BYTES // 1048576,
        })
    data = upload.read(settings.PHOTO_MAX_BYTES + 1)
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise PhotoError(_("“%(name)s” is too large; the limit is %(limit)s MB.") % {
            "name": name, "limit": settings.PHOTO_MAX_BYTES // 1048576})
    image, taken_at, latitude, longitude = _decode(data, name)
    main = _encode(image, MAX_EDGE)
    thumb = _encode(image, THUMB_EDGE)
    stem = uuid.uuid4().hex
    photo = Photo(
        unit=unit, width=image.width, height=image.height, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), original_name=name[:200],
        taken_at=taken_at, latitude=latitude, longitude=longitude,
        uploaded_by=by, uploaded_at=timezone.now(),
    )
    try:
        photo.image.save(f"{stem}.jpg", ContentFile(main), save=False)
        photo.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(thumb), save=False)
        with transaction.atomic():
            photo.save()
    except Exception as error:
        discard_files(photo)
        if isinstance(error, OBJECT_STORE_ERRORS):
            logger.warning("Photo not stored: the object store failed", exc_info=True)
            raise PhotoError(
                _("The photo could not be saved: the photo store is not available (%(reason)s). "
                  "Nothing was stored. Attach the photos again and send in a few minutes; if it "
                  "keeps happening, tell your campaign office.") % {"reason": reason(error)}
            ) from error
        if isinstance(error, OSError):
            raise PhotoError(
                _("The photo could not be saved on the server (%(reason)s). Nothing was stored; "
                  "please tell your campaign office.") % {"reason": error.strerror or error}
            ) from error
        raise
    return photo


def discard_files(photo: Photo) -> None:
    """Remove a photo's files (after a failed save, or when the surrounding transaction fails).
    Never raises: it runs while another error is on its way up, which must not be masked."""
    for field in (photo.image, photo.thumbnail):
        if field.name:
            try:
                field.storage.delete(field.name)
            except STORAGE_ERRORS:
                # The store that just failed the save may fail the clean-up too: the file stays,
                # orphaned (no row points at it); the log names it for whoever tidies the store.
                logger.warning("Could not remove the photo file %s", field.name, exc_info=True)


def _decode(data: bytes, name: str):
    refused = PhotoError(
        _("“%(name)s” is not a photo we can read. Send a JPEG, PNG, WebP or HEIC picture.")
        % {"name": name}
    )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise refused
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError(
                    _("“%(name)s” has too many pixels (%(width)s × %(height)s).")
                    % {"name": name, "width": probe.width, "height": probe.height}
                )
            exif = probe.getexif()
            probe.load()  # a full decode: a truncated or fake file fails here
            image = ImageOps.exif_transpose(probe)
            image = _flatten(image)
    except PhotoError:
        raise
    except Image.DecompressionBombError as error:   # Pillow's own, far past MAX_PIXELS
        raise PhotoError(
            _("“%(name)s” has too many pixels (at most %(limit)s million are accepted).")
            % {"name": name, "limit": MAX_PIXELS // 1_000_000}
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise refused from error
    taken_at = _taken_at(exif)
    latitude, longitude = _gps(exif)
    return image, taken_at, latitude, longitude


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, edge: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((edge, edge))
    buffer = io.BytesIO()
    copy.save(buffer, "JPEG", quality=85, optimize=True)  # written without EXIF
    return buffer.getvalue()


def _taken_at(exif) -> dt.datetime | None:
    raw = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    if not raw:
        return None
    try:
        naive = dt.datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    # EXIF carries no zone: a phone in the street shows the campaign's local time.
    return timezone.make_aware(naive)


def _gps(exif) -> tuple[Decimal | None, Decimal | None]:
    gps = exif.get_ifd(GPS_IFD)
    try:
        latitude = _degrees(gps[2], gps.get(1, "N"), "S")
        longitude = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None, None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None, None
    return latitude, longitude


def _degrees(parts, ref, negative_ref) -> Decimal:
    degrees, minutes, seconds = (float(part) for part in parts)
    value = degrees + minutes / 60 + seconds / 3600
    if str(ref).strip("\x00 ").upper() == negative_ref:
        value = -value
    return Decimal(str(round(value, 6)))
