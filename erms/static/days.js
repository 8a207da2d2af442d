/* A small calendar beside every day field (input.date): the field stays plain text, typed day first
   (dd/mm/yyyy); the calendar only fills it. Without this script the field works as typed text. */
(function () {
  "use strict";
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  var shown = function (d) { return pad(d.getDate()) + "/" + pad(d.getMonth() + 1) + "/" + d.getFullYear(); };
  var read = function (text) {
    var m = /^(\d{1,2})[\/.-](\d{1,2})[\/.-](\d{4})$/.exec(text.trim()) || /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
    if (!m) { return null; }
    var d = m[1].length === 4 ? new Date(+m[1], +m[2] - 1, +m[3]) : new Date(+m[3], +m[2] - 1, +m[1]);
    return isNaN(d.getTime()) ? null : d;
  };
  document.querySelectorAll("input.date").forEach(function (input) {
    var words = (input.dataset.calendarWords || "Tháng|Tháng trước|Tháng sau|T2,T3,T4,T5,T6,T7,CN").split("|");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary calendar-open";
    button.textContent = input.dataset.calendar || "Lịch";
    button.setAttribute("aria-label", (input.dataset.calendar || "Lịch") + ": " + (input.labels[0] ? input.labels[0].textContent : ""));
    input.insertAdjacentElement("afterend", button);
    var panel = null;
    var close = function () { if (panel) { panel.remove(); panel = null; button.focus(); } };
    var draw = function (month) {
      panel.textContent = "";
      var head = document.createElement("div");
      head.className = "calendar-head";
      var previous = document.createElement("button"), next = document.createElement("button");
      previous.type = next.type = "button";
      previous.textContent = "‹"; next.textContent = "›";
      previous.setAttribute("aria-label", words[1]); next.setAttribute("aria-label", words[2]);
      previous.addEventListener("click", function () { draw(new Date(month.getFullYear(), month.getMonth() - 1, 1)); });
      next.addEventListener("click", function () { draw(new Date(month.getFullYear(), month.getMonth() + 1, 1)); });
      var title = document.createElement("strong");
      title.textContent = words[0] + " " + (month.getMonth() + 1) + "/" + month.getFullYear();
      head.append(previous, title, next);
      var grid = document.createElement("div");
      grid.className = "calendar-grid";
      words[3].split(",").forEach(function (name) {
        var cell = document.createElement("span"); cell.textContent = name; grid.append(cell);
      });
      var first = (new Date(month.getFullYear(), month.getMonth(), 1).getDay() + 6) % 7;  // Monday first
      for (var i = 0; i < first; i++) { grid.append(document.createElement("span")); }
      var days = new Date(month.getFullYear(), month.getMonth() + 1, 0).getDate();
      for (var day = 1; day <= days; day++) {
        var pick = document.createElement("button");
        pick.type = "button";
        pick.textContent = day;
        pick.dataset.day = shown(new Date(month.getFullYear(), month.getMonth(), day));
        pick.addEventListener("click", function (event) {
          input.value = event.currentTarget.dataset.day;
          input.dispatchEvent(new Event("change", { bubbles: true }));
          close();
        });
        grid.append(pick);
      }
      panel.append(head, grid);
    };
    button.addEventListener("click", function () {
      if (panel) { close(); return; }
      panel = document.createElement("div");
      panel.className = "calendar";
      panel.setAttribute("role", "dialog");
      panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { close(); } });
      button.insertAdjacentElement("afterend", panel);
      var current = read(input.value) || new Date();
      draw(new Date(current.getFullYear(), current.getMonth(), 1));
      panel.querySelector(".calendar-grid button").focus();
    });
  });
})();
