// A recording's link is signed for this device and opens for a few minutes;
// it stays open while the video keeps loading. A player left paused long
// enough finds it closed when it loads again: it then asks the access page's
// JSON for a fresh link and carries on where it was.
(function () {
  "use strict";
  document.querySelectorAll("video[data-recording]").forEach(function (v) {
    var last = 0;
    v.addEventListener("error", function () {
      if (Date.now() - last < 10000) {
        return; // refused again (another device, a cancelled registration): stop
      }
      last = Date.now();
      var at = v.currentTime, playing = !v.paused;
      fetch("/api/v1/access/" + encodeURIComponent(v.dataset.token), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (r) {
        return r.ok ? r.json() : Promise.reject(r.status);
      }).then(function (a) {
        var rec = (a.recordings || []).find(function (x) {
          return String(x.id) === v.dataset.recording;
        });
        if (!rec) {
          return;
        }
        var u = new URL(rec.url, location.href);
        v.addEventListener("loadedmetadata", function () {
          v.currentTime = at;
          if (playing) {
            v.play().catch(function () {});
          }
        }, { once: true });
        v.src = u.pathname + u.search;
      }).catch(function () {});
    });
  });
})();
