/* The map page (/map/): reads its settings from the page's JSON (json_script "map-config"),
   loads the markers from the GeoJSON data URL a page at a time (following `next`, at most
   maxPages pages), clusters them, and fits the view to them. With no tile URL the markers sit
   on a plain background with a scale bar, so the map works offline. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var text = config.text;
  var status = document.getElementById("map-status");
  // Zoom bounds of the map itself: with no tile layer nothing else sets them (clustering needs one).
  var map = L.map("map", {minZoom: 3, maxZoom: 19});
  L.control.scale({imperial: false}).addTo(map);
  if (config.tiles) {
    L.tileLayer(config.tiles, {attribution: config.attribution, maxZoom: 19}).addTo(map);
  }
  map.setView([37.87, 112.55], 11);   // until the markers are in (Taiyuan)
  // A cluster takes the colour of its most urgent marker (overdue, due soon, sent back, open,
  // submitted, then a bare point) and says it in words, so an office sees where the
  // overdue items are before zooming in.
  var URGENCY = ["overdue", "due_soon", "sent_back", "open", "submitted", "point"];
  var clusters = L.markerClusterGroup({
    chunkedLoading: true,
    iconCreateFunction: function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
      var worst = URGENCY.length - 1;
      cluster.getAllChildMarkers().forEach(function (child) {
        var rank = URGENCY.indexOf(child.options.status);
        if (rank >= 0 && rank < worst) { worst = rank; }
      });
      var status = URGENCY[worst];
      return L.divIcon({
        html: "<div><span>" + count + '<span class="visually-hidden"> ' + text.markers + ", " +
              text.worst + " " + text.labels[status] + "</span></span></div>",
        className: "marker-cluster marker-cluster-" + size + " map-cluster map-cluster-" + status,
        iconSize: L.point(40, 40)
      });
    }
  });
  map.addLayer(clusters);

  function say(message) { status.textContent = message; }

  function popup(properties) {
    // Built from text nodes: nothing in the data is read as HTML.
    var box = document.createElement("div");
    var code = document.createElement("div");
    code.className = "map-popup-code";
    code.textContent = properties.code;
    var title = document.createElement("div");
    title.textContent = properties.title;
    var label = document.createElement("div");
    label.className = "small";
    label.textContent = properties.label;
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = text.open + " " + properties.code;
    box.append(code, title, label, link);
    return box;
  }

  function marker(feature) {
    var properties = feature.properties;
    var where = feature.geometry.coordinates;
    var icon = L.divIcon({className: "map-marker map-marker-" + properties.status,
                          iconSize: [16, 16]});
    return L.marker([where[1], where[0]], {
      icon: icon, title: properties.code + " " + properties.title + " · " + properties.label,
      keyboard: true, status: properties.status
    }).bindPopup(popup(properties));
  }

  var loaded = 0;
  function load(url, page) {
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/geo+json"}})
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.error || text.failed);
          return body;
        });
      })
      .then(function (body) {
        clusters.addLayers(body.features.map(marker));
        loaded += body.features.length;
        if (body.next && page < config.maxPages) return load(body.next, page + 1);
        return body.next;
      });
  }

  say(text.loading);
  load(config.data, 1).then(function (more) {
    if (loaded === 0) {
      say(text.none);
      return;
    }
    map.fitBounds(clusters.getBounds(), {padding: [24, 24], maxZoom: 17});
    say(more ? text.more.replace(/%\(count\)s/g, loaded) : text.shown.replace("%(count)s", loaded));
  }).catch(function (error) {
    say(text.failed + " " + error.message);
  });
})();
