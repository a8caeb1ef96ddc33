"""Photos are private: served only to people who may see them."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from inspections.permissions import visible_photos


@require_GET
def photo(request, pk: int, size: str = "full"):
    photo = get_object_or_404(visible_photos(request.user), pk=pk)
    field = photo.thumbnail if size == "thumb" else photo.image
    try:
        handle = field.open("rb")
    except (OSError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response
