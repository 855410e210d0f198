// hhbill: the little behaviour the pages need beyond htmx. No inline scripts (the CSP forbids them).
(function () {
  "use strict";
  // Search-as-you-type: arrow keys move between the search box and the suggestions; Escape clears them.
  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("q");
    var list = document.getElementById("suggestions");
    if (!box || !list) { return; }
    var links = Array.prototype.slice.call(list.querySelectorAll("a"));
    var at = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && (document.activeElement === box || at >= 0) && links.length) {
      event.preventDefault();
      links[Math.min(at + 1, links.length - 1)].focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      if (at === 0) { box.focus(); } else { links[at - 1].focus(); }
    } else if (event.key === "Escape" && (document.activeElement === box || at >= 0)) {
      list.innerHTML = "";
      box.focus();
    }
  });
  // File inputs marked data-autosubmit send their form as soon as a file is chosen.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.matches && input.matches("input[type=file][data-autosubmit]") && input.form) {
      input.form.requestSubmit();
    }
  });
})();
