// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // The language switcher submits as soon as a language is picked; its
  // button stays for browsers without JavaScript.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select) {
      select.form.submit();
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
