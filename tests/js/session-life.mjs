// session-life.mjs: against the `hello` app served with a 1-second session timeout, proves that a
// connected tab keeps its session alive however long it idles, and that once the socket leaves the
// session expires: HTTP calls naming it get 404 and the tab coming back starts a new session.
//
// Run: CHAINRS_URL=http://127.0.0.1:8000 node session-life.mjs   (the app must use a ~1 s timeout)

import {
  authFor, awaitTask, baseUrl, check, checkEqual, connected, http, ok, openSocketIo, preflight,
  readChatStart, runMain, short, sleep, Transcript, userMessage,
} from "./lib.mjs";

const base = baseUrl();
/** Several session timeouts (and sweeps) of the app under test. */
const IDLE_MS = 3_500;

await runMain("chainrs session life (socket.io-client)", 60_000, async () => {
  const pre = await preflight(base);
  const auth = authFor(pre.sessionId);
  const client = openSocketIo(base, "idle tab", auth, { transports: ["websocket"], cookie: pre.cookie });
  await connected(client, "idle tab");
  let from = client.log.length;
  client.emit("connection_successful");
  await readChatStart(client.log, from, "chat start");

  await sleep(IDLE_MS);
  from = client.log.length;
  client.emit("client_message", userMessage("still here"));
  const events = await awaitTask(client.log, from, "the reply after idling");
  const texts = new Transcript(events).messages().map((m) => m.text);
  check(texts.includes("echo #1: still here"), "a connected tab keeps its session past the timeout", short(texts));

  client.socket.close();
  await sleep(IDLE_MS);
  const history = await http(base, null, "GET", "/history", { headers: { "X-Chainrs-Session-Id": pre.sessionId, cookie: pre.cookie } });
  checkEqual(history.status, 404, "once the tab left, the session expires (GET /history naming it is 404)");
  // The same tab coming back after expiry starts over: a new session under its id, with a new
  // on_chat_start and a count from 1.
  const again = openSocketIo(base, "after expiry", auth, { transports: ["websocket"], cookie: pre.cookie });
  await connected(again, "after expiry");
  from = again.log.length;
  again.emit("connection_successful");
  const start = await readChatStart(again.log, from, "chat start after expiry");
  const greeting = start.transcript.messages().map((m) => m.text);
  check(greeting.includes("Hello admin"), "after expiry the tab starts a new session (on_chat_start again)", short(greeting));
  from = again.log.length;
  again.emit("client_message", userMessage("fresh"));
  const fresh = new Transcript(await awaitTask(again.log, from, "the first reply of the new session")).messages().map((m) => m.text);
  check(fresh.includes("echo #1: fresh"), "the new session's state starts empty (echo #1)", short(fresh));
  ok("session life checked");
});
