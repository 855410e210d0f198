// hhbill: fill the patient's boxes that the server left empty (marked data-patient-field) from the claim draft kept
// in this browser. The claim form sends the server the claim without the patient's identity (it sends it only to
// record the claim), so what the biller sees and prints is completed here. The forms ("name", "upper",
// "mmddyyyy", "text") are those of hhbill.ub04._layout.PatientBox; "masked" shows an MBI's last four characters.
(function () {
  "use strict";
  var DRAFT_KEY = "hhbill.claimDraft";

  function draft() {
    try {
      var text = window.localStorage.getItem(DRAFT_KEY);
      var data = text ? JSON.parse(text) : null;
      return data && typeof data === "object" && !Array.isArray(data) ? data : null;
    } catch (e) {
      return null;
    }
  }

  function valueAt(obj, path) {
    var value = path.split(".").reduce(function (o, part) {
      return o && typeof o === "object" ? o[part] : undefined;
    }, obj);
    return value === undefined || value === null || typeof value === "object" ? "" : String(value).trim();
  }

  function formatted(form, values) {
    var first = values[0] || "";
    if (form === "name") {
      var given = (values[1] || "").toUpperCase();
      return given ? first.toUpperCase() + ", " + given : first.toUpperCase();
    }
    if (form === "mmddyyyy") {
      var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(first);
      return parts ? parts[2] + parts[3] + parts[1] : "";
    }
    if (form === "upper") { return first.toUpperCase(); }
    if (form === "masked") {
      var mbi = first.toUpperCase();
      return mbi ? new Array(Math.max(0, mbi.length - 4) + 1).join("*") + mbi.slice(-4) : "";
    }
    return first;
  }

  // Fill every marked box under root from the draft (or the claim input given); returns how many were filled.
  function fill(root, data) {
    var claim = data || draft();
    var filled = 0;
    if (!claim) { return filled; }
    Array.prototype.forEach.call((root || document).querySelectorAll("[data-patient-field]"), function (el) {
      var values = el.getAttribute("data-patient-field").split(" ").map(function (key) { return valueAt(claim, key); });
      var text = formatted(el.getAttribute("data-form"), values);
      var width = parseInt(el.getAttribute("data-width") || "0", 10);
      if (width > 0) { text = text.slice(0, width); }
      el.textContent = text || (el.tagName === "SPAN" ? "-" : "");
      if (text) { filled += 1; }
    });
    return filled;
  }

  window.hhbillPatientFields = { fill: fill };
  function fillPage() {
    var status = document.querySelector("[data-patient-status]");
    if (document.querySelector("[data-patient-field]") && !fill(document) && status) {
      status.textContent = "No patient details in this browser's draft: fill in the patient's boxes by hand.";
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fillPage); } else { fillPage(); }
})();
