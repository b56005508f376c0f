// Attendance marked by tapping: each tap moves a member to the next state; the radios stay the form's truth.
(function () {
  var box = document.getElementById("attendance");
  if (!box) { return; }
  var labels = JSON.parse(document.getElementById("att-labels").textContent);
  var order = ["", "present", "late", "excused", "absent"];
  var rows = Array.prototype.slice.call(box.querySelectorAll("li.att"));
  var counter = box.querySelector(".att-count");
  function show(li) {
    var state = li.dataset.state || "";
    li.querySelector(".att-state").textContent = labels[state];
    li.querySelector(".att-toggle").setAttribute("aria-pressed", state ? "true" : "false");
  }
  function count() {
    var n = {"": 0, present: 0, late: 0, excused: 0, absent: 0};
    rows.forEach(function (li) { n[li.dataset.state || ""] += 1; });
    counter.textContent = order.slice(1).concat([""]).map(function (s) { return labels[s] + " " + n[s]; }).join(" · ");
  }
  function set(li, state) {
    li.dataset.state = state;
    var radio = li.querySelector('input[type=radio][value="' + state + '"]');
    if (radio) { radio.checked = true; }
    show(li);
  }
  rows.forEach(function (li) {
    var button = li.querySelector(".att-toggle");
    button.hidden = false;
    show(li);
    button.addEventListener("click", function () {
      var next = order[(order.indexOf(li.dataset.state || "") + 1) % order.length];
      set(li, next);
      count();
    });
  });
  document.getElementById("all-present").addEventListener("click", function () {
    rows.forEach(function (li) { if (!li.dataset.state) { set(li, "present"); } });
    count();
  });
  box.querySelector(".att-tools").hidden = false;
  box.querySelector(".att-help-js").hidden = false;
  box.querySelector(".att-help-nojs").hidden = true;
  box.classList.add("js");
  count();
}());
