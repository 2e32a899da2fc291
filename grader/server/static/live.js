// Live pages: when the server says that what a page shows has changed (server-sent events),
// fetch the page again and swap in its parts marked data-live. Without this script, or
// without EventSource, the page is simply static: reload it to see new work.
(function () {
  "use strict";
  var body = document.body;
  var url = body.dataset.events;
  if (!url || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var status = document.getElementById("live-status");
  var busy = false, again = false, waiting = [];

  function say(text) { if (status) status.textContent = text; }

  function swap(region, fresh) {
    var open = [];
    region.querySelectorAll("details[open][id]").forEach(function (d) { open.push(d.id); });
    region.replaceWith(fresh);
    open.forEach(function (id) {
      var d = document.getElementById(id);
      if (d) d.open = true;
    });
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.pathname + window.location.search, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (answer) {
        if (!answer.ok) throw new Error(answer.status);
        return answer.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        waiting = [];
        document.querySelectorAll("[data-live]").forEach(function (region) {
          var fresh = page.getElementById(region.id);
          if (!fresh) return;
          if (region.contains(document.activeElement)) { waiting.push([region.id, fresh]); return; }
          swap(region, fresh);
        });
        say("Updated at " + new Date().toLocaleTimeString() + ".");
      })
      .catch(function () { say("Could not update this page; reload it to see new work."); })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  // a region holding the keyboard focus is swapped once the focus leaves it
  document.addEventListener("focusout", function () {
    window.setTimeout(function () {
      waiting = waiting.filter(function (pair) {
        var region = document.getElementById(pair[0]);
        if (!region || region.contains(document.activeElement)) return true;
        swap(region, pair[1]);
        return false;
      });
    }, 0);
  });

  var separator = url.indexOf("?") < 0 ? "?" : "&";
  var events = new EventSource(url + separator + "since=" + encodeURIComponent(body.dataset.version || ""));
  events.addEventListener("ready", function () { say("Live: this page updates by itself."); });
  events.addEventListener("change", function () { say("Updating…"); refresh(); });
  events.onerror = function () { say("Live updates paused; reconnecting…"); };
})();
