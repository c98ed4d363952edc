// hwtrace handheld pages: the scan field stays focused for a keyboard-wedge scanner, a camera
// button reads the label's QR code with the browser's BarcodeDetector where it exists (the
// field can always be typed into), the profile list can be filtered, and Enter in a reject
// reason rejects rather than accepts.
(function () {
  "use strict";
  var field = document.getElementById("code");
  if (field && !document.getElementById("weight")) {
    field.focus();
  }
  var weight = document.getElementById("weight");
  if (weight) { weight.focus(); }

  // The camera: only where BarcodeDetector and a camera exist; otherwise the button stays hidden.
  var cam = document.getElementById("camera");
  if (field && cam && "BarcodeDetector" in window && navigator.mediaDevices) {
    cam.hidden = false;
    var view = document.getElementById("camera-view");
    var video = document.getElementById("camera-video");
    var stream = null;
    var stop = function () {
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null;
      view.hidden = true;
    };
    document.getElementById("camera-stop").addEventListener("click", stop);
    cam.addEventListener("click", function () {
      var detector = new window.BarcodeDetector({ formats: ["qr_code", "code_128"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
        stream = s;
        video.srcObject = s;
        view.hidden = false;
        video.play();
        var tick = function () {
          if (!stream) { return; }
          detector.detect(video).then(function (codes) {
            // Prefer the QR payload (it carries the signature) over the CODE128 code.
            var qr = codes.filter(function (c) { return c.format === "qr_code"; })[0] || codes[0];
            if (qr && qr.rawValue) {
              stop();
              field.value = qr.rawValue;
              field.form.requestSubmit();
            } else {
              window.requestAnimationFrame(tick);
            }
          }).catch(function () { window.setTimeout(tick, 200); });
        };
        tick();
      }).catch(function () { stop(); field.focus(); });
    });
  }

  // Filter the waste profiles by code or name.
  var filter = document.getElementById("profile-filter");
  var select = document.getElementById("profile");
  if (filter && select) {
    filter.hidden = false;
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (o) {
        o.hidden = o.value !== "" && q !== "" && o.text.toLowerCase().indexOf(q) < 0;
      });
    });
    // The container type follows the profile unless the user chose one.
    var packaging = document.getElementById("packaging");
    select.addEventListener("change", function () {
      var o = select.options[select.selectedIndex];
      if (packaging && o && o.dataset.packaging && !packaging.dataset.touched) {
        packaging.value = o.dataset.packaging;
      }
    });
    if (packaging) {
      packaging.addEventListener("change", function () { packaging.dataset.touched = "1"; });
    }
  }

  // Enter in the reject reason rejects.
  var reason = document.querySelector("#weigh-form input[name=reason]");
  var reject = document.getElementById("reject");
  if (reason && reject) {
    reason.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); reject.click(); }
    });
  }
})();
