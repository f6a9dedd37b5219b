// The group form's short name (slug) suggested from the name as you type, and the live example
// "/groups/kaffeklub-vest" in its help text. Same rules as suggest_slug in app/groups/forms.py:
// lower case, æ→ae, ø→oe, å→aa, accents dropped, anything else a hyphen. Once the person edits the
// short name field themselves, it is theirs: no more suggestions. An existing group's slug (edit
// page) is never changed by typing in the name.
(function () {
  "use strict";
  var slug = document.querySelector("input[data-slug-from]");
  if (!slug) { return; }
  var name = document.getElementById(slug.getAttribute("data-slug-from"));
  var example = document.querySelector("[data-slug-example]");
  var max = parseInt(slug.getAttribute("maxlength") || "80", 10);
  var letters = { "æ": "ae", "ø": "oe", "å": "aa", "ß": "ss" };

  function suggest(text) {
    var lower = (text || "").toLowerCase().replace(/[æøåß]/g, function (c) { return letters[c]; });
    var plain = lower.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
    return plain.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, max).replace(/-+$/, "");
  }

  function showExample() {
    if (example) { example.textContent = "/groups/" + (slug.value || "kaffeklub-vest"); }
  }

  var own = slug.value !== "" && (!name || slug.value !== suggest(name.value));
  slug.addEventListener("input", function () {
    own = slug.value !== "";  // cleared again: suggest again
    showExample();
  });
  if (name) {
    name.addEventListener("input", function () {
      if (own) { return; }
      slug.value = suggest(name.value);
      showExample();
    });
  }
  showExample();
})();
