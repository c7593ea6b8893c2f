// Send test message's step report: asks the report's JSON every 2 s while the test runs and updates each step
// (text only: nothing from the answer is parsed as HTML).
(function () {
  "use strict";

  var report = document.getElementById("test-report");
  if (!report || report.dataset.state !== "running") { return; }
  var url = report.dataset.statusUrl;
  var BADGES = { done: "badge ok", failed: "badge err", waiting: "badge warn", skipped: "badge" };

  function badgeText(step) {
    if (step.state === "done") { return step.at_text; }
    if (step.state === "failed") { return "failed " + step.at_text; }
    if (step.state === "waiting") { return "waiting"; }
    return "not expected";
  }

  function show(data) {
    report.dataset.state = data.state;
    var summary = document.getElementById("test-summary");
    summary.textContent = data.summary;
    summary.className = "test-summary " + data.state;
    data.steps.forEach(function (step) {
      var item = report.querySelector('[data-step="' + step.key + '"]');
      if (!item) { return; }
      item.dataset.state = step.state;
      item.querySelector('[data-part="title"]').textContent = step.title;
      var badge = item.querySelector('[data-part="state"]');
      badge.className = BADGES[step.state] || "badge";
      badge.textContent = badgeText(step);
      item.querySelector('[data-part="detail"]').textContent = step.detail;
      var advice = item.querySelector('[data-part="advice"]');
      advice.textContent = step.advice;
      advice.hidden = !step.advice;
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (data) {
        if (data) { show(data); }
        if (!data || data.state === "running") { setTimeout(poll, 2000); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }

  setTimeout(poll, 2000);
})();
