// Shared helpers of the chainrs end-to-end tests (protocol.mjs, bad-input.mjs, browser.mjs):
// configuration (CHAINRS_URL), reporting (`ok - ...` lines, exit codes), bounded waits, the REST
// preflight that Chainlit's web client makes before its socket, ordered event logs, StepDict shape
// checks, and the reading of one handler run (`task_start` ... `task_end`) into the messages it sent.
//
// Every wait is bounded (DEFAULT_WAIT_MS unless said otherwise); `sleep` is only used to prove that
// something does NOT happen within a time.

import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { io } from "socket.io-client";

/** How long any single wait may take unless a caller says otherwise. */
export const DEFAULT_WAIT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Configuration

/**
 * The app under test, from env CHAINRS_URL (e.g. http://127.0.0.1:8000, optionally with a root
 * path). Exits with a clear message when it is missing or not a URL.
 */
export function baseUrl() {
  const raw = process.env.CHAINRS_URL;
  if (!raw) {
    console.error(
      "CHAINRS_URL is not set: start the hello example (`cargo run -p hello`) and run e.g.\n" +
        "  CHAINRS_URL=http://127.0.0.1:8000 node " + process.argv[1],
    );
    process.exit(1);
  }
  let url;
  try {
    url = new URL(raw);
  } catch {
    console.error(`CHAINRS_URL is not a URL: ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  const prefix = url.pathname.replace(/\/+$/, "");
  return {
    /** Origin plus root path, no trailing slash: prepend to "/auth/config" etc. */
    href: url.origin + prefix,
    origin: url.origin,
    /** The Socket.IO path, as socket.io-client's `path` option wants it. */
    socketPath: `${prefix}/ws/socket.io`,
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting

let passed = 0;
const cleanups = [];
const logsToShow = [];
let finishing = false;
let globalTimer = null;

/** A failed expectation: reported as `not ok - <message>` without a stack trace. */
/** A second instance of the app under test, from env `name` (CHAINRS_URL_B by default). */
export function otherUrl(name = "CHAINRS_URL_B") {
  const raw = process.env[name];
  if (!raw) throw new Error(`${name} is not set`);
  const url = new URL(raw);
  return { ...baseUrl(), href: url.href.replace(/\/$/, ""), origin: url.origin };
}

/** A process id from env `name` (an instance the test signals). */
export function pidFrom(name) {
  const value = Number(process.env[name]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} is not a process id`);
  return value;
}

export class TestFailure extends Error {}

/** Fails the run with a message that says what was expected and what came. */
export function fail(message) {
  throw new TestFailure(message);
}

/** Reports one passed check. */
export function ok(what) {
  passed += 1;
  console.log(`ok - ${what}`);
}

/** Reports `what` as passed when `condition` holds, else fails with `what: detail`. */
export function check(condition, what, detail = "") {
  if (!condition) fail(detail ? `${what}: ${detail}` : what);
  ok(what);
}

/** `check` for deep equality, with both values in the failure message. */
export function checkEqual(actual, expected, what) {
  check(
    isDeepStrictEqual(actual, expected),
    what,
    `expected ${short(expected)}, got ${short(actual)}`,
  );
}

/** Runs `fn` at the end of the run, whatever happens (sockets, browsers, temp dirs). */
export function onCleanup(fn) {
  cleanups.push(fn);
}

/** Prints this event log if the run fails. */
export function showOnFailure(log) {
  logsToShow.push(log);
}

/**
 * Runs a test script: prints a header, runs `body`, bounds the whole run by `timeoutMs`, runs the
 * clean-ups, prints `N passed, M failed` and exits 0 only when everything passed (1 otherwise,
 * after printing the event logs).
 */
export async function runMain(title, timeoutMs, body) {
  console.log(`# ${title}`);
  globalTimer = setTimeout(
    () => finish(new TestFailure(`the whole run did not finish within ${timeoutMs / 1000} s`)),
    timeoutMs,
  );
  process.on("unhandledRejection", (err) => finish(err));
  process.on("uncaughtException", (err) => finish(err));
  try {
    await body();
  } catch (err) {
    await finish(err);
    return;
  }
  await finish(null);
}

async function finish(error) {
  if (finishing) return;
  finishing = true;
  clearTimeout(globalTimer);
  if (error) {
    const plain = (text) => String(text).replace(/\x1b\[[0-9;]*m/g, ""); // Playwright colours its logs
    console.log(`not ok - ${plain(error?.message ?? error)}`);
    if (!(error instanceof TestFailure)) console.log(plain(error?.stack ?? error).replace(/^/gm, "# "));
    for (const log of logsToShow) log.dump();
  }
  for (const fn of cleanups.reverse()) {
    try {
      await withTimeout(Promise.resolve().then(fn), 5_000, "a clean-up step");
    } catch (err) {
      console.log(`# clean-up failed: ${err?.message ?? err}`);
    }
  }
  console.log(`${passed} passed, ${error ? 1 : 0} failed`);
  process.exit(error ? 1 : 0);
}

/** A short JSON rendering for messages. */
export function short(value, max = 300) {
  let text;
  try {
    text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  if (text === undefined) text = String(value);
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

// ---------------------------------------------------------------------------------------------
// Time

/**
 * Resolves like `promise` (or the promise `fn()` returns), or rejects with a TestFailure naming
 * `what` after `ms`.
 */
export function withTimeout(promise, ms = DEFAULT_WAIT_MS, what = "an operation") {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new TestFailure(`timed out after ${ms} ms waiting for ${what}`)),
      ms,
    );
  });
  const work = typeof promise === "function" ? Promise.resolve().then(promise) : promise;
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Waits `ms`: only to prove that something does not happen within that time. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Value checks

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A UUID string (any version). */
export function isUuid(value) {
  return typeof value === "string" && UUID.test(value);
}

/** An ISO-8601 UTC timestamp string ending in `Z` that parses. */
export function isIsoZ(value) {
  return typeof value === "string" && ISO_Z.test(value) && !Number.isNaN(Date.parse(value));
}

/** A JSON object (not null, not an array). */
export function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// REST preflight

/** The cookies a server set, sent back on later requests and on the socket handshake. */
export class CookieJar {
  #cookies = new Map();

  /** Keeps every `Set-Cookie` of `response`. */
  store(response) {
    for (const line of response.headers.getSetCookie?.() ?? []) {
      const pair = line.split(";")[0];
      const eq = pair.indexOf("=");
      if (eq > 0) this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  /** The `Cookie` header value ("" when empty). */
  header() {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

/**
 * One HTTP call against the app: `json` sends a JSON body, `form` a form-encoded one. Returns
 * `{status, data (parsed JSON or null), text, headers}`.
 */
export async function http(base, jar, method, path, { json, form, headers = {} } = {}) {
  const sent = { ...headers };
  const cookie = jar?.header();
  if (cookie) sent.cookie = cookie;
  let body;
  if (json !== undefined) {
    sent["content-type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    sent["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(form).toString();
  }
  const response = await withTimeout(
    fetch(base.href + path, { method, headers: sent, body, redirect: "manual" }).catch((err) =>
      fail(`${method} ${base.href}${path} failed: ${err.cause?.message ?? err.message} (is the app running at CHAINRS_URL?)`),
    ),
    DEFAULT_WAIT_MS,
    `${method} ${path}`,
  );
  jar?.store(response);
  const text = await withTimeout(response.text(), DEFAULT_WAIT_MS, `the body of ${method} ${path}`);
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    // not JSON: callers check `data`
  }
  return { status: response.status, data, text, headers: response.headers };
}

/**
 * The REST calls Chainlit's web client makes before opening its socket: GET /auth/config, POST
 * /login (form-encoded) when login is required, GET /project/settings?language=en-US, POST
 * /set-session-cookie. Returns `{sessionId, cookie, token, authConfig, settings}`: like the web
 * client, a fresh sessionId per "page"; the login's `access_token` cookie (in `cookie`, sent on
 * the handshake and on REST calls) says who the user is.
 */
export async function preflight(base, { username = "admin", password = "admin" } = {}) {
  const jar = new CookieJar();
  const config = await http(base, jar, "GET", "/auth/config");
  if (config.status !== 200 || !isObject(config.data) || typeof config.data.requireLogin !== "boolean") {
    fail(`GET /auth/config: expected 200 {"requireLogin": <bool>, ...}, got ${config.status} ${short(config.text)}`);
  }
  const sessionId = randomUUID();
  let token = null;
  if (config.data.requireLogin) {
    const login = await http(base, jar, "POST", "/login", { form: { username, password } });
    if (login.status !== 200 || login.data?.success !== true || typeof login.data?.access_token !== "string") {
      fail(`POST /login as ${username}: expected 200 {"success":true,"access_token":"..."}, got ${login.status} ${short(login.text)}`);
    }
    if (!/access_token=/.test(jar.header())) fail("POST /login set no access_token cookie");
    token = login.data.access_token;
  }
  const settings = await http(base, jar, "GET", "/project/settings?language=en-US");
  if (settings.status !== 200 || !isObject(settings.data?.ui) || !isObject(settings.data?.features)) {
    fail(`GET /project/settings: expected 200 {"ui": {...}, "features": {...}, ...}, got ${settings.status} ${short(settings.text)}`);
  }
  const cookie = await http(base, jar, "POST", "/set-session-cookie", { json: { session_id: sessionId } });
  if (cookie.status !== 200) {
    fail(`POST /set-session-cookie: expected 200, got ${cookie.status} ${short(cookie.text)}`);
  }
  return { sessionId, cookie: jar.header(), token, authConfig: config.data, settings: settings.data };
}

/** The handshake auth object of Chainlit's web client. */
export function authFor(sessionId) {
  return { clientType: "webapp", sessionId, threadId: "", userEnv: "{}", chatProfile: "" };
}

/** A `client_message` payload exactly as the web client sends it. */
export function userMessage(text) {
  return {
    message: {
      id: randomUUID(),
      output: text,
      createdAt: new Date().toISOString(),
      type: "user_message",
      name: "User",
      threadId: "",
      metadata: {},
    },
    fileReferences: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Event logs

/**
 * Everything one socket saw, in order. Entries are `{i, t, dir, event, args, ack}` where `dir` is
 * "in" (a server event), "out" (what the test sent) or "local" (connect, disconnect, close, ...).
 */
export class EventLog {
  constructor(name) {
    this.name = name;
    this.entries = [];
    this.t0 = Date.now();
    this.waiters = new Set();
  }

  /** Index the next entry will get: use it as `from` before sending. */
  get length() {
    return this.entries.length;
  }

  /** Records an entry and wakes matching waiters. */
  push(event, args = [], { dir = "in", ack } = {}) {
    const entry = { i: this.entries.length, t: Date.now() - this.t0, dir, event, args, ack };
    this.entries.push(entry);
    for (const waiter of [...this.waiters]) waiter(entry);
    return entry;
  }

  /** Records what the test sent. */
  out(event, args = []) {
    return this.push(event, args, { dir: "out" });
  }

  /** Records a connection life event. */
  local(event, args = []) {
    return this.push(event, args, { dir: "local" });
  }

  /** The server events from index `from` on. */
  since(from = 0) {
    return this.entries.slice(from).filter((e) => e.dir === "in");
  }

  /**
   * The first server or local entry from index `from` that satisfies `predicate`, waiting for it
   * at most `timeout` ms.
   */
  waitFor(predicate, { from = 0, timeout = DEFAULT_WAIT_MS, what = "an event" } = {}) {
    const matches = (e) => {
      if (e.i < from || e.dir === "out") return false;
      try {
        return Boolean(predicate(e));
      } catch {
        return false;
      }
    };
    const found = this.entries.find(matches);
    if (found) return Promise.resolve(found);
    let waiter;
    const arrived = new Promise((resolve) => {
      waiter = (e) => matches(e) && resolve(e);
      this.waiters.add(waiter);
    });
    return withTimeout(arrived, timeout, `${what} (on ${this.name})`).finally(() =>
      this.waiters.delete(waiter),
    );
  }

  /** Prints the log as `# [   12 ms] << event payload` lines. */
  dump() {
    console.log(`# event log of ${this.name}:`);
    const arrow = { in: "<<", out: ">>", local: "--" };
    for (const e of this.entries) {
      const payload = e.args.length ? " " + e.args.map((a) => short(a, 400)).join(" ") : "";
      const ack = e.ack ? " (with ack)" : "";
      console.log(`#   [${String(e.t).padStart(6)} ms] ${arrow[e.dir]} ${e.event}${payload}${ack}`);
    }
  }
}

/** Waits for the first entry of `log` matching `predicate` (see EventLog.waitFor). */
export function waitFor(log, predicate, options = {}) {
  return log.waitFor(predicate, options);
}

/** A predicate: the server event `name`, optionally whose first argument satisfies `test`. */
export function ev(name, test) {
  return (e) => e.event === name && (!test || test(e.args[0], e));
}

/** A predicate: the connection is gone (socket.io-client or raw websocket). */
export function isGone(e) {
  return ["disconnect", "ws close", "engine close", "sio disconnect"].includes(e.event);
}

/** Logs every event of a socket.io-client socket into `log` (acks kept as `entry.ack`). */
export function recordSocketIo(socket, log) {
  socket.onAny((event, ...args) => {
    const ack = typeof args.at(-1) === "function" ? args.pop() : undefined;
    log.push(event, args, { ack });
  });
  socket.on("connect", () => log.local("connect", [socket.io.engine?.transport?.name]));
  socket.on("disconnect", (reason) => log.local("disconnect", [reason]));
  socket.on("connect_error", (err) => log.local("connect_error", [err?.message, err?.data]));
}

/**
 * A socket.io-client socket against the app, logged and closed at the end of the run. `transports`
 * undefined means the default (polling, then upgrade to websocket). No automatic reconnection.
 */
export function openSocketIo(base, label, auth, { transports, cookie } = {}) {
  const options = {
    path: base.socketPath,
    auth,
    reconnection: false,
    forceNew: true,
    timeout: DEFAULT_WAIT_MS,
    extraHeaders: cookie ? { cookie } : {},
  };
  if (transports) options.transports = transports;
  const socket = io(base.origin, options);
  const log = new EventLog(label);
  recordSocketIo(socket, log);
  showOnFailure(log);
  onCleanup(() => socket.close());
  return {
    socket,
    log,
    /** Emits an event and records it in the log. */
    emit(event, ...args) {
      log.out(event, args);
      socket.emit(event, ...args);
    },
  };
}

/** Waits until a socket.io-client socket is connected; fails with the connect_error otherwise. */
export async function connected(client, what) {
  const e = await client.log.waitFor(
    (x) => x.event === "connect" || x.event === "connect_error" || x.event === "disconnect",
    { what: `${what}: connect` },
  );
  if (e.event !== "connect") fail(`${what}: could not connect: ${e.event} ${short(e.args)}`);
}

// ---------------------------------------------------------------------------------------------
// StepDicts

const STEP_TYPES = [
  "user_message", "assistant_message", "system_message", "run", "tool", "llm",
  "embedding", "retrieval", "rerank", "undefined",
];

const kind = (describe, test) => ({ describe, test });
const nullOr = (k) => kind(`null or ${k.describe}`, (v) => v === null || k.test(v));
const STRING = kind("a string", (v) => typeof v === "string");
const BOOL = kind("a boolean", (v) => typeof v === "boolean");
const OBJECT = kind("an object", isObject);
const UUID_KIND = kind("a UUID string", isUuid);
const ISO_KIND = kind("an ISO-8601 string ending in Z", isIsoZ);

/** Every StepDict field of PROTOCOL.md with the JSON type it must have. */
export const STEP_FIELDS = {
  id: UUID_KIND,
  threadId: UUID_KIND,
  parentId: nullOr(UUID_KIND),
  name: STRING,
  type: kind(`one of ${STEP_TYPES.join("|")}`, (v) => STEP_TYPES.includes(v)),
  input: STRING,
  output: STRING,
  createdAt: ISO_KIND,
  start: nullOr(ISO_KIND),
  end: nullOr(ISO_KIND),
  streaming: BOOL,
  isError: BOOL,
  waitForAnswer: BOOL,
  metadata: OBJECT,
  tags: nullOr(kind("an array of strings", (v) => Array.isArray(v) && v.every((t) => typeof t === "string"))),
  language: nullOr(STRING),
  defaultOpen: BOOL,
  autoCollapse: BOOL,
  showInput: kind("a boolean or a string", (v) => typeof v === "boolean" || typeof v === "string"),
  generation: nullOr(OBJECT),
  command: nullOr(STRING),
  modes: nullOr(OBJECT),
};

/** Fails unless `step` has every StepDict field with the right JSON type. */
export function checkStep(step, where) {
  if (!isObject(step)) fail(`${where}: expected a StepDict object, got ${short(step)}`);
  const problems = [];
  for (const [field, k] of Object.entries(STEP_FIELDS)) {
    if (!(field in step)) problems.push(`${field} is missing`);
    else if (!k.test(step[field])) problems.push(`${field} should be ${k.describe}, got ${short(step[field], 80)}`);
  }
  if (problems.length) fail(`${where}: bad StepDict (${problems.join("; ")}) in ${short(step, 600)}`);
}

/** The StepDicts an event carries (message events, and the `msg` of an ask). */
export function stepsIn(e) {
  if (["new_message", "update_message", "stream_start", "delete_message"].includes(e.event)) return [e.args[0]];
  if (e.event === "ask") return [e.args[0]?.msg];
  return [];
}

/** Shape-checks every StepDict in `events`; returns how many there were. */
export function checkSteps(events, where) {
  let count = 0;
  for (const e of events) {
    for (const step of stepsIn(e)) {
      checkStep(step, `${where}: ${e.event}`);
      count += 1;
    }
  }
  return count;
}

/** Fails unless every StepDict and first_interaction in `events` names `threadId`. */
export function checkThread(events, threadId, where) {
  for (const e of events) {
    for (const step of stepsIn(e)) {
      if (step.threadId !== threadId) {
        fail(`${where}: ${e.event} of "${step.name}" has threadId ${short(step.threadId)}, the session's thread is ${threadId}`);
      }
    }
    if (e.event === "first_interaction" && e.args[0]?.thread_id !== threadId) {
      fail(`${where}: first_interaction has thread_id ${short(e.args[0]?.thread_id)}, the session's thread is ${threadId}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading what a handler run sent

/** The events that carry messages and steps. */
export const MESSAGE_EVENTS = new Set([
  "new_message", "update_message", "stream_start", "stream_token", "delete_message",
]);

/**
 * The messages and steps that a sequence of events builds, as a client shows them: stream_start
 * opens a message with its output, stream_token appends (or replaces when isSequence), and a
 * new_message or update_message with a known id replaces it (that is how a stream finishes).
 */
export class Transcript {
  constructor(events = []) {
    /** id → {step, text, tokens, streamed} */
    this.byId = new Map();
    this.problems = [];
    for (const e of events) this.apply(e);
  }

  apply(e) {
    const payload = e.args[0];
    if (e.event === "new_message" || e.event === "update_message" || e.event === "stream_start") {
      const known = this.byId.get(payload?.id);
      if (known) {
        known.step = payload;
        known.text = payload.output;
      } else {
        this.byId.set(payload?.id, {
          step: payload,
          text: payload?.output ?? "",
          tokens: 0,
          streamed: e.event === "stream_start",
        });
      }
    } else if (e.event === "stream_token") {
      const known = this.byId.get(payload?.id);
      if (!known) {
        this.problems.push(`stream_token for an id no stream_start announced: ${short(payload)}`);
        return;
      }
      if (typeof payload.token !== "string") this.problems.push(`stream_token without a string token: ${short(payload)}`);
      known.text = payload.isSequence ? payload.token : known.text + payload.token;
      known.tokens += 1;
    } else if (e.event === "delete_message") {
      this.byId.delete(payload?.id);
    }
  }

  /** Every message and step, in order of first appearance. */
  all() {
    return [...this.byId.values()];
  }

  /** The `*_message` entries (not steps). */
  messages() {
    return this.all().filter((m) => String(m.step?.type).endsWith("_message"));
  }

  /** The first entry named `name`. */
  named(name) {
    return this.all().find((m) => m.step?.name === name);
  }
}

/** How a message reached the client, for the `ok` lines. */
export function howSent(entry) {
  return entry.streamed ? `streamed: stream_start + ${entry.tokens} stream_token` : "one new_message";
}

/**
 * Waits for a whole handler run that starts at or after log index `from`: from its `task_start` to
 * the `task_end` after it. Returns the server events from `from` to that task_end.
 */
export async function awaitTask(log, from, what, timeout = DEFAULT_WAIT_MS) {
  const start = await log.waitFor(ev("task_start"), { from, timeout, what: `task_start of ${what}` });
  const end = await log.waitFor(ev("task_end"), { from: start.i + 1, timeout, what: `task_end of ${what}` });
  return log.since(from).filter((e) => e.i <= end.i);
}

/** One event, briefly, for failure messages. */
export function describe(e) {
  if (!e) return "nothing";
  const p = e.args?.[0];
  if (isObject(p) && "type" in p && "name" in p) return `${e.event}(${p.type} "${p.name}" ${short(p.output, 60)})`;
  return `${e.event}${p === undefined ? "" : " " + short(p, 120)}`;
}

/** The event names of `events`, for failure messages. */
export function names(events) {
  return events.map(describe).join(", ");
}

/**
 * Checks the frame of one handler run and reads it. `events` run from `task_start` to `task_end`.
 * Expected: task_start, first_interaction (when `first` is true; forbidden when false; optional
 * when undefined), new_message of the run step `runName` (parentId = `parentId` when given), the
 * handler's events (each in `allowed`), update_message of the run step with `end` (and `input`
 * when given), task_end. Every StepDict is shape-checked. Returns `{run, closed, middle,
 * transcript, firstInteraction}`.
 */
export function analyseRunTask(events, { what, runName, parentId, input, first, allowed = MESSAGE_EVENTS }) {
  const list = names(events);
  if (events[0]?.event !== "task_start") fail(`${what}: expected task_start first, got: ${list}`);
  if (events.at(-1)?.event !== "task_end") fail(`${what}: expected task_end last, got: ${list}`);
  let k = 1;
  let firstInteraction = null;
  if (events[1]?.event === "first_interaction") {
    if (first === false) fail(`${what}: first_interaction must come only with the session's first message, got: ${list}`);
    firstInteraction = events[1].args[0];
    k = 2;
  } else if (first === true) {
    fail(`${what}: expected first_interaction right after task_start, got: ${list}`);
  }
  if (events.slice(k).some((e) => e.event === "first_interaction")) {
    fail(`${what}: first_interaction out of place: ${list}`);
  }
  const runEvent = events[k];
  const run = runEvent?.args[0];
  if (runEvent?.event !== "new_message" || run?.type !== "run" || run?.name !== runName) {
    fail(`${what}: expected new_message of the run step "${runName}" (type run) after task_start, got: ${list}`);
  }
  if (parentId !== undefined && run.parentId !== parentId) {
    fail(`${what}: the run step's parentId should be ${short(parentId)}, got ${short(run.parentId)}`);
  }
  const closing = events.at(-2);
  const closed = closing?.args[0];
  if (events.length < k + 3 || closing.event !== "update_message" || closed?.id !== run.id) {
    fail(`${what}: expected update_message of the run step right before task_end, got: ${list}`);
  }
  if (!isIsoZ(closed.end)) fail(`${what}: the closing update_message of the run step has no end: ${short(closed)}`);
  if (input !== undefined && closed.input !== input) {
    fail(`${what}: the run step's input should be ${short(input)}, got ${short(closed.input)}`);
  }
  const middle = events.slice(k + 1, -2);
  const stray = middle.filter((e) => !allowed.has(e.event));
  if (stray.length) fail(`${what}: unexpected events inside the run: ${names(stray)} (whole run: ${list})`);
  checkSteps(events, what);
  const transcript = new Transcript(middle);
  if (transcript.problems.length) fail(`${what}: ${transcript.problems.join("; ")}`);
  return { run, closed, middle, transcript, firstInteraction };
}

/**
 * After `connection_successful` (emitted at log index `from`) on a new session: expects exactly
 * task_end, clear_ask, clear_call_fn, then the on_chat_start run. Returns the analysed run.
 */
export async function readChatStart(log, from, what) {
  const events = await awaitTask(log, from, what);
  const head = events.slice(0, 3).map((e) => e.event);
  if (!isDeepStrictEqual(head, ["task_end", "clear_ask", "clear_call_fn"])) {
    fail(`${what}: expected task_end, clear_ask, clear_call_fn first, got: ${names(events)}`);
  }
  const rest = events.slice(3);
  // An app with a settings type sends its panel before on_chat_start runs.
  const settings = rest[0]?.event === "chat_settings" ? rest.shift() : null;
  // It may set the composer's commands and modes as it starts.
  const allowed = new Set([...MESSAGE_EVENTS, "set_commands", "set_modes"]);
  return { ...analyseRunTask(rest, { what, runName: "on_chat_start", parentId: null, allowed }), settings };
}

/**
 * A chat tab over websocket on `base` for the session `pre` (a `preflight` of it), started:
 * connected, `connection_successful` sent, the chat start read.
 */
export async function startedTab(base, label, pre) {
  const tab = openSocketIo(base, label, authFor(pre.sessionId), { transports: ["websocket"], cookie: pre.cookie });
  await connected(tab, label);
  const from = tab.log.length;
  tab.emit("connection_successful");
  await readChatStart(tab.log, from, `chat start (${label})`);
  return tab;
}

/** The turn number of an `echo #n: <sent>` reply, or null when `text` is not that echo. */
export function echoNumber(text, sent) {
  const escaped = sent.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`^echo #(\\d+): ${escaped}$`).exec(text ?? "");
  return match ? Number(match[1]) : null;
}

/** Chromium's flags for the headless browser tests (Debian's build, no sandbox in CI). */
export const CHROMIUM_ARGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
];

/**
 * Starts Debian's Chromium (CHROMIUM overrides /usr/bin/chromium) for a test, closed when the
 * test ends, pass or fail.
 */
export async function launchChromium(chromium) {
  const browser = await withTimeout(
    chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS, timeout: 30_000 }),
    40_000,
    "Chromium to start",
  );
  onCleanup(() => browser.close());
  return browser;
}

/** chainrs's own page: waits until its status hook says connected (`when` names the moment). */
export async function waitForConnected(page, when) {
  try {
    await page.waitForFunction(
      () => document.querySelector('[data-testid="status"]')?.dataset.state === "connected",
      null,
      { timeout: DEFAULT_WAIT_MS, polling: 100 },
    );
  } catch (err) {
    const state = await page.getByTestId("status").getAttribute("data-state", { timeout: 1_000 }).catch(() => null);
    fail(`status should be connected ${when}, it is ${short(state)} (${err.message.split("\n")[0]})`);
  }
  ok(`status is connected ${when}`);
}

/** chainrs's own page: types `text` into the composer and presses Enter. */
export async function sendFromComposer(page, text) {
  const composer = page.getByTestId("composer");
  await composer.fill(text);
  await composer.press("Enter");
}
