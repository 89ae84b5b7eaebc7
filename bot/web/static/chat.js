// Web chat client: plain JS, no build step, no external resources.
// Bot replies come back from each POST and from polling; every outbox row has an id, so a
// message delivered by both paths is shown once. Each sent message carries its own UUID, so a
// retry after a network error is recognised by the server as the same message. A poll changes
// nothing on the server: the page acknowledges what it showed with a POST, so another tab (or a
// poll whose answer got lost) still gets those messages.
(function () {
  "use strict";

  var API = "/web/api";
  var POLL_MS = 3000;
  var RETRIES = 3;
  var STORE_KEY = "sd-web-transcript";
  var CURSOR_KEY = "sd-web-cursor";
  var LANG_KEY = "sd-web-lang";
  var MAX_TRANSCRIPT = 200;

  var UI = {
    id: {
      title: "Layanan TIK",
      intro: "Tulis kebutuhan Bapak/Ibu, misalnya \"minta hosting aplikasi\" atau \"internet kantor mati\".",
      log: "Percakapan",
      textLabel: "Pesan",
      placeholder: "Tulis pesan…",
      send: "Kirim",
      attach: "Lampirkan berkas",
      clearFile: "Batalkan lampiran",
      langLabel: "Ganti bahasa ke English",
      langButton: "EN",
      typing: "Sedang mengetik…",
      download: "Unduh",
      tooBig: "Berkas terlalu besar. Ukuran maksimal {size}.",
      offline: "Koneksi terputus. Pesan belum terkirim, silakan coba lagi.",
      failed: "Maaf, pesan belum dapat diproses. Silakan coba lagi.",
      empty: "Silakan tulis pesan atau pilih berkas terlebih dahulu.",
      you: "Anda",
      bot: "Petugas layanan",
      attached: "Berkas"
    },
    en: {
      title: "IT Services",
      intro: "Tell us what you need, for example \"application hosting\" or \"office internet is down\".",
      log: "Conversation",
      textLabel: "Message",
      placeholder: "Type a message…",
      send: "Send",
      attach: "Attach a file",
      clearFile: "Remove attachment",
      langLabel: "Switch language to Bahasa Indonesia",
      langButton: "ID",
      typing: "Typing…",
      download: "Download",
      tooBig: "The file is too large. The maximum size is {size}.",
      offline: "Connection lost. The message was not sent, please try again.",
      failed: "Sorry, the message could not be processed. Please try again.",
      empty: "Please type a message or choose a file first.",
      you: "You",
      bot: "Service desk",
      attached: "File"
    }
  };

  var els = {};
  var lang = "id";
  var cursor = null;        // where the next poll continues; null until the first poll in this tab
  var seen = {};            // outbox ids already rendered
  var transcript = [];      // what is on screen, kept across reloads of this tab
  var queue = Promise.resolve();
  var pollTimer = null;
  var maxBytes = 0;

  function t(key) { return (UI[lang] && UI[lang][key]) || UI.id[key] || key; }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function humanSize(n) {
    if (n >= 1024 * 1024) { return (Math.round(n / 1024 / 1024 * 10) / 10) + " MB"; }
    if (n >= 1024) { return Math.round(n / 1024) + " KB"; }
    return n + " B";
  }

  // ---- storage (sessionStorage: survives a reload, not shared with other tabs) ----
  function load() {
    try {
      transcript = JSON.parse(sessionStorage.getItem(STORE_KEY) || "[]");
      var c = sessionStorage.getItem(CURSOR_KEY);
      cursor = c === null ? null : parseInt(c, 10);
    } catch (e) { transcript = []; cursor = null; }
  }

  function save() {
    try {
      if (transcript.length > MAX_TRANSCRIPT) { transcript = transcript.slice(-MAX_TRANSCRIPT); }
      sessionStorage.setItem(STORE_KEY, JSON.stringify(transcript));
      if (cursor !== null) { sessionStorage.setItem(CURSOR_KEY, String(cursor)); }
    } catch (e) { /* private mode or full: the chat still works, only without reload memory */ }
  }

  // ---- language of the page chrome ----
  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach(function (el) { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-aria]").forEach(function (el) { el.setAttribute("aria-label", t(el.dataset.i18nAria)); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (el) { el.placeholder = t(el.dataset.i18nPlaceholder); });
    els.lang.textContent = t("langButton");
    document.title = t("title");
  }

  function setLang(next, tellBot) {
    if (next !== "id" && next !== "en") { return; }
    var changed = next !== lang;
    lang = next;
    try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* ignore */ }
    applyLang();
    if (tellBot && changed) { sendText("/bahasa " + lang, false); }
  }

  function initialLang() {
    var stored = null;
    try { stored = localStorage.getItem(LANG_KEY); } catch (e) { /* ignore */ }
    // Indonesian unless the requester chose English here before: many officials browse in
    // English, yet expect the service in Indonesian.
    return stored === "en" ? "en" : "id";
  }

  // ---- rendering ----
  var pinned = true;  // the reader is at the newest message, so keep it in view
  function scrollDown() { els.chat.scrollTop = els.chat.scrollHeight; pinned = true; }

  // Icons are inline SVG: phones and kiosks without an emoji font would show empty boxes.
  var ICONS = {
    clip: "M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48",
    download: "M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4M7 10l5 5 5-5M12 15V3"
  };

  function icon(name) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "18");
    svg.setAttribute("fill", "none");
    svg.setAttribute("stroke", "currentColor");
    svg.setAttribute("stroke-width", "2");
    svg.setAttribute("stroke-linecap", "round");
    svg.setAttribute("stroke-linejoin", "round");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  function bubble(role, text) {
    var li = document.createElement("li");
    li.className = "msg " + role;
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = (role === "user" ? t("you") : t("bot")) + ": ";
    var b = document.createElement("div");
    b.className = "bubble";
    b.appendChild(who);
    b.appendChild(document.createTextNode(text));
    li.appendChild(b);
    return li;
  }

  function renderEntry(entry, index) {
    var li;
    if (entry.role === "user") {
      li = bubble("user", entry.file ? "" : entry.text);
      if (entry.file) {
        var b = li.querySelector(".bubble");
        var name = document.createElement("span");
        name.className = "file";
        name.appendChild(icon("clip"));
        name.appendChild(document.createTextNode(" " + t("attached") + ": " + entry.file));
        b.appendChild(name);
        if (entry.text) { b.appendChild(document.createTextNode("\n" + entry.text)); }
      }
    } else if (entry.role === "error") {
      li = bubble("error", entry.text);
    } else {
      li = bubble("bot", entry.text || "");
      if (entry.document) {
        var a = document.createElement("a");
        a.className = "doc";
        a.href = entry.document.url;
        a.setAttribute("download", entry.document.filename);
        a.appendChild(icon("download"));
        a.appendChild(document.createTextNode(t("download") + " " + entry.document.filename));
        li.appendChild(a);
      }
      if (entry.choices && entry.choices.length) {
        var group = document.createElement("div");
        group.className = "choices";
        group.setAttribute("role", "group");
        entry.choices.forEach(function (c) {
          var btn = document.createElement("button");
          btn.type = "button";
          btn.className = "choice";
          btn.textContent = c.label;
          btn.dataset.choice = c.data;
          if (entry.picked !== undefined && entry.picked !== null) {
            btn.disabled = true;
            if (entry.picked === c.data) { btn.classList.add("picked"); btn.setAttribute("aria-pressed", "true"); }
          }
          btn.addEventListener("click", function () { pick(index, c, group, btn); });
          group.appendChild(btn);
        });
        li.appendChild(group);
      }
    }
    els.list.appendChild(li);
    scrollDown();
  }

  function add(entry) {
    transcript.push(entry);
    renderEntry(entry, transcript.length - 1);
    save();
  }

  function showBotMessages(messages) {
    (messages || []).forEach(function (m) {
      if (seen[m.id]) { return; }
      seen[m.id] = true;
      add({ role: "bot", id: m.id, text: m.text, choices: m.choices || [], document: m.document || null, picked: null });
      if (cursor === null || m.id > cursor) { cursor = m.id; }
    });
    save();
  }

  function setStatus(text) { els.status.textContent = text || ""; }

  function typing(on) {
    if (on && !els.typing) {
      els.typing = document.createElement("li");
      els.typing.className = "msg bot typing";
      els.typing.setAttribute("aria-hidden", "true");
      var b = document.createElement("div");
      b.className = "bubble";
      b.textContent = t("typing");
      els.typing.appendChild(b);
      els.list.appendChild(els.typing);
      scrollDown();
    } else if (!on && els.typing) {
      els.typing.remove();
      els.typing = null;
    }
  }

  // ---- network ----
  function errorText(body, fallback) {
    return body && typeof body.error === "string" && body.error ? body.error : fallback;
  }

  // POSTs are retried with the same message id: the server drops the copy it already handled.
  function post(path, body, isForm) {
    var attempt = 0;
    function once() {
      var headers = { "X-Requested-With": "servicedesk-web", "Accept": "application/json" };
      if (!isForm) { headers["Content-Type"] = "application/json"; }
      return fetch(API + path, {
        method: "POST",
        credentials: "same-origin",
        headers: headers,
        body: isForm ? body : JSON.stringify(body)
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (res.ok) { return data; }
          // A server-side hiccup is worth another try; a refusal (4xx) is not.
          if (res.status >= 500 && attempt < RETRIES) { return retry(); }
          var err = new Error(errorText(data, t("failed")));
          err.polite = true;
          throw err;
        });
      }, function () {
        if (attempt < RETRIES) { return retry(); }
        var err = new Error(t("offline"));
        err.polite = true;
        throw err;
      });
    }
    function retry() {
      attempt += 1;
      return new Promise(function (resolve) { setTimeout(resolve, 500 * attempt); }).then(once);
    }
    return once();
  }

  function enqueue(job) {
    queue = queue.then(job, job);
    return queue;
  }

  function deliver(path, body, isForm) {
    return enqueue(function () {
      typing(true);
      return post(path, body, isForm).then(function (data) {
        typing(false);
        setStatus("");
        showBotMessages(data.messages);
      }, function (err) {
        typing(false);
        setStatus(err.polite ? err.message : t("failed"));
      });
    });
  }

  function sendText(text, show) {
    if (show) { add({ role: "user", text: text }); }
    var m = /^\/bahasa\s+(id|en)\b/i.exec(text.trim());
    if (m) { setLang(m[1].toLowerCase(), false); }
    return deliver("/messages", { id: uuid(), text: text, lang: lang }, false);
  }

  function pick(index, choice, group, btn) {
    var entry = transcript[index];
    if (entry && entry.picked) { return; }
    group.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    btn.classList.add("picked");
    btn.setAttribute("aria-pressed", "true");
    if (entry) { entry.picked = choice.data; }
    var m = /^lang:(id|en)$/.exec(choice.data);
    if (m) { setLang(m[1], false); }
    add({ role: "user", text: choice.label });
    deliver("/messages", { id: uuid(), choice: choice.data, lang: lang }, false);
  }

  function sendFile(file, caption) {
    if (maxBytes && file.size > maxBytes) {
      setStatus(t("tooBig").replace("{size}", humanSize(maxBytes)));
      return;
    }
    add({ role: "user", file: file.name, text: caption });
    var form = new FormData();
    form.append("id", uuid());
    form.append("lang", lang);
    if (caption) { form.append("text", caption); }
    form.append("file", file, file.name);
    deliver("/upload", form, true);
  }

  // Tell the server these messages are on screen; if this gets lost, the next poll brings them
  // again and `seen` keeps them from showing twice.
  function acknowledge(messages) {
    var ids = (messages || []).map(function (m) { return m.id; });
    if (!ids.length) { return; }
    fetch(API + "/messages/ack", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Requested-With": "servicedesk-web", "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ ids: ids })
    }).catch(function () { /* offline: acknowledged with a later poll */ });
  }

  function poll() {
    if (document.hidden) { return; }
    var url = API + "/messages" + (cursor === null ? "" : "?after=" + cursor);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) {
        if (data) {
          showBotMessages(data.messages);
          // The last message of this answer: a longer backlog continues from there.
          if (typeof data.cursor === "number" && (cursor === null || data.cursor > cursor)) {
            cursor = data.cursor;
            save();
          }
          acknowledge(data.messages);
        }
      })
      .catch(function () { /* offline for a moment: the next poll catches up */ });
  }

  function startPolling() {
    if (pollTimer) { clearInterval(pollTimer); }
    pollTimer = setInterval(poll, POLL_MS);
  }

  // ---- composer ----
  function clearFile() {
    els.file.value = "";
    els.chip.hidden = true;
    els.fileName.textContent = "";
  }

  function onFileChosen() {
    var f = els.file.files && els.file.files[0];
    if (!f) { clearFile(); return; }
    if (maxBytes && f.size > maxBytes) {
      setStatus(t("tooBig").replace("{size}", humanSize(maxBytes)));
      clearFile();
      return;
    }
    setStatus("");
    els.fileName.textContent = f.name + " (" + humanSize(f.size) + ")";
    els.chip.hidden = false;
    els.text.focus();
  }

  function onSubmit(ev) {
    ev.preventDefault();
    var text = els.text.value.trim();
    var f = els.file.files && els.file.files[0];
    if (!text && !f) { setStatus(t("empty")); return; }
    setStatus("");
    els.text.value = "";
    autosize();
    if (f) {
      clearFile();
      sendFile(f, text);
    } else {
      sendText(text, true);
    }
    els.text.focus();
  }

  function autosize() {
    els.text.style.height = "auto";
    els.text.style.height = Math.min(els.text.scrollHeight + 2, window.innerHeight * 0.3) + "px";
  }

  function init() {
    els.chat = document.querySelector(".chat");
    els.list = document.getElementById("messages");
    els.form = document.getElementById("composer");
    els.text = document.getElementById("text");
    els.file = document.getElementById("file");
    els.attach = document.getElementById("attach");
    els.chip = document.getElementById("file-chip");
    els.fileName = document.getElementById("file-name");
    els.status = document.getElementById("status");
    els.lang = document.getElementById("lang");
    maxBytes = parseInt(document.body.dataset.maxBytes, 10) || 0;

    lang = initialLang();
    applyLang();
    load();
    transcript.forEach(function (entry, i) {
      if (entry.role === "bot" && entry.id) { seen[entry.id] = true; }
      renderEntry(entry, i);
    });

    els.form.addEventListener("submit", onSubmit);
    els.text.addEventListener("input", autosize);
    els.text.addEventListener("keydown", function (ev) {
      // Enter sends, Shift+Enter breaks the line (phones show a send key via enterkeyhint).
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { onSubmit(ev); }
    });
    els.attach.addEventListener("click", function () { els.file.click(); });
    els.file.addEventListener("change", onFileChosen);
    document.getElementById("file-clear").addEventListener("click", function () { clearFile(); els.text.focus(); });
    els.lang.addEventListener("click", function () { setLang(lang === "id" ? "en" : "id", true); });
    els.chat.addEventListener("scroll", function () {
      pinned = els.chat.scrollHeight - els.chat.scrollTop - els.chat.clientHeight < 40;
    });
    // The file chip, error line and growing text box shrink the message area: keep the newest
    // message (and its buttons) in view instead of letting it slide under the composer.
    if (window.ResizeObserver) {
      new ResizeObserver(function () { if (pinned) { scrollDown(); } }).observe(els.chat);
    }
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { poll(); } });

    poll();
    startPolling();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
