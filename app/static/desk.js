// copydesk editor's desk: source panel, in-place edit with a re-check that stays on the page,
// keyboard shortcuts. Plain JavaScript, no build step; every visible string comes from the page
// (the catalogue renders them into #desk-strings and data attributes).
(function () {
  "use strict";
  var lastTrigger = null;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function strings() {
    var el = $("#desk-strings");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }
  function csrf() {
    var meta = $('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function showDetail(id, trigger) {
    var target = document.getElementById(id);
    if (!target) { return; }
    all(".detail.shown").forEach(function (el) { el.classList.remove("shown"); });
    all(".s.active").forEach(function (el) { el.classList.remove("active"); });
    target.classList.add("shown");
    var empty = $("#panel-empty");
    if (empty) { empty.hidden = true; }
    var sentence = target.getAttribute("data-for");
    if (sentence && document.getElementById(sentence)) { document.getElementById(sentence).classList.add("active"); }
    var panel = $("#panel");
    if (panel) { panel.scrollTop = 0; }
    lastTrigger = trigger || null;
    if (history.replaceState) { history.replaceState(null, "", "#" + id); }
  }

  function closeDetail() {
    all(".detail.shown").forEach(function (el) { el.classList.remove("shown"); });
    all(".s.active").forEach(function (el) { el.classList.remove("active"); });
    var empty = $("#panel-empty");
    if (empty) { empty.hidden = false; }
    if (lastTrigger && document.body.contains(lastTrigger)) { lastTrigger.focus(); }
  }

  function editing() { var f = $("#edit-form"); return !!(f && f.classList.contains("editing")); }

  function setEditing(on) {
    var form = $("#edit-form");
    var toggle = $("#edit-toggle");
    if (!form || !toggle) { return; }
    form.classList.toggle("editing", on);
    all(".edit", form).forEach(function (el) { el.hidden = !on; });
    all(".view", form).forEach(function (el) { el.hidden = on; });
    toggle.setAttribute("aria-expanded", on ? "true" : "false");
    toggle.textContent = on ? toggle.getAttribute("data-off") : toggle.getAttribute("data-on");
    if (on) {
      var active = $(".s.active");
      var field = active ? active.closest(".field") : null;
      var input = field ? $("input, textarea", field) : $("#edit-title");
      if (input) { input.focus(); }
    }
  }

  function say(text) {
    var line = $("#recheck");
    if (!line) { return; }
    line.hidden = !text;
    line.textContent = text || "";
  }

  function swapMain(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector("main");
    if (fresh) { $("main").innerHTML = fresh.innerHTML; }
    if (doc.title) { document.title = doc.title; }
  }

  function poll(url, done, left) {
    if (left === undefined) { left = 1000; }  // about ten minutes
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.busy || state.status === "running" || state.status === "queued") {
          if (left <= 0) { done(new Error(state.status)); return; }
          window.setTimeout(function () { poll(url, done, left - 1); }, 600);
        } else { done(null, state); }
      })
      .catch(function (err) { done(err); });
  }

  function recheck(form) {
    var text = strings();
    var body = new URLSearchParams(new FormData(form));
    say(text.rechecking);
    all("button", form).forEach(function (b) { b.disabled = true; });
    fetch(form.getAttribute("action"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf() }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) { throw new Error(result.data.message || result.data.detail || String(result.data.status)); }
      poll(form.getAttribute("data-status-url"), function (err) {
        if (err) { say((text.failed || "").replace("{reason}", err.message)); return; }
        fetch(window.location.pathname, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (html) {
            swapMain(html);
            say(text.done);
            var head = $("#problems-heading");
            if (head) { head.setAttribute("tabindex", "-1"); head.focus(); }
          });
      });
    }).catch(function (err) {
      say((text.failed || "").replace("{reason}", err.message));
      all("button", form).forEach(function (b) { b.disabled = false; });
    });
  }

  document.addEventListener("click", function (event) {
    var detail = event.target.closest("[data-detail]");
    if (detail) {
      if (editing()) { return; }
      event.preventDefault();
      showDetail(detail.getAttribute("data-detail"), detail);
      return;
    }
    var problem = event.target.closest("[data-sentence]");
    if (problem) {
      event.preventDefault();
      var id = problem.getAttribute("data-sentence");
      var sentence = document.getElementById(id);
      if (sentence) {
        sentence.scrollIntoView({ block: "center" });
        var link = $(".s-link", sentence);
        showDetail("detail-" + id, link);
        if (link) { link.focus({ preventScroll: true }); }
      }
      return;
    }
    if (event.target.closest("#edit-toggle")) { setEditing(!editing()); return; }
    if (event.target.closest("#edit-cancel")) {
      var form = $("#edit-form");
      if (form) { form.reset(); }
      setEditing(false);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.id === "edit-form" && window.fetch) {
      event.preventDefault();
      recheck(form);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = (event.target.tagName || "").toLowerCase();
    var typing = tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable;
    if (event.key === "Escape") {
      if (editing() && !typing) { setEditing(false); } else if (!typing) { closeDetail(); }
      return;
    }
    if (typing) { return; }
    var key = event.key.toLowerCase();
    var target = null;
    if (key === "a") { target = $("#approve"); }
    else if (key === "n" || key === "j") { target = $("#next-draft"); }
    else if (key === "p" || key === "k") { target = $("#prev-draft"); }
    else if (key === "e") { target = $("#edit-toggle"); }
    if (target) { event.preventDefault(); target.click(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var hash = window.location.hash.slice(1);
    if (/^(detail|source)-/.test(hash)) { showDetail(hash, null); }
  });
})();
