/* Refuse a file over the upload limit before it is sent: a request over the server's
   limit would otherwise fail with no message. Served by the app (CSP: script-src 'self'). */
(function () {
  "use strict";
  function limitOf(target) {
    var box = target && target.closest ? target.closest("[data-max-bytes]") : null;
    return box ? { box: box, bytes: Number(box.getAttribute("data-max-bytes")) } : null;
  }
  function refuse(event, files) {
    var limit = limitOf(event.target);
    if (!limit || !files || !files.length) { return; }
    var file = files[0];
    if (file.size <= limit.bytes) { return; }
    event.stopPropagation();
    event.preventDefault();
    if (event.target.value !== undefined && event.target.type === "file") {
      event.target.value = "";
    }
    var message = document.getElementById("upload-message");
    if (message) {
      message.textContent = "Not loaded: " + file.name + " is larger than the " +
        (limit.bytes / 1e6).toLocaleString("en", { maximumFractionDigits: 3 }) +
        " MB limit; split it by year or reporter, or ask the operator to serve it from " +
        "the data folder.";
    }
  }
  window.addEventListener("change", function (event) {
    if (event.target && event.target.type === "file") { refuse(event, event.target.files); }
  }, true);
  window.addEventListener("drop", function (event) {
    refuse(event, event.dataTransfer && event.dataTransfer.files);
  }, true);
})();
