// driftwatch report: draws each chart when it scrolls into view (a page with a thousand features
// stays quick), formats tooltip numbers for people, and filters the feature sections.
(function () {
  "use strict";
  var options = JSON.parse(document.getElementById("dw-options").textContent);
  var nf = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 6 });
  function fmt(v, unit) {
    if (Array.isArray(v)) v = v[v.length - 1];
    if (typeof v !== "number") return v == null || v === "-" ? "no value" : String(v);
    return nf.format(v) + unit;
  }
  var drawn = [];
  var done = {};
  function draw(el) {
    if (done[el.id] || !options[el.id]) return;
    done[el.id] = true;
    var opt = options[el.id];
    var units = JSON.parse(el.getAttribute("data-units") || "[]");
    (opt.series || []).forEach(function (s, i) {
      var unit = units[i] || "";
      s.tooltip = s.tooltip || {};
      s.tooltip.valueFormatter = function (v) { return fmt(v, unit); };
    });
    var c = echarts.init(el, null, { renderer: "canvas" });
    c.setOption(opt);
    el.setAttribute("data-drawn", "true");
    drawn.push(c);
  }
  var els = Array.prototype.slice.call(document.querySelectorAll(".chart"));
  if ("IntersectionObserver" in window) {
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { io.unobserve(e.target); draw(e.target); }
      });
    }, { rootMargin: "600px 0px" });
    els.forEach(function (el) { io.observe(el); });
  } else {
    els.forEach(draw);
  }
  // Draw every visible chart now (printing, tests); returns how many charts are drawn.
  window.driftwatchDrawAll = function () {
    els.forEach(function (el) { if (el.offsetParent !== null) draw(el); });
    return drawn.length;
  };
  window.addEventListener("beforeprint", window.driftwatchDrawAll);
  var resizing = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { drawn.forEach(function (c) { c.resize(); }); }, 100);
  });

  var q = document.getElementById("dw-q");
  var kind = document.getElementById("dw-kind");
  var count = document.getElementById("dw-count");
  var features = Array.prototype.slice.call(document.querySelectorAll(".feature"));
  function apply() {
    var s = q.value.trim().toLowerCase(), k = kind.value, n = 0;
    features.forEach(function (f) {
      var show = (!s || f.getAttribute("data-name").indexOf(s) >= 0) &&
        (!k || (k === "violated" ? f.getAttribute("data-violated") === "true" : f.getAttribute("data-kind") === k));
      f.hidden = !show;
      if (show) n++;
    });
    count.textContent = "showing " + n.toLocaleString("en-US") + " of " + features.length.toLocaleString("en-US") + " features";
  }
  q.addEventListener("input", apply);
  kind.addEventListener("change", apply);
  // A link to a hidden feature (from a table) clears the filters first.
  window.addEventListener("hashchange", function () {
    var t = document.getElementById(location.hash.slice(1));
    if (t && t.hidden) { q.value = ""; kind.value = ""; apply(); t.scrollIntoView(); }
  });
  apply();
})();
