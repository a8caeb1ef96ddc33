/* The map pick on the public report form (only rendered when a tile server is configured):
   a tap on the map puts the marker there and fills the latitude and longitude fields; typed or
   "use my location" coordinates move the marker. The fields stay the form's source of truth. */
(function () {
  "use strict";
  var box = document.getElementById("pick-map");
  var latitude = document.getElementById("id_latitude");
  var longitude = document.getElementById("id_longitude");
  if (!box || !latitude || !longitude || typeof L === "undefined") return;
  var config = JSON.parse(document.getElementById("pick-map-config").textContent);
  var map = L.map(box, {minZoom: 3, maxZoom: 19});
  L.tileLayer(config.tiles, {attribution: config.attribution, maxZoom: 19}).addTo(map);
  L.control.scale({imperial: false}).addTo(map);
  var centre = config.latitude !== null && config.longitude !== null ?
    [Number(config.latitude), Number(config.longitude)] : [37.87, 112.55];  // else Taiyuan
  map.setView(centre, 14);
  var marker = null;
  function place(lat, lng) {
    if (marker) { marker.setLatLng([lat, lng]); } else { marker = L.marker([lat, lng]).addTo(map); }
  }
  function fromFields() {
    var lat = parseFloat(latitude.value), lng = parseFloat(longitude.value);
    if (isFinite(lat) && isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) {
      place(lat, lng);
      map.panTo([lat, lng]);
    }
  }
  map.on("click", function (event) {
    var point = event.latlng.wrap();
    latitude.value = point.lat.toFixed(6);
    longitude.value = point.lng.toFixed(6);
    place(point.lat, point.lng);
  });
  latitude.addEventListener("change", fromFields);
  longitude.addEventListener("change", fromFields);
  // geolocate.js fills the fields without a change event: watch for its status message.
  var status = document.querySelector(".locate-status");
  if (status && "MutationObserver" in window) {
    new MutationObserver(fromFields).observe(status, {childList: true, characterData: true, subtree: true});
  }
  fromFields();
})();
