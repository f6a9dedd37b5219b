// The big screen: the arrow keys (or a presenter's clicker: Page Up/Down) switch rounds.
document.addEventListener("keydown", function (event) {
  var link = null;
  if (event.key === "ArrowRight" || event.key === "PageDown" || event.key === " ") {
    link = document.querySelector("[data-next]");
  } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
    link = document.querySelector("[data-prev]");
  }
  if (link) {
    event.preventDefault();
    window.location.href = link.href;
  }
});
