// The booking form: a receiver whose operating permit does not cover every ticked batch's waste
// code cannot be chosen (the server checks the same rule and answers in the form).
(function () {
  "use strict";
  const form = document.getElementById("booking-form");
  if (!form) return;
  const receiver = document.getElementById("receiver");
  function update() {
    const wanted = new Set();
    for (const box of form.querySelectorAll("input[name=codes]:checked")) wanted.add(box.dataset.waste);
    for (const opt of receiver.options) {
      if (!opt.value) continue;
      const codes = new Set((opt.dataset.codes || "").split(" "));
      let ok = true;
      for (const w of wanted) if (!codes.has(w)) { ok = false; break; }
      opt.disabled = !ok;
      if (!ok && opt.selected) receiver.value = "";
    }
  }
  form.addEventListener("change", update);
  update();
})();
