/* « Réserver mes repas »: each day's button posts in the background and the page follows, without reloading.
   Without this script the same buttons post the form and the grid comes back with the message. */
(function () {
  "use strict";
  var status = document.getElementById("booking-status");

  function say(message, ok) {
    status.textContent = message;
    var toast = document.querySelector(".booking-toast");
    if (!toast) {
      toast = document.createElement("div");
      toast.className = "booking-toast alert";
      toast.setAttribute("aria-hidden", "true");  // the live region above says it to screen readers
      document.body.appendChild(toast);
    }
    toast.textContent = message;
    toast.classList.toggle("alert-success", ok);
    toast.classList.toggle("alert-danger", !ok);
    toast.classList.add("shown");
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { toast.classList.remove("shown"); }, 3500);
  }

  function update(button, data) {
    var booked = data.booked;
    button.name = booked ? "unbook" : "book";
    button.classList.toggle("booked", booked);
    button.setAttribute("aria-pressed", booked ? "true" : "false");
    var icon = button.querySelector(".bi");
    icon.className = "bi " + (booked ? "bi-check-circle-fill" : "bi-circle");
    var hidden = button.querySelector(".visually-hidden");
    hidden.textContent = booked ? button.form.dataset.bookedLabel : button.form.dataset.freeLabel;
  }

  function balances(data) {
    var section = document.getElementById("enfant-" + data.pupil);
    if (!section || data.estimate === undefined) { return; }
    var estimate = section.querySelector("[data-estimate]");
    estimate.textContent = data.estimate;
    estimate.classList.toggle("negative", data.short);
    section.querySelector("[data-short]").classList.toggle("d-none", !data.short);
  }

  document.querySelectorAll("form[data-booking-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !window.fetch) { return; }  // the plain post does it
      event.preventDefault();
      if (button.getAttribute("aria-busy") === "true") { return; }
      button.setAttribute("aria-busy", "true");
      var body = new FormData(form);
      body.append(button.name, button.value);
      fetch(form.action, {method: "POST", body: body, headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.ok) { update(button, data); }
          balances(data);
          say(data.message, data.ok);
        })
        .catch(function () { form.submit(); })
        .finally(function () { button.removeAttribute("aria-busy"); });
    });
  });
})();
