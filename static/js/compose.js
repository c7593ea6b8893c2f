// Messages screens: the compose form's live segment counter, and statuses that update without reload.
(function () {
  "use strict";

  // Mirror of messaging/bandwidth/segments.py: keep both in step (tests compare them).
  var GSM7_BASIC = new Set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
  );
  var GSM7_EXTENSION = new Set("\f^{}\\[~]|€");
  var GSM7_SINGLE = 160, GSM7_MULTI = 153, UCS2_SINGLE = 70, UCS2_MULTI = 67;

  function countSegments(text) {
    var chars = Array.from(text);  // code points, like iterating a Python str
    var gsm = chars.every(function (ch) { return GSM7_BASIC.has(ch) || GSM7_EXTENSION.has(ch); });
    var single = gsm ? GSM7_SINGLE : UCS2_SINGLE;
    var multi = gsm ? GSM7_MULTI : UCS2_MULTI;
    var costs = chars.map(function (ch) {
      if (gsm) { return GSM7_EXTENSION.has(ch) ? 2 : 1; }
      return ch.codePointAt(0) > 0xFFFF ? 2 : 1;
    });
    var units = costs.reduce(function (a, b) { return a + b; }, 0);
    var encoding = gsm ? "GSM-7" : "UCS-2";
    if (units <= single) {
      return { encoding: encoding, units: units, segments: units ? 1 : 0, perSegment: single, remaining: single - units };
    }
    var segments = 1, used = 0;
    costs.forEach(function (cost) {
      if (used + cost > multi) { segments += 1; used = 0; }
      used += cost;
    });
    return { encoding: encoding, units: units, segments: segments, perSegment: multi, remaining: multi - used };
  }

  window.SmsSegments = { count: countSegments };

  function describe(info, length) {
    return length + " characters · " + info.units + " " + info.encoding + " units · " + info.segments +
      (info.segments === 1 ? " segment" : " segments") + " · " + info.remaining + " left in this segment";
  }

  var textArea = document.querySelector("textarea[data-segment-counter]");
  var counter = document.getElementById("segment-counter");
  if (textArea && counter) {
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
