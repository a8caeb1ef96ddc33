// The split form (task_split.html): the children's total against the target, as it is typed.
(function () {
  const form = document.getElementById("split-form");
  if (!form) return;
  const out = document.getElementById("split-sum");
  const target = parseFloat(form.dataset.target), existing = parseFloat(form.dataset.existing);
  function update() {
    let total = existing;
    form.querySelectorAll("input[name$='-target']").forEach(function (input) {
      const value = parseFloat(input.value); if (!isNaN(value)) { total += value; }
    });
    const gap = Math.round((target - total) * 100) / 100;
    out.textContent = form.dataset.sumText.replace("%(total)s", Math.round(total * 100) / 100)
      .replace("%(target)s", target).replace("%(gap)s", gap);
    out.className = "small " + (gap === 0 ? "text-success" : "text-danger");
  }
  form.addEventListener("input", update);
  update();
})();
