// An item's page (rectification_detail.html): a refused step brings its form, with the messages
// under the fields, into view.
(function () {
  var form = document.querySelector(".step-has-errors");
  if (form) form.scrollIntoView({block: "start"});
})();
