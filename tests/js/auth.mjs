// auth.mjs: login and one shared session, end to end against the `hello` app over real HTTP and
// socket.io-client. Needs CHAINRS_TEST_SECRET, the app's token secret, to sign an expired token.
// Proves: forged, expired, alg:none and garbled tokens are refused on REST and on the socket; user
// B presenting user A's session id (or thread id) is refused on the socket and on an endpoint;
// endpoint(http) and the chat share state both ways; endpoint(ws) pushes into the live tab (409
// without one, 404 for an unknown id); a reconnect restores the session without a second
// on_chat_start and delivers what was sent while the socket was down.
//
// Run: CHAINRS_URL=http://127.0.0.1:8000 CHAINRS_TEST_SECRET=... node auth.mjs

import { createHmac, randomUUID } from "node:crypto";
import {
  authFor, awaitTask, baseUrl, check, checkEqual, connected, fail, http, ok, openSocketIo,
  preflight, readChatStart, runMain, short, sleep, Transcript, userMessage,
} from "./lib.mjs";

const base = baseUrl();
const secret = process.env.CHAINRS_TEST_SECRET || fail("CHAINRS_TEST_SECRET is not set");

const b64 = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** An HS256 token signed with `key`. */
function sign(claims, key = secret, header = { alg: "HS256", typ: "JWT" }) {
  const head = `${b64(header)}.${b64(claims)}`;
  return `${head}.${createHmac("sha256", key).update(head).digest("base64url")}`;
}

const now = () => Math.floor(Date.now() / 1000);

await runMain("chainrs auth and shared sessions", 90_000, async () => {
  await badTokens();
  await ownership();
  await sharedState();
  await reconnectDelivers();
});

/** Opens a chat tab for a preflighted user and waits until it is ready. */
async function openTab(pre, label, { sessionId = pre.sessionId, threadId = "" } = {}) {
  const client = openSocketIo(base, label, { ...authFor(sessionId), threadId }, { transports: ["websocket"], cookie: pre.cookie });
  await connected(client, label);
  const from = client.log.length;
  client.emit("connection_successful");
  const start = await readChatStart(client.log, from, `${label}: chat start`);
  return { client, start };
}

/** What a handshake with these headers gets: "connect" or the connect_error message. */
async function handshake(label, sessionId, headers) {
  const client = openSocketIo(base, label, authFor(sessionId), { transports: ["websocket"], cookie: headers.cookie });
  if (headers.authorization) client.socket.io.opts.extraHeaders.authorization = headers.authorization;
  const e = await client.log.waitFor((x) => x.event === "connect" || x.event === "connect_error", { what: `${label}: handshake answer` });
  client.socket.close();
  return e.event === "connect" ? "connect" : String(e.args[0]);
}

async function badTokens() {
  const good = sign({ identifier: "admin", iat: now(), exp: now() + 600 });
  const cases = [
    ["a forged signature", sign({ identifier: "admin", iat: now(), exp: now() + 600 }, "not-the-secret-not-the-secret-xx"), /signature/],
    ["an expired token", sign({ identifier: "admin", iat: now() - 100, exp: now() - 10 }), /expired/],
    ["alg: none", `${b64({ alg: "none", typ: "JWT" })}.${b64({ identifier: "admin", iat: now(), exp: now() + 600 })}.`, /HS256/],
    ["a garbled token", "garbled.token.value", /malformed/],
  ];
  const control = await http(base, null, "GET", "/user", { headers: { authorization: `Bearer ${good}` } });
  checkEqual(control.status, 200, "a token signed with the app's secret is accepted (control)");
  for (const [what, token, why] of cases) {
    const rest = await http(base, null, "GET", "/history", { headers: { authorization: `Bearer ${token}` } });
    check(rest.status === 401 && why.test(rest.data?.error ?? ""), `REST refuses ${what} with 401`, `${rest.status} ${short(rest.text)}`);
    const socket = await handshake(`socket with ${what}`, randomUUID(), { cookie: `access_token=${token}` });
    check(socket !== "connect" && why.test(socket), `the socket refuses ${what} (connect_error "${short(socket)}")`);
  }
  const none = await handshake("socket without login", randomUUID(), {});
  check(none !== "connect" && /login required/.test(none), `an unauthenticated handshake is refused (${short(none)})`);
}

