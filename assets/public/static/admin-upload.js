// The admin UI's recording upload with a progress bar: the form's file is
// sent through the tus protocol (tus-js-client, vendored beside this file),
// in pieces, carrying on after a lost connection or a reload of the page.
// Without JavaScript, or where tus-js-client cannot run, the form posts the
// file as multipart/form-data instead.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.tus || !window.tus.isSupported) {
    return;
  }
  var input = form.querySelector("input[type=file]");
  var box = document.getElementById("upload-progress-box");
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var submit = document.getElementById("upload-submit");

  // reason is the server's words for a refused upload (the API's error
  // body), else the client's.
  function reason(err) {
    var res = err && err.originalResponse;
    if (res) {
      try {
        var body = JSON.parse(res.getBody());
        var fields = body.error.fields || {};
        var names = Object.keys(fields);
        if (!names.length) {
          return body.error.message;
        }
        return names.map(function (k) { return k + " " + fields[k]; }).join("; ");
      } catch (e) { /* not JSON */ }
    }
    return err && err.message ? err.message : String(err);
  }

  form.addEventListener("submit", function (ev) {
    var file = input.files && input.files[0];
    if (!file) {
      return; // the browser says the file is required
    }
    ev.preventDefault();
    var meta = { filename: file.name, filetype: file.type || "" };
    var title = form.elements.title.value.trim();
    if (title) {
      meta.title = title;
    }
    var days = form.elements.expires_after_days;
    if (days && days.value.trim()) {
      meta.expires_after_days = days.value.trim();
    }
    var session = form.elements.session_id;
    if (session && session.value) {
      meta.session_id = session.value;
    }
    ["notify_attendees", "notify_absentees"].forEach(function (name) {
      var box = form.querySelector("input[type=checkbox][name=" + name + "]");
      meta[name] = box && box.checked ? "true" : "false";
    });

    box.hidden = false;
    bar.value = 0;
    status.textContent = "0 %";
    submit.disabled = true;
    var upload = new window.tus.Upload(file, {
      endpoint: form.dataset.tus,
      headers: { "X-CSRF-Token": form.dataset.csrf },
      metadata: meta,
      chunkSize: 32 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) {
        var pct = total ? Math.floor((sent * 100) / total) : 0;
        bar.value = pct;
        status.textContent = pct + " %";
      },
      onSuccess: function () {
        bar.value = 100;
        status.textContent = "100 %";
        window.location.assign(form.dataset.done);
      },
      onError: function (err) {
        status.textContent = form.dataset.failed + " " + reason(err);
        submit.disabled = false;
      }
    });
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) {
        upload.resumeFromPreviousUpload(previous[0]);
      }
      upload.start();
    });
  });
})();
