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
  // Buttons marked data-print print the page (the UB-04 form has a print stylesheet).
  // Buttons marked data-native-submit send their form to their own formaction as a normal (non-htmx) request:
  // a download or a new page, not a fragment.
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.closest) { return; }
    if (target.closest("[data-print]")) { window.print(); return; }
    var button = target.closest("button[data-native-submit]");
    if (!button || !button.form) { return; }
    event.preventDefault();
    var form = button.form;
    var action = form.getAttribute("action");
    var frame = form.getAttribute("target");
    form.setAttribute("action", button.getAttribute("formaction"));
    if (button.getAttribute("formtarget")) { form.setAttribute("target", button.getAttribute("formtarget")); }
    // the claim form sets what is sent (the claim without the patient's identity); false: nothing to send
    if (window.hhbillClaimForm && !window.hhbillClaimForm.prepare()) { return; }
    form.submit();
    form.setAttribute("action", action);
    if (frame === null) { form.removeAttribute("target"); } else { form.setAttribute("target", frame); }
  });
})();
