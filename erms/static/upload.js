/* Multi-file upload with a progress bar and drag and drop, for forms marked data-upload.
   Without this script (or without XMLHttpRequest/FormData) the plain file picker and form still work. */
(function () {
  "use strict";
  /* A file field with data-max-size refuses, before sending, files that together exceed it (the server would answer
     413 and lose the form): the message is said beside the field and the browser will not send the form. */
  document.querySelectorAll("input[type=file][data-max-size]").forEach(function (input) {
    var said = document.createElement("p");
    said.className = "error";
    said.id = input.id + "-size";
    said.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", said);
    input.addEventListener("change", function () {
      var total = 0;
      Array.prototype.forEach.call(input.files, function (file) { total += file.size; });
      var message = total > Number(input.dataset.maxSize) ? input.dataset.tooBig : "";
      input.setCustomValidity(message);
      said.textContent = message;
      said.hidden = !message;
    });
    said.hidden = true;
  });
  if (!window.FormData || !window.XMLHttpRequest) { return; }
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var zone = form.querySelector(".drop-zone");
    var bar = form.querySelector("progress");
    if (zone && input) {
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length) {
          input.files = event.dataTransfer.files;
          input.dispatchEvent(new Event("change"));  // setting the files says nothing: check their size
        }
      });
    }
    form.addEventListener("submit", function (event) {
      if (!input || !input.files.length || !bar) { return; }  // let the browser report the empty field
      event.preventDefault();
      var request = new XMLHttpRequest();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      bar.hidden = false;
      request.upload.addEventListener("progress", function (progress) {
        if (progress.lengthComputable) { bar.value = Math.round(100 * progress.loaded / progress.total); }
      });
      request.addEventListener("load", function () {
        // The redirected page (or the form again with its errors) is already here: show it as it is,
        // since loading it anew would lose its one-time message.
        var shown = request.responseURL;
        // A redirect's #fragment never reaches the script: the form names the part of the page it leads to
        // (data-upload="documents": the list holding the new files), as the browser would have scrolled to it.
        var redirected = shown && shown !== form.action && form.dataset.upload;
        if (redirected) { shown += "#" + form.dataset.upload; }
        if (shown) { window.history.replaceState(null, "", shown); }
        document.open(); document.write(request.responseText); document.close();
        var part = redirected && document.getElementById(form.dataset.upload);
        if (part) { part.scrollIntoView(); }
      });
      request.addEventListener("error", function () { form.submit(); });
      request.open("POST", form.action);
      request.send(new FormData(form));
    });
  });
}());
