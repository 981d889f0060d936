// The steps table, progressive enhancement only: paste rows copied from a spreadsheet, and move
// between rows with the arrow keys. Without this file the table is a plain form that saves the same.
(function () {
  "use strict";

  var table = document.querySelector("table.steps-grid");
  if (!table) { return; }
  var body = table.tBodies[0];
  var template = document.getElementById("grid-new-row");
  var nextNumber = parseInt(table.getAttribute("data-next-number"), 10) || 1;

  function rows() {
    return Array.prototype.slice.call(body.querySelectorAll("tr.grid-row"));
  }

  function cells(row) {
    return Array.prototype.slice.call(row.querySelectorAll("[data-column]"));
  }

  function addRow() {
    var key = "n" + nextNumber;
    nextNumber += 1;
    var html = template.innerHTML.split("__key__").join(key)
      .split("__number__").join(String(rows().length + 1));
    var holder = document.createElement("tbody");
    holder.innerHTML = html;
    var row = holder.querySelector("tr.grid-row");
    body.appendChild(row);
    return row;
  }

  function norm(text) {
    return String(text).trim().toLowerCase();
  }

  // A select takes a pasted value, its label, or the start of its label ("Process" for "Process (box)").
  function chooseOption(select, text) {
    var wanted = norm(text);
    var options = Array.prototype.slice.call(select.options);
    var match = options.filter(function (o) { return norm(o.value) === wanted || norm(o.text) === wanted; })[0] ||
      options.filter(function (o) { return wanted && norm(o.text).indexOf(wanted) === 0; })[0];
    if (match) { select.value = match.value; }
  }

  function fill(cell, text) {
    if (cell.tagName === "SELECT") {
      chooseOption(cell, text);
    } else {
      cell.value = String(text).trim();
    }
  }

  function parse(text) {
    var lines = text.replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n");
    return lines.map(function (line) { return line.split("\t"); });
  }

  table.addEventListener("paste", function (event) {
    var target = event.target;
    if (!target.hasAttribute || !target.hasAttribute("data-column")) { return; }
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (text.indexOf("\t") < 0 && text.indexOf("\n") < 0) { return; } // one value: the browser pastes it
    event.preventDefault();
    var grid = parse(text);
    var startRow = rows().indexOf(target.closest("tr.grid-row"));
    var startCol = cells(target.closest("tr.grid-row")).indexOf(target);
    grid.forEach(function (values, offset) {
      var row = rows()[startRow + offset] || addRow();
      var rowCells = cells(row);
      values.forEach(function (value, index) {
        var cell = rowCells[startCol + index];
        if (cell) { fill(cell, value); }
      });
      row.classList.add("pasted");
    });
  });

  table.addEventListener("keydown", function (event) {
    if ((event.key !== "ArrowUp" && event.key !== "ArrowDown") || event.altKey || event.shiftKey) { return; }
    var target = event.target;
    if (target.tagName !== "INPUT" || !target.hasAttribute("data-column")) { return; }
    var all = rows();
    var index = all.indexOf(target.closest("tr.grid-row")) + (event.key === "ArrowUp" ? -1 : 1);
    if (index < 0 || index >= all.length) { return; }
    var next = all[index].querySelector('[data-column="' + target.getAttribute("data-column") + '"]');
    if (next) {
      event.preventDefault();
      next.focus();
      if (next.select) { next.select(); }
    }
  });
})();
