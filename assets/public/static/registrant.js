// The registrant's page: each session counts down to its start in the
// page's language (Intl.RelativeTimeFormat), and the join button comes alive
// in a session's window (15 minutes before the start to its end), as the
// join link itself decides. Times come from the server, which also sends
// its own clock, so a wrong clock on the device does not open the button
// early. Without JavaScript the sessions' times show and the join link
// answers with when the room opens.
(function () {
  "use strict";
  var list = document.querySelector("ul.schedule");
  if (!list) {
    return;
  }
  var skew = Date.parse(list.dataset.now) - Date.now();
  var lang = list.dataset.lang || document.documentElement.lang;
  var rtf = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" }) : null;
  var join = document.getElementById("join");
  var hint = document.getElementById("join-hint");
  var sessions = Array.prototype.map.call(list.querySelectorAll("li.session"), function (li) {
    return {
      opens: Date.parse(li.dataset.opens),
      starts: Date.parse(li.dataset.starts),
      ends: Date.parse(li.dataset.ends),
      out: li.querySelector(".countdown")
    };
  });

  // until writes the time left as "in 3 days", "in 2 hours", "in 5 minutes".
  function until(ms) {
    var min = Math.ceil(ms / 60000);
    if (min < 60) {
      return rtf.format(min, "minute");
    }
    var h = Math.round(min / 60);
    if (h < 48) {
      return rtf.format(h, "hour");
    }
    return rtf.format(Math.round(h / 24), "day");
  }

  function tick() {
    var now = Date.now() + skew;
    var open = false;
    sessions.forEach(function (s) {
      open = open || (now >= s.opens && now < s.ends);
      if (!s.out) {
        return;
      }
      var text = "";
      if (now >= s.ends) {
        text = list.dataset.ended;
      } else if (now >= s.starts) {
        text = list.dataset.live;
      } else if (rtf) {
        text = until(s.starts - now);
      }
      if (s.out.textContent !== text) {
        s.out.textContent = text;
      }
      s.out.hidden = text === "";
    });
    if (join) {
      join.classList.toggle("secondary", !open);
      var label = open ? join.dataset.live : join.dataset.wait;
      if (join.textContent !== label) {
        join.textContent = label;
      }
      if (hint) {
        hint.hidden = open;
      }
    }
  }

  // schedule runs tick again at the next window's edge, or in 15 seconds
  // for the countdown, whichever comes first.
  function schedule() {
    var now = Date.now() + skew;
    var next = 15000;
    sessions.forEach(function (s) {
      [s.opens, s.starts, s.ends].forEach(function (at) {
        if (at > now && at - now < next) {
          next = at - now;
        }
      });
    });
    setTimeout(function () {
      tick();
      schedule();
    }, next + 50);
  }

  tick();
  schedule();
})();
