// Copy button for a newly created API token (templates/tokens/index.html).
// <button data-copy-target="ID" data-copied-text="Copied"> copies the value of the input with that id.
(function () {
  "use strict";
  function announce(input, text) {
    var statusId = input.getAttribute("aria-describedby");
    var status = statusId ? document.getElementById(statusId) : null;
    if (status) {
      status.textContent = text;
    }
  }
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy-target"));
      if (!input) {
        return;
      }
      var copied = button.getAttribute("data-copied-text") || "Copied";
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(function () {
          announce(input, copied);
        }, function () {
          document.execCommand("copy");
          announce(input, copied);
        });
      } else {
        document.execCommand("copy");
        announce(input, copied);
      }
    });
  });
})();
