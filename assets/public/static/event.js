// The event page, with JavaScript: each session also in the visitor's time
// zone, and the promo code priced as soon as it is entered (Enter, Apply or
// leaving the field) through the public quote API. Without it the page says
// the same in the event's zone, and Apply re-renders the page with the price.
(function () {
  "use strict";
  var script = document.currentScript;
  var eventTZ = script && script.getAttribute("data-tz");
  var hereTZ = "";
  try { hereTZ = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* no Intl */ }
  // Loaded in the head: the class reserves the line of the visitor's time
  // before the sessions are drawn, so nothing moves when it is filled.
  var other = eventTZ && hereTZ && eventTZ !== hereTZ;
  if (other) document.documentElement.classList.add("tz-other");

  function city(tz) {
    var p = tz.split("/");
    return p[p.length - 1].replace(/_/g, " ");
  }

  function localTimes(lang) {
    if (!other) return;
    var f;
    try {
      f = new Intl.DateTimeFormat(lang, {weekday: "short", day: "numeric", month: "short",
        hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: hereTZ});
    } catch (e) { return; }
    var els = document.querySelectorAll(".sessions .local");
    for (var i = 0; i < els.length; i++) {
      var start = new Date(els[i].getAttribute("data-start"));
      var end = new Date(els[i].getAttribute("data-end"));
      var text = f.formatRange ? f.formatRange(start, end) : f.format(start);
      els[i].querySelector(".when").textContent = text + " (" + city(hereTZ) + ")";
    }
  }

  function promo(lang, slug) {
    var input = document.getElementById("promo_code");
    var line = document.querySelector(".price-line");
    if (!input || !line) return;
    var form = input.form;
    var err = document.getElementById("promo_code-error");
    var price = line.querySelector(".price");
    var base = line.querySelector(".base");
    var disc = document.querySelector(".facts .discount");
    var ok = form.querySelector(".promo-ok");
    var initial = {price: price.textContent, base: base ? base.textContent : "", disc: disc ? disc.textContent : ""};
    var asked = null, seq = 0;

    function show(el, text) {
      if (!el) return;
      el.textContent = text;
      el.hidden = !text;
    }
    function problem(text) {
      err.textContent = text;
      if (text) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
      if (ok) ok.hidden = true;
    }
    function reset() {
      price.textContent = initial.price;
      show(base, initial.base);
      show(disc, initial.disc);
    }
    // The quote answers with the amounts written by the server for this
    // reader (?lang=), as the page itself is.
    function quote(q) {
      price.textContent = q.texts.price;
      show(base, q.texts.base);
      show(disc, q.texts.discount);
    }
    function apply() {
      var code = input.value.trim();
      if (code === asked) return;
      asked = code;
      var mine = ++seq;
      if (!code) { problem(""); reset(); return; }
      fetch("/api/v1/public/events/" + encodeURIComponent(slug) + "/quote?promo_code=" + encodeURIComponent(code) +
        "&lang=" + encodeURIComponent(line.getAttribute("data-locale") || lang),
        {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (res) {
          return res.json().then(function (body) { return {status: res.status, body: body}; });
        })
        .then(function (r) {
          if (mine !== seq) return;
          if (r.status === 200) { problem(""); quote(r.body); return; }
          reset();
          if (r.status === 422) problem(err.getAttribute("data-invalid"));
          else if (r.status === 429) problem(err.getAttribute("data-limited"));
          else asked = null; // try again on the next change
        })
        .catch(function () { if (mine === seq) asked = null; });
    }

    input.addEventListener("change", apply);
    // Enter in the promo code's field prices it rather than paying.
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); apply(); }
    });
    form.addEventListener("submit", function (ev) {
      var by = ev.submitter;
      if (document.activeElement === input && (!by || by.classList.contains("default-submit"))) {
        ev.preventDefault();
        apply();
      }
    });
    var button = form.querySelector("button.apply");
    if (button) button.addEventListener("click", function (ev) { ev.preventDefault(); apply(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var lang = document.documentElement.lang || "en";
    localTimes(lang);
    var ev = document.querySelector("article.event");
    if (ev) promo(lang, ev.getAttribute("data-slug"));
  });
})();
