// SMS segment counting, the one copy in the browser: a mirror of messaging/bandwidth/segments.py (keep both in
// step; tests/messaging/screens/test_segment_counter_js.py compares them in Chromium). Compose uses
// window.SmsSegments; the reply texts of the Compliance screen (textarea[data-segment-counter="reply"]) get a
// live "N characters · S segments (ENCODING)" line, the words messaging/forms/compliance.segments_of writes.
(function () {
  "use strict";

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

  // Python's str.strip() blanks (str.isspace), not String.prototype.trim()'s: they differ at the edges
  // (\x1c-\x1f and \x85 are blanks to Python, \ufeff to JavaScript).
  var PY_BLANK = "[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+";
  var EDGE_BLANKS = new RegExp("^" + PY_BLANK + "|" + PY_BLANK + "$", "g");

  // A reply as the server stores it (services/configuration/compliance.normalise_reply): a line break is one
  // "\n" (a textarea's value already is), surrounding blanks dropped.
  function describeReply(text) {
    var stored = text.replace(/\r\n/g, "\n").replace(EDGE_BLANKS, "");
    var info = countSegments(stored);
    return Array.from(stored).length + " characters · " + info.segments +
      (info.segments === 1 ? " segment" : " segments") + " (" + info.encoding + ")";
  }

  window.SmsSegments = { count: countSegments, describeReply: describeReply };

  Array.prototype.forEach.call(document.querySelectorAll('textarea[data-segment-counter="reply"]'), function (area) {
    var shown = document.querySelector('[data-segments-for="' + area.id + '"]');
    if (!shown) { return; }
    shown.setAttribute("aria-live", "polite");
    var update = function () { shown.textContent = describeReply(area.value); };
    area.addEventListener("input", update);
    update();
  });
})();
