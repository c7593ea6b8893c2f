// Messages screens: the compose form's live segment counter (counted by static/js/segments.js), and
// statuses that update without reload.
(function () {
  "use strict";

  // The counting rule is static/js/segments.js, loaded before this file; without it the counter stays as
  // rendered and status polling still runs.
  var countSegments = window.SmsSegments ? window.SmsSegments.count : null;

  function describe(info, length) {
    return length + " characters · " + info.units + " " + info.encoding + " units · " + info.segments +
      (info.segments === 1 ? " segment" : " segments") + " · " + info.remaining + " left in this segment";
  }

  var textArea = document.querySelector("textarea[data-segment-counter]");
  var counter = document.getElementById("segment-counter");
  if (textArea && counter && countSegments) {
    var update = function () {
      var info = countSegments(textArea.value);
      counter.textContent = describe(info, Array.from(textArea.value).length);
      counter.dataset.segments = String(info.segments);
      counter.dataset.encoding = info.encoding;
    };
    textArea.addEventListener("input", update);
    update();
  }

  // Status polling: rows (or the detail block) marked data-pending ask the status endpoint every few
  // seconds until they reach a final status.
  var log = document.getElementById("message-log");
  if (!log || !window.fetch) { return; }
  var url = log.dataset.statusUrl;
  var BADGE = { delivered: "ok", received: "ok", failed: "err", unknown: "warn" };
  var polls = 0;

  function pending() {
    return Array.prototype.slice.call(log.querySelectorAll("[data-pending][data-message-id]"));
  }

  function apply(state) {
    var el = log.querySelector('[data-message-id="' + state.id + '"]');
    if (!el) { return; }
    var badge = el.querySelector(".status-badge");
    if (badge && badge.dataset.status !== state.status) {
      badge.textContent = state.status_label;
      badge.dataset.status = state.status;
      badge.className = "badge status-badge" + (BADGE[state.status] ? " " + BADGE[state.status] : "");
    }
    var reason = el.querySelector("[data-reason]");
    if (reason) { reason.textContent = state.reason || ""; }
    if (state.final) { delete el.dataset.pending; }
  }

  function poll() {
    var rows = pending();
    if (!rows.length || polls > 200) { return; }
    polls += 1;
    var ids = rows.map(function (row) { return row.dataset.messageId; }).join(",");
    fetch(url + "?ids=" + encodeURIComponent(ids), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { messages: [] }; })
      .then(function (body) { body.messages.forEach(apply); })
      .catch(function () { /* try again next round */ })
      .then(function () { setTimeout(poll, 3000); });
  }

  setTimeout(poll, 2000);
})();
