// Series form: show only the fields that the chosen repetition uses. Without JS every field shows.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-series-form]");
  if (!form) return;
  const uses = {
    weekly: ["weekday"],
    every_n_weeks: ["weekday", "interval"],
    monthly_nth_weekday: ["nth", "weekday"],
    monthly_day: ["day_of_month"],
    rrule: ["rrule"],
  };
  const all = ["weekday", "nth", "interval", "day_of_month", "rrule"];
  const update = () => {
    const checked = form.querySelector('input[name="frequency"]:checked');
    const wanted = (checked && uses[checked.value]) || all;
    for (const name of all) {
      const wrapper = form.querySelector(`[data-field="${name}"]`);
      if (wrapper) wrapper.hidden = !wanted.includes(name);
    }
    const hint = form.querySelector("[data-frequency-hint]");
    if (hint) hint.hidden = true;
  };
  form.addEventListener("change", (event) => {
    if (event.target.name === "frequency") update();
  });
  update();
});
