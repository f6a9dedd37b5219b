// The QR page's print button (templates/checkin/qr.html): shown only where a script can print.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
