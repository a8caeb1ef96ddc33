// Refused forms (templates/includes/_error_summary.html): the summary of what was wrong takes
// the focus when the page loads, so a screen reader reads it out and the keyboard starts there;
// each of its links moves the focus to the control it names. The skip link moves the focus to
// <main>. The browser's jump to a #fragment scrolls but does not always move the focus.
// Loaded after offline_queue.js: when that script puts the server's refusal in place of <main>,
// it runs the scripts after it again, so this one focuses the new summary too.
(function () {
  "use strict";
  var bound = document.documentElement.dataset.formsFocus === "bound";
  document.documentElement.dataset.formsFocus = "bound";

  function focusTarget(link, event) {
    var id = decodeURIComponent(link.getAttribute("href").slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    event.preventDefault();
    // The label sits above its control: keep both in sight.
    target.scrollIntoView({block: "center"});
    target.focus({preventScroll: true});
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "#" + id);
    }
  }

  if (!bound) {   // once per page, however often the script runs
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest(
        ".error-summary a[href^='#'], a.skip-link[href^='#']");
      if (link) focusTarget(link, event);
    });
  }

  function focusSummary() {
    var summary = document.querySelector(".error-summary");
    if (!summary) return;
    summary.scrollIntoView({block: "start"});
    summary.focus({preventScroll: true});
  }

  // Once the page is parsed, and again after the load when the focus was lost meanwhile: a page
  // opened at a #fragment (the item page's #step-<slug>) has the browser's own jump to it done
  // at the load, which takes the focus back to the page. A person who moved on keeps their place.
  function refocusSummary() {
    if (!document.activeElement || document.activeElement === document.body) focusSummary();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
  if (document.readyState === "complete") {
    refocusSummary();
  } else {
    window.addEventListener("load", refocusSummary);
  }
})();
