/* chainrs web chat page: start-up (auth, settings), a small hand-written Engine.IO v4 /
 * Socket.IO v5 client over WebSocket, the chat renderer and, for apps with a data layer, the
 * history sidebar (resume, rename, delete, search) and feedback. Plain modern JS, no libraries. */
(() => {
  "use strict";

  // ------------------------------------------------------------------------------------------
  // Constants and small helpers

  const SID_KEY = "chainrs.sessionId";
  const TRANSCRIPT_KEY = "chainrs.transcript";
  const THEME_KEY = "chainrs.theme";
  const OPEN_THREAD_KEY = "chainrs.openThread"; // the past thread this tab opened (a reload resumes it)
  const HISTORY_OPEN_KEY = "chainrs.historyOpen"; // the reader's choice of sidebar on wide screens
  const PROFILE_KEY = "chainrs.chatProfile"; // the chat profile this tab picked
  const HISTORY_PAGE = 20; // threads per page of the history list
  const SEARCH_DEBOUNCE_MS = 300;
  const SESSION_HEADER = "X-Chainrs-Session-Id";
  const MAX_SAVED = 200; // transcript entries kept in sessionStorage
  const MAX_OUTBOX = 50; // events kept while the socket is down
  const TOAST_MS = 4000;
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 5000;
  const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const TEXT_PREVIEW_BYTES = 100_000; // what a text element shows of its content

  // The app may be mounted under a root path: derive it from this script's own URL.
  const ROOT = (() => {
    try {
      const src = document.currentScript && document.currentScript.src;
      if (src) return new URL(src, location.href).pathname.replace(/\/_chainrs\/app\.js$/, "");
    } catch (_) { /* fall through */ }
    return "";
  })();

  const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const str = (v) => (typeof v === "string" ? v : v == null ? "" : String(v));
  const nowIso = () => new Date().toISOString();
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const backoff = (attempt) => Math.min(BACKOFF_MIN_MS * 2 ** attempt, BACKOFF_MAX_MS);

  function parseJSON(text) {
    try { return JSON.parse(text); } catch (_) { return undefined; }
  }

  /** Any value as display text: strings as-is, others as pretty JSON. */
  function textOf(v) {
    if (typeof v === "string") return v;
    if (v == null) return "";
    try { return JSON.stringify(v, null, 2); } catch (_) { return String(v); }
  }

  /** Creates an element; `text` sets textContent, `on*` functions become listeners. */
  function el(tag, attrs, ...kids) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v == null || v === false) continue;
        if (k === "class") node.className = v;
        else if (k === "text") node.textContent = v;
        else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? "" : String(v));
      }
    }
    for (const kid of kids) if (kid != null) node.append(kid);
    return node;
  }

  /** A v4 UUID: crypto.randomUUID when available (secure contexts), else built by hand. */
  function uuid() {
    try {
      if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    } catch (_) { /* fall through */ }
    const b = new Uint8Array(16);
    if (window.crypto && typeof crypto.getRandomValues === "function") crypto.getRandomValues(b);
    else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** Web storage that never throws (private modes, quotas, sandboxed frames). */
  function storage(kind) {
    const area = () => { try { return window[kind]; } catch (_) { return null; } };
    return {
      get(k) { try { return area().getItem(k); } catch (_) { return null; } },
      set(k, v) { try { area().setItem(k, v); return true; } catch (_) { return false; } },
      del(k) { try { area().removeItem(k); } catch (_) { /* ignore */ } },
    };
  }
  const tabStore = storage("sessionStorage");
  const prefStore = storage("localStorage");

  /** fetch that never throws: `{ok, status, data}` (status 0 when the server was unreachable). */
  async function http(method, path, opts = {}) {
    const headers = { Accept: "application/json" };
    let body;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(opts.form).toString();
    }
    if (opts.sid && UUID_RE.test(opts.sid)) headers[SESSION_HEADER] = opts.sid;
    try {
      const res = await fetch(ROOT + path, { method, headers, body, credentials: "same-origin", cache: "no-store" });
      const text = await res.text();
      const data = text ? (parseJSON(text) ?? text) : null;
      return { ok: res.ok, status: res.status, data, headers: res.headers };
    } catch (err) {
      return { ok: false, status: 0, data: null, headers: null, error: err };
    }
  }

  const errorText = (r, fallback) =>
    (r && isObj(r.data) && typeof r.data.error === "string" && r.data.error) || fallback;

  /** Uploads one file to the session's files; resolves with its id, or rejects with the reason. */
  async function uploadFile(file, askParentId) {
    const params = new URLSearchParams({ session_id: S.sessionId || "" });
    if (askParentId) params.set("ask_parent_id", askParentId);
    const body = new FormData();
    body.append("file", file, file.name);
    let res;
    try {
      res = await fetch(`${ROOT}/project/file?${params}`, { method: "POST", body, credentials: "same-origin" });
    } catch (_) {
      throw new Error("could not reach the server");
    }
    const data = parseJSON(await res.text());
    if (res.ok && isObj(data) && typeof data.id === "string") return data.id;
    throw new Error((isObj(data) && str(data.detail)) || `HTTP ${res.status}`);
  }

  // ------------------------------------------------------------------------------------------
  // Page elements and state

  const byId = (id) => document.getElementById(id);
  const ui = {
    app: byId("app"),
    name: byId("app-name"),
    brandMark: byId("brand-mark"),
    status: byId("status"),
    statusLabel: byId("status-label"),
    userChip: byId("user-chip"),
    logout: byId("logout"),
    theme: byId("theme-toggle"),
    newChat: byId("new-chat"),
    banner: byId("banner"),
    bannerText: byId("banner-text"),
    bannerRetry: byId("banner-retry"),
    notices: byId("notices"),
    scroller: byId("scroller"),
    empty: byId("empty"),
    emptyMark: byId("empty-mark"),
    emptyTitle: byId("empty-title"),
    emptyText: byId("empty-text"),
    list: byId("messages"),
    busySlot: byId("busy-slot"),
    jump: byId("jump"),
    form: byId("composer-form"),
    composer: byId("composer"),
    buttons: byId("composer-buttons"),
    send: byId("send"),
    stop: byId("stop"),
    attach: byId("attach"),
    attachInput: byId("attach-input"),
    attachments: byId("attachments"),
    tools: byId("composer-tools"),
    settingsOpen: byId("settings-open"),
    commands: byId("commands"),
    modes: byId("modes"),
    settingsDialog: byId("settings-dialog"),
    settingsForm: byId("settings-form"),
    settingsFields: byId("settings-fields"),
    settingsCancel: byId("settings-cancel"),
    profilePicker: byId("profile-picker"),
    profile: byId("profile"),
    profileAbout: byId("profile-about"),
    starters: byId("starters"),
    side: byId("side"),
    sideTitle: byId("side-title"),
    sideBody: byId("side-body"),
    sideClose: byId("side-close"),
    loginRoot: byId("login-root"),
    toasts: byId("toasts"),
    resuming: byId("resuming"),
    historyToggle: byId("history-toggle"),
    history: byId("history"),
    historyClose: byId("history-close"),
    historySearch: byId("history-search"),
    historyList: byId("history-list"),
    historyBackdrop: byId("history-backdrop"),
  };

  // The busy indicator only exists in the DOM while a task runs.
  const busyEl = el("div", { class: "busy", "data-testid": "busy", role: "status", "aria-label": "The assistant is working" },
    el("span"), el("span"), el("span"));

  const S = {
    config: {}, // GET /auth/config
    appName: "Chat",
    sessionId: null,
    user: null,
    threadId: "",
    conn: "connecting", // connecting | connected | reconnecting | offline
    offlineText: "",
    busy: false,
    ask: null, // {ackId, sock, type, keys, threadId}
    items: new Map(), // step id -> {id, kind, d, el, ...} in arrival order
    actions: new Map(), // action id -> {a, btn, wrap}
    elements: new Map(), // element id -> {d, node}
    attachments: [], // files in the composer: {key, name, id, state: "uploading" | "ready"}
    upload: null, // /project/settings features.spontaneous_file_upload
    outbox: [],
    login: null, // the pending login promise while the form shows
    switching: false,
    persist: false, // /project/settings dataPersistence: the app keeps threads
    interacted: false, // the chat had its first interaction (or was resumed): it is a thread
    resumeThread: "", // the past thread the handshake asks for (threadId), "" for a new chat
    resuming: false, // waiting for resume_thread
    feedback: new Map(), // run step id -> {id, value, comment}
    feedbackPending: new Set(), // run step ids with a rating on its way
    profiles: [], // /project/settings chatProfiles
    profile: "", // the name of the profile this chat runs with ("" when the app has none)
    starters: [], // /project/settings starters
    categories: [], // /project/settings starterCategories
    commands: [], // set_commands
    command: "", // the id of the command picked for the next message
    modes: [], // set_modes
    modeChoice: {}, // mode id -> option id
    settingsInputs: [], // chat_settings: the panel's widgets
    settingsValues: {}, // widget id -> current value
  };

  // ------------------------------------------------------------------------------------------
  // Text rendering: escaped text with paragraphs, **bold**, `code` and fenced code blocks.

  function renderText(target, text) {
    target.replaceChildren();
    const lines = str(text).replace(/\r\n?/g, "\n").split("\n");
    let para = [];
    const flush = () => {
      if (!para.length) return;
      const p = el("p");
      para.forEach((line, i) => {
        if (i) p.append(el("br"));
        appendInline(p, line);
      });
      target.append(p);
      para = [];
    };
    for (let i = 0; i < lines.length; i++) {
      const open = /^\s*```(.*)$/.exec(lines[i]);
      if (open) {
        flush();
        const code = [];
        for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) code.push(lines[i]);
        target.append(codeBlock(code.join("\n"), open[1].trim().split(/\s+/)[0]));
      } else if (lines[i].trim() === "") {
        flush();
      } else {
        para.push(lines[i]);
      }
    }
    flush();
  }

  function codeBlock(code, lang) {
    return el("pre", { class: "code-block" }, el("code", { "data-lang": lang || null, text: code }));
  }

  function appendInline(parent, text) {
    for (const part of text.split(/(`[^`]+`)/)) {
      if (part.length > 2 && part.startsWith("`") && part.endsWith("`")) {
        parent.append(el("code", { class: "inline-code", text: part.slice(1, -1) }));
      } else if (part) {
        const re = /\*\*(.+?)\*\*/g;
        let last = 0;
        let m;
        while ((m = re.exec(part))) {
          if (m.index > last) parent.append(part.slice(last, m.index));
          parent.append(el("strong", { text: m[1] }));
          last = re.lastIndex;
        }
        if (last < part.length) parent.append(part.slice(last));
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Messages and steps

  /** message (any *_message or a missing type), run (invisible container) or step. */
  function kindOf(type) {
    if (type === "run") return "run";
    if (typeof type !== "string" || type === "" || type.endsWith("_message")) return "message";
    return "step";
  }

  /** Where a step goes: inside the nearest shown ancestor step, else the conversation. */
  function containerFor(d) {
    let pid = d.parentId;
    for (let guard = 0; pid && guard < 64; guard++) {
      const parent = S.items.get(str(pid));
      if (!parent) break;
      if (parent.kind === "step") return parent.children;
      if (parent.kind !== "run") break;
      pid = parent.d.parentId;
    }
    return ui.list;
  }

  function buildMessage(item) {
    item.avatar = el("div", { class: "msg-avatar", "aria-hidden": "true" });
    item.author = el("div", { class: "msg-author" });
    item.content = el("div", { class: "msg-content md", "data-testid": "message-content" });
    item.actionsEl = el("div", { class: "actions", hidden: true });
    item.elementsEl = el("div", { class: "elements", hidden: true });
    item.el = el("div", { class: "msg", "data-testid": "message" },
      item.avatar, el("div", { class: "msg-main" }, item.author, item.content, item.elementsEl, item.actionsEl));
  }

  function paintMessage(item) {
    const d = item.d;
    const type = str(d.type) || "assistant_message";
    const role = type === "user_message" ? "user" : type === "system_message" ? "system" : "assistant";
    const name = str(d.name) || (role === "user" ? "User" : role === "system" ? "System" : "Assistant");
    const isError = d.isError === true;
    const row = item.el;
    row.className = `msg msg--${role}${isError ? " msg--error" : ""}`;
    row.dataset.id = item.id;
    row.dataset.author = name;
    row.dataset.type = type;
    row.dataset.streaming = item.streaming ? "true" : "false";
    row.dataset.error = isError ? "true" : "false";
    item.avatar.textContent = isError ? "!" : (Array.from(name.trim())[0] || "A").toUpperCase();
    item.author.textContent = role === "user" ? "You" : name;
    const text = textOf(d.output);
    const lang = typeof d.language === "string" ? d.language : d.output != null && typeof d.output !== "string" ? "json" : "";
    const key = `${lang}\u0000${text}`;
    if (item.rendered !== key) {
      item.rendered = key;
      if (lang && text) item.content.replaceChildren(codeBlock(text, lang));
      else renderText(item.content, text);
    }
  }

  function buildStep(item) {
    item.stateEl = el("span", { class: "step-state" });
    item.nameEl = el("span", { class: "step-name" });
    item.typeEl = el("span", { class: "step-type" });
    item.inputPre = el("pre", { class: "step-pre" });
    item.inputSec = el("div", { class: "step-section" }, el("div", { class: "step-label", text: "Input" }), item.inputPre);
    item.outputEl = el("div", { class: "step-output md" });
    item.outputSec = el("div", { class: "step-section" }, el("div", { class: "step-label", text: "Output" }), item.outputEl);
    item.actionsEl = el("div", { class: "actions", hidden: true });
    item.children = el("div", { class: "step-children" });
    item.el = el("details", { class: "step", "data-testid": "step" },
      el("summary", { class: "step-summary" },
        el("span", { class: "step-chevron", "aria-hidden": "true" }), item.stateEl, item.nameEl, item.typeEl),
      el("div", { class: "step-body" }, item.inputSec, item.outputSec, item.actionsEl, item.children));
    if (item.d.defaultOpen === true) item.el.open = true;
  }

  function paintStep(item) {
    const d = item.d;
    const name = str(d.name) || "step";
    const type = str(d.type) || "undefined";
    const running = !d.end && !item.ended;
    const det = item.el;
    det.dataset.id = item.id;
    det.dataset.name = name;
    det.dataset.type = type;
    det.dataset.running = running ? "true" : "false";
    det.classList.toggle("step--error", d.isError === true);
    item.nameEl.textContent = name;
    item.typeEl.textContent = type;
    item.stateEl.className = `step-state ${running ? "spinner" : d.isError === true ? "failed" : "done"}`;
    item.stateEl.replaceChildren(el("span", { class: "sr-only", text: running ? "Running:" : "Done:" }));
    const input = d.showInput === false ? "" : textOf(d.input);
    item.inputSec.hidden = !input.trim();
    if (item.inputPre.textContent !== input) item.inputPre.textContent = input;
    const output = textOf(d.output);
    item.outputSec.hidden = !output.trim();
    const lang = typeof d.language === "string" ? d.language : d.output != null && typeof d.output !== "string" ? "json" : "";
    const key = `${lang}\u0000${output}`;
    if (item.rendered !== key) {
      item.rendered = key;
      if (lang && output) item.outputEl.replaceChildren(codeBlock(output, lang));
      else renderText(item.outputEl, output);
    }
  }

  function paint(item) {
    if (item.kind === "message") paintMessage(item);
    else if (item.kind === "step") paintStep(item);
  }

  /**
   * Creates or updates the item for a StepDict. opt.streaming marks it streaming, opt.final
   * ends streaming, opt.restored renders a saved entry, opt.local forces a scroll to the end.
   */
  function upsert(raw, opt = {}) {
    if (!isObj(raw)) return null;
    const id = str(raw.id);
    if (!id) return null;
    const prev = S.items.get(id);
    const d = Object.assign({}, prev ? prev.d : null, raw, { id });
    const kind = kindOf(d.type);
    let item = prev;
    if (!item || item.kind !== kind) {
      item = { id, kind, d, el: null, streaming: false, ended: false, rendered: null };
      if (kind === "message") buildMessage(item);
      else if (kind === "step") buildStep(item);
      if (prev && prev.el && item.el) prev.el.replaceWith(item.el);
      else if (prev && prev.el) prev.el.remove();
      else if (item.el) (kind === "message" ? ui.list : containerFor(d)).append(item.el);
      S.items.set(id, item);
      if (item.el) {
        attachPendingActions(id);
        attachPendingElements(id);
      }
    }
    item.d = d;
    if (opt.streaming) item.streaming = true;
    else if (opt.final) item.streaming = false;
    if (opt.restored) item.ended = true;
    paint(item);
    if (kind !== "run") {
      scheduleSave();
      afterChange(opt.local);
    }
    scheduleFeedback();
    return item;
  }

  function removeItem(id) {
    const item = S.items.get(str(id));
    if (!item) return;
    if (item.el) item.el.remove();
    S.items.delete(item.id);
    for (const [k, it] of S.items) if (it.el && !it.el.isConnected) S.items.delete(k);
    for (const [aid, rec] of S.actions) if (!rec.btn.isConnected && str(rec.a.forId) === item.id) S.actions.delete(aid);
    scheduleSave();
    afterChange();
    scheduleFeedback();
  }

  function appendToken(t) {
    if (!isObj(t)) return;
    const item = S.items.get(str(t.id));
    if (!item) return;
    const token = str(t.token);
    const field = t.isInput === true ? "input" : "output";
    const current = typeof item.d[field] === "string" ? item.d[field] : "";
    item.d[field] = t.isSequence === true ? token : current + token;
    item.streaming = true;
    paint(item);
    scheduleSave();
    afterChange();
  }

  /** At task_end: nothing is still streaming or running. */
  function finalizeAll() {
    for (const item of S.items.values()) {
      if (item.streaming || (item.kind === "step" && !item.d.end && !item.ended)) {
        item.streaming = false;
        item.ended = true;
        paint(item);
      }
    }
    scheduleSave();
    scheduleFeedback();
  }

  // ------------------------------------------------------------------------------------------
  // Feedback: thumbs up/down under the last assistant message of each run (Chainlit scores the
  // run step the reply nests under), once the chat is a kept thread.

  const feedbackOn = () => S.persist && !!S.config.requireLogin && S.interacted;
  let feedbackQueued = false;

  function scheduleFeedback() {
    if (feedbackQueued) return;
    feedbackQueued = true;
    queueMicrotask(() => {
      feedbackQueued = false;
      refreshFeedback();
    });
  }

  /** The run step a message nests under, if it is one that can be rated. */
  function scorableRun(item) {
    let pid = item.d.parentId;
    for (let guard = 0; pid && guard < 64; guard++) {
      const parent = S.items.get(str(pid));
      if (!parent) return null;
      if (parent.kind === "run") return str(parent.d.name) === "on_chat_start" ? null : parent;
      pid = parent.d.parentId;
    }
    return null;
  }

  /** Puts the thumbs on the messages that get them, and takes them off the others. */
  function refreshFeedback() {
    const rated = new Map(); // message id -> run id
    if (feedbackOn()) {
      const last = new Map(); // run id -> message item
      for (const item of S.items.values()) {
        if (item.kind !== "message" || str(item.d.type) !== "assistant_message") continue;
        const run = scorableRun(item);
        if (run) last.set(run.id, item);
      }
      for (const [runId, item] of last) rated.set(item.id, runId);
    }
    for (const item of S.items.values()) {
      if (item.kind !== "message") continue;
      const runId = rated.get(item.id);
      if (runId && !item.streaming) {
        if (!item.feedbackEl || item.feedbackRun !== runId) buildFeedback(item, runId);
        paintFeedback(item);
      } else if (item.feedbackEl) {
        item.feedbackEl.remove();
        item.feedbackEl = null;
        item.feedbackRun = null;
      }
    }
  }

  const THUMB_UP = "M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3";
  const THUMB_DOWN = "M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17";
  const SVG_NS = "http://www.w3.org/2000/svg";

  /** A small stroked icon from path data. */
  function icon(d, size = 15) {
    const svg = document.createElementNS(SVG_NS, "svg");
    for (const [k, v] of [["viewBox", "0 0 24 24"], ["width", size], ["height", size], ["aria-hidden", "true"], ["focusable", "false"]]) svg.setAttribute(k, String(v));
    const path = document.createElementNS(SVG_NS, "path");
    for (const [k, v] of [["d", d], ["fill", "none"], ["stroke", "currentColor"], ["stroke-width", "2"], ["stroke-linecap", "round"], ["stroke-linejoin", "round"]]) path.setAttribute(k, v);
    svg.append(path);
    return svg;
  }

  function buildFeedback(item, runId) {
    if (item.feedbackEl) item.feedbackEl.remove();
    const up = el("button", { type: "button", class: "feedback-btn feedback-up", "data-testid": "feedback-up", "aria-label": "Helpful", title: "Helpful", "aria-pressed": "false" }, icon(THUMB_UP));
    const down = el("button", { type: "button", class: "feedback-btn feedback-down", "data-testid": "feedback-down", "aria-label": "Not helpful", title: "Not helpful", "aria-pressed": "false" }, icon(THUMB_DOWN));
    up.addEventListener("click", () => { rate(runId, 1); });
    down.addEventListener("click", () => { rate(runId, 0); });
    item.feedbackEl = el("div", { class: "feedback", "data-testid": "feedback", "data-for-id": runId, role: "group", "aria-label": "Rate this reply" }, up, down);
    item.feedbackUp = up;
    item.feedbackDown = down;
    item.feedbackRun = runId;
    item.el.querySelector(".msg-main").append(item.feedbackEl);
  }

  function paintFeedback(item) {
    const given = S.feedback.get(item.feedbackRun);
    const pending = S.feedbackPending.has(item.feedbackRun);
    for (const [btn, value] of [[item.feedbackUp, 1], [item.feedbackDown, 0]]) {
      const on = !!given && given.value === value;
      btn.classList.toggle("feedback-given", on);
      btn.setAttribute("aria-pressed", on ? "true" : "false");
      btn.disabled = pending;
    }
    item.feedbackEl.dataset.value = given ? String(given.value) : "";
    item.feedbackEl.classList.toggle("feedback--given", !!given);
  }

  function paintFeedbackOf(runId) {
    for (const item of S.items.values()) if (item.feedbackEl && item.feedbackRun === runId) paintFeedback(item);
  }

  /** A thumb clicked: stores that rating, or removes it when it was the one given. */
  async function rate(runId, value) {
    if (S.feedbackPending.has(runId)) return;
    const given = S.feedback.get(runId);
    S.feedbackPending.add(runId);
    paintFeedbackOf(runId);
    let r;
    if (given && given.value === value && given.id) {
      r = await http("DELETE", "/feedback", { json: { feedbackId: given.id } });
      if (r.ok) S.feedback.delete(runId);
    } else {
      const feedback = { forId: runId, value };
      if (given && given.id) feedback.id = given.id;
      if (given && given.comment) feedback.comment = given.comment;
      r = await http("PUT", "/feedback", { json: { feedback, sessionId: S.sessionId } });
      const id = r.ok && isObj(r.data) ? str(r.data.feedbackId) : "";
      if (r.ok) S.feedback.set(runId, { id, value, comment: feedback.comment || null });
    }
    S.feedbackPending.delete(runId);
    paintFeedbackOf(runId);
    scheduleSave();
    if (!r.ok) {
      showToast({ type: "error", message: errorText(r, r.status ? `The rating could not be saved (HTTP ${r.status}).` : "Could not reach the server.") });
    }
  }

  /** The feedback a kept step carries (a resumed thread's), remembered for its run. */
  function takeFeedback(step) {
    const f = isObj(step) && isObj(step.feedback) ? step.feedback : null;
    if (!f || (f.value !== 0 && f.value !== 1)) return;
    S.feedback.set(str(f.forId) || str(step.id), { id: str(f.id), value: f.value, comment: typeof f.comment === "string" ? f.comment : null });
  }

  // ------------------------------------------------------------------------------------------
  // Actions

  function addAction(a, opt = {}) {
    if (!isObj(a)) return;
    const id = str(a.id) || uuid();
    if (S.actions.has(id)) removeAction(id, true);
    const label = str(a.label) || str(a.name) || "Action";
    const btn = el("button", {
      type: "button", class: "action-btn", "data-testid": "action", "data-name": str(a.name), "data-id": id,
      title: str(a.tooltip) || null,
    }, label);
    btn.addEventListener("click", () => { clickAction(id); });
    const rec = { a: Object.assign({}, a, { id }), btn, wrap: null };
    S.actions.set(id, rec);
    attachAction(rec);
    if (!opt.restored) scheduleSave();
    afterChange();
  }

  function attachAction(rec) {
    const forId = str(rec.a.forId);
    const host = forId ? S.items.get(forId) : null;
    if (host && host.actionsEl) {
      host.actionsEl.append(rec.btn);
      host.actionsEl.hidden = false;
    } else if (!forId) {
      rec.wrap = el("div", { class: "actions actions--loose" }, rec.btn);
      ui.list.append(rec.wrap);
    } // else: held until the message it belongs to arrives
  }

  function attachPendingActions(forId) {
    for (const rec of S.actions.values()) {
      if (!rec.btn.isConnected && str(rec.a.forId) === forId) attachAction(rec);
    }
  }

  function removeAction(id, quiet) {
    const rec = S.actions.get(str(id));
    if (!rec) return;
    const parent = rec.btn.parentElement;
    rec.btn.remove();
    if (rec.wrap) rec.wrap.remove();
    if (parent && parent.classList.contains("actions") && !parent.childElementCount) parent.hidden = true;
    S.actions.delete(str(id));
    if (!quiet) scheduleSave();
  }

  async function clickAction(id) {
    const rec = S.actions.get(id);
    if (!rec) return;
    const ask = S.ask;
    if (ask && ask.type === "action" && ask.ackId != null && ask.keys.includes(id)) {
      ask.sock.ack(ask.ackId, rec.a);
      endAsk();
      return;
    }
    rec.btn.disabled = true;
    rec.btn.setAttribute("aria-busy", "true");
    const r = await http("POST", "/project/action", { json: { sessionId: S.sessionId, action: rec.a }, sid: S.sessionId });
    rec.btn.disabled = false;
    rec.btn.removeAttribute("aria-busy");
    if (!r.ok) {
      showToast({ type: "error", message: errorText(r, r.status ? `The action failed (HTTP ${r.status}).` : "Could not reach the server.") });
    }
  }

  // ------------------------------------------------------------------------------------------
  // Elements: inline under their message (images, sounds, videos, texts, file links); side and
  // page elements as a chip that opens the side panel.

  function elementUrl(d) {
    if (typeof d.url === "string" && d.url) return d.url;
    const key = str(d.chainlitKey);
    if (!key) return "";
    return `${ROOT}/project/file/${encodeURIComponent(key)}?session_id=${encodeURIComponent(S.sessionId || "")}`;
  }

  /** The element itself, as shown inline or in the side panel. */
  function elementView(d) {
    const url = elementUrl(d);
    const kind = str(d.type) || "file";
    const name = str(d.name) || kind;
    const size = ["small", "medium", "large"].includes(d.size) ? d.size : "medium";
    let view;
    if (kind === "image" && url) {
      view = el("img", { class: `el-image el--${size}`, src: url, alt: name, loading: "lazy" });
    } else if (kind === "audio" && url) {
      view = el("audio", { class: "el-media", src: url, controls: "", preload: "metadata" });
      if (d.autoPlay === true) view.autoplay = true;
    } else if (kind === "video" && url) {
      view = el("video", { class: `el-media el--${size}`, src: url, controls: "", preload: "metadata" });
    } else if (kind === "text" && url) {
      view = el("pre", { class: "code-block el-text" }, el("code", { "data-lang": str(d.language) || null, text: "…" }));
      fetch(url, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`))))
        .then((text) => { view.firstChild.textContent = text.slice(0, TEXT_PREVIEW_BYTES); })
        .catch((err) => { view.firstChild.textContent = `(could not load ${name}: ${err.message})`; });
    } else if (kind === "tasklist" && url) {
      view = el("div", { class: "el-tasks" }, el("div", { class: "el-tasks-status", text: "…" }));
      fetch(url, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
        .then((list) => {
          const tasks = isObj(list) && Array.isArray(list.tasks) ? list.tasks : [];
          view.replaceChildren(
            el("div", { class: "el-tasks-status", text: isObj(list) ? str(list.status) : "" }),
            ...tasks.filter(isObj).map((t) =>
              el("div", { class: `el-task el-task--${str(t.status)}`, "data-testid": "task", "data-status": str(t.status) },
                el("span", { class: "el-task-mark", "aria-hidden": "true" }), str(t.title))),
          );
        })
        .catch((err) => { view.textContent = `(could not load the task list: ${err.message})`; });
    } else {
      view = el("a", { class: "el-file", href: url || null, download: url ? name : null, target: "_blank", rel: "noopener" },
        el("span", { class: "el-file-icon", "aria-hidden": "true", text: "⎙" }), name);
    }
    return el("div", { class: `el el--${kind}`, "data-testid": "element", "data-kind": kind, "data-name": name, "data-id": str(d.id) }, view);
  }

  /** How an element sits in its message: the element inline, or a chip that opens it aside. */
  function elementNode(d) {
    if (d.display === "side" || d.display === "page") {
      const chip = el("button", { type: "button", class: "el-chip", "data-testid": "element-link", "data-name": str(d.name) }, str(d.name) || "element");
      chip.addEventListener("click", () => openSide(str(d.name), [d]));
      return chip;
    }
    return elementView(d);
  }

  function showElement(d) {
    if (!isObj(d) || !str(d.id)) return;
    const id = str(d.id);
    const prev = S.elements.get(id);
    if (prev && prev.node) prev.node.remove();
    const rec = { d, node: elementNode(d) };
    S.elements.set(id, rec);
    placeElement(rec);
    afterChange();
  }

  function placeElement(rec) {
    const forId = str(rec.d.forId);
    const host = forId ? S.items.get(forId) : null;
    if (host && host.elementsEl) {
      host.elementsEl.append(rec.node);
      host.elementsEl.hidden = false;
    } else if (!forId) {
      ui.list.append(el("div", { class: "elements elements--loose" }, rec.node));
    } // else: held until its message arrives
  }

  function attachPendingElements(forId) {
    for (const rec of S.elements.values()) {
      if (!rec.node.isConnected && str(rec.d.forId) === forId) placeElement(rec);
    }
  }

  function removeElement(id) {
    const rec = S.elements.get(str(id));
    if (!rec) return;
    const parent = rec.node.parentElement;
    rec.node.remove();
    if (parent && !parent.childElementCount) {
      if (parent.classList.contains("elements--loose")) parent.remove();
      else parent.hidden = true;
    }
    S.elements.delete(str(id));
  }

  function openSide(title, elements) {
    if (!elements.length) return closeSide();
    if (title != null) ui.sideTitle.textContent = title;
    ui.sideBody.replaceChildren(...elements.filter(isObj).map(elementView));
    ui.side.hidden = false;
    ui.app.classList.add("app--side");
  }

  function closeSide() {
    ui.side.hidden = true;
    ui.sideBody.replaceChildren();
    ui.app.classList.remove("app--side");
  }

  ui.sideClose.addEventListener("click", closeSide);

  // ------------------------------------------------------------------------------------------
  // Attachments: the attach button and drag and drop upload at once; the message names them.

  function renderAttachments() {
    ui.attachments.replaceChildren(...S.attachments.map((a) => {
      const remove = el("button", { type: "button", class: "attachment-remove", "aria-label": `Remove ${a.name}`, text: "×" });
      remove.addEventListener("click", () => {
        S.attachments = S.attachments.filter((x) => x !== a);
        renderAttachments();
      });
      return el("span", { class: `attachment attachment--${a.state}`, "data-testid": "attachment", "data-state": a.state, "data-name": a.name },
        el("span", { class: "attachment-name", text: a.name }), remove);
    }));
    ui.attachments.hidden = S.attachments.length === 0;
    updateComposer();
  }

  async function attachFiles(files) {
    if (!S.upload || !S.upload.enabled || !S.sessionId) {
      showToast({ type: "warning", message: "This app takes no attachments." });
      return;
    }
    const most = Number(S.upload.max_files) || 20;
    for (const file of Array.from(files)) {
      if (S.attachments.length >= most) {
        showToast({ type: "warning", message: `At most ${most} files per message.` });
        break;
      }
      const a = { key: uuid(), name: file.name, id: null, state: "uploading" };
      S.attachments.push(a);
      renderAttachments();
      try {
        a.id = await uploadFile(file);
        a.state = "ready";
      } catch (err) {
        S.attachments = S.attachments.filter((x) => x !== a);
        showToast({ type: "error", message: `Failed to upload ${file.name}: ${err.message}` });
      }
      renderAttachments();
    }
  }

  ui.attach.addEventListener("click", () => ui.attachInput.click());
  ui.attachInput.addEventListener("change", () => {
    const files = ui.attachInput.files;
    if (files && files.length) attachFiles(files);
    ui.attachInput.value = "";
  });
  const dropTarget = ui.app;
  dropTarget.addEventListener("dragover", (e) => {
    if (!S.upload || !S.upload.enabled || !e.dataTransfer || !Array.from(e.dataTransfer.types).includes("Files")) return;
    e.preventDefault();
    ui.app.classList.add("app--drop");
  });
  dropTarget.addEventListener("dragleave", (e) => {
    if (e.target === dropTarget || !dropTarget.contains(e.relatedTarget)) ui.app.classList.remove("app--drop");
  });
  dropTarget.addEventListener("drop", (e) => {
    ui.app.classList.remove("app--drop");
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    e.preventDefault();
    if (S.ask && S.ask.type === "file") answerFileAsk(e.dataTransfer.files);
    else attachFiles(e.dataTransfer.files);
  });

  // ------------------------------------------------------------------------------------------
  // Asks

  function startAsk(p, ackId, sock) {
    if (!isObj(p)) return;
    const msg = isObj(p.msg) ? p.msg : null;
    const spec = isObj(p.spec) ? p.spec : {};
    if (msg) upsert(msg, { final: true });
    endAsk();
    const type = str(spec.type) || "text";
    S.ask = {
      ackId, sock, type,
      keys: Array.isArray(spec.keys) ? spec.keys.map(str) : [],
      threadId: msg ? str(msg.threadId) : "",
    };
    if (type === "action") {
      for (const [id, rec] of S.actions) rec.btn.classList.toggle("action--ask", S.ask.keys.includes(id));
    } else if (type === "text") {
      focusComposer();
    } else if (type === "file") {
      S.ask.parentId = msg ? str(msg.parentId) : "";
      S.ask.maxFiles = Number(spec.max_files) || 1;
      showFileAsk(msg ? str(msg.id) : "", spec);
    } else {
      showToast({ type: "warning", message: `This page cannot answer a "${type}" request.` });
    }
    scheduleSave();
    updateComposer();
  }

  /** Ends the pending ask (answered, timed out or cleared); its buttons go away. */
  function endAsk() {
    const ask = S.ask;
    S.ask = null;
    if (ask && ask.type === "action") for (const id of ask.keys) removeAction(id);
    if (ask && ask.fileEl) ask.fileEl.remove();
    updateComposer();
  }

  /** A file ask: an upload button (or a drop) under its message. */
  function showFileAsk(msgId, spec) {
    const accept = Array.isArray(spec.accept) ? spec.accept.join(",") : isObj(spec.accept) ? Object.keys(spec.accept).join(",") : "";
    const input = el("input", { type: "file", class: "sr-only", accept: accept || null, "data-testid": "ask-file-input" });
    if ((Number(spec.max_files) || 1) > 1) input.multiple = true;
    const button = el("button", { type: "button", class: "action-btn action--ask", text: "Upload a file" });
    const hint = el("span", { class: "ask-file-hint", text: `${accept || "any file"}, up to ${Number(spec.max_size_mb) || 2} MB` });
    const box = el("div", { class: "ask-file", "data-testid": "ask-file" }, button, hint, input);
    button.addEventListener("click", () => input.click());
    input.addEventListener("change", () => {
      if (input.files && input.files.length) answerFileAsk(input.files);
    });
    const host = S.items.get(msgId);
    if (host && host.elementsEl) {
      host.elementsEl.append(box);
      host.elementsEl.hidden = false;
    } else {
      ui.list.append(box);
    }
    S.ask.fileEl = box;
    afterChange();
  }

  /** Uploads the chosen files under the ask, then answers it with their ids. */
  async function answerFileAsk(files) {
    const ask = S.ask;
    if (!ask || ask.type !== "file" || ask.ackId == null) return;
    const ids = [];
    for (const file of Array.from(files).slice(0, ask.maxFiles || 1)) {
      try {
        ids.push({ id: await uploadFile(file, ask.parentId) });
      } catch (err) {
        showToast({ type: "error", message: `Failed to upload ${file.name}: ${err.message}` });
      }
    }
    if (!ids.length || S.ask !== ask) return;
    ask.sock.ack(ask.ackId, ids);
    endAsk();
  }

  // ------------------------------------------------------------------------------------------
  // Transcript (sessionStorage): what a reload shows before the same session continues.

  let saveTimer = 0;
  let restoring = false;

  function scheduleSave() {
    if (restoring || saveTimer) return;
    saveTimer = setTimeout(saveNow, 300);
  }

  function saveNow() {
    clearTimeout(saveTimer);
    saveTimer = 0;
    if (restoring || !S.sessionId) return;
    const items = [];
    for (const it of S.items.values()) {
      // Run steps too (invisible): the feedback of a reply is for the run it nests under.
      if (it.kind === "run" && !S.persist) continue;
      const d = it.d;
      items.push({
        id: it.id, parentId: d.parentId ?? null, name: d.name, type: d.type, input: d.input ?? "",
        output: d.output ?? "", isError: d.isError === true, language: d.language ?? null,
        showInput: d.showInput, defaultOpen: d.defaultOpen === true, end: d.end || null,
      });
    }
    const askKeys = S.ask && S.ask.type === "action" ? S.ask.keys : [];
    let kept = items.slice(-MAX_SAVED);
    for (;;) {
      const ids = new Set(kept.map((i) => i.id));
      const actions = [];
      for (const [id, rec] of S.actions) {
        if (!askKeys.includes(id) && (!rec.a.forId || ids.has(str(rec.a.forId)))) actions.push(rec.a);
      }
      const blob = JSON.stringify({
        v: 1, sessionId: S.sessionId, items: kept, actions,
        threadId: S.threadId, interacted: S.interacted, feedback: Array.from(S.feedback),
      });
      if (tabStore.set(TRANSCRIPT_KEY, blob) || !kept.length) return;
      kept = kept.slice(Math.ceil(kept.length / 2)); // over quota: keep the newer half
    }
  }

  function restoreTranscript() {
    const t = parseJSON(tabStore.get(TRANSCRIPT_KEY) || "");
    if (!isObj(t) || t.sessionId !== S.sessionId || !Array.isArray(t.items)) return;
    restoring = true;
    try {
      if (typeof t.threadId === "string") S.threadId = t.threadId;
      if (t.interacted === true) S.interacted = true;
      if (Array.isArray(t.feedback)) {
        for (const entry of t.feedback) {
          if (Array.isArray(entry) && typeof entry[0] === "string" && isObj(entry[1])) S.feedback.set(entry[0], entry[1]);
        }
      }
      for (const d of t.items) upsert(d, { final: true, restored: true });
      if (Array.isArray(t.actions)) for (const a of t.actions) addAction(a, { restored: true });
    } catch (err) {
      console.warn("chainrs: could not restore the transcript", err);
    } finally {
      restoring = false;
    }
    updateEmpty();
    stick = true;
    ui.scroller.scrollTop = ui.scroller.scrollHeight;
  }

  // ------------------------------------------------------------------------------------------
  // Scrolling: follow the newest message only while the reader is near the bottom.

  let stick = true;
  let lastTop = 0;
  let scrollQueued = false;
  const reducedMotion = () => window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;
  const nearBottom = () => ui.scroller.scrollHeight - ui.scroller.scrollTop - ui.scroller.clientHeight < 80;

  ui.scroller.addEventListener("scroll", () => {
    const top = ui.scroller.scrollTop;
    if (top < lastTop - 1) stick = nearBottom(); // the reader scrolled up
    else if (nearBottom()) stick = true;
    lastTop = top;
    if (stick) ui.jump.hidden = true;
  }, { passive: true });

  function scrollToEnd(smooth) {
    const sc = ui.scroller;
    // Glide over a new message; a growing stream (a line at a time) and long jumps are instant.
    const distance = sc.scrollHeight - sc.scrollTop - sc.clientHeight;
    const glide = smooth && distance > 48 && distance < sc.clientHeight * 1.5 && !reducedMotion();
    sc.scrollTo({ top: sc.scrollHeight, behavior: glide ? "smooth" : "auto" });
    ui.jump.hidden = true;
  }

  function afterChange(force) {
    updateEmpty();
    if (restoring) return;
    if (force) stick = true;
    if (!stick) {
      ui.jump.hidden = false;
      return;
    }
    if (scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      scrollToEnd(true);
    });
  }

  function updateEmpty() {
    ui.empty.hidden = ui.list.childElementCount > 0 || S.resuming;
    ui.resuming.hidden = !S.resuming;
    if (!ui.empty.hidden) renderStarters();
  }

  ui.jump.addEventListener("click", () => {
    stick = true;
    scrollToEnd(true);
  });

  // ------------------------------------------------------------------------------------------
  // Toasts, notices, banner, header

  function showToast(t) {
    const message = typeof t === "string" ? t : isObj(t) ? str(t.message) : "";
    if (!message) return;
    const type = isObj(t) && ["info", "success", "warning", "error"].includes(t.type) ? t.type : "info";
    const node = el("div", { class: `toast toast--${type}`, "data-testid": "toast", "data-type": type, role: type === "error" ? "alert" : "status" },
      el("span", { class: "toast-icon", "aria-hidden": "true" }), el("span", { class: "toast-text", text: message }));
    ui.toasts.append(node);
    while (ui.toasts.childElementCount > 5) ui.toasts.firstElementChild.remove();
    setTimeout(() => {
      node.classList.add("toast--leaving");
      setTimeout(() => node.remove(), 400);
    }, TOAST_MS);
  }

  function showNotice(message) {
    const text = str(message) || "Something went wrong.";
    const node = el("div", { class: "notice", role: "alert", "data-testid": "error-notice" },
      el("span", { class: "notice-icon", "aria-hidden": "true", text: "!" }),
      el("span", { class: "notice-text", text }));
    node.append(el("button", { type: "button", class: "notice-close", "aria-label": "Dismiss", title: "Dismiss", onclick: () => node.remove() }, "×"));
    ui.notices.append(node);
    while (ui.notices.childElementCount > 3) ui.notices.firstElementChild.remove();
  }

  const STATE_LABELS = { connecting: "Connecting…", connected: "Connected", reconnecting: "Reconnecting…", offline: "Offline" };

  function setConn(state, offlineText) {
    S.conn = state;
    if (state === "offline") S.offlineText = offlineText || "";
    ui.status.dataset.state = state;
    ui.statusLabel.textContent = STATE_LABELS[state] || state;
    ui.status.title = STATE_LABELS[state] || state;
    const showBanner = !S.login && (state === "reconnecting" || (state === "offline" && S.offlineText));
    ui.banner.hidden = !showBanner;
    ui.banner.dataset.state = state;
    if (showBanner) {
      ui.bannerText.textContent = state === "reconnecting" ? "Reconnecting…" : S.offlineText;
      ui.bannerRetry.textContent = state === "reconnecting" ? "Retry now" : "Reconnect";
    }
    updateComposer();
  }

  function setAppName(name) {
    const n = str(name).trim();
    if (!n) return;
    S.appName = n;
    ui.name.textContent = n;
    ui.emptyTitle.textContent = n;
    const letter = (Array.from(n)[0] || "C").toUpperCase();
    ui.brandMark.textContent = letter;
    ui.emptyMark.textContent = letter;
    document.title = n;
  }

  function setUser(user) {
    S.user = isObj(user) ? user : null;
    const label = S.user ? str(S.user.display_name) || str(S.user.identifier) : "";
    ui.userChip.textContent = label;
    ui.userChip.hidden = !label;
    ui.logout.hidden = !S.user;
    if (label) ui.userChip.title = `Signed in as ${label}`;
  }

  // Theme: the reader's own choice, else the app's default_theme, else the system's.
  function applyTheme() {
    let theme = prefStore.get(THEME_KEY);
    if (theme !== "light" && theme !== "dark") {
      const d = S.config.default_theme;
      theme = d === "light" || d === "dark" ? d : null;
    }
    document.documentElement.dataset.theme = theme || systemTheme();
  }

  /** The system's preference (the dark theme is declared once, for `data-theme="dark"`). */
  function systemTheme() {
    return window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  ui.theme.addEventListener("click", () => {
    const current = document.documentElement.dataset.theme || systemTheme();
    prefStore.set(THEME_KEY, current === "dark" ? "light" : "dark");
    applyTheme();
  });

  // ------------------------------------------------------------------------------------------
  // Composer and busy state

  function setBusy(on) {
    S.busy = !!on;
    if (S.busy) {
      if (!busyEl.isConnected) ui.busySlot.append(busyEl);
      afterChange();
    } else {
      busyEl.remove();
    }
    updateComposer();
  }

  /** Focuses the composer, except on touch screens where it would pop the keyboard up. */
  function focusComposer() {
    if (!window.matchMedia || matchMedia("(pointer: fine)").matches) ui.composer.focus({ preventScroll: true });
  }

  const answeringText = () => !!(S.ask && S.ask.type === "text" && S.ask.ackId != null);

  const readyAttachments = () => S.attachments.filter((a) => a.state === "ready" && a.id);

  function canSubmit() {
    if (!S.sessionId || S.login) return false;
    if (S.attachments.some((a) => a.state === "uploading")) return false;
    if (answeringText()) return !!ui.composer.value.trim() && S.conn === "connected";
    if (!ui.composer.value.trim() && !readyAttachments().length) return false;
    return !S.busy && S.conn !== "offline";
  }

  function updateComposer() {
    const answering = answeringText();
    const want = [];
    if (S.busy) want.push(ui.stop);
    if (!S.busy || answering) want.push(ui.send);
    const have = Array.from(ui.buttons.children);
    if (have.length !== want.length || have.some((b, i) => b !== want[i])) ui.buttons.replaceChildren(...want);
    ui.send.disabled = !canSubmit();
    ui.composer.placeholder = answering ? "Answer…" : "Send a message…";
    ui.form.classList.toggle("composer--ask", answering);
  }

  function autosize() {
    const c = ui.composer;
    c.style.height = "auto";
    const max = 200;
    const full = c.scrollHeight + (c.offsetHeight - c.clientHeight);
    c.style.height = `${Math.min(full, max)}px`;
    c.style.overflowY = full > max ? "auto" : "hidden";
    if (stick) ui.scroller.scrollTop = ui.scroller.scrollHeight; // a taller composer must not hide the end
  }

  function submit() {
    if (!canSubmit()) return;
    const text = ui.composer.value;
    const ask = S.ask;
    if (answeringText()) {
      const step = {
        id: uuid(), output: text, createdAt: nowIso(), type: "user_message", name: "User",
        threadId: ask.threadId || S.threadId || "", metadata: {},
      };
      ask.sock.ack(ask.ackId, step);
      S.ask = null;
      upsert(step, { local: true });
    } else {
      sendMessage(text, S.command);
    }
    ui.composer.value = "";
    autosize();
    updateComposer();
    focusComposer();
  }

  /** Sends a user message (with the picked command and modes, and the ready attachments). */
  function sendMessage(text, command) {
    const message = {
      id: uuid(), output: text, createdAt: nowIso(), type: "user_message", name: "User",
      threadId: "", metadata: {},
    };
    if (command) message.command = command;
    if (S.modes.length) message.modes = { ...S.modeChoice };
    upsert(message, { local: true });
    const fileReferences = readyAttachments().map((a) => ({ id: a.id }));
    S.attachments = [];
    renderAttachments();
    emitOrQueue("client_message", { message, fileReferences });
    setBusy(true); // until the server's task_start ... task_end
    const picked = S.commands.find((c) => c.id === S.command);
    if (picked && !picked.persistent) {
      S.command = "";
      renderCommands();
    }
  }

  ui.composer.addEventListener("input", () => {
    autosize();
    updateComposer();
  });
  ui.composer.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  });
  ui.form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  ui.stop.addEventListener("click", () => {
    if (net.sock && S.conn === "connected") net.sock.emit("stop");
    focusComposer();
  });

  // ------------------------------------------------------------------------------------------
  // Engine.IO v4 / Socket.IO v5 over WebSocket (default namespace only)

  /**
   * Opens one connection. Callbacks: onConnect(sid), onRefused(message), onEvent(name, args,
   * ackId), onClose(kind) with kind "drop" (transport lost), "server" (41 from the server) or
   * "refused" (44). Returns {emit, ack, close}; close() is silent (no onClose).
   */
  function openSocket(url, auth, cb) {
    let ws;
    let done = false;
    let watchdog = 0;
    let pingWindow = 50000;
    const dead = { emit: () => false, ack: () => false, close() {} };
    try {
      ws = new WebSocket(url);
    } catch (_) {
      setTimeout(() => cb.onClose("drop"), 0);
      return dead;
    }
    const handshake = setTimeout(() => finish("drop"), 10000);
    const send = (frame) => {
      if (done || ws.readyState !== WebSocket.OPEN) return false;
      try { ws.send(frame); return true; } catch (_) { return false; }
    };
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => finish("drop"), pingWindow);
    };
    const stopTimers = () => {
      clearTimeout(watchdog);
      clearTimeout(handshake);
    };
    function finish(kind) {
      if (done) return;
      done = true;
      stopTimers();
      try { ws.close(); } catch (_) { /* ignore */ }
      cb.onClose(kind);
    }

    ws.onmessage = (ev) => {
      if (done || typeof ev.data !== "string") return; // binary attachments are not used
      arm();
      try { engine(ev.data); } catch (err) { console.warn("chainrs: bad frame", err); }
    };
    ws.onclose = () => finish("drop");
    ws.onerror = () => { /* onclose follows */ };

    function engine(frame) {
      switch (frame.charAt(0)) {
        case "0": { // open
          const o = parseJSON(frame.slice(1));
          const interval = isObj(o) && Number.isFinite(o.pingInterval) ? o.pingInterval : 25000;
          const timeout = isObj(o) && Number.isFinite(o.pingTimeout) ? o.pingTimeout : 20000;
          pingWindow = interval + timeout + 1000;
          arm();
          send("40" + JSON.stringify(auth));
          break;
        }
        case "1": finish("drop"); break; // close
        case "2": send("3" + frame.slice(1)); break; // ping -> pong
        case "4": packet(frame.slice(1)); break; // message
        default: break; // pong, upgrade, noop
      }
    }

    function packet(p) {
      const type = p.charAt(0);
      let rest = p.slice(1);
      if (rest.charAt(0) === "/") {
        const comma = rest.indexOf(",");
        const nsp = comma < 0 ? rest : rest.slice(0, comma);
        if (nsp !== "/") return;
        rest = comma < 0 ? "" : rest.slice(comma + 1);
      }
      const m = /^\d+/.exec(rest);
      const ackId = m ? m[0] : null;
      if (m) rest = rest.slice(m[0].length);
      const data = rest ? parseJSON(rest) : undefined;
      if (type === "0") {
        clearTimeout(handshake);
        cb.onConnect(isObj(data) ? data.sid : null);
      } else if (type === "4") {
        cb.onRefused(isObj(data) && typeof data.message === "string" ? data.message
          : typeof data === "string" ? data : "the server refused the connection");
        finish("refused");
      } else if (type === "1") {
        finish("server");
      } else if (type === "2") {
        if (Array.isArray(data) && typeof data[0] === "string") cb.onEvent(data[0], data.slice(1), ackId);
      } // 3 (acks of our emits) and binary packets are not used
    }

    return {
      emit(name, payload) {
        try { return send("42" + JSON.stringify(payload === undefined ? [name] : [name, payload])); } catch (_) { return false; }
      },
      ack(id, answer) {
        try { return send(`43${id}${JSON.stringify([answer])}`); } catch (_) { return false; }
      },
      close() {
        if (done) return;
        send("41");
        done = true;
        stopTimers();
        setTimeout(() => { try { ws.close(1000); } catch (_) { /* ignore */ } }, 200);
      },
    };
  }

  const net = { sock: null, attempt: 0, timer: 0, refusal: "" };

  function wsUrl() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    return `${proto}//${location.host}${ROOT}/ws/socket.io/?EIO=4&transport=websocket`;
  }

  function connect() {
    clearTimeout(net.timer);
    net.timer = 0;
    if (net.sock) net.sock.close();
    net.sock = null;
    if (!S.sessionId || S.login) return;
    if (S.conn !== "reconnecting") setConn("connecting");
    // threadId names the past thread a new session resumes; a session that exists keeps its own.
    const auth = { clientType: "webapp", sessionId: S.sessionId, threadId: S.resumeThread || "", userEnv: "{}", chatProfile: S.profile };
    const sock = openSocket(wsUrl(), auth, {
      onConnect() {
        if (net.sock !== sock) return;
        net.attempt = 0;
        setConn("connected");
        sock.emit("connection_successful");
        const queued = S.outbox.splice(0);
        for (const [name, payload] of queued) sock.emit(name, payload);
      },
      onRefused(message) {
        if (net.sock === sock) net.refusal = message;
      },
      onEvent(name, args, ackId) {
        if (net.sock === sock) dispatch(name, args[0], ackId, sock);
      },
      onClose(kind) {
        if (net.sock !== sock) return;
        net.sock = null;
        dropped(kind);
      },
    });
    net.sock = sock;
  }

  function scheduleReconnect() {
    clearTimeout(net.timer);
    const delay = backoff(net.attempt);
    net.attempt += 1;
    setConn("reconnecting");
    net.timer = setTimeout(connect, delay);
  }

  function dropped(kind) {
    // Ack ids belong to the lost connection: a pending ask can no longer be answered.
    if (S.ask) endAsk();
    setBusy(false);
    if (kind === "refused") {
      const why = net.refusal || "the server refused the connection";
      net.refusal = "";
      if (S.config.requireLogin) {
        relogin(`Please sign in again (${why}).`);
      } else {
        setConn("offline", "Could not connect.");
        showNotice(`Could not connect: ${why}`);
      }
    } else if (kind === "server") {
      setConn("offline", "The server closed this chat.");
    } else {
      scheduleReconnect();
    }
  }

  /** Emits now when connected; otherwise keeps the event for the next connection. */
  function emitOrQueue(name, payload) {
    if (net.sock && S.conn === "connected" && net.sock.emit(name, payload)) return;
    if (S.outbox.length < MAX_OUTBOX) S.outbox.push([name, payload]);
  }

  ui.bannerRetry.addEventListener("click", () => {
    net.attempt = 0;
    connect();
  });
  const retrySoon = () => {
    if (S.conn === "reconnecting" && net.timer) connect();
  };
  window.addEventListener("online", retrySoon);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") retrySoon();
  });

  // ------------------------------------------------------------------------------------------
  // Server events

  const EVENTS = {
    task_start: () => setBusy(true),
    task_end: () => {
      setBusy(false);
      finalizeAll();
    },
    new_message: (d) => {
      if (S.resuming) setResuming(false); // the server started a fresh chat instead
      upsert(d, { final: true });
    },
    update_message: (d) => upsert(d, { final: true }),
    delete_message: (d) => { if (isObj(d)) removeItem(d.id); },
    stream_start: (d) => upsert(d, { streaming: true }),
    stream_token: (t) => appendToken(t),
    first_interaction: (d) => {
      if (!isObj(d) || typeof d.thread_id !== "string") return;
      S.threadId = d.thread_id;
      S.interacted = true;
      scheduleSave();
      scheduleFeedback();
      if (d.interaction !== "resume") refreshHistorySoon(); // a new thread: show it in the list
      else renderHistory();
    },
    resume_thread: (t) => showThread(t),
    resume_thread_error: (why) => {
      const message = str(isObj(why) ? why.message : why) || "This chat could not be opened.";
      forgetOpenThread();
      S.threadId = "";
      S.interacted = false;
      setResuming(false);
      showToast({ type: "error", message: `Could not open the chat: ${message}` });
      refreshHistorySoon();
    },
    action: (a) => addAction(a),
    remove_action: (a) => { if (isObj(a)) removeAction(a.id); },
    element: (d) => showElement(d),
    remove_element: (d) => { if (isObj(d)) removeElement(d.id); },
    set_sidebar_title: (title) => { ui.sideTitle.textContent = str(title); },
    set_sidebar_elements: (p) => {
      const elements = isObj(p) && Array.isArray(p.elements) ? p.elements : [];
      if (elements.length) openSide(null, elements);
      else closeSide();
    },
    toast: (t) => showToast(t),
    chat_settings: (inputs) => setSettingsInputs(inputs),
    set_commands: (commands) => {
      S.commands = Array.isArray(commands) ? commands.filter((c) => isObj(c) && typeof c.id === "string") : [];
      const selected = S.commands.find((c) => c.selected);
      if (!S.commands.some((c) => c.id === S.command)) S.command = selected ? selected.id : "";
      renderCommands();
    },
    set_modes: (modes) => {
      S.modes = Array.isArray(modes) ? modes.filter((m) => isObj(m) && typeof m.id === "string" && Array.isArray(m.options)) : [];
      const choice = {};
      for (const m of S.modes) {
        const options = m.options.filter((o) => isObj(o) && typeof o.id === "string");
        const kept = options.find((o) => o.id === S.modeChoice[m.id]);
        const first = kept || options.find((o) => o.default) || options[0];
        if (first) choice[m.id] = first.id;
      }
      S.modeChoice = choice;
      renderModes();
    },
    ask: (p, ackId, sock) => startAsk(p, ackId, sock),
    ask_timeout: () => endAsk(),
    clear_ask: () => endAsk(),
    error: (e) => {
      const message = isObj(e) ? str(e.message) : str(e);
      showNotice(message || "The server reported an error.");
      if (isObj(e) && e.event === "client_message") setBusy(false); // the message was refused
    },
    window_message: (data) => {
      if (window.parent && window.parent !== window) window.parent.postMessage(data, "*");
    },
    call_fn: (p, ackId, sock) => {
      // Client-side functions are left to the embedding page: it may answer through callback.
      if (ackId == null) return;
      let answered = false;
      const callback = (value) => {
        if (!answered) {
          answered = true;
          sock.ack(ackId, value);
        }
      };
      window.dispatchEvent(new CustomEvent("chainrs:call_fn", {
        detail: { name: isObj(p) ? p.name : undefined, args: isObj(p) ? p.args : undefined, callback },
      }));
    },
  };

  function dispatch(name, payload, ackId, sock) {
    const handler = Object.prototype.hasOwnProperty.call(EVENTS, name) ? EVENTS[name] : null;
    if (!handler) return; // unknown events are ignored
    try {
      handler(payload, ackId, sock);
    } catch (err) {
      console.warn(`chainrs: could not handle "${name}"`, err);
    }
  }

  // Messages from the embedding page go to the server as window_message.
  window.addEventListener("message", (e) => {
    if (!window.parent || window.parent === window || e.source !== window.parent) return;
    try {
      JSON.stringify(e.data);
    } catch (_) {
      return;
    }
    emitOrQueue("window_message", e.data);
  });

  // ------------------------------------------------------------------------------------------
  // Chat profiles, starters, commands, modes and the chat settings panel

  /** Fills the profile picker; the chat runs with the tab's pick, else the default, else the first. */
  function setProfiles(list) {
    S.profiles = list.filter((p) => isObj(p) && typeof p.name === "string" && p.name);
    const kept = tabStore.get(PROFILE_KEY) || "";
    const pick = S.profiles.find((p) => p.name === kept) || S.profiles.find((p) => p.default) || S.profiles[0];
    S.profile = pick ? pick.name : "";
    if (S.profile) tabStore.set(PROFILE_KEY, S.profile);
    else tabStore.del(PROFILE_KEY);
    ui.profile.replaceChildren(...S.profiles.map((p) =>
      el("option", { value: p.name, text: str(p.display_name) || p.name, selected: p.name === S.profile })));
    ui.profilePicker.hidden = S.profiles.length < 2;
    renderProfileAbout();
  }

  function currentProfile() {
    return S.profiles.find((p) => p.name === S.profile) || null;
  }

  function renderProfileAbout() {
    const p = currentProfile();
    const about = p ? str(p.markdown_description).trim() : "";
    ui.profileAbout.hidden = !about;
    if (about) renderText(ui.profileAbout, about);
  }

  ui.profile.addEventListener("change", () => {
    const name = ui.profile.value;
    if (name === S.profile) return;
    if (S.interacted && !window.confirm("Switch profile? This starts a new chat.")) {
      ui.profile.value = S.profile;
      return;
    }
    tabStore.set(PROFILE_KEY, name);
    newChat();
  });

  /**
   * The starters of an empty chat, as Chainlit's UI picks them: the app's categories (for this
   * profile) when there are any, else the profile's own starters, else the app's.
   */
  function renderStarters() {
    const p = currentProfile();
    const grouped = S.categories.filter((c) => isObj(c) && Array.isArray(c.starters) && c.starters.length);
    const own = p && Array.isArray(p.starters) && p.starters.length ? p.starters : null;
    const button = (st) => el("button", {
      type: "button", class: "starter", "data-testid": "starter",
      id: `starter-${str(st.label).trim().toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
      onclick: () => {
        if (!S.sessionId || S.busy || S.login) return;
        sendMessage(str(st.message), typeof st.command === "string" ? st.command : "");
        focusComposer();
      },
    }, str(st.label));
    const valid = (list) => (Array.isArray(list) ? list : []).filter((st) => isObj(st) && typeof st.message === "string");
    const nodes = grouped.length
      ? grouped.map((c) => el("div", { class: "starter-group", "data-testid": "starter-group" },
        el("div", { class: "starter-group-label", text: str(c.label) }), ...valid(c.starters).map(button)))
      : valid(own || S.starters).map(button);
    ui.starters.replaceChildren(...nodes);
    ui.starters.hidden = nodes.length === 0;
  }

  function updateTools() {
    ui.tools.hidden = ui.settingsOpen.hidden && !S.commands.length && !S.modes.length;
  }

  /** One toggle per command; the picked one goes with the next message (`message.command`). */
  function renderCommands() {
    ui.commands.replaceChildren(...S.commands.map((c) => el("button", {
      type: "button", class: "command-chip", id: `command-${c.id}`, "data-testid": "command",
      "aria-pressed": c.id === S.command ? "true" : "false",
      title: str(c.description) || c.id,
      onclick: () => {
        S.command = S.command === c.id ? "" : c.id;
        renderCommands();
        focusComposer();
      },
    }, `/${c.id}`)));
    updateTools();
  }

  /** One picker per mode; the choices go with every message (`message.modes`). */
  function renderModes() {
    ui.modes.replaceChildren(...S.modes.map((m) => {
      const select = el("select", { id: `mode-${m.id}`, "data-testid": "mode", "aria-label": str(m.name) || m.id });
      for (const o of m.options.filter((o) => isObj(o) && typeof o.id === "string")) {
        select.append(el("option", { value: o.id, text: str(o.name) || o.id, title: str(o.description) || null, selected: S.modeChoice[m.id] === o.id }));
      }
      select.addEventListener("change", () => { S.modeChoice[m.id] = select.value; });
      return el("label", { class: "mode-picker" }, el("span", { class: "mode-name", text: str(m.name) || m.id }), select);
    }));
    updateTools();
  }

  /** The panel's widgets (`chat_settings`; tabs are flattened): the button shows when there are any. */
  function setSettingsInputs(inputs) {
    const flat = [];
    for (const w of Array.isArray(inputs) ? inputs : []) {
      if (isObj(w) && Array.isArray(w.inputs)) flat.push(...w.inputs.filter(isObj));
      else if (isObj(w)) flat.push(w);
    }
    S.settingsInputs = flat.filter((w) => typeof w.id === "string" && typeof w.type === "string");
    S.settingsValues = {};
    for (const w of S.settingsInputs) S.settingsValues[w.id] = w.initial;
    ui.settingsOpen.hidden = S.settingsInputs.length === 0;
    if (ui.settingsDialog.open && !S.settingsInputs.length) ui.settingsDialog.close();
    updateTools();
  }

  /** An input for widget `w` showing `value`; `.read()` gives the value to send. */
  function settingField(w, value) {
    const id = `setting-${w.id}`;
    const items = (Array.isArray(w.items) ? w.items : []).filter(isObj);
    let control;
    let read;
    switch (w.type) {
      case "slider": {
        const out = el("output", { class: "setting-value", for: id, text: str(value) });
        const input = el("input", { type: "range", id, min: w.min, max: w.max, step: w.step, value: value ?? w.min ?? 0, disabled: !!w.disabled });
        input.addEventListener("input", () => { out.textContent = input.value; });
        control = el("div", { class: "setting-slider" }, input, out);
        read = () => Number(input.value);
        break;
      }
      case "switch":
      case "checkbox": {
        const input = el("input", { type: "checkbox", id, role: w.type === "switch" ? "switch" : null, disabled: !!w.disabled });
        input.checked = value === true;
        control = input;
        read = () => input.checked;
        break;
      }
      case "select":
      case "radio": {
        const input = el("select", { id, disabled: !!w.disabled });
        for (const it of items) input.append(el("option", { value: str(it.value), text: str(it.label) || str(it.value), selected: str(it.value) === str(value) }));
        control = input;
        read = () => input.value;
        break;
      }
      case "multiselect": {
        const input = el("select", { id, multiple: true, disabled: !!w.disabled });
        const chosen = new Set(Array.isArray(value) ? value.map(str) : []);
        for (const it of items) input.append(el("option", { value: str(it.value), text: str(it.label) || str(it.value), selected: chosen.has(str(it.value)) }));
        control = input;
        read = () => Array.from(input.selectedOptions, (o) => o.value);
        break;
      }
      case "tags": {
        const input = el("input", { type: "text", id, value: Array.isArray(value) ? value.join(", ") : "", placeholder: "comma, separated", disabled: !!w.disabled });
        control = input;
        read = () => input.value.split(",").map((t) => t.trim()).filter(Boolean);
        break;
      }
      case "numberinput": {
        const input = el("input", { type: "number", id, value: value ?? "", placeholder: w.placeholder, disabled: !!w.disabled, step: "any" });
        control = input;
        read = () => (input.value === "" ? null : Number(input.value));
        break;
      }
      case "datepicker": {
        const range = w.mode === "range";
        const day = (v) => el("input", { type: "date", min: w.min_date, max: w.max_date, value: str(v), disabled: !!w.disabled });
        if (range) {
          const [a, b] = Array.isArray(value) ? value : [];
          const from = day(a);
          const to = day(b);
          from.id = id;
          control = el("div", { class: "setting-range" }, from, to);
          read = () => [from.value, to.value].filter(Boolean);
        } else {
          const input = day(value);
          input.id = id;
          control = input;
          read = () => (input.value || null);
        }
        break;
      }
      default: {
        const multiline = w.type === "textinput" && w.multiline === true;
        const input = el(multiline ? "textarea" : "input", { type: multiline ? null : "text", id, placeholder: w.placeholder, disabled: !!w.disabled });
        input.value = str(value);
        control = input;
        read = () => input.value;
      }
    }
    const label = el("label", { class: "setting-label", for: id, text: str(w.label) || w.id, title: str(w.tooltip) || null });
    const help = str(w.description).trim() ? el("p", { class: "setting-help", text: str(w.description) }) : null;
    return { node: el("div", { class: "setting", "data-testid": "setting" }, label, control, help), read, id: w.id };
  }

  let settingFields = [];
  ui.settingsOpen.addEventListener("click", () => {
    settingFields = S.settingsInputs.map((w) => settingField(w, S.settingsValues[w.id]));
    ui.settingsFields.replaceChildren(...settingFields.map((f) => f.node));
    ui.settingsDialog.showModal();
  });
  ui.settingsCancel.addEventListener("click", () => ui.settingsDialog.close());
  ui.settingsForm.addEventListener("submit", () => {
    // method="dialog" closes it; the values go to the server, which checks them.
    const values = {};
    for (const f of settingFields) values[f.id] = f.read();
    Object.assign(S.settingsValues, values);
    emitOrQueue("chat_settings_change", values);
  });

  // ------------------------------------------------------------------------------------------
  // Login

  /** Shows the login form; resolves with the session id of a successful login. */
  function showLogin(note) {
    if (S.login) return S.login;
    S.login = new Promise((resolve) => {
      ui.app.classList.add("app--login");
      ui.banner.hidden = true;
      const user = el("input", {
        id: "login-username", name: "username", type: "text", autocomplete: "username",
        autocapitalize: "none", spellcheck: "false", "data-testid": "login-username",
      });
      const pass = el("input", {
        id: "login-password", name: "password", type: "password", autocomplete: "current-password",
        "data-testid": "login-password",
      });
      const submitBtn = el("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "login-submit" }, "Sign in");
      let errorEl = null;
      const setError = (message) => {
        if (!message) {
          if (errorEl) errorEl.remove();
          errorEl = null;
          return;
        }
        if (!errorEl) {
          errorEl = el("div", { class: "login-error", role: "alert", "data-testid": "login-error" });
          submitBtn.before(errorEl);
        }
        errorEl.textContent = message;
      };
      const form = el("form", { class: "login-card", "data-testid": "login-form", novalidate: true, "aria-labelledby": "login-title" },
        el("div", { class: "login-mark", "aria-hidden": "true", text: (Array.from(S.appName)[0] || "C").toUpperCase() }),
        el("h2", { class: "login-title", id: "login-title", text: `Sign in to ${S.appName}` }),
        note ? el("p", { class: "login-note", text: note }) : null,
        el("label", { class: "field-label", for: "login-username", text: "Username" }), user,
        el("label", { class: "field-label", for: "login-password", text: "Password" }), pass,
        submitBtn);
      let pending = false;
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        if (pending) return;
        if (!user.value || !pass.value) {
          setError("Enter your username and password.");
          return;
        }
        pending = true;
        submitBtn.disabled = true;
        submitBtn.textContent = "Signing in…";
        const stored = S.sessionId || tabStore.get(SID_KEY) || "";
        const r = await http("POST", "/login", { form: { username: user.value, password: pass.value }, sid: stored });
        pending = false;
        submitBtn.disabled = false;
        submitBtn.textContent = "Sign in";
        if (r.ok) {
          let sid = isObj(r.data) ? str(r.data.sessionId) : "";
          if (!UUID_RE.test(sid) && r.headers) sid = r.headers.get(SESSION_HEADER) || "";
          if (!UUID_RE.test(sid)) sid = UUID_RE.test(stored) ? stored : uuid();
          ui.loginRoot.replaceChildren();
          ui.app.classList.remove("app--login");
          S.login = null;
          resolve(sid);
        } else if (r.status === 401) {
          setError("Wrong username or password");
          pass.value = "";
          pass.focus();
        } else {
          setError(errorText(r, r.status ? `Sign-in failed (HTTP ${r.status}).` : "Could not reach the server."));
        }
      });
      ui.loginRoot.replaceChildren(el("section", { class: "login-wrap" }, form));
      setConn("offline");
      setTimeout(() => user.focus(), 0);
    });
    return S.login;
  }

  async function fetchUser(sid) {
    const r = await http("GET", "/user", { sid });
    return r.status === 200 && isObj(r.data) ? r.data : null;
  }

  /** After a refused connect in a login app: sign in again, keep the transcript if the session stays. */
  async function relogin(note) {
    if (S.login) return;
    const sid = await showLogin(note);
    setUser(await fetchUser(sid));
    if (sid !== S.sessionId) resetConversation();
    await beginSession(sid);
  }

  // ------------------------------------------------------------------------------------------
  // History sidebar (apps with a data layer and a login): the user's threads by day, a
  // server-side search, rename and delete; opening one resumes it in a new session.

  const H = {
    enabled: false,
    open: false,
    threads: [], // ThreadDicts in the server's order (newest activity first)
    byId: new Map(),
    cursor: null,
    hasNext: false,
    loading: false,
    loaded: false,
    error: "",
    gen: 0, // bumped by every reload of the list: answers to older requests are dropped
    search: "",
    searchTimer: 0,
    refreshTimer: 0,
    expect: "", // a new thread the list should show (it may not be stored yet)
    retries: 0,
    editing: null, // {id, mode: "rename" | "delete", draft, busy}
    focusEdit: false,
  };
  const narrowQuery = window.matchMedia ? matchMedia("(max-width: 860px)") : null;
  const isNarrow = () => !!(narrowQuery && narrowQuery.matches);
  const DAY_MS = 86_400_000;
  const monthFormat = new Intl.DateTimeFormat("en-US", { month: "long", year: "numeric" });

  const PENCIL = "M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z";
  const TRASH = "M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6M10 11v6M14 11v6";
  const CHECK = "M20 6L9 17l-5-5";
  const CROSS = "M18 6L6 18M6 6l12 12";

  function setHistoryEnabled(on) {
    if (H.enabled === on) return;
    H.enabled = on;
    ui.history.hidden = !on;
    ui.historyToggle.hidden = !on;
    ui.app.classList.toggle("app--history", on);
    if (on) {
      setHistoryOpen(!isNarrow() && prefStore.get(HISTORY_OPEN_KEY) !== "0");
      // It slides only once shown: not when the page opens with it.
      requestAnimationFrame(() => requestAnimationFrame(() => ui.app.classList.add("app--history-anim")));
      if (!H.loaded) loadThreads(true);
    } else {
      setHistoryOpen(false);
    }
  }

  function setHistoryOpen(open, remember) {
    H.open = !!open && H.enabled;
    ui.app.classList.toggle("app--history-open", H.open);
    ui.historyToggle.setAttribute("aria-expanded", H.open ? "true" : "false");
    const label = H.open ? "Hide the chat history" : "Show the chat history";
    ui.historyToggle.setAttribute("aria-label", label);
    ui.historyToggle.title = label;
    ui.historyBackdrop.hidden = !(H.open && isNarrow());
    ui.history.inert = !H.open;
    if (remember && !isNarrow()) prefStore.set(HISTORY_OPEN_KEY, H.open ? "1" : "0");
  }

  ui.historyToggle.addEventListener("click", () => {
    setHistoryOpen(!H.open, true);
    // Not on touch screens, where focusing the search would pop the keyboard up.
    if (H.open && (!window.matchMedia || matchMedia("(pointer: fine)").matches)) ui.historySearch.focus({ preventScroll: true });
  });
  ui.historyClose.addEventListener("click", () => {
    setHistoryOpen(false, true);
    ui.historyToggle.focus({ preventScroll: true });
  });
  ui.historyBackdrop.addEventListener("click", () => setHistoryOpen(false));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && H.open && isNarrow() && !H.editing) setHistoryOpen(false);
  });
  if (narrowQuery) {
    const follow = () => setHistoryOpen(!isNarrow() && prefStore.get(HISTORY_OPEN_KEY) !== "0");
    if (narrowQuery.addEventListener) narrowQuery.addEventListener("change", follow);
    else if (narrowQuery.addListener) narrowQuery.addListener(follow);
  }

  ui.historySearch.addEventListener("input", () => {
    clearTimeout(H.searchTimer);
    H.searchTimer = setTimeout(() => {
      const search = ui.historySearch.value.trim();
      if (search === H.search && H.loaded) return;
      H.search = search;
      loadThreads(true);
    }, SEARCH_DEBOUNCE_MS);
  });
  ui.historySearch.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && ui.historySearch.value) {
      e.preventDefault();
      e.stopPropagation();
      ui.historySearch.value = "";
      ui.historySearch.dispatchEvent(new Event("input"));
    }
  });
  ui.historyList.addEventListener("scroll", () => maybeLoadMore(), { passive: true });

  /** Reads the first page again (reset) or the next one, with the current search. */
  async function loadThreads(reset) {
    if (!H.enabled) return;
    if (reset) {
      H.gen += 1;
      H.loading = false;
    } else if (!H.hasNext || H.loading) {
      return;
    }
    const gen = H.gen;
    H.loading = true;
    renderHistory();
    const filter = H.search ? { search: H.search } : {};
    const cursor = reset ? null : H.cursor;
    const r = await http("POST", "/project/threads", { json: { pagination: { first: HISTORY_PAGE, cursor }, filter } });
    if (gen !== H.gen) return; // the list was asked for again meanwhile
    H.loading = false;
    if (!r.ok || !isObj(r.data) || !Array.isArray(r.data.data)) {
      H.error = errorText(r, r.status ? `Could not load the chats (HTTP ${r.status}).` : "Could not reach the server.");
      renderHistory();
      return;
    }
    H.error = "";
    if (reset) {
      H.threads = [];
      H.byId.clear();
    }
    for (const t of r.data.data) {
      if (!isObj(t) || typeof t.id !== "string" || !t.id) continue;
      const known = H.byId.get(t.id);
      if (known) Object.assign(known, t);
      else {
        H.threads.push(t);
        H.byId.set(t.id, t);
      }
    }
    const info = isObj(r.data.pageInfo) ? r.data.pageInfo : {};
    H.cursor = typeof info.endCursor === "string" && info.endCursor ? info.endCursor : null;
    H.hasNext = info.hasNextPage === true && !!H.cursor;
    H.loaded = true;
    renderHistory();
    if (reset && H.expect) {
      // A thread that just had its first interaction is written a moment after it is announced.
      if (H.byId.has(H.expect) || H.search || H.retries >= 6) {
        H.expect = "";
        H.retries = 0;
      } else {
        H.retries += 1;
        clearTimeout(H.refreshTimer);
        H.refreshTimer = setTimeout(() => loadThreads(true), 250 * H.retries);
      }
    }
    maybeLoadMore();
  }

  /** Infinite scroll: the next page once the list is scrolled near its end (or does not fill it). */
  function maybeLoadMore() {
    if (!H.enabled || !H.hasNext || H.loading || H.error) return;
    const list = ui.historyList;
    if (list.scrollHeight - list.scrollTop - list.clientHeight < 160) loadThreads(false);
  }

  /** Reads the list again shortly (after a first interaction: the new thread shows). */
  function refreshHistorySoon() {
    if (!H.enabled) return;
    if (S.interacted && S.threadId) {
      H.expect = S.threadId;
      H.retries = 0;
    }
    clearTimeout(H.refreshTimer);
    H.refreshTimer = setTimeout(() => loadThreads(true), 200);
  }

  /** Today, Yesterday, Previous 7 days, Previous 30 days, then by month. */
  function groupOf(iso, startOfToday) {
    const t = Date.parse(str(iso));
    if (!Number.isFinite(t)) return { key: "undated", label: "Older" };
    if (t >= startOfToday) return { key: "today", label: "Today" };
    if (t >= startOfToday - DAY_MS) return { key: "yesterday", label: "Yesterday" };
    if (t >= startOfToday - 7 * DAY_MS) return { key: "week", label: "Previous 7 days" };
    if (t >= startOfToday - 30 * DAY_MS) return { key: "month", label: "Previous 30 days" };
    const d = new Date(t);
    return { key: `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`, label: monthFormat.format(d) };
  }

  const threadName = (t) => str(t && t.name).trim() || "Untitled";
  const isCurrent = (id) => !!id && (id === S.threadId || id === S.resumeThread);

  function renderHistory() {
    if (!H.enabled) return;
    const list = ui.historyList;
    const active = document.activeElement;
    const hadEditFocus = !!(active && list.contains(active) && active.classList.contains("thread-rename-input"));
    const nodes = [];
    if (H.error) {
      const retry = el("button", { type: "button", class: "link-btn", text: "Retry" });
      retry.addEventListener("click", () => loadThreads(true));
      nodes.push(el("div", { class: "history-note history-error", role: "alert" }, el("span", { text: H.error }), " ", retry));
    } else if (H.loaded && !H.threads.length && !H.loading) {
      nodes.push(el("p", {
        class: "history-note history-empty", "data-testid": "history-empty",
        text: H.search ? `No chats match “${H.search}”.` : "No chats yet. Your conversations will show here.",
      }));
    }
    const today = new Date();
    today.setHours(0, 0, 0, 0);
    const groups = new Map();
    for (const t of H.threads) {
      const g = groupOf(t.createdAt, today.getTime());
      if (!groups.has(g.key)) groups.set(g.key, { label: g.label, items: [] });
      groups.get(g.key).items.push(t);
    }
    for (const [key, g] of groups) {
      const titleId = `history-group-${key}`;
      nodes.push(el("section", { class: "history-group", "data-group": key, "aria-labelledby": titleId },
        el("h3", { class: "history-group-title", id: titleId, text: g.label }),
        el("ul", { class: "history-items", role: "list" }, ...g.items.map(threadItem))));
    }
    if (H.loading) nodes.push(el("div", { class: "history-note history-loading", role: "status", text: "Loading…" }));
    list.replaceChildren(...nodes);
    list.setAttribute("aria-busy", H.loading ? "true" : "false");
    const ed = H.editing;
    if (ed && (H.focusEdit || hadEditFocus)) {
      const target = list.querySelector(ed.mode === "rename" ? ".thread-rename-input" : ".thread-delete-cancel");
      if (target) {
        target.focus({ preventScroll: true });
        if (H.focusEdit && ed.mode === "rename") target.select();
      }
    }
    H.focusEdit = false;
  }

  function threadItem(t) {
    const id = t.id;
    const name = threadName(t);
    const current = isCurrent(id);
    const li = el("li", { class: `thread-item${current ? " thread-item--current" : ""}`, "data-thread-id": id, "data-testid": "thread-item" });
    const ed = H.editing && H.editing.id === id ? H.editing : null;
    if (ed && ed.mode === "rename") {
      const input = el("input", {
        type: "text", class: "thread-rename-input", "data-testid": "thread-rename-input", maxlength: "500",
        "aria-label": `New name for ${name}`, disabled: ed.busy || null,
      });
      input.value = ed.draft;
      input.addEventListener("input", () => { ed.draft = input.value; });
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.isComposing) {
          e.preventDefault();
          saveRename(ed);
        } else if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          stopEditing();
        }
      });
      const save = el("button", { type: "button", class: "thread-btn thread-rename-save", "aria-label": "Save the name", title: "Save", disabled: ed.busy || null }, icon(CHECK));
      save.addEventListener("click", () => saveRename(ed));
      const cancel = el("button", { type: "button", class: "thread-btn thread-rename-cancel", "aria-label": "Cancel renaming", title: "Cancel", disabled: ed.busy || null }, icon(CROSS));
      cancel.addEventListener("click", () => stopEditing());
      li.classList.add("thread-item--editing");
      li.append(el("div", { class: "thread-edit" }, input, save, cancel));
    } else if (ed && ed.mode === "delete") {
      const yes = el("button", { type: "button", class: "thread-confirm-btn thread-delete-confirm", "data-testid": "thread-delete-confirm", "aria-label": `Yes, delete ${name}`, disabled: ed.busy || null, text: "Delete" });
      yes.addEventListener("click", () => confirmDelete(ed));
      const no = el("button", { type: "button", class: "thread-confirm-btn thread-delete-cancel", "aria-label": `Keep ${name}`, disabled: ed.busy || null, text: "Cancel" });
      no.addEventListener("click", () => stopEditing());
      const box = el("div", { class: "thread-confirm", role: "group", "aria-label": `Delete ${name}?` },
        el("span", { class: "thread-confirm-text", text: "Delete this chat?" }), yes, no);
      box.addEventListener("keydown", (e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          stopEditing();
        }
      });
      li.classList.add("thread-item--confirm");
      li.append(box);
    } else {
      const open = el("button", { type: "button", class: "thread-open", "data-testid": "thread-open", title: name, "aria-current": current ? "true" : null },
        el("span", { class: "thread-name", text: name }));
      open.addEventListener("click", () => { openThread(id); });
      const rename = el("button", { type: "button", class: "thread-btn thread-rename", "data-testid": "thread-rename", "aria-label": `Rename ${name}`, title: "Rename" }, icon(PENCIL, 14));
      rename.addEventListener("click", () => startEditing(id, "rename"));
      const del = el("button", { type: "button", class: "thread-btn thread-delete", "data-testid": "thread-delete", "aria-label": `Delete ${name}`, title: "Delete" }, icon(TRASH, 14));
      del.addEventListener("click", () => startEditing(id, "delete"));
      li.append(open, el("div", { class: "thread-actions" }, rename, del));
    }
    return li;
  }

  function startEditing(id, mode) {
    const t = H.byId.get(id);
    if (!t) return;
    H.editing = { id, mode, draft: str(t.name), busy: false };
    H.focusEdit = true;
    renderHistory();
  }

  function stopEditing() {
    const ed = H.editing;
    H.editing = null;
    renderHistory();
    if (ed) {
      const back = ui.historyList.querySelector(`.thread-item[data-thread-id="${CSS.escape(ed.id)}"] .thread-open`);
      if (back) back.focus({ preventScroll: true });
    }
  }

  async function saveRename(ed) {
    if (ed.busy || H.editing !== ed) return;
    const name = ed.draft.trim();
    const t = H.byId.get(ed.id);
    if (!name || (t && str(t.name) === name)) {
      stopEditing();
      return;
    }
    ed.busy = true;
    renderHistory();
    const r = await http("PUT", "/project/thread", { json: { threadId: ed.id, name } });
    ed.busy = false;
    if (r.ok) {
      if (t) t.name = name;
      if (H.editing === ed) stopEditing();
      else renderHistory();
    } else {
      showToast({ type: "error", message: errorText(r, r.status ? `The chat could not be renamed (HTTP ${r.status}).` : "Could not reach the server.") });
      if (H.editing === ed) H.focusEdit = true;
      renderHistory();
    }
  }

  async function confirmDelete(ed) {
    if (ed.busy || H.editing !== ed) return;
    ed.busy = true;
    renderHistory();
    const r = await http("DELETE", "/project/thread", { json: { threadId: ed.id } });
    ed.busy = false;
    if (!r.ok) {
      showToast({ type: "error", message: errorText(r, r.status ? `The chat could not be deleted (HTTP ${r.status}).` : "Could not reach the server.") });
      renderHistory();
      return;
    }
    if (H.editing === ed) H.editing = null;
    H.threads = H.threads.filter((t) => t.id !== ed.id);
    H.byId.delete(ed.id);
    renderHistory();
    maybeLoadMore();
    if (isCurrent(ed.id)) await newChat(); // the open chat is gone: start a new one
  }

  /** "Opening" a past thread: this chat ends as with New chat, a new session resumes that one. */
  async function openThread(id) {
    if (!UUID_RE.test(id)) return;
    if (isNarrow()) setHistoryOpen(false);
    if (S.switching || S.login) return;
    if ((id === S.threadId && S.interacted) || (id === S.resumeThread && S.resuming)) return; // already open
    S.switching = true;
    try {
      leaveChat();
      S.resumeThread = id;
      S.threadId = id;
      tabStore.set(OPEN_THREAD_KEY, id);
      setResuming(true);
      renderHistory();
      await beginSession(uuid());
    } finally {
      S.switching = false;
    }
  }

  function forgetOpenThread() {
    S.resumeThread = "";
    tabStore.del(OPEN_THREAD_KEY);
  }

  let resumingTimer = 0;

  /** While a past thread loads: a note instead of the empty conversation. */
  function setResuming(on) {
    S.resuming = !!on;
    clearTimeout(resumingTimer);
    if (S.resuming) resumingTimer = setTimeout(() => setResuming(false), 20_000);
    updateEmpty();
  }

  /** resume_thread: the page shows the kept thread, as its messages would have come. */
  function showThread(t) {
    if (!isObj(t)) return;
    setResuming(false);
    endAsk();
    S.items.clear();
    S.actions.clear();
    S.elements.clear();
    S.feedback.clear();
    closeSide();
    ui.list.replaceChildren();
    if (typeof t.id === "string" && t.id) S.threadId = t.id;
    S.interacted = true;
    const steps = Array.isArray(t.steps) ? t.steps.filter((d) => isObj(d) && typeof d.id === "string") : [];
    const ids = new Set(steps.map((d) => d.id));
    restoring = true;
    try {
      // In order, each parent before what nests in it.
      let pending = steps;
      while (pending.length) {
        const later = [];
        for (const d of pending) {
          const pid = str(d.parentId);
          if (pid && ids.has(pid) && !S.items.has(pid)) later.push(d);
          else {
            takeFeedback(d);
            upsert(d, { final: true, restored: true });
          }
        }
        if (later.length === pending.length) {
          for (const d of later) {
            takeFeedback(d);
            upsert(d, { final: true, restored: true });
          }
          break;
        }
        pending = later;
      }
      for (const e of Array.isArray(t.elements) ? t.elements : []) showElement(e);
    } catch (err) {
      console.warn("chainrs: could not show the whole thread", err);
    } finally {
      restoring = false;
    }
    if (typeof t.name === "string" && H.byId.has(S.threadId)) H.byId.get(S.threadId).name = t.name;
    updateEmpty();
    refreshFeedback();
    scheduleSave();
    renderHistory();
    stick = true;
    ui.scroller.scrollTop = ui.scroller.scrollHeight;
  }

  // ------------------------------------------------------------------------------------------
  // Sessions and start-up

  function adoptSession(sid) {
    const t = parseJSON(tabStore.get(TRANSCRIPT_KEY) || "");
    if (isObj(t) && t.sessionId !== sid) tabStore.del(TRANSCRIPT_KEY);
    S.sessionId = sid;
    tabStore.set(SID_KEY, sid);
  }

  function resetConversation() {
    S.items.clear();
    S.actions.clear();
    S.elements.clear();
    S.attachments = [];
    renderAttachments();
    closeSide();
    S.ask = null;
    S.outbox = [];
    S.threadId = "";
    S.interacted = false;
    S.feedback.clear();
    S.feedbackPending.clear();
    S.resuming = false;
    S.commands = [];
    S.command = "";
    S.modes = [];
    S.modeChoice = {};
    setSettingsInputs([]);
    renderCommands();
    renderModes();
    ui.list.replaceChildren();
    setBusy(false);
    updateEmpty();
    stick = true;
  }

  async function beginSession(sid) {
    adoptSession(sid);
    restoreTranscript();
    const lang = navigator.language || "en-US";
    const picked = tabStore.get(PROFILE_KEY) || "";
    const query = `language=${encodeURIComponent(lang)}${picked ? `&chat_profile=${encodeURIComponent(picked)}` : ""}`;
    const r = await http("GET", `/project/settings?${query}`, { sid });
    if (r.ok && isObj(r.data) && isObj(r.data.ui)) {
      setAppName(r.data.ui.name);
      const desc = str(r.data.ui.description).trim();
      if (desc) ui.emptyText.textContent = desc;
    }
    // History (the sidebar, resume, feedback) when the app keeps threads and users log in.
    S.persist = r.ok && isObj(r.data) && r.data.dataPersistence === true;
    const history = S.persist && !!S.config.requireLogin;
    if (!history && S.resumeThread) {
      forgetOpenThread();
      S.threadId = "";
      setResuming(false);
    }
    setHistoryEnabled(history);
    scheduleFeedback();
    const data = r.ok && isObj(r.data) ? r.data : {};
    setProfiles(Array.isArray(data.chatProfiles) ? data.chatProfiles : []);
    S.starters = Array.isArray(data.starters) ? data.starters : [];
    S.categories = Array.isArray(data.starterCategories) ? data.starterCategories : [];
    updateEmpty();
    const features = isObj(data.features) ? data.features : {};
    S.upload = isObj(features.spontaneous_file_upload) ? features.spontaneous_file_upload : null;
    ui.attach.hidden = !(S.upload && S.upload.enabled);
    if (S.upload && Array.isArray(S.upload.accept)) ui.attachInput.accept = S.upload.accept.filter((a) => a !== "*/*").join(",");
    await http("POST", "/set-session-cookie", { json: { session_id: sid } });
    if (S.sessionId !== sid) return; // a new chat started meanwhile
    net.attempt = 0;
    setConn("connecting");
    connect();
  }

  async function loadConfig() {
    for (let attempt = 0; ; attempt++) {
      const r = await http("GET", "/auth/config");
      if (r.status) return r.ok && isObj(r.data) ? r.data : {};
      setConn("reconnecting");
      await sleep(backoff(attempt));
    }
  }

  async function start() {
    ui.stop.hidden = false; // shown or detached by updateComposer from now on
    updateComposer();
    autosize();
    S.config = await loadConfig();
    applyTheme();
    if (isObj(S.config.ui)) setAppName(S.config.ui.name);
    let sid = tabStore.get(SID_KEY);
    if (!UUID_RE.test(sid || "")) sid = null;
    if (S.config.requireLogin) {
      // The access_token cookie says who this is; the tab's session id is kept across reloads.
      const user = await fetchUser(sid);
      if (user) {
        setUser(user);
        if (!sid) sid = uuid();
      } else {
        sid = await showLogin();
        setUser(await fetchUser(sid));
      }
    } else if (!sid) {
      sid = uuid();
    }
    // A past thread this tab had open is resumed again, in a new session.
    const reopen = tabStore.get(OPEN_THREAD_KEY);
    if (UUID_RE.test(reopen || "") && S.config.requireLogin) {
      sid = uuid();
      S.resumeThread = reopen;
      S.threadId = reopen;
      setResuming(true);
    } else if (reopen) {
      tabStore.del(OPEN_THREAD_KEY);
    }
    await beginSession(sid);
    focusComposer();
  }

  /** Ends this chat's session on the server and forgets it here (New chat, opening a thread). */
  function leaveChat() {
    const sock = net.sock;
    if (sock && S.conn === "connected") sock.emit("clear_session");
    net.sock = null;
    clearTimeout(net.timer);
    net.timer = 0;
    if (sock) sock.close();
    resetConversation();
    tabStore.del(TRANSCRIPT_KEY);
    tabStore.del(SID_KEY);
    S.sessionId = null;
    ui.notices.replaceChildren();
    setConn("connecting");
  }

  /** "New chat": ends this session on the server and starts a fresh one. */
  async function newChat() {
    if (S.switching || S.login) return;
    S.switching = true;
    try {
      leaveChat();
      forgetOpenThread();
      renderHistory();
      // The login lives in the access_token cookie, not in the session: a new chat needs no new
      // sign-in, just a new session id (the handshake's cookie makes it this user's).
      const sid = uuid();
      await beginSession(sid);
      focusComposer();
    } finally {
      S.switching = false;
    }
  }
  ui.newChat.addEventListener("click", () => { newChat(); });

  /** "Sign out": ends the login (POST /logout clears the cookie), forgets this tab's chat. */
  async function signOut() {
    const sock = net.sock;
    net.sock = null;
    clearTimeout(net.timer);
    if (sock) sock.close();
    await http("POST", "/logout", {});
    tabStore.del(TRANSCRIPT_KEY);
    tabStore.del(SID_KEY);
    tabStore.del(OPEN_THREAD_KEY);
    window.location.reload();
  }
  ui.logout.addEventListener("click", () => { signOut(); });

  window.addEventListener("pagehide", saveNow);

  // Hooks for browser tests.
  window.chainrs = Object.freeze({
    sessionId: () => S.sessionId,
    state: () => S.conn,
    busy: () => S.busy,
    threadId: () => S.threadId,
    profile: () => S.profile,
  });

  start().catch((err) => {
    console.error("chainrs: start-up failed", err);
    showNotice(`The chat could not start: ${str(err && err.message) || err}`);
  });
})();
