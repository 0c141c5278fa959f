/* Behaviour that used to sit in inline handlers: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  // <select data-autosubmit>: choosing a value sends its form (the language switcher).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // <button data-print>: prints the page (receipts, deposit slips).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();