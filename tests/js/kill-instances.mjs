// kill-instances.mjs: A (CHAINRS_URL, process CHAINRS_PID_A) and B (CHAINRS_URL_B) on one
// Redis. A tab on A sends /long; while it streams (past a second, so the run is marked in
// Redis), A is killed with SIGKILL. The tab loses its connection; a tab of the same session on B
// ends its task at once (not stuck busy), is told that the reply was lost with the server that
// ran it, and the chat goes on there.
//
// Run: CHAINRS_URL=<A> CHAINRS_PID_A=<pid> CHAINRS_URL_B=<B> node kill-instances.mjs

import {
  authFor, awaitTask, baseUrl, check, checkEqual, connected, ev, isGone, ok, openSocketIo,
  otherUrl, pidFrom, preflight, startedTab, runMain, short, sleep, Transcript, userMessage,
} from "./lib.mjs";

const a = baseUrl();
const b = otherUrl();
const LOST = "The server that was answering stopped before the reply ended (it restarted or failed). Send your message again.";

await runMain("an instance killed while it answers", 60_000, async () => {
  const pre = await preflight(a);
  const onA = await startedTab(a, "tab on A", pre);
  let from = onA.log.length;
  onA.emit("client_message", userMessage("/long"));
  await onA.log.waitFor(ev("stream_token"), { from, what: "the long reply streaming on A" });
  await sleep(1_500);
  process.kill(pidFrom("CHAINRS_PID_A"), "SIGKILL");
  ok("A was killed (SIGKILL) while its reply streamed");
  await onA.log.waitFor(isGone, { from, timeout: 10_000, what: "the tab on A losing its instance" });
  check(!onA.log.since(from).some((e) => e.event === "task_end"), "A never ended the task: the tab was left busy");

  const onB = openSocketIo(b, "tab on B", authFor(pre.sessionId), { transports: ["websocket"], cookie: pre.cookie });
  await connected(onB, "the same session's tab, reconnected to B");
  from = onB.log.length;
  onB.emit("connection_successful");
  const notice = await onB.log.waitFor((e) => e.event === "new_message" && e.args[0]?.output === LOST,
    { from, what: "the notice that the reply was lost with A" });
  checkEqual(notice.args[0]?.type, "system_message", "B tells the tab its reply was lost, as a system message");
  const first = onB.log.since(from)[0];
  checkEqual(first?.event, "task_end", "the reconnected tab's task ends first, so it is not stuck busy");

  from = onB.log.length;
  onB.emit("client_message", userMessage("after the crash"));
  const events = await awaitTask(onB.log, from, "a reply on B");
  const texts = new Transcript(events).messages().map((m) => m.text);
  check(texts.some((t) => /^echo #\d+: after the crash$/.test(t)), "the chat goes on on B", short(texts));
  const told = onB.log.since(0).filter((e) => e.event === "new_message" && e.args[0]?.output === LOST).length;
  checkEqual(told, 1, "the loss is told once");
  const again = openSocketIo(b, "another tab on B", authFor(pre.sessionId), { transports: ["websocket"], cookie: pre.cookie });
  await connected(again, "another tab of the session on B");
  from = again.log.length;
  again.emit("connection_successful");
  await again.log.waitFor(ev("clear_call_fn"), { from, what: "the other tab joining" });
  await sleep(500);
  check(!again.log.since(from).some((e) => e.event === "new_message" && e.args[0]?.output === LOST),
    "a later tab is not told again (the lost run's mark is gone)");
  again.socket.close();
  onB.socket.close();
});
