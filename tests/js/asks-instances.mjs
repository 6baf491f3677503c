// asks-instances.mjs: questions across instances (CHAINRS_URL for A, CHAINRS_URL_B for B, one
// Redis). A question asked on B (hello's `POST /ask`, an `#[endpoint(ws)]`) of a tab on A
// reaches the tab, and its answer comes back to B; unanswered, it times out on time. A question
// the tab on A was shown and left without answering is asked again when the tab reconnects to
// B, answered there, and the hook on A goes on with the answer.
//
// Run: CHAINRS_URL=<A> CHAINRS_URL_B=<B> node asks-instances.mjs

import { randomUUID } from "node:crypto";
import {
  authFor, check, checkEqual, connected, ev, http, isGone, ok, openSocketIo, otherUrl,
  preflight, baseUrl, runMain, short, startedTab, userMessage,
} from "./lib.mjs";

const a = baseUrl();
const b = otherUrl();

/** Answers the ask `entry` (an `ask` event with its ack) with `text`. */
function answer(client, entry, text) {
  const reply = {
    id: randomUUID(), output: text, createdAt: new Date().toISOString(), type: "user_message",
    name: "User", threadId: "", metadata: {},
  };
  client.log.out("ack of ask", [reply]);
  entry.ack(reply);
}

await runMain("questions across instances", 60_000, async () => {
  const pre = await preflight(a);
  const headers = { cookie: pre.cookie, "x-chainrs-session-id": pre.sessionId };
  const onA = await startedTab(a, "tab on A", pre);

  // Asked on B, shown on A, answered back to B.
  let from = onA.log.length;
  const asked = http(b, null, "POST", "/ask", { json: { text: "Which colour?" }, headers });
  const shown = await onA.log.waitFor(ev("ask"), { from, what: "B's question shown in the tab on A" });
  checkEqual(shown.args[0]?.msg?.output, "Which colour?", "a question asked on B reaches the tab on A");
  check(typeof shown.ack === "function", "with an ack to answer it");
  answer(onA, shown, "teal");
  const got = await asked;
  check(got.status === 200 && got.data === "teal", "the answer comes back to B (POST /ask answers it)", `${got.status} ${short(got.text)}`);

  // Asked on B, not answered: the timeout holds.
  from = onA.log.length;
  const t0 = Date.now();
  const unanswered = await http(b, null, "POST", "/ask", { json: { text: "Still there?", timeout: 2 }, headers });
  const waited = Date.now() - t0;
  check(unanswered.status === 200 && unanswered.data === null, "unanswered, it times out: null", `${unanswered.status} ${short(unanswered.text)}`);
  check(waited >= 1_500 && waited < 8_000, `after its timeout of 2 s (${waited} ms)`);
  await onA.log.waitFor(ev("ask_timeout"), { from, what: "the tab told the question timed out" });
  ok("the tab on A is told it timed out (ask_timeout)");

  // Shown on A, the tab moves to B before answering: asked again there.
  from = onA.log.length;
  onA.emit("client_message", userMessage("/ask"));
  await onA.log.waitFor(ev("ask"), { from, what: "the /ask question on A" });
  const gone = onA.log.length;
  onA.socket.disconnect();
  await onA.log.waitFor(isGone, { from: gone, what: "the tab leaving A" });
  const onB = openSocketIo(b, "tab on B", authFor(pre.sessionId), { transports: ["websocket"], cookie: pre.cookie });
  await connected(onB, "the same session's tab, on B");
  onB.emit("connection_successful");
  const again = await onB.log.waitFor(ev("ask"), { from: 0, what: "the question asked again on B" });
  checkEqual(again.args[0]?.msg?.output, "What is your name?", "the unanswered question is asked again where the tab is now");
  answer(onB, again, "Grace");
  await onB.log.waitFor((e) => e.event === "new_message" && e.args[0]?.output === "Nice to meet you, Grace",
    { from: again.i, what: "the hook on A going on with the answer given on B" });
  ok("the hook on A gets the answer given on B and goes on");
  onB.socket.close();
});
