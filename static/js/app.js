// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Tables that scroll inside themselves on phones (app.css) can be
  // scrolled from the keyboard too.
  document.querySelectorAll(
    "main table:not(.cards-on-phone), .table-scroll, .grid-scroll"
  ).forEach(function (region) {
    if (!region.hasAttribute("tabindex")) {
      region.setAttribute("tabindex", "0");
    }
  });

  // On phones a list's filters fold away unless one is on, so the list
  // itself is on the first screen.
  if (window.matchMedia("(max-width: 768px)").matches) {
    document.querySelectorAll("details.filters-panel[open]:not([data-filtering])").forEach(function (panel) {
      panel.removeAttribute("open");
    });
  }

  // Tables that become cards on phones (app.css) label each value with its
  // column's heading.
  document.querySelectorAll("table.cards-on-phone").forEach(function (table) {
    var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (!cell.hasAttribute("data-label") && headings[index]) {
          cell.setAttribute("data-label", headings[index]);
        }
      });
    });
  });

  // The language switcher submits as soon as a language is picked; its
  // button stays for browsers without JavaScript.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select) {
      select.form.submit();
    }
  });

  // Print buttons on agendas, grids, table signs and sheets.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // Addresses meant to be copied are selected whole.
  document.addEventListener("focusin", function (event) {
    var field = event.target.closest("input[data-select-on-focus]");
    if (field) {
      field.select();
    }
  });

  // htmx swaps nothing when the server is too busy to save an answer (503);
  // say so, rather than leave the button looking as if it did nothing.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 503 && xhr.responseText) {
      window.alert(xhr.responseText);
    }
  });

  // Forms that destroy something ask first.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();
