// The hub's small client. Pages work without it; it only adds conveniences.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // A <select data-autosubmit> submits its form on change (the language switch).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });

  // The header's Menu button folds the menu on a phone; Escape closes it and returns focus.
  document.querySelectorAll(".menu-button[aria-controls]").forEach(function (button) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) { return; }
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  });

  // Forms with data-confirm ask before submitting (removing a member, revoking an invitation).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // A vote's time left counts down between page loads: [data-countdown="<closing ISO time>"]
  // (the server's text stays until the first tick; a tally replaced live is picked up too).
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = Math.max(0, Math.floor((Date.parse(el.getAttribute("data-countdown")) - Date.now()) / 1000));
      if (isNaN(left)) { return; }
      var days = Math.floor(left / 86400);
      var text = pad(Math.floor(left / 3600) % 24) + ":" + pad(Math.floor(left / 60) % 60) + ":" + pad(left % 60);
      el.textContent = (days ? days + " " + (el.getAttribute("data-unit-day") || "d") + " " : "") + text;
    });
  }
  if (document.querySelector("[data-countdown]")) { tick(); setInterval(tick, 1000); }
})();
