// hwtrace handheld pages: the scan field stays focused for a keyboard-wedge scanner, a camera
// button reads the label's QR code (with the browser's BarcodeDetector, or on the server from
// stills where the browser has none; the field can always be typed into), the profile list can be filtered, and Enter in a reject
// reason rejects rather than accepts.
(function () {
  "use strict";
  var field = document.getElementById("code");
  if (field && !document.getElementById("weight")) {
    field.focus();
  }
  var weight = document.getElementById("weight");
  if (weight) { weight.focus(); }

  // The camera, wherever the browser can open one: the browser's own BarcodeDetector reads the
  // label where it exists; elsewhere a still goes to the server a few times a second and zbar
  // reads it there (/m/camera). The field can always be typed into.
  var cam = document.getElementById("camera");
  if (field && cam && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    cam.hidden = false;
    var view = document.getElementById("camera-view");
    var video = document.getElementById("camera-video");
    var stream = null;
    var stop = function () {
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null;
      view.hidden = true;
    };
    var found = function (text) {
      stop();
      field.value = text;
      field.form.requestSubmit();
    };
    // The browser's reader: prefer the QR payload (it carries the signature) to the CODE128 code.
    var nativeRead = function (detector) {
      return detector.detect(video).then(function (codes) {
        var qr = codes.filter(function (c) { return c.format === "qr_code"; })[0] || codes[0];
        return qr && qr.rawValue ? qr.rawValue : null;
      });
    };
    // The server's reader: one JPEG still of the video.
    var canvas = document.createElement("canvas");
    var serverRead = function () {
      if (!video.videoWidth) { return Promise.resolve(null); }
      var scale = Math.min(1, 960 / Math.max(video.videoWidth, video.videoHeight));
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); })
        .then(function (blob) {
          var body = new FormData();
          body.append("still", blob, "still.jpg");
          body.append("csrf", field.form.querySelector("input[name=csrf]").value);
          return fetch(cam.dataset.decode, { method: "POST", body: body, credentials: "same-origin" });
        })
        .then(function (r) { return r.ok ? r.json() : { text: null }; })
        .then(function (data) { return data.text || null; });
    };
    document.getElementById("camera-stop").addEventListener("click", stop);
    cam.addEventListener("click", function () {
      var read = serverRead, pause = 350;
      if ("BarcodeDetector" in window) {
        var detector = new window.BarcodeDetector({ formats: ["qr_code", "code_128"] });
        read = function () { return nativeRead(detector); };
        pause = 0;
      }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
        stream = s;
        video.srcObject = s;
        view.hidden = false;
        video.play();
        var tick = function () {
          if (!stream) { return; }
          read().then(function (text) {
            if (text && stream) { found(text); } else { window.setTimeout(tick, pause); }
          }).catch(function () { window.setTimeout(tick, 300); });
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
