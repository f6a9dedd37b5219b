// Moves the focus to the element marked data-focus-on-load (e.g. the series preview's heading, with
// tabindex="-1"), so keyboard and screen-reader users start at the answer. The HTML autofocus
// attribute is not enough: browsers skip it when the page opens at a #fragment (here #preview).
(function () {
  var target = document.querySelector("[data-focus-on-load]");
  if (target) {
    target.focus();
  }
})();
