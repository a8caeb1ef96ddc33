// A table wider than the screen scrolls sideways inside its .table-responsive region (focusable,
// so the arrow keys scroll it). Nothing else shows that it does on a phone: this marks the regions
// that scroll (a fade on the side with more to see, site.css) and puts a short hint above each,
// again whenever a region changes size. The hint's text comes translated from the script tag's
// data-hint (templates/base.html).
(function () {
  "use strict";
  const hintText = document.currentScript ? document.currentScript.dataset.hint : "";

  function hintOf(region) {
    const before = region.previousElementSibling;
    if (before && before.classList.contains("table-scroll-hint")) return before;
    const hint = document.createElement("p");
    hint.className = "table-scroll-hint small text-body-secondary mb-1";
    hint.setAttribute("aria-hidden", "true");   // the region's own name says what it holds
    hint.hidden = true;
    hint.textContent = "\u2194 " + hintText;
    region.before(hint);
    return hint;
  }

  function mark(region) {
    const scrolls = region.scrollWidth > region.clientWidth + 1;
    region.classList.toggle("scrolls-sideways", scrolls);
    region.classList.toggle("more-left", scrolls && region.scrollLeft > 1);
    region.classList.toggle("more-right",
      scrolls && region.scrollLeft + region.clientWidth < region.scrollWidth - 1);
    if (scrolls || region.previousElementSibling?.classList.contains("table-scroll-hint")) {
      hintOf(region).hidden = !scrolls;
    }
  }

  const regions = document.querySelectorAll(".table-responsive");
  const observer = "ResizeObserver" in window
    ? new ResizeObserver((entries) => entries.forEach((entry) => mark(entry.target))) : null;
  regions.forEach((region) => {
    mark(region);
    region.addEventListener("scroll", () => mark(region), { passive: true });
    if (observer) observer.observe(region);
  });
  if (!observer) window.addEventListener("resize", () => regions.forEach(mark));
})();
