// The writing form's paste and images: HTML pasted from Word, Google Docs or a web page is
// turned into Markdown by the server; an image dropped, pasted or picked is uploaded in
// place after asking for its description, and its Markdown goes where the cursor was.
(function () {
  "use strict";

  function csrfHeaders(form) {
    var token = form.querySelector("input[name=csrf_token]");
    return token ? { "X-CSRFToken": token.value } : {};
  }

  function post(url, body, form) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: csrfHeaders(form) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) { throw new Error(data.error || "That did not work; try again."); }
          return data;
        });
      });
  }

  function say(text) {
    var status = document.getElementById("editor-message");
    if (status) { status.textContent = text; status.hidden = !text; }
  }

  function pasteHtml(textarea, html, plain) {
    var form = textarea.form, start = textarea.selectionStart, end = textarea.selectionEnd;
    var body = new FormData();
    body.append("html", html);
    post(textarea.dataset.pasteUrl, body, form)
      .then(function (data) {
        window.cmsEditor.replaceRange(textarea, start, end, data.markdown);
        say(data.note || "");
      })
      .catch(function (error) {
        window.cmsEditor.replaceRange(textarea, start, end, plain);  // the text, unformatted
        say(error.message);
      });
  }

  function addToPicker(data) {
    var list = document.querySelector(".image-picker ul");
    if (!list) {
      list = document.createElement("ul");
      var picker = document.querySelector(".image-picker");
      picker.querySelectorAll(".hint").forEach(function (hint) { hint.hidden = true; });
      picker.appendChild(list);
    }
    var item = document.createElement("li"), image = document.createElement("img");
    image.src = data.thumb; image.alt = ""; image.width = 96;
    var text = document.createElement("span"), alt = document.createElement("span");
    alt.className = "image-alt"; alt.textContent = data.alt;
    var code = document.createElement("code");
    code.id = "image-md-" + data.id; code.textContent = data.markdown;
    text.appendChild(alt); text.appendChild(document.createTextNode(" ")); text.appendChild(code);
    var button = document.createElement("button");
    button.type = "button"; button.className = "secondary"; button.textContent = "Insert";
    button.dataset.insert = data.markdown;
    button.setAttribute("aria-describedby", code.id);
    item.appendChild(image); item.appendChild(text); item.appendChild(button);
    list.insertBefore(item, list.firstChild);
    var featured = document.querySelector("select[name=featured_image]");
    if (featured) {
      var option = document.createElement("option");
      option.value = data.id; option.textContent = data.alt.slice(0, 60) + " (" + data.filename + ")";
      featured.insertBefore(option, featured.options[1] || null);
    }
  }

  function uploader(textarea) {
    var dialog = document.getElementById("image-upload-dialog");
    if (!dialog || typeof dialog.showModal !== "function") { return null; }
    var alt = dialog.querySelector("textarea"), error = dialog.querySelector(".error");
    var name = dialog.querySelector(".file-name"), send = dialog.querySelector("[value=upload]");
    var maxBytes = +dialog.dataset.maxBytes, file = null, start = 0, end = 0;
    send.addEventListener("click", function (event) {
      event.preventDefault();
      if (!alt.value.trim()) { error.textContent = "Describe the image for people who cannot see it."; error.hidden = false; alt.focus(); return; }
      var body = new FormData();
      body.append("file", file, file.name || "image");
      body.append("alt", alt.value);
      send.disabled = true;
      error.hidden = true;
      post(dialog.dataset.uploadUrl, body, textarea.form)
        .then(function (data) {
          dialog.close();
          textarea.setSelectionRange(start, end);
          window.cmsEditor.insertBlock(textarea, data.markdown);
          addToPicker(data);
          say("The image was uploaded and put in the text.");
        })
        .catch(function (problem) { error.textContent = problem.message; error.hidden = false; })
        .then(function () { send.disabled = false; });
    });
    return function (chosen) {
      if (!/^image\/(jpeg|png|webp)$/.test(chosen.type)) { say("Upload a JPEG, PNG or WebP image."); return; }
      start = textarea.selectionStart; end = textarea.selectionEnd;
      file = chosen; alt.value = ""; error.hidden = true;
      name.textContent = (chosen.name || "Pasted image") + " (" + (chosen.size / 1048576).toFixed(1) + " MB)";
      if (chosen.size > maxBytes) {
        error.textContent = dialog.dataset.tooLarge.replace("{size}", (chosen.size / 1048576).toFixed(0));
        error.hidden = false;
        send.disabled = true;
      } else { send.disabled = false; }
      dialog.showModal();
      alt.focus();
    };
  }

  function firstImage(items) {
    for (var i = 0; i < items.length; i++) {
      if (items[i].kind === "file" && /^image\//.test(items[i].type)) { return items[i].getAsFile(); }
    }
    return null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var textarea = document.querySelector("textarea[data-paste-url]");
    if (!textarea || !window.cmsEditor) { return; }
    var upload = uploader(textarea);
    textarea.addEventListener("paste", function (event) {
      var data = event.clipboardData;
      if (!data) { return; }
      var image = upload && firstImage(data.items || []);
      var html = data.getData("text/html");
      if (image && !html) { event.preventDefault(); upload(image); return; }
      if (html) { event.preventDefault(); pasteHtml(textarea, html, data.getData("text/plain")); }
    });
    if (!upload) { return; }
    textarea.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) { event.preventDefault(); }
    });
    textarea.addEventListener("drop", function (event) {
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) { return; }
      event.preventDefault();
      textarea.focus();
      upload(files[0]);
    });
    var picker = document.getElementById("image-upload-file");
    if (picker) {
      picker.closest(".field").hidden = false;
      picker.addEventListener("change", function () {
        if (picker.files.length) { upload(picker.files[0]); }
        picker.value = "";
      });
    }
    var cancel = document.querySelector("#image-upload-dialog [value=cancel]");
    if (cancel) { cancel.addEventListener("click", function () { cancel.closest("dialog").close(); }); }
  });
})();
