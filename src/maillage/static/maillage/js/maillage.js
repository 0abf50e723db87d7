// Progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // On wide screens, show the directory's filters open; phones keep them folded under « Filtres ».
  if (window.matchMedia && window.matchMedia("(min-width: 60rem)").matches) {
    document.querySelectorAll("details.filter-more").forEach(function (el) { el.open = true; });
  }
  // On a phone, the diagnostic's step list scrolls sideways: bring the current step into view.
  var currentStep = document.querySelector('.steps [aria-current="step"]');
  if (currentStep && currentStep.parentNode.parentNode.scrollWidth > currentStep.parentNode.parentNode.clientWidth) {
    var list = currentStep.parentNode.parentNode;
    list.scrollLeft = currentStep.offsetLeft - (list.clientWidth - currentStep.offsetWidth) / 2;
  }
  // A scrolling list of territories opens on the first one chosen, not on the top of the list.
  document.querySelectorAll(".territory-choices").forEach(function (box) {
    var checked = box.querySelector("input:checked");
    if (checked && box.scrollHeight > box.clientHeight) {
      box.scrollTop = checked.closest("label, li, div").offsetTop - box.offsetTop - 8;
    }
  });
  // A long form sent back with errors: go to the list of errors (each links to its question).
  var errors = document.querySelector('.form-errors[tabindex="-1"]');
  if (errors) { errors.focus(); }
  // A result that a background task just produced (the page reloads once it is done): go to it.
  var result = document.querySelector("[data-focus-on-load]");
  if (!errors && result) { result.focus(); }
  // An eligibility rule shows only the values of what it looks at.
  document.querySelectorAll("[data-rule]").forEach(function (row) {
    var kind = row.querySelector("select[name$='-kind']");
    function show() {
      row.querySelectorAll("[data-kind]").forEach(function (part) {
        part.hidden = part.getAttribute("data-kind") !== kind.value;
      });
    }
    if (kind) { kind.addEventListener("change", show); show(); }
  });
  // Forms that destroy something ask first (data-confirm holds the translated question).
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
