// Progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // On wide screens, show the directory's filters open; phones keep them folded under « Filtres ».
  if (window.matchMedia && window.matchMedia("(min-width: 60rem)").matches) {
    document.querySelectorAll("details.filter-more").forEach(function (el) { el.open = true; });
  }
})();
