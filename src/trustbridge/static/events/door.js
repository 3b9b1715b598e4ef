/* The check-in page's camera scanner, a progressive enhancement.
 *
 * Shown only where the browser has the BarcodeDetector API with QR codes and a camera; it
 * reads a code, puts it in the code field and submits the look-up form (a GET: the page then
 * shows who the code belongs to, and staff press "Check in"). A QR code of a confirmation
 * holds this page's address with ?code=…; the code is taken from it. Without the API the
 * panel stays hidden and the code is typed, or the phone's own camera opens the address.
 */
(function () {
  "use strict";

  var panel = document.getElementById("door-scanner");
  var form = document.getElementById("door-code-form");
  if (!panel || !form || !("BarcodeDetector" in window)) {
    return;
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var field = form.querySelector("input[name='code']");
  var start = document.getElementById("door-scan-start");
  var stop = document.getElementById("door-scan-stop");
  var video = document.getElementById("door-scan-video");
  var status = document.getElementById("door-scan-status");
  var detector = null;
  var stream = null;
  var timer = null;

  function codeFrom(raw) {
    var text = String(raw || "").trim();
    try {
      var code = new URL(text, window.location.href).searchParams.get("code");
      if (code) {
        return code;
      }
    } catch (error) {
      // Not an address: the QR code holds the code itself.
    }
    return text;
  }

  function halt() {
    if (timer !== null) {
      window.clearTimeout(timer);
      timer = null;
    }
    if (stream !== null) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.srcObject = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }

  function look() {
    detector.detect(video).then(function (found) {
      if (stream === null) {
        return;
      }
      if (found.length > 0) {
        field.value = codeFrom(found[0].rawValue);
        status.textContent = panel.dataset.found;
        halt();
        if (form.requestSubmit) {
          form.requestSubmit();
        } else {
          form.submit();
        }
        return;
      }
      timer = window.setTimeout(look, 250);
    }).catch(function () {
      timer = window.setTimeout(look, 500);
    });
  }

  start.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (opened) {
        stream = opened;
        video.srcObject = opened;
        video.hidden = false;
        start.hidden = true;
        stop.hidden = false;
        stop.focus();
        status.textContent = panel.dataset.scanning;
        return video.play();
      })
      .then(look)
      .catch(function () {
        halt();
        status.textContent = panel.dataset.denied;
      });
  });

  stop.addEventListener("click", function () {
    halt();
    status.textContent = "";
    start.focus();
  });

  window.addEventListener("pagehide", halt);

  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") !== -1) {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      panel.hidden = false;
    }
  }).catch(function () {
    // No formats: the panel stays hidden.
  });
}());
