// "Also being edited by ...": while this edit screen is in use, tell the server about once a
// minute (a mark expires two minutes after the last one) and show who else has it open.
// Progressive enhancement only: without JavaScript the note is as of opening the page.
(function () {
  "use strict";

  var BEAT_MS = 50000;

  function start(note) {
    var token = document.querySelector("input[name=csrf_token]");
    var used = false;
    // Only a screen someone works on reports back: an unattended one must not keep the
    // session alive past its idle timeout, nor say that someone is still editing.
    ["input", "keydown", "pointerdown"].forEach(function (name) {
      document.addEventListener(name, function () { used = true; }, { passive: true });
    });
    setInterval(function () {
      if (!used) { return; }
      used = false;
      var body = new FormData();
      body.append("kind", note.dataset.kind);
      body.append("id", note.dataset.id);
      if (token) { body.append("csrf_token", token.value); }
      fetch(note.dataset.presenceUrl, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && typeof data.text === "string") {
            note.textContent = data.text;
            note.hidden = data.text === "";
          }
        })
        .catch(function () { /* the note stays as it was; saving works regardless */ });
    }, BEAT_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var note = document.querySelector("[data-presence-url]");
    if (note) { start(note); }
  });
})();
