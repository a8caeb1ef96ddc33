"""`second_step` for every page's nav (base.html): a person who still owes the code or the
set-up is offered nothing but logging out, on the error pages too."""

from collections.abc import Callable

from django.http import HttpRequest

from campaign.twofactor.middleware import owed_step


def second_step(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    if getattr(request, "user", None) is None:
        return {}
    # A callable, so it is worked out only when the nav of a signed-in person is drawn (from the
    # session and the scope the gate has already read for this request).
    return {"second_step": lambda: owed_step(request) is not None}
