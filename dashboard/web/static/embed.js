/* Draws the embedded chart and tells the host page its height (postMessage).
   Served by the app itself: no inline script, nothing from another origin. */
(function () {
  "use strict";
  var chart = document.getElementById("chart");
  var figure = JSON.parse(document.getElementById("figure").textContent);
  var config = JSON.parse(document.getElementById("config").textContent);
  function report() {
    if (window.parent === window) { return; }
    window.parent.postMessage({
      type: "rare-earth-embed:height",
      height: Math.ceil(document.documentElement.scrollHeight),
      chart: document.body.getAttribute("data-chart"),
      href: window.location.href
    }, "*");
  }
  Plotly.newPlot(chart, figure.data, figure.layout, config).then(function () {
    document.body.setAttribute("data-rendered", "true");
    report();
  });
  window.addEventListener("resize", function () { Plotly.Plots.resize(chart); report(); });
})();
