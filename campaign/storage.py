"""What a failing photo store raises, whichever backend holds the files (settings.STORAGES).

Local disk raises OSError. An S3-compatible object store raises botocore's errors instead (the
server unreachable or timing out, or refusing: no such bucket, wrong keys) and boto3's (a failed
transfer): none of them is an OSError, so code that survives a full disk would not survive an
object store that is down without this list.
"""

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError

OBJECT_STORE_ERRORS: tuple[type[Exception], ...] = (BotoCoreError, ClientError, Boto3Error)
STORAGE_ERRORS: tuple[type[Exception], ...] = (OSError, *OBJECT_STORE_ERRORS)

# S3 says "not there" as a 404 status (HEAD) or as an error code (GET).
_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


def is_missing(error: Exception) -> bool:
    """The file is not in the store (a 404), as opposed to a store that cannot be asked (a 503)."""
    if isinstance(error, FileNotFoundError | IsADirectoryError | NotADirectoryError):
        return True
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "")) in _MISSING_CODES
    return False


def reason(error: Exception) -> str:
    """A short, safe reason for a person to pass on to IT: the OS's words for a disk error, the
    store's error code or the failure's kind for the object store, never a URL or a key."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "")) or type(error).__name__
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return type(error).__name__
