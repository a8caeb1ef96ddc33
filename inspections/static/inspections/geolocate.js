/* "Use my location" on the visit and report forms: asks the browser for the position only when
   the person presses the button (the browser then asks for their consent), and fills the
   latitude and longitude fields, which stay editable. Messages come from the template's data-
   attributes, in the page's language. */
(function () {
  "use strict";
  document.querySelectorAll(".locate").forEach(function (box) {
    var button = box.querySelector(".locate-button");
    var status = box.querySelector(".locate-status");
    var latitude = document.getElementById(box.dataset.latitude);
    var longitude = document.getElementById(box.dataset.longitude);
    if (!button || !latitude || !longitude) return;
    function say(text) { status.textContent = text; }
    if (!("geolocation" in navigator)) {
      say(box.dataset.msgUnsupported);
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      say(box.dataset.msgAsking);
      navigator.geolocation.getCurrentPosition(function (position) {
        button.disabled = false;
        latitude.value = position.coords.latitude.toFixed(6);
        longitude.value = position.coords.longitude.toFixed(6);
        say(box.dataset.msgFilled.replace("{metres}", Math.round(position.coords.accuracy)));
      }, function (error) {
        button.disabled = false;
        say(error.code === error.PERMISSION_DENIED ? box.dataset.msgDenied : box.dataset.msgUnavailable);
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
  });
})();
