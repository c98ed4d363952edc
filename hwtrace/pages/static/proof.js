// Verify each entry's RFC 6962 inclusion proof against the signed checkpoint, in the browser
// (WebCrypto SHA-256): leaf = H(0x00 || bytes), node = H(0x01 || left || right); RFC 9162 2.1.3.2.
(function () {
  "use strict";
  function hex2bytes(h) { const out = new Uint8Array(h.length / 2); for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(2 * i, 2), 16); return out; }
  function b642bytes(b) { const s = atob(b); const out = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i); return out; }
  function cat(a, b, c) { const out = new Uint8Array(a.length + b.length + (c ? c.length : 0)); out.set(a, 0); out.set(b, a.length); if (c) out.set(c, a.length + b.length); return out; }
  async function sha(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }
  function eq(a, b) { if (a.length !== b.length) return false; for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false; return true; }
  async function verify(index, size, leaf, proof, root) {
    if (index >= size) return false;
    let fn = index, sn = size - 1, r = await sha(cat(new Uint8Array([0]), leaf));
    for (const p of proof) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha(cat(new Uint8Array([1]), p, r));
        if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn >>= 1; sn >>= 1; } }
      } else {
        r = await sha(cat(new Uint8Array([1]), r, p));
      }
      fn >>= 1; sn >>= 1;
    }
    return sn === 0 && eq(r, root);
  }
  async function run() {
    const cp = document.getElementById("proof-checkpoint");
    if (!cp) return;
    const size = Number(cp.dataset.size), root = hex2bytes(cp.dataset.root);
    let ok = 0, bad = 0, pending = 0;
    for (const row of document.querySelectorAll("tr.proof")) {
      const cell = row.querySelector("td.verdict");
      if (row.dataset.hasProof !== "1") { cell.textContent = cell.dataset.pending; pending++; continue; }
      const proof = row.dataset.proof ? row.dataset.proof.split(",").map(hex2bytes) : [];
      const good = await verify(Number(row.dataset.index), size, b642bytes(row.dataset.leaf), proof, root);
      row.classList.add(good ? "verified" : "failed");
      cell.textContent = good ? "✔ " + cell.dataset.ok : "✘ " + cell.dataset.bad;
      if (good) ok++; else bad++;
    }
    const summary = document.getElementById("proof-summary");
    summary.textContent = "✔ " + ok + "  ✘ " + bad + (pending ? "  … " + pending : "");
    summary.className = bad ? "error" : "ok";
    summary.dataset.ok = String(ok); summary.dataset.bad = String(bad);
  }
  run();
})();
