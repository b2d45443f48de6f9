// The date on a printed policy. Pages are cached when first rendered, so the server cannot
// know the day it is printed; the browser fills it in (without scripts the line has none).
(function () {
  "use strict";
  function stamp() {
    var now = new Date();
    var day = now.toLocaleDateString(document.documentElement.lang || undefined, {
      year: "numeric", month: "long", day: "numeric",
    });
    document.querySelectorAll("time.print-date").forEach(function (el) {
      el.dateTime = now.toISOString().slice(0, 10);
      el.textContent = " on " + day;
    });
  }
  window.addEventListener("beforeprint", stamp);
  stamp();
})();
