// The desk's keyboard shortcuts and small helps; every page works without this script.
"use strict";
(function () {
  // Alt+N new visit, Alt+J today's visits, Alt+A workshop, Alt+R the first follow-up to call back (Enter
  // opens it), Alt+C figures.
  var targets = { n: "motif", j: "du-jour", a: "theme", r: "suivi-premier", s: "suivant" };
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    var key = event.key.toLowerCase();
    if (key === "c") {
      event.preventDefault();
      window.location.assign("/figures");
      return;
    }
    if (key === "s" && !document.getElementById("suivant")) {  // Alt+S: the waiting room, its « Suivant »
      event.preventDefault();
      window.location.assign("/desk/waiting");
      return;
    }
    if (key === "n" && !document.getElementById("motif")) {
      event.preventDefault();
      window.location.assign("/desk");
      return;
    }
    var target = targets[key] && document.getElementById(targets[key]);
    if (target) {
      event.preventDefault();
      target.focus();
      if (target.scrollIntoView) target.scrollIntoView({ block: "center" });
    }
  });

  // Ticking an act suggests its usual registre; the agent sees it checked and can untick it.
  document.querySelectorAll("form[data-registres-from-acts]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var box = event.target;
      if (box.name !== "acts" || !box.checked || !box.dataset.registre) return;
      var registre = form.querySelector('input[name="registres"][value="' + box.dataset.registre + '"]');
      if (registre) registre.checked = true;
    });
  });

  // After a refused form, the list of problems takes the focus so a screen reader reads it first.
  var errors = document.getElementById("erreurs");
  if (errors) errors.focus();
  // A temporary password just made is read first, to be passed on (it is shown this once).
  var shownOnce = document.getElementById("mot-de-passe-provisoire");
  if (shownOnce && !errors) shownOnce.focus();
  // The export's print button (no inline script: the pages' Content-Security-Policy forbids it).
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
