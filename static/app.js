/*
 * Контроль продаж: the buttons of the app pages. No framework, no build step.
 * The page session rides in the X-App-Session header (never a cookie: the portal frame loses
 * third-party cookies); the server answers with the message to show, already translated.
 */
(function () {
  "use strict";
  var body = document.body;
  var session = body.dataset.session || "";

  function toast(message, ok) {
    var box = document.getElementById("toasts");
    if (!box || !message) { return; }
    var el = document.createElement("div");
    el.className = "toast " + (ok ? "toast-ok" : "toast-bad");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, ok ? 3500 : 6000);
  }

  function post(url, payload) {
    return fetch(url, {
      method: "POST",
      credentials: "omit",
      headers: {"Content-Type": "application/json", "X-App-Session": session},
      body: JSON.stringify(payload)
    }).then(function (r) {
      session = r.headers.get("X-App-Session") || session;  // renewed: 15 min idle from now
      return r.json().catch(function () { return {ok: false}; }).then(function (data) {
        if (r.status === 401) { data.message = body.dataset.expired; }
        return data;
      });
    }).catch(function () { return {ok: false}; });
  }

  function setLoad(load) {
    if (!load) { return; }
    document.querySelectorAll("[data-load]").forEach(function (box) {
      var open = box.querySelector("[data-load-open]");
      var cap = box.querySelector("[data-load-cap]");
      if (open) { open.textContent = load.open; }
      if (cap) { cap.textContent = load.cap; }
      box.classList.toggle("is-full", !!load.full);
      var bar = box.querySelector("[data-bar]");
      var fill = bar && bar.querySelector(".bar-fill");
      if (fill) {
        var share = load.cap ? Math.min(load.open / load.cap, 1) : 0;
        fill.setAttribute("width", (share * 100).toFixed(1));
        bar.classList.remove("bar-ok", "bar-high", "bar-over");
        bar.classList.add(load.cap && load.open >= load.cap ? "bar-over" : share >= 0.75 ? "bar-high" : "bar-ok");
      }
    });
  }

  function number(n) {
    return new Intl.NumberFormat(body.dataset.lang === "en" ? "en-US" : "ru-RU").format(n);
  }

  function dropRow(row) {
    if (!row) { return; }
    var table = row.closest("table");
    row.classList.add("is-leaving");
    setTimeout(function () {
      row.remove();
      var waiting = document.querySelector("[data-waiting]");
      if (waiting) {
        var n = parseInt(waiting.textContent.replace(/\D/g, ""), 10);
        if (n > 0) { waiting.textContent = number(n - 1); }
      }
      var total = document.querySelector("[data-amount-total]");
      if (total && row.dataset.amount) {
        var left = Number(total.dataset.amountTotal) - Number(row.dataset.amount);
        total.dataset.amountTotal = String(left);
        total.textContent = total.textContent.replace(/^[\d\s\u00a0\u202f,]+/,
          number(left) + "\u00a0");
      }
      if (table && !table.querySelector("tbody tr")) {
        var wrap = table.closest(".table-wrap");
        if (wrap) { wrap.remove(); }
        var empty = document.querySelector("[data-empty]");
        if (empty) { empty.classList.remove("is-hidden"); }
      }
    }, 350);
  }

  function finish(button, row, res, label) {
    toast(res.message || body.dataset.failed, !!res.ok);
    setLoad(res.load);
    var gone = res.ok || res.code === "already_taken" || res.code === "deal_not_found" ||
      res.code === "not_yours";
    if (gone && document.querySelector("[data-reload-on-success]")) {
      setTimeout(function () { window.location.reload(); }, res.ok ? 900 : 1600);
      return;
    }
    if (gone) { dropRow(row); return; }
    button.disabled = false;
    button.textContent = label;
  }

  document.addEventListener("click", function (event) {
    var claim = event.target.closest("[data-claim]");
    if (claim && !claim.disabled) {
      var label = claim.textContent;
      claim.disabled = true;
      claim.textContent = body.dataset.taking || label;
      post(body.dataset.claimUrl, {deal_id: Number(claim.dataset.claim)}).then(function (res) {
        finish(claim, claim.closest("tr"), res, label);
      });
      return;
    }
    var back = event.target.closest("[data-return]");
    if (back && !back.disabled) {
      var id = back.dataset.return;
      var select = document.querySelector('[data-reason-for="' + id + '"]');
      var text = back.textContent;
      back.disabled = true;
      post(body.dataset.returnUrl, {deal_id: Number(id), reason: select ? select.value : "other"})
        .then(function (res) { finish(back, back.closest("tr"), res, text); });
    }
  });

  // The sweep time is typed in the viewer's zone: tell the server the offset.
  document.querySelectorAll("[data-tz]").forEach(function (input) {
    input.value = String(new Date().getTimezoneOffset());
  });
  // Times come from the server in the portal's time zone (one clock for the whole team);
  // <time datetime> keeps the exact moment for the tooltip.
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    if (!el.title) { el.title = el.getAttribute("datetime"); }
  });
})();
