"""Photos are private: served only to people who may see them."""

from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from campaign.http import photo_response
from inspections.permissions import visible_photos


@require_GET
def photo(request, pk: int, size: str = "full"):
    photo = get_object_or_404(visible_photos(request.user), pk=pk)
    return photo_response(photo, thumb=size == "thumb")
