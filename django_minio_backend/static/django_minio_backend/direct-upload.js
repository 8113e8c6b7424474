// Direct uploads for MinioDirectFileWidget: the file goes from the browser to the bucket.
// No framework, no build step. For every element with data-minio-direct-upload: when a file is
// picked, ask the ticket URL for a signed upload, send the file to the bucket with a progress
// bar, then put the signed ticket into the hidden input that the form submits.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function requestTicket(root, file) {
    var body = new URLSearchParams();
    body.set("name", file.name);
    body.set("size", String(file.size));
    body.set("type", file.type || "application/octet-stream");
    return fetch(root.dataset.ticketUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(root.closest("form")) },
      body: body,
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) throw new Error(answer.error || "upload refused");
        return answer;
      });
    });
  }

  function send(signed, file, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(signed.method, signed.url);
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) onProgress(event.loaded, event.total);
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300) resolve();
        else reject(new Error("the bucket refused the upload (HTTP " + xhr.status + ")"));
      });
      xhr.addEventListener("error", function () {
        reject(new Error("the upload failed (network error)"));
      });
      if (signed.method === "PUT") {
        Object.keys(signed.headers).forEach(function (name) {
          xhr.setRequestHeader(name, signed.headers[name]);
        });
        xhr.send(file);
        return;
      }
      var form = new FormData();
      Object.keys(signed.fields).forEach(function (name) {
        form.append(name, signed.fields[name]);
      });
      if (!("Content-Type" in signed.fields)) {
        form.append("Content-Type", file.type || "application/octet-stream");
      }
      form.append("file", file); // last: S3 ignores the fields after the file
      xhr.send(form);
    });
  }

  function setup(root) {
    if (root.dataset.minioReady) return;
    root.dataset.minioReady = "1";
    var fileInput = root.querySelector("input[type=file]");
    var ticketInput = root.querySelector("input[type=hidden]");
    var progress = root.querySelector("progress");
    var status = root.querySelector("[data-status]");
    var form = root.closest("form");
    var events = 0;

    function state(name, message) {
      root.dataset.state = name;
      status.textContent = message;
    }

    fileInput.addEventListener("change", function () {
      var file = fileInput.files[0];
      ticketInput.value = "";
      if (!file) return state("idle", "");
      var maxSize = Number(root.dataset.maxSize);
      if (maxSize && file.size > maxSize) {
        return state("error", "The file is too large (at most " + maxSize + " bytes).");
      }
      progress.hidden = false;
      progress.value = 0;
      events = 0;
      state("uploading", "Uploading...");
      requestTicket(root, file)
        .then(function (signed) {
          return send(signed, file, function (loaded, total) {
            events += 1;
            root.dataset.progressEvents = String(events);
            progress.value = total ? Math.floor((100 * loaded) / total) : 0;
          }).then(function () {
            return signed;
          });
        })
        .then(function (signed) {
          progress.value = 100;
          ticketInput.value = signed.ticket;
          root.dataset.name = signed.name;
          state("done", "Uploaded.");
        })
        .catch(function (error) {
          state("error", error.message);
        });
    });

    if (form) {
      form.addEventListener("submit", function (event) {
        if (root.dataset.state === "uploading") {
          event.preventDefault();
          status.textContent = "Wait for the upload to finish.";
        }
      });
    }
  }

  function setupAll(container) {
    (container || document).querySelectorAll("[data-minio-direct-upload]").forEach(setup);
  }

  window.minioDirectUpload = { setup: setup, setupAll: setupAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setupAll(); });
  } else {
    setupAll();
  }
})();
