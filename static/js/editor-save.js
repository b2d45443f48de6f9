// The writing form's saving: the primary button's label follows the publish time, the text
// is autosaved to the server while typing, and leaving with unsaved changes asks first.
// Progressive enhancement: without JavaScript the server decides from the same fields.
(function () {
  "use strict";

  var AUTOSAVE_AFTER = 3000, AUTOSAVE_EVERY = 20000;
  var TEXTS = ["title", "slug", "body", "excerpt", "meta_description"];

  // "2026-12-02T09:00" (as typed, in the practice's time zone) in the reader's style.
  function describe(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
    if (!m) { return value; }
    var when = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]));
    try {
      return new Intl.DateTimeFormat(undefined, {
        weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
        hour12: false, timeZone: "UTC"
      }).format(when);
    } catch (e) { return value.replace("T", " "); }
  }

  function primaryLabel(button) {
    var field = document.getElementById(button.dataset.timeField);
    if (!field) { return; }
    var loaded = Date.now(), now = button.dataset.now;
    function siteNow() {  // the practice's local time now, from the server's at page load
      var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(now);
      var t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) + (Date.now() - loaded);
      return new Date(t).toISOString().slice(0, 16);
    }
    function update() {
      var value = field.value;
      if (value && value > siteNow()) {
        button.textContent = "Schedule for " + describe(value);
      } else {
        button.textContent = button.dataset.live ? "Update" : "Publish now";
      }
    }
    field.addEventListener("input", update);
    field.addEventListener("change", update);
    update();
  }

  function snapshot(form) {
    return Array.prototype.map.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit") { return ""; }
      return el.name + "=" + (el.type === "checkbox" || el.type === "radio" ? el.checked : el.value);
    }).join("&");
  }

  function autosave(form) {
    var status = document.getElementById("autosave-status");
    var token = form.querySelector("input[name=csrf_token]");
    var version = form.querySelector("input[name=version]");
    var sentState = snapshot(form), timer = null, last = 0, stopped = false, busy = false;
    function send() {
      var state = snapshot(form);
      if (stopped || busy || state === sentState) { return; }
      var body = new FormData();
      TEXTS.forEach(function (name) {
        var field = form.elements[name];
        if (field) { body.append(name, field.value); }
      });
      if (version) { body.append("version", version.value); }
      busy = true;
      last = Date.now();
      fetch(form.dataset.autosaveUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: token ? { "X-CSRFToken": token.value } : {}
      })
        .then(function (response) {
          return response.json().then(function (data) { return [response, data]; });
        })
        .then(function (pair) {
          var response = pair[0], data = pair[1];
          if (response.ok) {
            sentState = state;
            status.textContent = data.text;
          } else {
            status.textContent = data.error || "Not autosaved.";
            stopped = response.status === 409 || response.status === 403;
          }
        })
        .catch(function () { status.textContent = "Not autosaved (no connection); keep the page open."; })
        .then(function () { busy = false; });
    }
    last = Date.now();
    form.addEventListener("input", function () {
      clearTimeout(timer);  // a pause in typing saves; so does a long stretch without one
      if (Date.now() - last > AUTOSAVE_EVERY) { send(); }
      timer = setTimeout(send, AUTOSAVE_AFTER);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { send(); }
    });
  }

  function warnBeforeLeaving(form) {
    var saved = snapshot(form), submitting = false;
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || snapshot(form) === saved) { return; }
      event.preventDefault();
      event.returnValue = "";  // the browser shows its own "Leave site?" question
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("entry-form");
    if (!form) { return; }
    var button = document.getElementById("primary-action");
    if (button) { primaryLabel(button); }
    if (form.dataset.autosaveUrl) { autosave(form); }
    warnBeforeLeaving(form);
  });
})();
