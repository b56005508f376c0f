/* Searchable pickers: suggestions under a text box marked data-pick-url, as one types. The box works without
   this script (the server finds what was typed); this only saves typing. No library, no network but our own. */
(function () {
  "use strict";
  var seq = 0;

  function attach(input) {
    var list = document.createElement("ul");
    list.className = "pick-suggestions";
    list.id = "pick-" + (++seq);
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-autocomplete", "list");
    input.removeAttribute("list"); /* our suggestions replace the browser's datalist */
    input.insertAdjacentElement("afterend", list);
    var timer = null;
    var asked = "";

    function close() { list.hidden = true; list.textContent = ""; }

    function show(results) {
      list.textContent = "";
      results.forEach(function (row) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.setAttribute("role", "option");
        button.textContent = row.label;
        button.addEventListener("click", function () {
          input.value = row.value;
          close();
          input.focus();
        });
        item.appendChild(button);
        list.appendChild(item);
      });
      list.hidden = results.length === 0;
    }

    function ask() {
      var q = input.value.trim();
      if (!q || q === asked) { if (!q) close(); return; }
      asked = q;
      var url = input.getAttribute("data-pick-url");
      url += (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (input.value.trim() === q) show(data.results || []); })
        .catch(close);
    }

    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 250); });
    input.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-pick-url]"), attach);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
