// resume-instances.mjs: two instances of the `hello` app on one PostgreSQL database and one
// Redis (CHAINRS_URL for A, CHAINRS_URL_B for B; CHAINRS_PID_A is A's process). A chat on A
// has its replies acknowledged (each reply seen whole, its task ended); while a long reply
// streams, A gets SIGTERM; a new tab on B naming the thread resumes it: every acknowledged
// message is in the thread, the UserSession counter goes on, and new messages append to it.
//
// Run: CHAINRS_URL=<A> CHAINRS_URL_B=<B> CHAINRS_PID_A=<pid> node resume-instances.mjs

import { randomUUID } from "node:crypto";
import {
  authFor, awaitTask, baseUrl, check, checkEqual, connected, isGone, ok, openSocketIo, preflight,
  readChatStart, runMain, short, Transcript, userMessage, otherUrl, pidFrom,
} from "./lib.mjs";

const a = baseUrl();
const b = otherUrl();
const pidA = pidFrom("CHAINRS_PID_A");
const SAID = 5;

await runMain("resume on another instance after a SIGTERM", 90_000, async () => {
  const pre = await preflight(a);
  const tab = openSocketIo(a, "tab on A", authFor(pre.sessionId), { transports: ["websocket"], cookie: pre.cookie });
  await connected(tab, "tab on A");
  let from = tab.log.length;
  tab.emit("connection_successful");
  await readChatStart(tab.log, from, "chat start on A");

  let thread = null;
  for (let i = 1; i <= SAID; i++) {
    from = tab.log.length;
    tab.emit("client_message", userMessage(`message ${i}`));
    const events = await awaitTask(tab.log, from, `the reply to message ${i}`);
    thread ??= events.find((e) => e.event === "first_interaction")?.args[0]?.thread_id;
    const replies = new Transcript(events).messages().map((m) => m.text);
    check(replies.includes(`echo #${i}: message ${i}`), `reply ${i} acknowledged on A`, short(replies));
  }
  check(typeof thread === "string", "the first message named the thread (first_interaction)", String(thread));

  from = tab.log.length;
  tab.emit("client_message", userMessage("/long"));
  await tab.log.waitFor((e) => e.event === "stream_token", { from, what: "the long reply streaming on A" });
  process.kill(pidA, "SIGTERM");
  ok("A got SIGTERM while a reply streamed");
  await tab.log.waitFor(isGone, { from, timeout: 20_000, what: "the tab on A losing its instance" });
  ok("the tab on A lost its connection");

  const onB = await preflight(b);
  const back = openSocketIo(b, "tab on B", { ...authFor(randomUUID()), threadId: thread }, { transports: ["websocket"], cookie: onB.cookie });
  await connected(back, "tab on B");
  from = back.log.length;
  back.emit("connection_successful");
  const shown = await back.log.waitFor((e) => e.event === "resume_thread", { from, what: "the thread shown on B" });
  const resumed = shown.args[0];
  checkEqual(resumed?.id, thread, "B resumes the thread A wrote");
  const texts = (resumed?.steps ?? []).filter((s) => s.type !== "run").map((s) => s.output);
  for (let i = 1; i <= SAID; i++) {
    check(texts.includes(`message ${i}`) && texts.includes(`echo #${i}: message ${i}`),
      `message ${i} and its acknowledged reply are in the thread`, short(texts));
  }
  const welcome = await back.log.waitFor((e) => e.event === "new_message" && /^Welcome back/.test(e.args[0]?.output ?? ""),
    { from: shown.i, what: "on_chat_resume's message after the thread" });
  check(/6 turns so far/.test(welcome.args[0].output), "the state written on A is back on B (6 turns, /long included)", welcome.args[0].output);
  check(!back.log.since(from).some((e) => e.event === "new_message" && e.args[0]?.output === "Hello admin"),
    "on_chat_start does not run on a resume");

  from = back.log.length;
  back.emit("client_message", userMessage("after the move"));
  const events = await awaitTask(back.log, from, "a reply on B");
  const replies = new Transcript(events).messages().map((m) => m.text);
  check(replies.includes("echo #7: after the move"), "the chat goes on where it was (echo #7)", short(replies));
  checkEqual(events.find((e) => e.event === "new_message")?.args[0]?.threadId, thread, "new steps belong to the same thread");
});
