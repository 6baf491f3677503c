// instances.mjs: two instances of the `hello` app sharing Redis (CHAINRS_URL for A,
// CHAINRS_URL_B for B). Proves: a tab connected to A is reached by an endpoint(ws) call and an
// action click that land on B; with no tab anywhere, endpoint(ws) is 409; a reconnect that lands
// on B restores the session (no second on_chat_start, the count goes on); a login made on A is
// valid on B; the stop pressed in a tab on B ends a job still running on A.
//
// Run: CHAINRS_URL=<A> CHAINRS_URL_B=<B> node instances.mjs

import {
  authFor, awaitTask, baseUrl, check, checkEqual, connected, http, ok, openSocketIo, preflight,
  readChatStart, runMain, short, sleep, Transcript, userMessage, otherUrl,
} from "./lib.mjs";

const a = baseUrl();
const b = otherUrl();

await runMain("chainrs across instances", 60_000, async () => {
  const pre = await preflight(a);
  const tab = openSocketIo(a, "tab on A", authFor(pre.sessionId), { transports: ["websocket"], cookie: pre.cookie });
  await connected(tab, "tab on A");
  let from = tab.log.length;
  tab.emit("connection_successful");
  await readChatStart(tab.log, from, "chat start on A");
  await sleep(300); // A records where the tab is
  const headers = { cookie: pre.cookie, "X-Chainrs-Session-Id": pre.sessionId };

  from = tab.log.length;
  const pushed = await http(b, null, "POST", "/notify", { headers, json: "from instance B" });
  checkEqual(pushed.status, 202, "endpoint(ws) on B answers 202 for a tab on A");
  await tab.log.waitFor((e) => e.event === "new_message" && e.args[0]?.output === "from instance B", { from, what: "the push relayed from B" });
  ok("the message sent on B reaches the tab connected to A");

  from = tab.log.length;
  tab.emit("client_message", userMessage("/action"));
  const events = await awaitTask(tab.log, from, "the /action reply");
  const wave = events.find((e) => e.event === "action")?.args[0];
  from = tab.log.length;
  const clicked = await http(b, null, "POST", "/project/action", { headers: { cookie: pre.cookie }, json: { sessionId: pre.sessionId, action: wave } });
  checkEqual(clicked.status, 200, "an action click landing on B runs its callback");
  await tab.log.waitFor((e) => e.event === "new_message" && e.args[0]?.output === "👋", { from, what: "the callback's message relayed from B" });
  ok("the callback's message reaches the tab on A");

  from = tab.log.length;
  tab.emit("client_message", userMessage("on A"));
  const first = new Transcript(await awaitTask(tab.log, from, "a reply on A")).messages().map((m) => m.text);
  check(first.includes("echo #2: on A"), "the chat on A counts its turns", short(first));
  tab.socket.close();
  await sleep(300);
  const away = await http(b, null, "POST", "/notify", { headers, json: "nobody" });
  checkEqual(away.status, 409, "with the tab gone from every instance, endpoint(ws) is 409");

  const again = openSocketIo(b, "tab on B", authFor(pre.sessionId), { transports: ["websocket"], cookie: pre.cookie });
  await connected(again, "tab on B");
  from = again.log.length;
  again.emit("connection_successful");
  await again.log.waitFor((e) => e.event === "clear_call_fn", { from, what: "the ready events on B" });
  await sleep(700);
  const greetings = again.log.since(0).filter((e) => e.event === "new_message" && e.args[0]?.output === "Hello admin");
  checkEqual(greetings.length, 0, "a reconnect landing on B restores the session without a second on_chat_start");
  from = again.log.length;
  again.emit("client_message", userMessage("on B"));
  const second = new Transcript(await awaitTask(again.log, from, "a reply on B")).messages().map((m) => m.text);
  check(second.includes("echo #3: on B"), "and the session's state goes on (echo #3)", short(second));
  again.socket.close();
  await stopReachesAnotherInstance(pre, headers);
});

/** A job started on A keeps running after its tab moved to B; the stop pressed on B ends it. */
async function stopReachesAnotherInstance(pre, headers) {
  const ticks = async () => (await http(b, null, "GET", "/history", { headers })).data.filter((l) => l.startsWith("tick")).length;
  const onA = openSocketIo(a, "tab on A again", authFor(pre.sessionId), { transports: ["websocket"], cookie: pre.cookie });
  await connected(onA, "tab on A again");
  onA.emit("connection_successful");
  await sleep(300);
  onA.emit("client_message", userMessage("/tick"));
  await sleep(600);
  check((await ticks()) > 0, "the /tick job on A writes to the session");
  onA.socket.close();
  const onB = openSocketIo(b, "tab on B again", authFor(pre.sessionId), { transports: ["websocket"], cookie: pre.cookie });
  await connected(onB, "tab on B again");
  let from = onB.log.length;
  onB.emit("connection_successful");
  await onB.log.waitFor((e) => e.event === "clear_call_fn", { from, what: "ready on B" });
  const running = await ticks();
  await sleep(400);
  check((await ticks()) > running, "the job on A still runs after the tab moved to B");
  from = onB.log.length;
  onB.emit("stop");
  await onB.log.waitFor((e) => e.event === "task_end", { from, what: "the end of the stop on B" });
  await sleep(300);
  const stopped = await ticks();
  await sleep(700);
  checkEqual(await ticks(), stopped, "the stop pressed on B ended the job running on A");
  check(stopped < 100, `the job was cut short (${stopped} of 100 ticks)`);
  onB.socket.close();
}

