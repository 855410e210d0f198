// hhbill claim form: header fields named after their claim input keys, kept in step with the JSON textarea,
// the draft kept in this browser (localStorage), each field checked as it changes. Header fields are checked by
// the server's claim input parser (POST /claims/field); patient fields are checked here and never sent for checking.
// Check, build, print and PDF send the claim without the patient's identity (the fields the page lists in
// data-patient-identity, from hhbill.claims._withheld); only a check that records the claim sends the whole claim.
(function () {
  "use strict";
  var header = document.getElementById("claim-header");
  var jsonBox = document.getElementById("input_json");
  var mainForm = document.getElementById("claim-form");
  if (!header || !jsonBox || !mainForm) { return; }
  var DRAFT_KEY = "hhbill.claimDraft";
  var status = document.getElementById("draft-status");
  var identity = (header.getAttribute("data-patient-identity") || "").split(" ").filter(function (k) { return k; });
  var recordChoice = document.getElementById("record");
  var checkButton = mainForm.querySelector('button[name="action"][value="check"]');
  var checkLabel = checkButton ? checkButton.textContent : "";
  // what is sent: the JSON box itself is not (it holds the patient's identity); these hidden fields are
  var sent = hidden("input_json");
  var withholdFlag = hidden("withhold_patient");
  jsonBox.removeAttribute("name");
  var upload = document.getElementById("input_file");
  if (upload) { upload.removeAttribute("name"); }

  function hidden(name) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    mainForm.appendChild(input);
    return input;
  }

  function fields() { return Array.prototype.slice.call(header.querySelectorAll("[data-key]")); }

  function currentJson() {
    var text = jsonBox.value.trim();
    if (!text) { return {}; }
    try {
      var data = JSON.parse(text);
      return data && typeof data === "object" && !Array.isArray(data) ? data : null;
    } catch (e) {
      return null;
    }
  }

  function getPath(obj, path) {
    return path.split(".").reduce(function (o, part) { return o && typeof o === "object" ? o[part] : undefined; }, obj);
  }

  function setPath(obj, path, value) {
    var parts = path.split(".");
    var o = obj;
    for (var i = 0; i < parts.length - 1; i++) {
      if (typeof o[parts[i]] !== "object" || o[parts[i]] === null) {
        if (value === undefined) { return; }
        o[parts[i]] = {};
      }
      o = o[parts[i]];
    }
    var last = parts[parts.length - 1];
    if (value === undefined) { delete o[last]; } else { o[last] = value; }
  }

  // the claim input without the patient's identity, as JSON text; null when the JSON under Advanced is not valid
  function withheldJson() {
    var data = currentJson();
    if (data === null) { return null; }
    identity.forEach(function (key) { setPath(data, key, undefined); });
    if (data.patient && typeof data.patient === "object" && !Object.keys(data.patient).length) { delete data.patient; }
    return JSON.stringify(data, null, 2);
  }

  function records(action) {
    return action === "check" && recordChoice !== null && recordChoice.value !== "";
  }

  // set what a request sends: the whole claim only when it records the claim to the ledger
  function prepare(action) {
    compose();
    if (records(action)) {
      sent.value = jsonBox.value;
      withholdFlag.value = "";
      return true;
    }
    var text = withheldJson();
    if (text === null) {
      if (status) { status.textContent = "The JSON under Advanced is not valid; correct it first (nothing was sent)."; }
      return false;
    }
    sent.value = text;
    withholdFlag.value = "true";
    return true;
  }

  function rowsOf(el) { return Array.prototype.slice.call(el.querySelectorAll("tbody tr")); }

  function valueOf(el) {
    var kind = el.getAttribute("data-kind");
    if (kind === "rows") {
      var out = [];
      rowsOf(el).forEach(function (row) {
        var inputs = row.querySelectorAll("[data-col]");
        var item = {};
        var filled = false;
        inputs.forEach(function (input) {
          var v = input.value.trim();
          if (v) { filled = true; }
          item[input.getAttribute("data-col")] = v;
        });
        if (filled) { out.push(inputs.length === 1 && item.code !== undefined ? item.code : item); }
      });
      return out.length ? out : undefined;
    }
    var text = el.value.trim();
    if (!text) { return undefined; }
    if (kind === "list") {
      return text.split(/[\s,;]+/).filter(function (s) { return s; });
    }
    return text;
  }

  function fillField(el, value) {
    var kind = el.getAttribute("data-kind");
    if (kind === "rows") {
      var items = Array.isArray(value) ? value : [];
      var rows = rowsOf(el);
      while (rows.length < items.length + 1) { addRow(el); rows = rowsOf(el); }
      rows.forEach(function (row, index) {
        var item = items[index];
        row.querySelectorAll("[data-col]").forEach(function (input) {
          var col = input.getAttribute("data-col");
          if (item === undefined) { input.value = ""; }
          else if (typeof item === "object" && item !== null) { input.value = item[col] === undefined ? "" : String(item[col]); }
          else { input.value = col === "code" ? String(item) : ""; }
        });
      });
      return;
    }
    if (Array.isArray(value)) { el.value = value.join(", "); }
    else { el.value = value === undefined || value === null ? "" : String(value); }
  }

  function addRow(fieldset) {
    var body = fieldset.querySelector("tbody");
    var row = body.querySelector("tr").cloneNode(true);
    row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    body.appendChild(row);
  }

  function saveDraft() {
    try {
      window.localStorage.setItem(DRAFT_KEY, jsonBox.value);
      if (status) { status.textContent = "Draft kept in this browser."; }
    } catch (e) {
      if (status) { status.textContent = "This browser does not keep drafts."; }
    }
  }

  function compose() {
    var data = currentJson();
    if (data === null) {
      if (status) { status.textContent = "The JSON under Advanced is not valid; the form does not change it."; }
      return;
    }
    fields().forEach(function (el) { setPath(data, el.getAttribute("data-key"), valueOf(el)); });
    ["patient", "provider"].forEach(function (block) {
      if (data[block] && typeof data[block] === "object" && !Object.keys(data[block]).length) { delete data[block]; }
    });
    jsonBox.value = JSON.stringify(data, null, 2);
    saveDraft();
  }

  function fillFromJson() {
    var data = currentJson();
    if (data === null) { return; }
    fields().forEach(function (el) { fillField(el, getPath(data, el.getAttribute("data-key"))); });
  }

  function show(key, ok, message) {
    var output = document.getElementById("check-" + key);
    var el = header.querySelector('[data-key="' + key + '"]');
    if (output) {
      output.textContent = message;
      output.classList.toggle("bad", !ok);
    }
    if (el) { el.setAttribute("aria-invalid", ok ? "false" : "true"); }
  }

  var MBI = /^[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9][AC-HJKMNP-RT-Y]{2}[0-9]{2}$/;

  function checkLocally(key, value) {
    // patient fields: the checks the claim input parser and the MBI edit make, run here
    if (value === undefined) { return [true, ""]; }
    if (key === "patient.birth_date") {
      var ok = /^\d{4}-\d{2}-\d{2}$/.test(value) && !isNaN(Date.parse(value + "T00:00:00Z")) &&
        new Date(value + "T00:00:00Z").toISOString().slice(0, 10) === value;
      return [ok, ok ? "" : "not a real date in the form YYYY-MM-DD"];
    }
    if (key === "patient.mbi") {
      var good = MBI.test(value.toUpperCase());
      return [good, good ? "" : "not a Medicare beneficiary identifier (11 characters, no dashes)"];
    }
    return [true, ""];
  }

  function context() {
    var out = {};
    ["type_of_bill", "from", "through", "admission_date"].forEach(function (key) {
      var el = header.querySelector('[data-key="' + key + '"]');
      if (el && el.value.trim()) { out[key] = el.value.trim(); }
    });
    return out;
  }

  function check(el) {
    var key = el.getAttribute("data-key");
    var value = valueOf(el);
    if (el.hasAttribute("data-patient")) {
      var local = checkLocally(key, value);
      show(key, local[0], local[1]);
      return;
    }
    if (value === undefined) { show(key, true, ""); return; }
    var body = new FormData();
    body.append("key", key);
    body.append("value", JSON.stringify(value));
    var ctx = context();
    Object.keys(ctx).forEach(function (name) { body.append("context_" + name, ctx[name]); });
    var csrf = document.querySelector('input[name="csrf_token"]');
    var headers = { accept: "application/json" };
    if (csrf) { headers["x-csrf-token"] = csrf.value; }
    fetch("/claims/field", { method: "POST", body: body, credentials: "same-origin", headers: headers })
      .then(function (response) { return response.json(); })
      .then(function (result) {
        if (result && result.key) { show(result.key, result.ok, result.ok ? result.meaning : result.message); }
        else if (result && result.error) { show(key, false, result.error.message); }
      })
      .catch(function () { show(key, true, ""); });
  }

  header.addEventListener("submit", function (event) { event.preventDefault(); });
  header.addEventListener("input", compose);
  header.addEventListener("change", function (event) {
    compose();
    var el = event.target.closest("[data-key]");
    if (el) { check(el); }
  });
  header.addEventListener("click", function (event) {
    var button = event.target.closest("button.add-row");
    if (button) { addRow(button.closest("fieldset")); }
  });
  jsonBox.addEventListener("change", function () { fillFromJson(); saveDraft(); });
  mainForm.addEventListener("submit", compose, true);
  // htmx requests (Build and check, Build only): the parameters are set here, from the button pressed
  mainForm.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    var params = detail.formData || detail.parameters;
    var action = params && typeof params.get === "function" ? params.get("action") : params && params.action;
    // no action given: withhold (the server refuses to record a withheld claim rather than receive the patient)
    if (!prepare(action || "")) { event.preventDefault(); return; }
    if (params && typeof params.set === "function") {
      params.set("input_json", sent.value);
      if (withholdFlag.value) { params.set("withhold_patient", withholdFlag.value); } else { params.delete("withhold_patient"); }
    } else if (params) {
      params.input_json = sent.value;
      if (withholdFlag.value) { params.withhold_patient = withholdFlag.value; } else { delete params.withhold_patient; }
    }
  });
  // the result's patient boxes are filled here, from the draft
  document.body.addEventListener("htmx:afterSwap", function () {
    if (window.hhbillPatientFields) { window.hhbillPatientFields.fill(document.getElementById("result")); }
  });
  if (recordChoice && checkButton) {
    var relabel = function () {
      checkButton.textContent = recordChoice.value ? "Check and record to the ledger" : checkLabel;
    };
    recordChoice.addEventListener("change", relabel);
    relabel();
  }
  // a JSON file is read here, into the form, not uploaded
  if (upload) {
    upload.addEventListener("change", function () {
      var file = upload.files && upload.files[0];
      if (!file) { return; }
      file.text().then(function (text) {
        jsonBox.value = text;
        fillFromJson();
        saveDraft();
        upload.value = "";
      });
    });
  }
  var discard = document.getElementById("discard-draft");
  if (discard) {
    discard.addEventListener("click", function () {
      try { window.localStorage.removeItem(DRAFT_KEY); } catch (e) { /* nothing kept */ }
      jsonBox.value = jsonBox.defaultValue;
      fillFromJson();
      if (status) { status.textContent = "Draft discarded."; }
    });
  }

  var draft = null;
  try { draft = window.localStorage.getItem(DRAFT_KEY); } catch (e) { draft = null; }
  if (draft) {
    jsonBox.value = draft;
    if (status) { status.textContent = "Your draft from this browser is back."; }
  }
  fillFromJson();
  // show what the type of bill and the HIPPS code mean from the start (neither is patient data)
  ["type_of_bill", "hipps"].forEach(function (key) {
    var el = header.querySelector('[data-key="' + key + '"]');
    if (el && el.value.trim()) { check(el); }
  });
  // hhbill.js calls prepare before the Print and PDF buttons' native submits (never recording)
  window.hhbillClaimForm = { sync: compose, prepare: function () { return prepare("print"); } };
})();
