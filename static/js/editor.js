// The writing form's toolbar and live preview. Progressive enhancement only: without
// JavaScript the textarea and the "Preview below" button do the same job.
(function () {
  "use strict";

  var ACTIONS = [
    { label: "Bold", wrap: ["**", "**"], placeholder: "bold text" },
    { label: "Italic", wrap: ["*", "*"], placeholder: "italic text" },
    { label: "Heading", line: "## ", placeholder: "Heading" },
    { label: "Link", wrap: ["[", "](https://)"], placeholder: "link text", select: "https://" },
    { label: "List", line: "- ", placeholder: "List item" },
    { label: "Quote", line: "> ", placeholder: "Quotation" },
    { label: "Image", wrap: ["![", "](/media/)"], placeholder: "Describe the image", select: "/media/" }
  ];

  function apply(textarea, action) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var value = textarea.value, chosen = value.slice(start, end) || action.placeholder;
    var before = value.slice(0, start), after = value.slice(end), inserted, from, to;
    if (action.line) {
      var atLineStart = before === "" || before.slice(-1) === "\n";
      var prefix = (atLineStart ? "" : "\n") + action.line;
      inserted = prefix + chosen.split("\n").join("\n" + action.line);
      from = start + prefix.length;
      to = start + inserted.length;
    } else {
      inserted = action.wrap[0] + chosen + action.wrap[1];
      from = start + action.wrap[0].length;
      to = from + chosen.length;
      if (action.select) {
        from = start + inserted.lastIndexOf(action.select);
        to = from + action.select.length;
      }
    }
    replaceRange(textarea, start, end, inserted);
    textarea.setSelectionRange(from, to);
  }

  // Put text in place of start..end the way typing does, so the browser's undo (Ctrl+Z)
  // takes it back; where execCommand is missing, setRangeText (no undo step, but no loss).
  function replaceRange(textarea, start, end, text) {
    textarea.focus();
    textarea.setSelectionRange(start, end);
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done || textarea.value.slice(start, start + text.length) !== text) {
      textarea.setRangeText(text, start, end, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  // Text on a line of its own at the cursor (an image, a converted paste).
  function insertBlock(textarea, text) {
    var start = textarea.selectionStart, before = textarea.value.slice(0, start);
    var lead = before === "" || before.slice(-1) === "\n" ? "" : "\n";
    replaceRange(textarea, start, textarea.selectionEnd, lead + text + "\n");
  }
  window.cmsEditor = { replaceRange: replaceRange, insertBlock: insertBlock };

  function buildToolbar(textarea) {
    var bar = document.createElement("div");
    bar.className = "toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting");
    bar.setAttribute("aria-controls", textarea.id);
    ACTIONS.forEach(function (action) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = action.label;
      button.addEventListener("click", function () {
        var picker = document.querySelector(".image-picker");
        if (action.label === "Image" && picker && picker.querySelector("[data-insert]")) {
          picker.open = true; // choose from the library instead of typing an address
          picker.querySelector("[data-insert]").focus();
        } else {
          apply(textarea, action);
        }
      });
      bar.appendChild(button);
    });
    textarea.parentNode.insertBefore(bar, textarea);
  }

  function livePreview(textarea, target) {
    var form = textarea.form, timer = null, sent = 0;
    var tokenInput = form.querySelector("input[name=csrf_token]");
    function refresh() {
      var number = ++sent, body = new FormData();
      body.append("body", textarea.value);
      var headers = tokenInput ? { "X-CSRFToken": tokenInput.value } : {};
      fetch(textarea.dataset.previewUrl, {
        method: "POST", body: body, headers: headers, credentials: "same-origin"
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          // Only the newest answer counts; the HTML was sanitized by the server.
          if (number === sent && typeof data.html === "string") { target.innerHTML = data.html; }
        })
        .catch(function () { /* keep the last preview; the form still works */ });
    }
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 350);
    });
    if (textarea.value) { refresh(); }
  }

  // "Insert" next to a library image (also those added by an upload from this page): its
  // Markdown on a line of its own, at the cursor.
  function imageButtons(textarea) {
    document.querySelectorAll("[data-insert]").forEach(function (button) { button.hidden = false; });
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-insert]");
      if (button) { insertBlock(textarea, button.dataset.insert); }
    });
  }

  function selectOnFocus(field) {
    field.addEventListener("focus", function () { field.select(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-preview-url]").forEach(function (textarea) {
      buildToolbar(textarea);
      imageButtons(textarea);
      var target = document.getElementById("preview-body");
      if (target) { livePreview(textarea, target); }
    });
    document.querySelectorAll(".snippet").forEach(selectOnFocus);
  });
})();