async function ownership() {
  const admin = await preflight(base);
  const guest = await preflight(base, { username: "guest", password: "guest" });
  const { client, start } = await openTab(admin, "admin's tab");
  const threadId = start.run.threadId;
  const stolen = await handshake("guest with admin's session id", admin.sessionId, { cookie: guest.cookie });
  check(/not yours/.test(stolen), `guest presenting admin's session id is refused on the socket (${short(stolen)})`);
  const rest = await http(base, null, "GET", "/history", { headers: { cookie: guest.cookie, "X-Chainrs-Session-Id": admin.sessionId } });
  check(rest.status === 403 && /another user/.test(rest.data?.error ?? ""), "and on an endpoint (403)", `${rest.status} ${short(rest.text)}`);
  const thread = openSocketIo(base, "guest with admin's thread id", { ...authFor(randomUUID()), threadId }, { transports: ["websocket"], cookie: guest.cookie });
  const answer = await thread.log.waitFor((x) => x.event === "connect" || x.event === "connect_error", { what: "the thread handshake" });
  check(answer.event === "connect_error" && /thread/.test(answer.args[0]), `a thread id owned by another user is refused (${short(answer.args[0])})`);
  thread.socket.close();
  client.socket.close();
}

async function sharedState() {
  const admin = await preflight(base);
  const { client } = await openTab(admin, "shared tab");
  const headers = { cookie: admin.cookie, "X-Chainrs-Session-Id": admin.sessionId };
  let from = client.log.length;
  client.emit("client_message", userMessage("from the chat"));
  await awaitTask(client.log, from, "the first reply");
  const history = await http(base, null, "GET", "/history", { headers });
  checkEqual(JSON.stringify(history.data), JSON.stringify(["from the chat"]), "endpoint(http) reads what on_message wrote");
  const added = await http(base, null, "POST", "/history", { headers, json: "from an endpoint" });
  checkEqual(added.data, 2, "endpoint(http) writes the same state");
  from = client.log.length;
  client.emit("client_message", userMessage("and back"));
  const texts = new Transcript(await awaitTask(client.log, from, "the second reply")).messages().map((m) => m.text);
  check(texts.includes("echo #3: and back"), "on_message sees the endpoint's write (echo #3)", short(texts));

  from = client.log.length;
  const pushed = await http(base, null, "POST", "/notify", { headers, json: "pushed from HTTP" });
  checkEqual(pushed.status, 202, "endpoint(ws) answers 202");
  const seen = await client.log.waitFor((e) => e.event === "new_message" && e.args[0]?.output === "pushed from HTTP", { from, what: "the pushed message" });
  ok(`endpoint(ws)'s Message::send reaches the live tab (${seen.event})`);
  const unknown = await http(base, null, "POST", "/notify", { headers: { cookie: admin.cookie, "X-Chainrs-Session-Id": randomUUID() }, json: "x" });
  checkEqual(unknown.status, 404, "endpoint(ws) naming an unknown session is 404");
  client.socket.close();
  await sleep(300);
  const away = await http(base, null, "POST", "/notify", { headers, json: "nobody there" });
  check(away.status === 409 && /no live chat tab/.test(away.data?.error ?? ""), "endpoint(ws) on a session without a live socket is 409 with a clear body", `${away.status} ${short(away.text)}`);
}

async function reconnectDelivers() {
  const admin = await preflight(base);
  const first = await openTab(admin, "tab before the drop");
  const from = first.client.log.length;
  first.client.emit("client_message", userMessage("/later"));
  await awaitTask(first.client.log, from, "the /later run");
  first.client.socket.close();
  await sleep(2_000);
  const again = openSocketIo(base, "tab after the drop", authFor(admin.sessionId), { transports: ["websocket"], cookie: admin.cookie });
  const later = await again.log.waitFor((e) => e.event === "new_message" && e.args[0]?.output === "later: done", { what: "the message sent while the tab was away" });
  ok(`what the app sent while the socket was down arrives on reconnect (${later.event})`);
  const at = again.log.length;
  again.emit("connection_successful");
  await again.log.waitFor((e) => e.event === "clear_call_fn", { from: at, what: "the ready events" });
  await sleep(700);
  const greetings = again.log.since(0).filter((e) => e.event === "new_message" && e.args[0]?.output === "Hello admin");
  checkEqual(greetings.length, 0, "no second on_chat_start on reconnect");
  const before = again.log.length;
  again.emit("client_message", userMessage("still me"));
  const texts = new Transcript(await awaitTask(again.log, before, "the reply after reconnect")).messages().map((m) => m.text);
  check(texts.includes("echo #2: still me"), "the restored session keeps its state (echo #2)", short(texts));
  again.socket.close();
}
