/* A form is sent once: a second press of its button while the first sending is on its way (a double click, or an
   impatient one on a slow line) is ignored, where it saved the same thing twice, or showed a person their own save
   as a colleague's. The page that answers replaces this one; a form answered by a download, which leaves the page
   as it was, may be sent again after a while. Forms with their own sending (data-upload) are left to it. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.method.toLowerCase() !== "post" || form.hasAttribute("data-upload")) { return; }
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "yes";
    window.setTimeout(function () { delete form.dataset.sending; }, 10000);
  });
  // Back to this page from the next one (kept by the browser as it was): its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-sending]").forEach(function (form) { delete form.dataset.sending; });
  });
}());
