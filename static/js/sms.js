// Message Channel > SMS/MMS: row selection, Copy Webhook, double-click to open, callback credentials.
(function () {
  "use strict";

  function toast(text) {
    var box = document.getElementById("toast");
    if (!box) { return; }
    box.textContent = text;
    box.classList.add("show");
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.classList.remove("show"); }, 2500);
  }

  // The Clipboard API exists only on secure origins (https, localhost); on plain http at a LAN
  // address navigator.clipboard is undefined, so fall back to a hidden textarea and execCommand.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return legacyCopy(text);
  }

  function legacyCopy(text) {
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function copyAndSay(text) {
    copyText(text).then(
      function () { toast("Webhook URL copied: " + text); },
      function () { window.prompt("Copy the webhook URL:", text); }
    );
  }

  var table = document.getElementById("sms-configurations");
  if (table) {
    var copyButton = document.getElementById("copy-webhook");
    var openButton = document.getElementById("open-selected");
    var selected = null;

    function select(row) {
      if (selected) { selected.classList.remove("selected"); selected.setAttribute("aria-selected", "false"); }
      selected = row;
      row.classList.add("selected");
      row.setAttribute("aria-selected", "true");
      copyButton.disabled = !row.dataset.webhookUrl;
      openButton.disabled = false;
    }

    table.querySelectorAll("tr.selectable").forEach(function (row) {
      row.addEventListener("click", function () { select(row); });
      row.addEventListener("dblclick", function () { window.location = row.dataset.detailUrl; });
      row.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { window.location = row.dataset.detailUrl; }
        if (event.key === " ") { event.preventDefault(); select(row); }
      });
      row.addEventListener("focus", function () { select(row); });
    });
    copyButton.addEventListener("click", function () { if (selected) { copyAndSay(selected.dataset.webhookUrl); } });
    openButton.addEventListener("click", function () { if (selected) { window.location = selected.dataset.detailUrl; } });
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copyTarget);
      input.select();
      copyAndSay(input.value);
    });
  });

  // A form that asks first (no inline onsubmit: the Content-Security-Policy allows no inline handlers).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  var generate = document.getElementById("generate-callback");
  if (generate) {
    generate.addEventListener("click", function () {
      fetch(generate.dataset.url, { credentials: "same-origin" })
        .then(function (answer) { return answer.json(); })
        .then(function (pair) {
          document.getElementById("id_callback_username").value = pair.username;
          var password = document.getElementById("id_callback_password");
          password.type = "text";  // shown once, so it can be copied into Bandwidth
          password.value = pair.password;
          document.getElementById("generate-note").hidden = false;
        });
    });
  }
})();
