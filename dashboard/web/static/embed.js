/* Draws the embedded chart and tells the host page its height (postMessage).
   Served by the app itself: no inline script, nothing from another origin.

   The height reported is the content's own (notices + chart), never the document's: a
   document stretched to the iframe, or a chart sized in vh, grows with the frame, and
   host.js growing the frame to it made the two feed each other up to the 4,000 px cap. */
(function () {
  "use strict";
  var DEFAULT_HEIGHT = 450;  /* px, for a figure that names none (they all do today) */
  var content = document.getElementById("embed-content");
  var chart = document.getElementById("chart");
  var figure = JSON.parse(document.getElementById("figure").textContent);
  var config = JSON.parse(document.getElementById("config").textContent);
  var reported = 0;

  /* A frame as narrow as a phone's page asks once for the figure laid out for it (short
     caption lines, legends above the plot); routes.py reads fit=narrow. */
  var NARROW_PX = 600;
  var params = new URLSearchParams(window.location.search);
  if (window.innerWidth < NARROW_PX && !params.has("fit")) {
    params.set("fit", "narrow");
    window.location.replace(window.location.pathname + "?" + params.toString());
    return;
  }

  /* A fixed height: with autosize, plotly would otherwise take the container's height,
     which follows the frame. The width still follows the frame. */
  var height = (figure.layout && figure.layout.height) || DEFAULT_HEIGHT;
  chart.style.height = height + "px";
  figure.layout = Object.assign({}, figure.layout, {height: height});

  function naturalHeight() {
    /* Bottom of the content box in document coordinates: it does not depend on the
       frame's height (the wrapper is a flow root, so its children's margins are inside). */
    return Math.ceil(content.getBoundingClientRect().bottom + window.scrollY);
  }

  function report() {
    if (window.parent === window) { return; }
    var height = naturalHeight();
    if (height === reported) { return; }  /* a repeat tells the host nothing */
    reported = height;
    window.parent.postMessage({
      type: "rare-earth-embed:height",
      height: height,
      chart: document.body.getAttribute("data-chart"),
      href: window.location.href
    }, "*");
  }

  Plotly.newPlot(chart, figure.data, figure.layout, config).then(function () {
    document.body.setAttribute("data-rendered", "true");
    report();
    /* Later changes of the content's own size (a notice rewrapping at a new width). */
    if (window.ResizeObserver) { new ResizeObserver(report).observe(content); }
  });
  window.addEventListener("resize", function () { Plotly.Plots.resize(chart); report(); });
  /* host.js asks when it starts: a report sent before its listener existed was lost. */
  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data &&
        event.data.type === "rare-earth-embed:ask-height" &&
        document.body.getAttribute("data-rendered") === "true") {
      reported = 0;
      report();
    }
  });
})();
