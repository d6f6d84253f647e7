// Starts the download of the map's geometry once plotly.js has loaded, instead of when the
// map is first drawn. Dash puts the files of assets/plotly/ on the page in name order, so
// this one runs right after plotly-partial.min.js, the page's largest script: the network
// is nearly idle from then on, and the geometry arrives while Dash fetches its layout and
// runs the first callbacks. plotly.js's own request for the URL takes the preloaded answer
// (one request; benchmarks/first_paint.py counts them). Not on a page that opens another
// tab, which draws no map (dashboard/web/ids.py: Tab). world_50m: the map's geo.resolution
// is 50 (dashboard/figures/choropleth.py).
(function () {
    var TABS_WITHOUT_MAP = ['surges', 'dependency', 'flows', 'series', 'mirror'];
    var script = document.currentScript;
    var tab = new URLSearchParams(window.location.search).get('tab');
    if (!script || !script.src || TABS_WITHOUT_MAP.indexOf(tab) >= 0) {
        return;
    }
    var link = document.createElement('link');
    link.rel = 'preload';
    link.as = 'fetch';
    link.crossOrigin = 'anonymous';  // the credentials mode of plotly.js's request
    link.href = new URL('../topojson/world_50m.json', script.src).href;
    document.head.appendChild(link);
})();
