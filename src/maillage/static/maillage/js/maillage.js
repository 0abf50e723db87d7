// Progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // On wide screens, show the directory's filters open; phones keep them folded under « Filtres ».
  if (window.matchMedia && window.matchMedia("(min-width: 60rem)").matches) {
    document.querySelectorAll("details.filter-more").forEach(function (el) { el.open = true; });
  }
  // Forms that destroy something ask first (data-confirm holds the translated question).
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
