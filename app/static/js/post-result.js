// A page that answers a POST without redirecting (the series preview) turns its history entry into
// a plain GET of the same address, so Back or reload later never asks to send the form again
// (Chromium's "Confirm Form Resubmission"). The page itself stays as it is.
if (window.history && window.history.replaceState) {
  window.history.replaceState(window.history.state, "", window.location.href);
}
