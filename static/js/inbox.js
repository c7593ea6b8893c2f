// Inbox and thread: the newest message in view, the chosen attachments named, and live updates.
// Live events (static/js/live.js, PortalLive) only say that something changed; this file refetches the
// server-rendered fragments (?fragment=list / messages / count) and swaps them in, debounced, so the page
// shows exactly what a reload would. The reply box is outside the fragments: typing is never lost.
(function () {
  "use strict";

  var script = document.getElementById("inbox-live");
  var list = document.getElementById("inbox-list");
  var thread = document.getElementById("thread");
  var DEBOUNCE_MS = 150;

  function atBottom() {
    return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 80;
  }
  function toBottom() { window.scrollTo(0, document.documentElement.scrollHeight); }

  if (thread && !/[?&]before=/.test(window.location.search)) { toBottom(); }

  var fileInput = document.querySelector(".reply-box input[type=file]");
  var attached = document.getElementById("attached-files");
  if (fileInput && attached) {
    fileInput.addEventListener("change", function () {
      attached.textContent = Array.prototype.map.call(fileInput.files, function (f) { return "📎 " + f.name; }).join("  ");
    });
  }

  var liveUrl = script && script.dataset.liveUrl;
  if (!liveUrl || !window.PortalLive || !window.fetch) { return; }

  var conversationId = thread ? String(thread.dataset.conversationId) : null;
  var want = { main: false, count: false };
  var timer = null;

  function setBadge(total) {
    var badge = document.querySelector("[data-testid=nav-unread]");
    if (!badge) { return; }
    badge.textContent = total;
    badge.dataset.unreadTotal = total;
    badge.hidden = String(total) === "0";
  }

  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; });
  }

  function swap(container, html) {
    if (html === null) { return; }
    container.innerHTML = html;
    var root = container.firstElementChild;
    if (root && root.dataset.unreadTotal !== undefined) { setBadge(root.dataset.unreadTotal); }
  }

  function refresh() {
    timer = null;
    var main = want.main, count = want.count;
    want.main = want.count = false;
    var done;
    if (main && list) {
      done = get(list.dataset.fragmentUrl).then(function (html) { swap(list, html); });
    } else if (main && thread) {
      var stay = atBottom();
      // A hidden tab only looks (peek): the messages become read when someone sees them.
      var url = thread.dataset.fragmentUrl + (document.visibilityState === "hidden" ? "&peek=1" : "");
      done = get(url).then(function (html) { swap(thread, html); if (stay) { toBottom(); } });
    } else if (count) {
      done = get(script.dataset.countUrl).then(function (html) {
        if (html === null) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.firstElementChild;
        if (fresh) { setBadge(fresh.dataset.unreadTotal); }
      });
    }
    if (done) { done.catch(function () { /* the next event or reconnect refetches */ }); }
  }

  function schedule(main) {
    if (main) { want.main = true; } else { want.count = true; }
    if (!timer) { timer = setTimeout(refresh, DEBOUNCE_MS); }
  }

  function concernsThisPage(data) {
    return !thread || (data && String(data.conversation) === conversationId);
  }

  var opened = false;
  window.PortalLive.connect(liveUrl, {
    message: function (data) { schedule(concernsThisPage(data)); },
    // Read elsewhere (another tab or device): the thread itself is unchanged, only the counts.
    read: function () { schedule(!thread); },
    reset: function () { schedule(true); },
    // A reconnect may have missed events: refetch (the first connection has nothing to catch up).
    open: function () { if (opened) { schedule(true); } opened = true; },
  });

  if (thread) {
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { schedule(true); }
    });
  }
})();
