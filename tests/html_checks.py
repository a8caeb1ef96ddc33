"""Checks on a rendered page's HTML that axe-core would make in a browser, cheap enough for a
view test: ids are unique, every aria-describedby names an element on the page, and every link
of an error summary (templates/includes/_error_summary.html) lands on a control."""

from collections import Counter
from html.parser import HTMLParser

CONTROLS = {"input", "select", "textarea", "button"}
VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr", "area", "col", "embed"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.tags: dict[str, tuple[str, dict[str, str]]] = {}
        self.described: list[tuple[str, str]] = []   # (what, the ids it names)
        self.summaries: list[list[str]] = []          # each summary's link targets
        self.invalid: list[str] = []                  # ids of controls with aria-invalid
        self._template = 0                            # inside <template>: not on the page
        self._summary_depth: int | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        found = {name: value or "" for name, value in attrs}
        if tag == "template":
            self._template += 1
        if self._template:
            return
        if tag not in VOID:
            self._depth += 1
        if "id" in found:
            self.ids.append(found["id"])
            self.tags[found["id"]] = (tag, found)
        if "aria-describedby" in found:
            self.described.append((f"<{tag} id={found.get('id')!r} name={found.get('name')!r}>",
                                   found["aria-describedby"]))
        if found.get("aria-invalid") == "true":
            self.invalid.append(found.get("id", ""))
        if "error-summary" in found.get("class", "").split() and self._summary_depth is None:
            self._summary_depth = self._depth
            self.summaries.append([])
        elif tag == "a" and self._summary_depth is not None and found.get("href", "").startswith("#"):
            self.summaries[-1].append(found["href"][1:])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if tag == "template":
            self._template -= 1
            return
        if self._template:
            return
        if self._summary_depth is not None and self._depth == self._summary_depth:
            self._summary_depth = None
        self._depth -= 1


def read(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def problems(html: str) -> list[str]:
    """What is wrong with the page, one line each; an empty list for a sound page."""
    page = read(html)
    found = [f"id {name!r} {count} times" for name, count in Counter(page.ids).items() if count > 1]
    ids = set(page.ids)
    found += [f"{what} is described by a missing #{name}"
              for what, names in page.described for name in names.split() if name not in ids]
    for links in page.summaries:
        for target in links:
            if target not in ids:
                found.append(f"the error summary links to a missing #{target}")
            elif page.tags[target][0] not in CONTROLS:
                found.append(f"the error summary links to #{target}, a <{page.tags[target][0]}>")
    return found
