// bad-input.mjs: proves that a running chainrs `hello` app survives protocol misuse. Raw Engine.IO /
// Socket.IO frames (written by hand over the `ws` package) send malformed JSON, an unknown event,
// client_messages without an id, with a non-UUID id, with an over-long text, and a frame over the
// transport's 1 MB limit. App-level misuse must get an `error` event {message, event}; malformed
// JSON and unknown events an `error` event or silence; and after each one the same socket still gets
// its echo (except after the >1 MB frame, which may close that one socket, and, while SILENCE_ALLOWED
// says so, after malformed JSON, which socketioxide answers by closing that one socket; the server
// must then still serve a new socket). A client_message before
// connection_successful gets an error and no reply; after clear_session nothing answers. A separate
// socket.io-client session keeps getting correct echoes throughout, and sees nothing of the others.
//
// Run: CHAINRS_URL=http://127.0.0.1:8000 node bad-input.mjs   (exit 0 only when every check passed)
// The checks run in the order of the `runMain` call at the end of the file.

import WebSocket from "ws";
import {
  EventLog, analyseRunTask, authFor, awaitTask, baseUrl, check, checkEqual,
  connected, echoNumber, ev, fail, isGone, isObject, names, ok, onCleanup, openSocketIo, preflight,
  readChatStart, runMain, short, showOnFailure, sleep, userMessage,
} from "./lib.mjs";

const base = baseUrl();

/** The app's message limit is below this; the transport's 1 MB max payload is above it. */
const OVER_APP_LIMIT = 300_000;
/** More than the transport's 1 MB max payload. */
const OVER_TRANSPORT_LIMIT = 1_100_000;

// ---------------------------------------------------------------------------------------------
// A raw Socket.IO client

/**
 * A websocket speaking Engine.IO v4 / Socket.IO v5 by hand: `0{...}` open, `2` ping answered with
 * `3`, `40{auth}` connect, `42[...]` events. Server events land in `log` as "in" entries; the
 * connection's life (open packet, connect, close) as "local" ones.
 */
class RawSocket {
  constructor(label, cookie) {
    this.label = label;
    this.cookie = cookie;
    this.log = new EventLog(label);
    showOnFailure(this.log);
  }

