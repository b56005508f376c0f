// The count of 'excellent' grades against the quota, shown as the secretary chooses.
(function () {
  var form = document.querySelector(".close-form");
  var out = document.querySelector(".excellent-count");
  if (!form || !out) { return; }
  var quota = parseInt(form.dataset.quota, 10);
  function count() {
    var n = form.querySelectorAll('input[value="excellent"]:checked').length;
    out.hidden = false;
    out.textContent = form.dataset.countLabel + " " + n + " / " + quota;
    out.classList.toggle("error", n > quota);
  }
  form.addEventListener("change", count);
  count();
}());
