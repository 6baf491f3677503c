// shutdown.mjs: graceful shutdown of an instance of the `hello` app. A (CHAINRS_URL, process
// CHAINRS_PID_A, Redis, the default 30 s grace) gets SIGTERM while a long reply streams: its
// readiness turns 503, a new socket and a new request are refused with 503, the reply streams
// to its end, and then the server closes the socket (a transport close, which a client answers
// by reconnecting). B (CHAINRS_URL_B, CHAINRS_PID_B, no Redis, CHAINRS_SHUTDOWN_GRACE=1) gets
// SIGTERM the same way: after the grace the reply is stopped, the tab is told why and its task
// ends (no client stays busy), then the socket is closed. The Rust side checks both exit 0.
//
// Run: CHAINRS_URL=<A> CHAINRS_PID_A=<pid> CHAINRS_URL_B=<B> CHAINRS_PID_B=<pid> node shutdown.mjs

import {
  DEFAULT_WAIT_MS, authFor, baseUrl, check, checkEqual, connected, ev, http, isGone, ok,
  openSocketIo, preflight, runMain, startedTab, short, sleep, userMessage, otherUrl, pidFrom,
} from "./lib.mjs";

const a = baseUrl();
const b = otherUrl();
const STOPPED = "The server restarted while this was running, so it was stopped. Send your message again.";

await runMain("graceful shutdown", 90_000, async () => {
  await finishesWithinTheGrace(a, pidFrom("CHAINRS_PID_A"));
  await stoppedAfterTheGrace(b, pidFrom("CHAINRS_PID_B"));
});

/** A chat tab on `base` whose long reply (/long, about 10 s) is streaming. */
async function streaming(base, label) {
  const pre = await preflight(base);
  const tab = await startedTab(base, label, pre);
  const from = tab.log.length;
  tab.emit("client_message", userMessage("/long"));
  await tab.log.waitFor(ev("stream_token"), { from, what: `the long reply streaming (${label})` });
  return { tab, from, pre };
}

async function finishesWithinTheGrace(base, pidA) {
  const { tab, from, pre } = await streaming(base, "tab on A");
  process.kill(pidA, "SIGTERM");
  ok("A got SIGTERM while a reply streamed");

  let health = null;
  for (let i = 0; i < 100; i++) {
    health = await http(base, null, "GET", "/health");
    if (health.status === 503) break;
    await sleep(50);
  }
  check(health.status === 503 && health.data?.status === "draining", "A's readiness (GET /health) turns 503 {\"status\": \"draining\"}", `${health.status} ${short(health.text)}`);
  const login = await http(base, null, "POST", "/login", { form: { username: "admin", password: "admin" } });
  check(login.status === 503 && login.headers?.get?.("retry-after") === "1", "a new request to A is refused with 503 and Retry-After: 1", `${login.status} ${short(login.text)}`);
  const late = openSocketIo(base, "new socket on draining A", authFor(pre.sessionId), { transports: ["websocket"], cookie: pre.cookie });
  const answer = await late.log.waitFor((e) => e.event === "connect_error" || e.event === "connect", { what: "the answer to a new socket on A" });
  checkEqual(answer.event, "connect_error", "a new socket on draining A is refused");
  late.socket.close();

  const end = await tab.log.waitFor(ev("task_end"), { from, timeout: 20_000, what: "the long reply's end on A" });
  const said = tab.log.since(from).filter((e) => e.event === "update_message" || e.event === "new_message").map((e) => e.args[0]?.output ?? "");
  check(said.some((t) => t.endsWith("word200")), "the reply that was running streams to its end within the grace (word200)", short(said.map((t) => t.slice(-20))));
  check(!said.includes(STOPPED), "nothing was stopped on A");
  const gone = await tab.log.waitFor(isGone, { from: end.i, timeout: DEFAULT_WAIT_MS, what: "A closing the socket after the drain" });
  checkEqual(gone.args[0], "transport close", "A closes the socket as a transport close (the client reconnects)");
}

async function stoppedAfterTheGrace(base, pidB) {
  const { tab, from } = await streaming(base, "tab on B");
  process.kill(pidB, "SIGTERM");
  ok("B (grace 1 s) got SIGTERM while a reply streamed");
  const notice = await tab.log.waitFor(
    (e) => e.event === "new_message" && e.args[0]?.output === STOPPED,
    { from, timeout: 8_000, what: "the notice of the run stopped at the end of the grace" },
  );
  checkEqual(notice.args[0]?.type, "system_message", "the notice is a system message");
  const end = await tab.log.waitFor(ev("task_end"), { from: notice.i, what: "task_end after the notice" });
  const said = tab.log.since(from).filter((e) => e.event === "update_message").map((e) => e.args[0]?.output ?? "");
  check(!said.some((t) => t.endsWith("word200")), "the reply did not run to its end (stopped after the grace)", short(said.map((t) => t.slice(-20))));
  const gone = await tab.log.waitFor(isGone, { from: end.i, what: "B closing the socket" });
  checkEqual(gone.args[0], "transport close", "B closes the socket as a transport close");
}
