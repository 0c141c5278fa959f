/* "Montant à payer" follows what the parent types; the server recalculates it without JavaScript. */
(function () {
  "use strict";
  var format = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });

  function parse(text) {
    var cleaned = text.replace(/[\s\u00a0€]/g, "").replace(",", ".");
    if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
    return Math.round(parseFloat(cleaned) * 100); // cents, to add without rounding errors
  }

  document.querySelectorAll("form.credit-form").forEach(function (form) {
    var output = form.querySelector(".to-pay");
    var inputs = form.querySelectorAll("input.credit-amount");
    function update() {
      var cents = 0, valid = false;
      inputs.forEach(function (input) {
        if (!input.value.trim()) return;
        var value = parse(input.value);
        if (value === null) { cents = NaN; return; }
        cents += value; valid = true;
      });
      output.textContent = valid && !isNaN(cents) ? format.format(cents / 100) : "—";
    }
    inputs.forEach(function (input) { input.addEventListener("input", update); });
    update();
    form.querySelectorAll(".quick-choice").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        inputs[0].value = button.value.replace(".", ",");
        update();
        inputs[0].focus();
      });
    });
  });
})();
