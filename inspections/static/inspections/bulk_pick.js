// The list's bulk selection (rectification_list.html): select on the table (wide screens) or the
// cards (phones); a row's two boxes stay alike, and the count says how many items are chosen.
(function () {
  const all = document.getElementById("bulk-all");
  const count = document.getElementById("bulk-count");
  if (!all || !count) return;
  const picks = Array.from(document.querySelectorAll(".bulk-pick"));
  function update() {
    const chosen = new Set(picks.filter((box) => box.checked).map((box) => box.value));
    count.textContent = count.dataset.label.replace("%(count)s", chosen.size);
    const values = new Set(picks.map((box) => box.value));
    all.checked = chosen.size > 0 && chosen.size === values.size;
    all.indeterminate = chosen.size > 0 && chosen.size < values.size;
  }
  picks.forEach((box) => box.addEventListener("change", () => {
    picks.filter((other) => other.value === box.value).forEach((other) => { other.checked = box.checked; });
    update();
  }));
  all.addEventListener("change", () => { picks.forEach((box) => { box.checked = all.checked; }); update(); });
  update();
})();
