/* The dossier page after files were added: asks every few seconds whether the worker has read them yet, then says
   the page may be reloaded (it never reloads by itself: a form may be half filled in). Without it, reloading works. */
(function () {
  "use strict";
  var status = document.getElementById("being-read");
  if (!status || !window.fetch) { return; }
  var tries = 0;
  function done() {
    status.textContent = status.getAttribute("data-done") + " ";
    var link = document.createElement("a");
    link.href = window.location.pathname + "#documents";
    link.textContent = status.getAttribute("data-reload");
    link.addEventListener("click", function (event) { event.preventDefault(); window.location.reload(); });
    status.appendChild(link);
  }
  function ask() {
    tries += 1;
    fetch(status.getAttribute("data-poll"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (found) {
        if (found && found.pending === 0) { done(); } else if (tries < 60) { window.setTimeout(ask, 3000); }
      })
      .catch(function () { if (tries < 60) { window.setTimeout(ask, 3000); } });
  }
  window.setTimeout(ask, 3000);
}());
