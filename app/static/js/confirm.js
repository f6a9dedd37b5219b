// Ask before a destructive POST: <form data-confirm="Are you sure?"> (no inline scripts: CSP).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
