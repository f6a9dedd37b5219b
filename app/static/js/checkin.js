// The door's check-in page (templates/checkin/door.html): filter the list as you type, and send a
// tap (check in, undo) with fetch so the row changes in place without a reload. Without this
// script the page works as plain forms: a GET search and one POST per tap.
(function () {
  "use strict";
  var list = document.querySelector("[data-checkin-list]");
  if (!list) { return; }
  var search = document.querySelector("[data-checkin-search]");
  var empty = document.querySelector("[data-checkin-empty]");
  var counts = document.querySelector("[data-checkin-counts]");

  // The same folding as app/checkin/services.py fold(): "soren", "soeren" and "Søren" all find
  // Søren, and "århus" finds Aarhus (the rows' data-search is folded by the server).
  var LETTERS = {"æ": "a", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u"};
  function normalize(text) {
    var t = (text || "").toLowerCase().trim().replace(/[æøåäöü]/g, function (c) { return LETTERS[c]; });
    if (t.normalize) { t = t.normalize("NFKD").replace(/[\u0300-\u036f]/g, ""); }
    return t.replace(/aa/g, "a").replace(/ae/g, "a").replace(/oe/g, "o");
  }

  function filter() {
    var words = normalize(search.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    list.querySelectorAll("[data-person]").forEach(function (row) {
      var haystack = row.getAttribute("data-search") || "";
      var match = words.every(function (word) { return haystack.indexOf(word) !== -1; });
      row.hidden = !match;
      if (match) { shown += 1; }
    });
    if (empty) { empty.hidden = shown !== 0; }
  }

  if (search) {
    // A list the server filtered (?q=) holds only the matches: emptying the box brings everyone back.
    var serverFiltered = new URLSearchParams(window.location.search).has("q");
    search.addEventListener("input", function () {
      if (serverFiltered && !search.value.trim()) {
        var form = search.form;
        window.location.assign(form.getAttribute("action"));
        return;
      }
      filter();
    });
  }

  function setState(row, here) {
    row.setAttribute("data-checked-in", here ? "1" : "0");
    row.classList.toggle("checkin-here", here);
    var formIn = row.querySelector('[data-checkin-form="in"]');
    var formUndo = row.querySelector('[data-checkin-form="undo"]');
    if (formIn) { formIn.hidden = here; }
    if (formUndo) { formUndo.hidden = !here; }
  }

  list.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-checkin-form") || !window.fetch) { return; }
    event.preventDefault();
    var row = form.closest("[data-person]");
    var button = form.querySelector("button");
    if (button.disabled) { return; }
    button.disabled = true;
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"X-Checkin": "fetch", "Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      button.disabled = false;
      if (!result.ok || !result.data.ok) {
        window.alert(result.data.message || "Error");
        return;
      }
      if (result.data.key === null && form.getAttribute("data-checkin-form") === "undo") {
        row.remove();  // a walk-in visitor's check-in undone: they were only on the list as here
      } else {
        setState(row, result.data.checked_in);
      }
      if (counts && result.data.counts) { counts.textContent = result.data.counts.text; }
      if (search && search.value) { search.focus(); search.select(); }
    }).catch(function () {
      button.disabled = false;
      form.submit();  // the network failed: send it the plain way
    });
  });
})();
