// The live channel (docs/live.md): window.PortalLive.connect(url, handlers) opens the tenant's event stream
// and calls handlers.message(data), handlers.read(data), handlers.reset() and handlers.open().
// EventSource reconnects by itself and sends Last-Event-ID, so the server replays what was missed (or sends
// `reset`: refetch). Only when the browser gives up for good (an error page instead of a stream, e.g. a
// proxy's 502 during a deploy) does this open a new one, with the last id in the query string.
(function () {
  "use strict";

  function connect(url, handlers) {
    handlers = handlers || {};
    var source = null, lastId = "", retryMs = 1000, closed = false, timer = null;

    function call(name, event) {
      if (event && event.lastEventId) { lastId = event.lastEventId; }
      if (typeof handlers[name] !== "function") { return; }
      var data = {};
      if (event && event.data) {
        try { data = JSON.parse(event.data); } catch (e) { return; }
      }
      handlers[name](data);
    }

    function open() {
      var target = url;
      if (lastId) { target += (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(lastId); }
      source = new EventSource(target);
      source.onopen = function () { retryMs = 1000; call("open"); };
      source.addEventListener("message", function (event) { call("message", event); });
      source.addEventListener("read", function (event) { call("read", event); });
      source.addEventListener("reset", function (event) { call("reset", event); });
      source.onerror = function () {
        if (source.readyState !== EventSource.CLOSED || closed) { return; }  // the browser is reconnecting
        timer = setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, 30000);
      };
    }

    open();
    return {
      close: function () {
        closed = true;
        clearTimeout(timer);
        if (source) { source.close(); }
      },
      lastEventId: function () { return lastId; },
    };
  }

  window.PortalLive = { connect: connect };
})();
