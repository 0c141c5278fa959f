// Accessible names the Django admin leaves out: the search-as-you-type pupil pickers (select2) take
// their field's label, and the fields of a tabular inline take their column's title and row number.
(function () {
  "use strict";

  function text(element) {
    return element ? element.textContent.replace(/\s+/g, " ").replace(/[:*]\s*$/, "").trim() : "";
  }

  function nameSelect2(select) {
    var container = select.nextElementSibling;
    if (!container || !container.classList.contains("select2")) return;
    var label = document.querySelector('label[for="' + select.id + '"]');
    var name = text(label) || columnName(select);
    if (!name) return;
    container.querySelectorAll('[role="combobox"], [role="textbox"]').forEach(function (element) {
      element.setAttribute("aria-label", name);
    });
  }

  function columnName(field) {
    var cell = field.closest("td");
    var table = field.closest("table");
    var row = field.closest("tr");
    if (!cell || !table || !row) return "";
    var column = Array.prototype.find.call(cell.classList, function (c) { return c.indexOf("field-") === 0; });
    var header = column && table.querySelector("thead th.column-" + column.slice(6));
    if (!header) return "";
    var rows = Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return r.classList.contains("form-row"); });
    var index = rows.indexOf(row);
    return index >= 0 ? text(header) + " (" + (index + 1) + ")" : text(header);
  }

  function label(root) {
    root.querySelectorAll(".tabular td input, .tabular td select, .tabular td textarea").forEach(function (field) {
      if (field.type === "hidden" || field.labels && field.labels.length || field.hasAttribute("aria-label")) return;
      var name = columnName(field);
      if (name) field.setAttribute("aria-label", name);
    });
    root.querySelectorAll("select.admin-autocomplete").forEach(nameSelect2);
  }

  function later() { window.setTimeout(function () { label(document); }, 0); }
  window.addEventListener("load", later);
  document.addEventListener("formset:added", later);
})();

// A choice that decides which field applies (a mandate's mode: the monthly amount or the meals): the form
// row of the other field is hidden. data-shows="fixed:monthly_amount,top_up:meals". Without JavaScript
// both rows show, each saying its mode, and the server keeps only the chosen mode's field.
(function () {
  "use strict";

  function apply(select) {
    var pairs = select.getAttribute("data-shows").split(",").map(function (pair) { return pair.split(":"); });
    var form = select.form || document;
    pairs.forEach(function (pair) {
      var row = form.querySelector(".form-row.field-" + pair[1]) || form.querySelector(".field-" + pair[1]);
      if (row) row.hidden = pair[0] !== select.value;
    });
  }

  function start() {
    document.querySelectorAll("select[data-shows]").forEach(function (select) {
      apply(select);
      select.addEventListener("change", function () { apply(select); });
    });
  }
  // admin.js is loaded with "defer": the document is parsed when it runs.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
