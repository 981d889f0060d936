// The progress of a background import, progressive enhancement only: without this file the page
// refreshes itself (a meta refresh in <noscript>); with it, the bar follows the JSON status and the
// page is reloaded once the import has ended, to show its result.
(function () {
  "use strict";
  var POLL_MS = 1000;

  function text(selector, value) {
    var element = document.querySelector(selector);
    if (element) { element.textContent = value; }
  }

  function show(status) {
    var bar = document.querySelector("[data-import-progress]");
    if (bar) { bar.value = status.percent; bar.textContent = status.percent + " %"; }
    text("[data-import-percent]", String(status.percent));
    text("[data-import-events]", status.events_read.toLocaleString("en"));
    text("[data-import-bytes]", (status.bytes_read / 1000000).toFixed(1));
    if (status.state === "writing") {
      text("[data-import-state]", "All events read; writing them into the log …");
    } else if (status.state === "reading") {
      text("[data-import-state]", "Reading and checking the events …");
    }
  }

  function poll(panel) {
    window.fetch(panel.getAttribute("data-status-url"), {credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (status) {
        if (status.finished || status.state === "stalled") {
          window.location.reload();
          return;
        }
        show(status);
        window.setTimeout(function () { poll(panel); }, POLL_MS);
      })
      .catch(function () {
        window.setTimeout(function () { window.location.reload(); }, 2 * POLL_MS);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.querySelector(".import-status[data-status-url]");
    if (panel && window.fetch && document.querySelector("[data-import-progress]")) {
      window.setTimeout(function () { poll(panel); }, POLL_MS);
    }
  });
})();