  /** Opens the websocket and returns the Engine.IO open packet. */
  async open() {
    const url = `${base.origin.replace(/^http/, "ws")}${base.socketPath}/?EIO=4&transport=websocket`;
    this.ws = new WebSocket(url, { headers: this.cookie ? { cookie: this.cookie } : {} });
    onCleanup(() => this.ws.terminate());
    this.ws.on("message", (data) => this.#onFrame(data.toString()));
    this.ws.on("close", (code, reason) => this.log.local("ws close", [code, reason.toString()]));
    this.ws.on("error", (err) => this.log.local("ws error", [err.message]));
    const open = await this.log.waitFor(
      (e) => e.event === "engine open" || e.event === "ws close" || e.event === "ws error",
      { what: "the Engine.IO open packet" },
    );
    if (open.event !== "engine open") fail(`${this.label}: no Engine.IO open packet: ${short(open.args)}`);
    return open.args[0];
  }

  #onFrame(frame) {
    if (frame === "2") {
      this.ws.send("3");
      return;
    }
    if (frame.startsWith("0")) return void this.log.local("engine open", [parse(frame.slice(1))]);
    if (frame === "1") return void this.log.local("engine close");
    if (frame.startsWith("40")) return void this.log.local("sio connect", [parse(frame.slice(2))]);
    if (frame.startsWith("44")) return void this.log.local("sio connect_error", [parse(frame.slice(2))]);
    if (frame.startsWith("41")) return void this.log.local("sio disconnect");
    const event = /^42(\d*)(\[.*)$/s.exec(frame);
    if (event) {
      const [name, ...args] = parse(event[2]) ?? ["<unparsable event frame>", frame];
      return void this.log.push(name, args, { ack: event[1] || undefined });
    }
    this.log.local("other frame", [frame]);
  }

  /** Sends one raw frame (logged shortened). */
  send(frame) {
    this.log.out("frame", [frame.length > 200 ? `${frame.slice(0, 200)}… (${frame.length} chars)` : frame]);
    this.ws.send(frame);
  }

  /** Sends `42[event, ...args]`. */
  emit(event, ...args) {
    this.send(`42${JSON.stringify([event, ...args])}`);
  }

  /** Sends `40{auth}` and waits for `40{sid}`. */
  async connect(auth) {
    const from = this.log.length;
    this.send(`40${JSON.stringify(auth)}`);
    const answer = await this.log.waitFor(
      (e) => e.event === "sio connect" || e.event === "sio connect_error" || isGone(e),
      { from, what: "the Socket.IO connect answer" },
    );
    if (answer.event !== "sio connect" || typeof answer.args[0]?.sid !== "string") {
      fail(`${this.label}: connect refused: ${answer.event} ${short(answer.args)}`);
    }
  }

  /** True once the server closed the connection. */
  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Preflight, websocket, connect, connection_successful and the whole chat start. */
async function startRaw(label) {
  const pre = await preflight(base);
  const raw = new RawSocket(label, pre.cookie);
  const open = await raw.open();
  await raw.connect(authFor(pre.sessionId));
  const from = raw.log.length;
  raw.emit("connection_successful");
  await readChatStart(raw.log, from, `${label}: chat start`);
  return { raw, open, sessionId: pre.sessionId };
}

/**
 * Sends `text` and expects its echo with turn number `n` on the same socket. `error` events
 * (expected answers to earlier misuse) are set aside, not counted as part of the run. Returns
 * `{errors, closed}`: the error events seen from log index `since` to the end of the echo, and,
 * only when `mayClose` allows it, the entry that says the server closed the socket instead.
 */
async function expectEcho(raw, text, n, { since = raw.log.length, mayClose = false } = {}) {
  const payload = userMessage(text);
  const from = raw.log.length;
  raw.emit("client_message", payload);
  const first = await raw.log.waitFor((e) => e.event === "task_start" || isGone(e), {
    from,
    what: `the reply to ${short(text)}`,
  });
  if (first.event !== "task_start") {
    if (mayClose) return { errors: raw.log.since(since).filter((e) => e.event === "error"), closed: first };
    fail(`${raw.label}: the server closed the socket instead of answering ${short(text)}: ${first.event} ${short(first.args)}`);
  }
  const events = (await awaitTask(raw.log, from, `the reply to ${short(text)}`)).filter((e) => e.event !== "error");
  const task = analyseRunTask(events, {
    what: `${raw.label}: ${short(text)}`,
    runName: "on_message",
    parentId: payload.message.id,
    input: text,
  });
  const replies = task.transcript.messages().map((m) => m.text);
  const got = replies.length === 1 ? echoNumber(replies[0], text) : null;
  if (got !== n) fail(`${raw.label}: expected the reply "echo #${n}: ${text}", got ${short(replies)}`);
  return { errors: raw.log.since(since).filter((e) => e.event === "error"), closed: null };
}

/** Fails unless `e` is an `error` event with a non-empty message (and `event` when given). */
function checkErrorEvent(e, what, event) {
  const p = e?.args[0];
  check(
    isObject(p) && typeof p.message === "string" && p.message.length > 0 && (event === undefined || p.event === event),
    `${what}: error event ${short(p)}`,
    `expected {"message": "...", "event": ${short(event)}}`,
  );
}

// ---------------------------------------------------------------------------------------------
// The checks

/** A well-behaved socket.io-client session: one echo now, one at the end, nothing in between. */
async function healthySession() {
  const pre = await preflight(base);
  const client = openSocketIo(base, "healthy socket.io-client session", authFor(pre.sessionId), { cookie: pre.cookie });
  await connected(client, "healthy session");
  let from = client.log.length;
  client.emit("connection_successful");
  await readChatStart(client.log, from, "healthy session: chat start");
  const turn = async (text, n) => {
    const payload = userMessage(text);
    const start = client.log.length;
    client.emit("client_message", payload);
    const events = await awaitTask(client.log, start, `healthy session: ${text}`);
    const task = analyseRunTask(events, { what: `healthy session: ${text}`, runName: "on_message", parentId: payload.message.id, input: text });
    const replies = task.transcript.messages().map((m) => m.text);
    check(replies.length === 1 && echoNumber(replies[0], text) === n, `healthy session: "echo #${n}: ${text}"`, short(replies));
    return client.log.length;
  };
  const quietFrom = await turn("healthy one", 1);
  return {
    async finish() {
      const between = client.log.since(quietFrom);
      check(between.length === 0, "healthy session got no events while the other sockets misbehaved", names(between));
      await turn("healthy two", 2);
    },
  };
}

/** Every kind of misuse on one socket, each followed by a normal message on that same socket. */
async function badInputsOnOneSocket() {
  let { raw, open } = await startRaw("raw socket 1");
  check(
    typeof open?.sid === "string" && typeof open.pingInterval === "number" && typeof open.pingTimeout === "number" && typeof open.maxPayload === "number",
    `Engine.IO open packet {sid, pingInterval, pingTimeout, maxPayload: ${open?.maxPayload}}`,
    short(open),
  );
  let n = 1;
  await expectEcho(raw, "before any misuse", n);
  ok("raw socket 1: echo #1 before any misuse");

  for (const misuse of SILENCE_ALLOWED) {
    const from = raw.log.length;
    raw.send(misuse.frame);
    const { errors, closed } = await expectEcho(raw, `alive after ${misuse.what}`, n + 1, { since: from, mayClose: misuse.mayClose });
    if (errors.length) checkErrorEvent(errors[0], misuse.what);
    if (closed) {
      ok(`${misuse.what}: the server closed that one socket (${closed.event} ${short(closed.args)}), as Socket.IO servers do with an unparsable packet`);
      ({ raw } = await startRaw("raw socket 1, reopened"));
      n = 1;
      await expectEcho(raw, "after reopening", n);
      ok("the server still serves a new socket after that (echo #1 of a new session)");
      continue;
    }
    n += 1;
    ok(`${misuse.what}: ${errors.length ? "error event" : "silence"}, and the same socket still echoes (#${n})`);
  }

  for (const misuse of APP_ERRORS) {
    const from = raw.log.length;
    raw.emit("client_message", misuse.payload());
    const error = await raw.log.waitFor(ev("error"), { from, what: `the error event for ${misuse.what}` });
    checkErrorEvent(error, misuse.what, "client_message");
    const handled = raw.log.since(from).filter((e) => e.event === "task_start" || e.event === "new_message");
    check(handled.length === 0, `${misuse.what}: not handled (no task_start, no message)`, names(handled));
    await expectEcho(raw, `alive after ${misuse.what}`, ++n);
    ok(`${misuse.what}: the same socket still echoes (#${n}, so the bad message was not counted)`);
  }

  await overTransportLimit(raw, n);
}

/** Frames that may get an error event or nothing. */
const SILENCE_ALLOWED = [
  // socketioxide (like the reference Socket.IO server) closes the connection when an event frame's
  // JSON does not parse, before any app code sees it. The brief asks that the same socket keep
  // working; set mayClose to false to hold the server to that.
  { what: "malformed JSON frame", frame: '42["client_message", {bad', mayClose: true },
  { what: "unknown event no_such_event", frame: '42["no_such_event",{}]', mayClose: false },
];

/** client_messages the app must refuse with an error event. */
const APP_ERRORS = [
  {
    what: "client_message without message.id",
    payload: () => {
      const p = userMessage("no id");
      delete p.message.id;
      return p;
    },
  },
  {
    what: "client_message with a non-UUID id",
    payload: () => {
      const p = userMessage("bad id");
      p.message.id = "not-a-uuid";
      return p;
    },
  },
  {
    what: `client_message of ${OVER_APP_LIMIT} characters`,
    payload: () => userMessage("x".repeat(OVER_APP_LIMIT)),
  },
];

/** A frame over 1 MB: an error event (then the socket still works) or that one socket closed. */
async function overTransportLimit(raw, n) {
  const from = raw.log.length;
  const payload = userMessage("y".repeat(OVER_TRANSPORT_LIMIT));
  raw.emit("client_message", payload);
  const answer = await raw.log.waitFor((e) => e.event === "error" || isGone(e), {
    from,
    what: `an error event or a close after a ${OVER_TRANSPORT_LIMIT}-character frame`,
  });
  const handled = raw.log.since(from).filter((e) => e.event === "task_start" || e.event === "new_message");
  check(handled.length === 0, "frame over 1 MB: not handled (no task_start, no message)", names(handled));
  if (answer.event === "error") {
    checkErrorEvent(answer, "frame over 1 MB");
    await expectEcho(raw, "alive after a frame over 1 MB", n + 1);
    ok(`frame over 1 MB: the socket still echoes (#${n + 1})`);
  } else {
    ok(`frame over 1 MB: the server closed that one socket (${answer.event} ${short(answer.args)})`);
  }
}

/** A client_message before connection_successful: an error, no reply, and it is not counted. */
async function messageBeforeConnectionSuccessful() {
  const pre = await preflight(base);
  const raw = new RawSocket("raw socket 2", pre.cookie);
  await raw.open();
  await raw.connect(authFor(pre.sessionId));
  const from = raw.log.length;
  raw.emit("client_message", userMessage("too early"));
  const error = await raw.log.waitFor(ev("error"), { from, what: "the error event for a message before connection_successful" });
  checkErrorEvent(error, "client_message before connection_successful", "client_message");
  check(/connection_successful/.test(error.args[0].message), "that error says to emit connection_successful first", short(error.args[0].message));
  await sleep(500);
  const handled = raw.log.since(from).filter((e) => e.event !== "error");
  check(handled.length === 0, "no reply to the early message (500 ms)", names(handled));
  const started = raw.log.length;
  raw.emit("connection_successful");
  await readChatStart(raw.log, started, "raw socket 2: chat start");
  ok("raw socket 2: connection_successful afterwards starts the chat normally");
  await expectEcho(raw, "now in order", 1);
  ok("raw socket 2: the next message is echo #1 (the early one was not counted)");
}

/** After clear_session the server closes the socket and nothing answers. */
async function nothingAfterClearSession() {
  const { raw } = await startRaw("raw socket 3");
  const from = raw.log.length;
  raw.emit("clear_session");
  const gone = await raw.log.waitFor(isGone, { from, what: "the server to close the socket after clear_session" });
  ok(`clear_session: the server closes the socket (${gone.event})`);
  if (raw.isOpen) {
    const after = raw.log.length;
    raw.emit("client_message", userMessage("after clear_session"));
    await sleep(1_000);
    const answers = raw.log.since(after);
    check(answers.length === 0, "after clear_session a client_message gets no reply (1 s)", names(answers));
  } else {
    ok("after clear_session the websocket is closed: no further event can be answered");
  }
  checkEqual(raw.log.since(from).filter((e) => e.event === "task_start").length, 0, "clear_session started no handler");
}

// ---------------------------------------------------------------------------------------------
// The run (last, so that the class and tables above are initialised)

/**
 * A client that stops reading while the handler streams 50,000 tokens as fast as it can: the
 * tokens it has not taken are merged on the server, and every one arrives once it reads again.
 */
async function slowReader() {
  const { raw } = await startRaw("slow reader");
  const from = raw.log.length;
  raw.emit("client_message", userMessage("/count"));
  raw.ws._socket.pause(); // stop reading the TCP stream: the server's buffers fill up
  await sleep(3_000);
  raw.ws._socket.resume();
  const events = await awaitTask(raw.log, from, "the /count run", 30_000);
  const start = events.find((e) => e.event === "stream_start")?.args[0];
  check(start, "slow reader: the stream started", short(names(events)));
  const tokens = events.filter((e) => e.event === "stream_token" && e.args[0]?.id === start.id);
  const streamed = start.output + tokens.map((e) => e.args[0].token).join("");
  const final = events.find((e) => e.event === "new_message" && e.args[0]?.id === start.id)?.args[0]?.output;
  const expected = Array.from({ length: 50_000 }, (_, i) => i + 1).join(" ");
  check(streamed === expected, "slow reader: the streamed text has all 50,000 numbers in order", `${streamed.length} chars, ends ${short(streamed.slice(-40))}`);
  check(final === expected, "slow reader: the final message has the whole text");
  check(
    tokens.length < 49_999,
    `slow reader: tokens waiting for the client were merged (${tokens.length} stream_token frames for 49,999 tokens)`,
  );
  raw.ws.terminate();
}

await runMain("chainrs bad input (raw frames)", 90_000, async () => {
  const healthy = await healthySession();
  await badInputsOnOneSocket();
  await messageBeforeConnectionSuccessful();
  await nothingAfterClearSession();
  await slowReader();
  await healthy.finish();
});
