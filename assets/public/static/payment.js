// The return page, while the payment may still change: asks where it stands
// (GET /pay/{provider}/status, the page's data-status) every few seconds and
// reloads the page as soon as the answer is another one, so that "being
// confirmed" turns to "confirmed" without a click. Without JavaScript a meta
// refresh does the same, more slowly.
(function () {
  "use strict";
  var el = document.querySelector("[data-status]");
  if (!el || !window.fetch) return;
  var url = el.getAttribute("data-status");
  var shown = el.getAttribute("data-outcome");
  var delay = 1500;
  var end = Date.now() + 15 * 60 * 1000;

  function next() {
    if (Date.now() > end) return;
    delay = Math.min(delay * 1.4, 15000);
    setTimeout(tick, delay);
  }
  function tick() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin", cache: "no-store"})
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        if (body && body.outcome && body.outcome !== "pending" && body.outcome !== shown) {
          window.location.reload();
          return;
        }
        next();
      })
      .catch(next);
  }
  setTimeout(tick, delay);
})();
