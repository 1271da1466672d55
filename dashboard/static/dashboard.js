// Small enhancements; every page works without them.
(function () {
  "use strict";

  function num(input) {
    var v = parseFloat(input.value);
    return isFinite(v) ? v : 0;
  }

  // Interest weights: show the share each weight becomes.
  document.querySelectorAll('[data-part="weights"]').forEach(function (fieldset) {
    var inputs = fieldset.querySelectorAll("input.num");
    function update() {
      var total = 0;
      inputs.forEach(function (i) { total += Math.max(num(i), 0); });
      inputs.forEach(function (i) {
        var out = fieldset.querySelector('output[for="' + i.id + '"]');
        if (out) out.textContent = total > 0 && num(i) > 0 ? Math.round((100 * num(i)) / total) + " % of interests" : "";
      });
    }
    inputs.forEach(function (i) { i.addEventListener("input", update); });
    update();
  });

  // Interests: find one by name across the categories (opens the groups that have it).
  document.querySelectorAll("[data-interest-search]").forEach(function (box) {
    var fieldset = box.closest("fieldset");
    var search = box.querySelector("input");
    var groups = fieldset.querySelectorAll("details.interest-group");
    function chosen(g) {
      var n = 0;
      g.querySelectorAll("input.num").forEach(function (i) { if (num(i) > 0) n += 1; });
      return n;
    }
    groups.forEach(function (g) {
      g.addEventListener("input", function () {
        var n = chosen(g);
        g.querySelector("[data-chosen]").textContent = n ? n + " chosen" : "";
      });
    });
    box.hidden = false;
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      groups.forEach(function (g) {
        var hits = 0;
        g.querySelectorAll(".weight").forEach(function (w) {
          var hit = !q || w.getAttribute("data-name").indexOf(q) !== -1;
          w.hidden = !hit;
          if (hit) hits += 1;
        });
        g.hidden = q && hits === 0;
        g.open = q ? hits > 0 : chosen(g) > 0;
      });
    });
  });

  // City tiers describe cities in China: say so when the chosen countries leave it out.
  document.querySelectorAll("[data-tiers]").forEach(function (tiers) {
    var countries = document.getElementById("countries");
    var note = tiers.querySelector(".tiers-off");
    if (!countries || !note) return;
    function update() {
      var words = countries.value.toUpperCase().split(/[\s,;]+/).filter(Boolean);
      var off = words.length > 0 && words.indexOf("CN") === -1 && words.indexOf("CHINA") === -1;
      note.hidden = !off;
      tiers.classList.toggle("inactive", off);
    }
    countries.addEventListener("input", update);
    update();
  });

  // Percentages: show the running total.
  document.querySelectorAll('[data-part="percent"]').forEach(function (fieldset) {
    var inputs = fieldset.querySelectorAll("input");
    var total = fieldset.querySelector(".total");
    function update() {
      var sum = 0;
      inputs.forEach(function (i) { sum += num(i); });
      sum = Math.round(sum * 10) / 10;
      total.textContent = "Total: " + sum + " %" + (Math.abs(sum - 100) > 1 ? " (make it 100 %)" : " ✓");
      total.classList.toggle("off", Math.abs(sum - 100) > 1);
    }
    inputs.forEach(function (i) { i.addEventListener("input", update); });
    update();
  });

  // Gender: a slider beside the number, and the men's share spelled out.
  document.querySelectorAll("[data-gender]").forEach(function (box) {
    var number = box.querySelector('input[type="number"]');
    if (!number) return;
    var slider = document.createElement("input");
    slider.type = "range";
    slider.min = "0";
    slider.max = "100";
    slider.step = "1";
    slider.value = number.value || "50";
    slider.setAttribute("aria-label", "Women in the audience, slider");
    var out = document.createElement("output");
    function show() { out.textContent = num(number) + " % women · " + (100 - num(number)) + " % men"; }
    slider.addEventListener("input", function () { number.value = slider.value; show(); });
    number.addEventListener("input", function () { slider.value = number.value; show(); });
    number.insertAdjacentElement("afterend", slider);
    slider.insertAdjacentElement("afterend", out);
    show();
  });
  // Receipts: a print button (the browser's own print works without it).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();

// A form sent back with problems: move to its summary (every problem, linked to its field),
// so the page does not reload scrolled to the top with nothing said.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
