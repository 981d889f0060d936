// Value streams, progressive enhancement only: tag a step in place without reloading the page.
// Without this file the same forms post normally and the page comes back with the new tag.
(function () {
  "use strict";

  // The charts here are SVG with no srcset: the src is the one address an image shows from.
  function refreshCharts() {
    var stamp = String(Date.now());
    document.querySelectorAll("img[data-chart]").forEach(function (img) {
      var url = new URL(img.getAttribute("src"), window.location.href);
      url.searchParams.set("v", stamp);
      img.setAttribute("src", url.pathname + url.search);
    });
  }

  function formData(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) {
      data.set(submitter.name, submitter.value);
    }
    return data;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("tag-form") || !window.fetch) {
      return;
    }
    var row = form.closest("tr.step-row");
    if (!row) {
      return; // on the step page the plain post is just as quick
    }
    event.preventDefault();
    var submitter = event.submitter;
    row.classList.add("saving");
    fetch(form.action, {
      method: "POST",
      body: formData(form, submitter),
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (body) {
        return { ok: response.ok, body: body };
      });
    }).then(function (result) {
      var holder = document.createElement("tbody");
      holder.innerHTML = result.body.row;
      var fresh = holder.querySelector("tr");
      row.replaceWith(fresh);
      var figures = document.getElementById("stream-figures");
      if (figures && result.body.figures) {
        figures.innerHTML = result.body.figures;
      }
      if (result.ok) {
        fresh.classList.add("saved");
        refreshCharts();
      }
      var first = fresh.querySelector(".tag-button.current") || fresh.querySelector(".tag-button");
      if (first) { first.focus(); }
    }).catch(function () {
      row.classList.remove("saving");
      if (submitter && submitter.name) { // fall back to the plain post, with the button pressed
        var pressed = document.createElement("input");
        pressed.type = "hidden";
        pressed.name = submitter.name;
        pressed.value = submitter.value;
        form.appendChild(pressed);
      }
      form.submit();
    });
  });
})();
