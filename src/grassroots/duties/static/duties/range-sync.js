// A range slider and its number field keep the same value, whichever is moved.
document.querySelectorAll("input[data-sync]").forEach(function (range) {
  var number = document.getElementById(range.dataset.sync);
  if (!number) { return; }
  range.addEventListener("input", function () { number.value = range.value; });
  number.addEventListener("input", function () { if (number.value !== "" && !isNaN(number.value)) { range.value = number.value; } });
});
