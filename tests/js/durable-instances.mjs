// durable-instances.mjs: delivery that survives a tab moving between instances (CHAINRS_URL for
// A, CHAINRS_URL_B for B, one Redis). A tab on A sends /long (200 words streamed over about
// 10 s); after a few words the tab goes away; what A streams meanwhile is kept in Redis; a tab
// of the same session on B receives it, then the rest live from A, in order, each word once,
// and the reply's end.
//
// Run: CHAINRS_URL=<A> CHAINRS_URL_B=<B> node durable-instances.mjs

import {
  authFor, baseUrl, check, checkEqual, connected, ev, isGone, ok, openSocketIo, otherUrl,
  preflight, runMain, short, sleep, startedTab, userMessage,
} from "./lib.mjs";

const a = baseUrl();
const b = otherUrl();
const WHOLE = Array.from({ length: 200 }, (_, i) => `word${i + 1}`).join(" ");

/** The text `entries` stream: the stream_start's output, then the stream_token events'. */
function streamed(entries) {
  return entries
    .filter((e) => e.event === "stream_start" || e.event === "stream_token")
    .map((e) => (e.event === "stream_start" ? e.args[0]?.output : e.args[0]?.token) ?? "")
    .join("");
}

await runMain("delivery across instances", 60_000, async () => {
  const pre = await preflight(a);
  const onA = await startedTab(a, "tab on A", pre);
  let from = onA.log.length;
  onA.emit("client_message", userMessage("/long"));
  await onA.log.waitFor((e) => e.event === "stream_token" && /word5\b/.test(streamed(onA.log.since(from))),
    { from, what: "the first words streaming on A" });
  const gone = onA.log.length;
  onA.socket.disconnect();
  await onA.log.waitFor(isGone, { from: gone, what: "the tab leaving A" });
  const before = streamed(onA.log.since(from));
  ok(`the tab left A after ${before.split(" ").length} words`);
  await sleep(2_000);

  const onB = openSocketIo(b, "tab on B", authFor(pre.sessionId), { transports: ["websocket"], cookie: pre.cookie });
  await connected(onB, "the same session's tab, on B");
  onB.emit("connection_successful");
  const end = await onB.log.waitFor(
    (e) => (e.event === "new_message" || e.event === "update_message") && (e.args[0]?.output ?? "").endsWith("word200"),
    { from: 0, timeout: 20_000, what: "the end of the long reply, on B" },
  );
  checkEqual(end.args[0]?.output, WHOLE, "the reply's final text is whole");
  const after = streamed(onB.log.since(0).filter((e) => e.i < end.i));
  check(before + after === WHOLE, "what A streamed while the tab was away, then live, reaches B: every word once, in order",
    `before: ${short(before.slice(-40))} | on B: ${short(after.slice(0, 60))}…${short(after.slice(-30))}`);
  const kept = onB.log.since(0).findIndex((e) => e.event === "stream_token");
  const started = onB.log.since(0).findIndex((e) => e.event === "clear_call_fn");
  check(kept >= 0 && kept < started, "what was kept while the tab was away comes first, before the chat start's events", `${kept} vs ${started}`);
  await onB.log.waitFor(ev("task_end"), { from: end.i, what: "the reply's task ending on B" });
  ok("the task of the reply ends on B");
  onB.socket.close();
});
