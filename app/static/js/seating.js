// The seating plan page: move a person by tapping them and then a table, by dragging them onto a
// table, or with the small "Move" form beside each person (the keyboard's way). Each move is posted
// as JSON to the page's move.json; the answer carries the plan and the quality box as HTML, which
// replace the old ones, and the plan's new version. Without this script the "Move" forms post as
// usual and the page reloads.
(function () {
  "use strict";
  var plan = document.querySelector("[data-plan]");
  if (!plan || !window.fetch) {
    return;
  }
  var hint = document.querySelector("[data-js-hint]");
  var errorBox = document.querySelector("[data-js-error]");
  var picked = null; // {key, round, element}
  var busy = false;
  if (hint) {
    hint.classList.remove("d-none");
  }
  plan.classList.add("seating-js");

  function setVersion(version) {
    plan.dataset.version = String(version);
    document.querySelectorAll("[data-version]").forEach(function (input) {
      if (input.tagName === "INPUT") {
        input.value = String(version);
      }
    });
  }

  function showError(message) {
    if (!errorBox) {
      return;
    }
    errorBox.textContent = message;
    errorBox.classList.toggle("d-none", !message);
  }

  function clearPick() {
    if (picked) {
      picked.element.classList.remove("seating-picked");
      var button = picked.element.querySelector(".seating-pick");
      if (button) {
        button.setAttribute("aria-pressed", "false");
      }
    }
    picked = null;
    plan.classList.remove("seating-picking");
  }

  function pick(item) {
    var key = item.dataset.key;
    var round = item.dataset.round;
    if (picked && picked.key === key && picked.round === round) {
      clearPick();
      return;
    }
    clearPick();
    picked = {key: key, round: round, element: item};
    item.classList.add("seating-picked");
    var button = item.querySelector(".seating-pick");
    if (button) {
      button.setAttribute("aria-pressed", "true");
    }
    plan.classList.add("seating-picking");
    plan.dataset.pickRound = round;
  }

  function move(key, round, table, refocus) {
    if (busy) {
      return;
    }
    busy = true;
    plan.setAttribute("aria-busy", "true");
    fetch(plan.dataset.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": plan.dataset.csrf, "Accept": "application/json"},
      body: JSON.stringify({key: key, round: Number(round), table: Number(table), version: Number(plan.dataset.version)})
    }).then(function (response) {
      return response.json().then(function (body) {
        return {ok: response.ok, body: body};
      });
    }).then(function (result) {
      if (!result.ok) {
        showError(result.body.error || "Error");
        return;
      }
      showError("");
      plan.innerHTML = result.body.plan;
      // Keep the keyboard where it was: on the person just moved.
      var again = plan.querySelector('.seating-pick[data-key="' + key + '"][data-round="' + round + '"]');
      if (again && refocus) {
        again.focus();
      }
      var box = document.querySelector("[data-quality-box]");
      if (box) {
        box.innerHTML = result.body.quality;
      }
      setVersion(result.body.version);
      var status = document.querySelector("[data-js-status]");
      if (status) {
        status.textContent = result.body.message || "";
      }
    }).catch(function () {
      showError(plan.dataset.errorText || "The move could not be saved. Please reload the page.");
    }).then(function () {
      busy = false;
      picked = null;
      plan.classList.remove("seating-picking");
      plan.removeAttribute("aria-busy");
    });
  }

  plan.addEventListener("click", function (event) {
    var button = event.target.closest(".seating-pick");
    if (button) {
      event.preventDefault();
      pick(button.closest(".seating-person"));
      return;
    }
    if (!picked || event.target.closest("details, form")) {
      return;
    }
    var table = event.target.closest(".seating-table");
    if (table && table.dataset.round === picked.round) {
      if (picked.element.closest(".seating-table") === table) {
        clearPick();
        return;
      }
      move(picked.key, picked.round, table.dataset.table);
    }
  });

  // The small "Move" form beside each person (the way without a pointer, e.g. the keyboard): sent
  // as JSON too, so the page stays where it is.
  plan.addEventListener("submit", function (event) {
    var form = event.target.closest(".seating-move form");
    if (!form) {
      return;
    }
    event.preventDefault();
    move(form.elements.key.value, form.elements.round.value, form.elements.table.value, true);
  });

  plan.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest(".seating-person");
    if (!item) {
      return;
    }
    pick(item);
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.key);
  });
  plan.addEventListener("dragover", function (event) {
    var table = event.target.closest(".seating-table");
    if (picked && table && table.dataset.round === picked.round) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    }
  });
  plan.addEventListener("drop", function (event) {
    var table = event.target.closest(".seating-table");
    if (picked && table && table.dataset.round === picked.round) {
      event.preventDefault();
      if (picked.element.closest(".seating-table") !== table) {
        move(picked.key, picked.round, table.dataset.table);
      } else {
        clearPick();
      }
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      clearPick();
    }
  });
})();
