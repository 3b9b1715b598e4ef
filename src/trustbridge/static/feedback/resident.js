/* Feedback form, progressive enhancement only: the form works the same without it.
   - A tap on the area map fills in the latitude and longitude (and the area).
   - The category list offers only the categories that fit the chosen kind. */
(function () {
  "use strict";

  function setupMap(svg) {
    var form = svg.closest("form");
    var lat = form.querySelector("input[name=latitude]");
    var lon = form.querySelector("input[name=longitude]");
    var area = form.querySelector("select[name=area]");
    var marker = svg.querySelector(".place-marker");
    var d = svg.dataset;
    var minLon = parseFloat(d.minLon), maxLat = parseFloat(d.maxLat);
    var xScale = parseFloat(d.xScale), scale = parseFloat(d.scale), margin = parseFloat(d.margin);

    function mark(x, y) {
      marker.setAttribute("cx", x);
      marker.setAttribute("cy", y);
    }
    function toSvg(x, y) {
      var point = svg.createSVGPoint();
      point.x = x;
      point.y = y;
      return point.matrixTransform(svg.getScreenCTM().inverse());
    }
    function toScreen(longitude, latitude) {
      return {x: margin + (longitude - minLon) * xScale * scale, y: margin + (maxLat - latitude) * scale};
    }
    svg.addEventListener("click", function (event) {
      var p = toSvg(event.clientX, event.clientY);
      lon.value = (minLon + (p.x - margin) / (xScale * scale)).toFixed(6);
      lat.value = (maxLat - (p.y - margin) / scale).toFixed(6);
      mark(p.x, p.y);
      svg.querySelectorAll(".place-area.chosen").forEach(function (el) { el.classList.remove("chosen"); });
      var hit = event.target.closest ? event.target.closest("[data-area]") : null;
      if (hit) {
        hit.classList.add("chosen");
        if (area) { area.value = hit.dataset.area; }
      }
    });
    if (lat.value && lon.value) {
      var s = toScreen(parseFloat(lon.value), parseFloat(lat.value));
      mark(s.x, s.y);
    }
  }

  function setupCategories(form) {
    var select = form.querySelector("select[name=category]");
    var kinds = form.querySelectorAll("input[name=kind]");
    if (!select || !kinds.length) { return; }
    function fits(kind, categoryKind) {
      return categoryKind === kind || (categoryKind === "" && kind !== "conduct");
    }
    function update() {
      var chosen = form.querySelector("input[name=kind]:checked");
      if (!chosen) { return; }
      var fitting = [], own = [];
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) { return; }
        var ok = fits(chosen.value, option.dataset.kind || "");
        option.hidden = !ok;
        option.disabled = !ok;
        if (ok) { fitting.push(option); }
        if (option.dataset.kind === chosen.value) { own.push(option); }
      });
      var current = select.options[select.selectedIndex];
      if (current && current.disabled) { select.value = ""; }
      // As the server does when none is chosen: the kind's own category, or the only one.
      var only = own.length === 1 ? own[0] : (own.length === 0 && fitting.length === 1 ? fitting[0] : null);
      if (only && !select.value) { select.value = only.value; }
    }
    kinds.forEach(function (input) { input.addEventListener("change", update); });
    update();
  }

  document.querySelectorAll(".feedback-form").forEach(setupCategories);
  document.querySelectorAll(".place-map svg[data-scale]").forEach(setupMap);
})();
