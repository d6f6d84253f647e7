/* For pages that embed rare-earth dashboard charts in iframes.
   Include once: <script src="https://YOUR-DASHBOARD/embed-assets/host.js"></script>
   Every iframe whose src is an /embed/ URL of the dashboard then gets the height its
   chart asks for. Only messages from iframes on this page are considered. */
(function () {
  "use strict";
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type !== "rare-earth-embed:height" || typeof data.height !== "number") { return; }
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.min(Math.max(data.height, 150), 4000) + "px";
      }
    }
  });
})();
