// rolling-restart.mjs: a rolling restart under load. Three instances of the `hello` app on one
// Redis (CHAINRS_URL, CHAINRS_URL_B, CHAINRS_URL_C); while SESSIONS chat sessions each send
// MESSAGES messages, the test harness restarts every instance in turn (SIGTERM, then a new
// process on the same port). Each client does what a load balancer and a browser do together:
// when its socket closes (or a new one is refused while an instance drains) it reconnects to
// the next instance with the same session. Checked: every message whose run started gets its
// reply, once; a message whose run never started is sent again (it was never taken); no
// client is left busy; every session's transcript is complete.
//
// Run: CHAINRS_URL=<A> CHAINRS_URL_B=<B> CHAINRS_URL_C=<C> SESSIONS=200 MESSAGES=20 node rolling-restart.mjs

import { randomUUID } from "node:crypto";
import { io } from "socket.io-client";
import {
  authFor, baseUrl, check, checkEqual, ok, otherUrl, preflight, runMain, short, sleep, userMessage,
} from "./lib.mjs";

const urls = [baseUrl(), otherUrl("CHAINRS_URL_B"), otherUrl("CHAINRS_URL_C")];
const SESSIONS = Number(process.env.SESSIONS || 200);
const MESSAGES = Number(process.env.MESSAGES || 20);
const PAUSE_MS = Number(process.env.PAUSE_MS || 400);
/** How long a reconnected client waits for the reply of a message sent before the move. */
const SETTLE_MS = 4_000;

/** One chat session that follows the instances as they restart. */
class Chat {
  constructor(k, pre) {
    this.k = k;
    this.pre = pre;
    this.at = k % urls.length;
    this.socket = null;
    this.events = []; // every event received, in order: {event, args}
    this.waiters = new Set();
    this.moves = 0;
    this.resent = 0;
    this.connects = 0;
  }

  /** Connects to the current instance, or the next ones, until one takes the session. */
  async connect() {
    for (let attempt = 0; attempt < 200; attempt++) {
      const base = urls[this.at];
      const socket = io(base.origin, {
        path: base.socketPath, auth: authFor(this.pre.sessionId), reconnection: false, forceNew: true,
        transports: ["websocket"], timeout: 5_000, extraHeaders: { cookie: this.pre.cookie },
      });
      const up = await new Promise((resolve) => {
        socket.once("connect", () => resolve(true));
        socket.once("connect_error", () => resolve(false));
      });
      if (up) {
        socket.onAny((event, ...args) => {
          if (typeof args.at(-1) === "function") args.pop();
          this.events.push({ event, args });
          for (const w of this.waiters) w();
        });
        socket.on("disconnect", () => {
          if (this.socket === socket) this.socket = null;
          for (const w of this.waiters) w();
        });
        this.socket = socket;
        this.connects += 1;
        socket.emit("connection_successful");
        return;
      }
      socket.close();
      this.at = (this.at + 1) % urls.length;
      this.moves += 1;
      await sleep(100 + Math.random() * 200);
    }
    throw new Error(`session ${this.k} could not connect to any instance`);
  }

  /** Waits until `test()` holds, the socket closes, or `ms` pass; returns test(). */
  async until(test, ms) {
    const deadline = Date.now() + ms;
    while (!test() && this.socket && Date.now() < deadline) {
      await new Promise((resolve) => {
        const done = () => {
          this.waiters.delete(done);
          resolve();
        };
        this.waiters.add(done);
        setTimeout(done, Math.max(1, deadline - Date.now()));
      });
    }
    return test();
  }

  replied(text, from = 0) {
    const pattern = new RegExp(`^echo #\\d+: ${text}$`);
    return this.events.slice(from).some((e) => e.event === "new_message" && pattern.test(e.args[0]?.output ?? ""));
  }

  started(id) {
    return this.events.some((e) => e.event === "new_message" && e.args[0]?.type === "run" && e.args[0]?.parentId === id);
  }

  /** Sends message `i` until its reply arrives; a message whose run started is never sent twice. */
  async say(i) {
    const text = `s${this.k} m${i}`;
    for (;;) {
      if (!this.socket) await this.connect();
      const message = userMessage(text);
      this.socket.emit("client_message", message);
      if (await this.until(() => this.replied(text), 20_000)) return;
      // The socket closed (an instance restarting) before the reply came.
      await this.connect();
      if (await this.until(() => this.replied(text), SETTLE_MS)) return;
      if (this.started(message.message.id)) {
        throw new Error(`session ${this.k}: "${text}" was taken (its run started) but its reply never came`);
      }
      this.resent += 1;
    }
  }
}

await runMain("rolling restart under load", 240_000, async () => {
  // One login (its token is valid on every instance); each chat is a session of its own,
  // created by its first socket.
  const login = await preflight(urls[0]);
  const chats = Array.from({ length: SESSIONS }, (_, k) => new Chat(k, { sessionId: randomUUID(), cookie: login.cookie }));
  await Promise.all(chats.map(async (chat) => {
    await sleep(Math.random() * PAUSE_MS);
    await chat.connect();
    for (let i = 1; i <= MESSAGES; i++) {
      await chat.say(i);
      await sleep(PAUSE_MS);
    }
  }));
  const moves = chats.reduce((n, c) => n + c.moves, 0);
  const lost = chats.filter((c) => c.connects < 2).length;
  checkEqual(lost, 0, "every session lost its instance at least once (its socket closed by a restart) and reconnected");
  const resent = chats.reduce((n, c) => n + c.resent, 0);
  ok(`every message of every session got its reply (${moves} reconnects to another instance, ${resent} messages sent again because their run never started)`);
  for (const chat of chats) {
    const texts = chat.events.filter((e) => e.event === "new_message").map((e) => e.args[0]?.output ?? "");
    for (let i = 1; i <= MESSAGES; i++) {
      const pattern = new RegExp(`^echo #\\d+: s${chat.k} m${i}$`);
      const n = texts.filter((t) => pattern.test(t)).length;
      if (n !== 1) check(false, `session ${chat.k}: message ${i} has one reply`, `${n} replies`);
    }
    await chat.until(() => false, 300);
    const tasks = chat.events.filter((e) => e.event === "task_start" || e.event === "task_end");
    if (tasks.at(-1)?.event !== "task_end") check(false, `session ${chat.k} is not left busy`, short(tasks.slice(-3)));
    chat.socket?.close();
  }
  checkEqual(chats.length, SESSIONS, "every session's transcript is complete: each message replied once, none left busy");
});
