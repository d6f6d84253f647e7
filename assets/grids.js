/* The data grids, made in the browser once the grid library has loaded.
   dash-ag-grid is ~600 KB (its script and its async chunk) that the first drawing of the
   map does not need: the page names the script in <meta name="grid-library">
   (dashboard/web/app.py, defer_grid_library) instead of loading it, and the first grid asked
   for loads it, once the charts of the shown tab are drawn (or after MAX_WAIT_MS). Each
   grid's props come from a store (dashboard/web/chart_blocks.py, grid_props); the grid is
   returned as the children of its slot. */
(function () {
  var MAX_WAIT_MS = 5000;
  var loading = null;

  // A chart is drawn when plotly has made its SVG; a map, once its geography is in.
  var chartsDrawn = function () {
    var shown = document.querySelector(".view-section:not([hidden])");
    if (!shown) return true;
    return Array.prototype.every.call(shown.querySelectorAll(".chart-block .graph"),
      function (graph) {
        var geo = graph.querySelector(".geolayer");
        return graph.querySelector(".main-svg") && (!geo || geo.querySelector("path"));
      });
  };

  var whenChartsDrawn = function () {
    var start = performance.now();
    return new Promise(function (resolve) {
      (function poll() {
        if (chartsDrawn() || performance.now() - start > MAX_WAIT_MS) {
          // After the frame that paints them, not before it.
          window.requestAnimationFrame(function () { setTimeout(resolve, 0); });
        } else {
          setTimeout(poll, 50);
        }
      })();
    });
  };

  var loadLibrary = function () {
    if (window.dash_ag_grid) return Promise.resolve();
    if (!loading) {
      loading = whenChartsDrawn().then(function () {
        return new Promise(function (resolve, reject) {
          var meta = document.querySelector('meta[name="grid-library"]');
          var script = document.createElement("script");
          script.src = meta.content;
          script.onload = resolve;
          script.onerror = function () {
            loading = null;  // a later grid tries again
            reject(new Error("the grid library did not load: " + meta.content));
          };
          document.head.appendChild(script);
        });
      });
    }
    return loading;
  };

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    grids: {
      make: function (props) {
        if (!props) return window.dash_clientside.no_update;
        return loadLibrary().then(function () {
          return {type: "AgGrid", namespace: "dash_ag_grid", props: props};
        });
      }
    }
  });
})();
