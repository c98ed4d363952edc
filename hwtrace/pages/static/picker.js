// The waste-code picker (templates/_picker.html): searches the national catalogue while the user
// types and fills in the chosen code. Without this script the field is a plain text input.
(function () {
  "use strict";
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function setup(box) {
    const input = box.querySelector("input");
    const list = box.querySelector(".wc-list");
    const chosen = box.querySelector(".wc-chosen");
    const url = box.dataset.search;
    let items = [], active = -1, timer = null, seq = 0;
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function mark(i) {
      active = i;
      list.querySelectorAll("li").forEach(function (li, j) {
        li.setAttribute("aria-selected", j === i ? "true" : "false");
        if (j === i) { li.scrollIntoView({ block: "nearest" }); input.setAttribute("aria-activedescendant", li.id); }
      });
    }
    function pick(item) {
      const target = box.dataset.appendTo ? document.getElementById(box.dataset.appendTo) : null;
      if (target) {
        // Several codes collected in a text area, one a line: add this one once, clear the field.
        const have = target.value.split(/[\s,，、;]+/).filter(Boolean);
        if (have.indexOf(item.code) < 0) target.value = have.concat([item.code]).join("\n");
        input.value = "";
        chosen.textContent = item.code + " · " + item.description;
        close();
        return;
      }
      input.value = item.code;
      chosen.textContent = item.code + " · " + item.category + " " + item.category_name + " · " + item.description;
      box.dataset.code = item.code;
      close();
      if (box.dataset.fillHazards && input.form) {
        // A new profile starts from the catalogue's hazards; the user may change them.
        input.form.querySelectorAll("input[name=hazards]").forEach(function (c) { c.checked = item.hazards.indexOf(c.value) >= 0; });
      }
      input.dispatchEvent(new CustomEvent("wastecode", { bubbles: true, detail: item }));
    }
    function render(data) {
      items = data.items || [];
      list.replaceChildren();
      items.forEach(function (it, i) {
        const li = el("li", "wc-item");
        li.id = input.id + "-opt-" + i;
        li.setAttribute("role", "option");
        li.dataset.code = it.code;
        li.append(el("b", "mono", it.code), el("span", "wc-cat", it.category + " " + it.category_name),
                  el("span", "wc-desc", it.description), el("span", "wc-ind muted", it.industry));
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(it); });
        list.append(li);
      });
      if (!items.length) list.append(el("li", "wc-none muted", box.dataset.none || "—"));
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }
    function search() {
      const q = input.value.trim();
      if (!q) { close(); return; }
      const mine = ++seq;
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) { if (mine === seq && document.activeElement === input) render(data); })
        .catch(function () { /* the field still works as a plain input */ });
    }
    input.addEventListener("input", function () {
      delete box.dataset.code;
      chosen.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (ev) {
      if (list.hidden) return;
      if (ev.key === "ArrowDown") { ev.preventDefault(); mark(Math.min(active + 1, items.length - 1)); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); mark(Math.max(active - 1, 0)); }
      else if (ev.key === "Enter" && active >= 0 && items[active]) { ev.preventDefault(); pick(items[active]); }
      else if (ev.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }
  function init() { document.querySelectorAll(".wc-picker").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
