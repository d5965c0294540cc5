// The settings page's logo form: the chosen file is shown before it is
// uploaded (read as a data: address, which the pages' policy allows), with
// its size checked against the limit the form states. Without JavaScript
// the form uploads as it is, and the server says what is wrong.
(function () {
  "use strict";
  var input = document.getElementById("brand-logo");
  var preview = document.getElementById("logo-chosen");
  if (!input || !preview || !window.FileReader) {
    return;
  }
  var img = preview.querySelector("img");
  var note = preview.querySelector("p");
  var max = parseInt(input.getAttribute("data-max-bytes"), 10) || 0;
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    preview.hidden = true;
    if (!file) {
      return;
    }
    if (max && file.size > max) {
      note.textContent = input.getAttribute("data-too-large");
      img.hidden = true;
      preview.hidden = false;
      return;
    }
    var reader = new FileReader();
    reader.onload = function () {
      img.src = reader.result;
      img.hidden = false;
      note.textContent = "";
      preview.hidden = false;
    };
    reader.readAsDataURL(file);
  });
})();
