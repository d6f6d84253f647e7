/* For pages that embed rare-earth dashboard charts in iframes.
   Include once: <script src="https://YOUR-DASHBOARD/embed-assets/host.js"></script>
   Every iframe whose src is an /embed/ URL of the dashboard then gets the height its
   chart asks for. Only messages from iframes on this page are considered.
   A repeated height, a change of a pixel or two, or a height flipping back to the one
   before (content rewrapping as a scrollbar comes and goes) changes nothing: the frame
   keeps the taller of the two, so it settles instead of following every report. */
(function () {
  "use strict";
  var MIN = 150, MAX = 4000, TOLERANCE = 2;

  function setHeight(frame, asked) {
    var height = Math.round(Math.min(Math.max(asked, MIN), MAX));
    var applied = frame.rareEarthHeights || (frame.rareEarthHeights = []);
    var current = applied.length ? applied[applied.length - 1] : null;
    if (current !== null && Math.abs(height - current) <= TOLERANCE) { return; }
    var before = applied.length > 1 ? applied[applied.length - 2] : null;
    if (before !== null && Math.abs(height - before) <= TOLERANCE) {
      height = Math.max(height, current);
      if (height === current) { return; }
    }
    applied.push(height);
    if (applied.length > 4) { applied.shift(); }
    frame.style.height = height + "px";
  }

  /* A frame that drew before this script ran has already reported, to nobody: ask every
     frame again now, and each frame again when it (re)loads. */
  function ask(frame) {
    if (frame.contentWindow) {
      frame.contentWindow.postMessage({type: "rare-earth-embed:ask-height"}, "*");
    }
  }
  var present = document.getElementsByTagName("iframe");
  for (var j = 0; j < present.length; j++) {
    ask(present[j]);
    present[j].addEventListener("load", function (event) { ask(event.target); });
  }

  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type !== "rare-earth-embed:height" || typeof data.height !== "number" ||
        !isFinite(data.height)) { return; }
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) { setHeight(frames[i], data.height); }
    }
  });
})();
