"""The queue page: what this phone holds, read by offline_queue.js from the browser's own store.
The server lists nothing: the entries never reached it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "offline/queue.html")
