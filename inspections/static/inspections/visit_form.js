// The visit form (visit_form.html): one more finding row, the formset's empty form with the next
// index, up to the formset's maximum (the button's data-max).
(function () {
  var button = document.getElementById("add-finding");
  if (!button) return;
  var total = document.getElementById("id_finding-TOTAL_FORMS");
  var max = parseInt(button.dataset.max, 10);
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = document.getElementById("finding-template").innerHTML.replace(/__prefix__/g, index);
    document.getElementById("more-findings").insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    if (index + 1 >= max) button.remove();
  });
})();
