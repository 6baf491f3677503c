// overlap-instances.mjs: the overlap policy across two instances of the `hello` app on one
// Redis (CHAINRS_URL for A, CHAINRS_URL_B for B, both with CHAINRS_OVERLAP=$OVERLAP, `reject`
// or `interrupt`). A tab on A runs `/tick` (a 10 s job writing to the session); a second tab
// of the same session, on B, sends a message. Under `reject` B refuses it (an `error` event
// and a toast) and the job goes on; under `interrupt` B stops the job on A (A's tab sees its
// task end), says so ("Task manually stopped.", `task_end`) and then runs the message.
//
// Run: OVERLAP=reject CHAINRS_URL=<A> CHAINRS_URL_B=<B> node overlap-instances.mjs

import {
  authFor, awaitTask, baseUrl, check, checkEqual, connected, ev, http, ok, openSocketIo,
  otherUrl, preflight, startedTab, runMain, short, sleep, Transcript, userMessage,
} from "./lib.mjs";

const a = baseUrl();
const b = otherUrl();
const mode = process.env.OVERLAP;
if (mode !== "reject" && mode !== "interrupt") throw new Error("OVERLAP must be reject or interrupt");

await runMain(`overlap across instances (${mode})`, 60_000, async () => {
  const pre = await preflight(a);
  const onA = await startedTab(a, "tab on A", pre);
  let from;
  const tickFrom = onA.log.length;
  onA.emit("client_message", userMessage("/tick"));
  await onA.log.waitFor(ev("task_start"), { from: tickFrom, what: "the /tick job starting on A" });
  const ticks = async () => {
    const got = await http(a, null, "GET", "/history", { headers: { cookie: pre.cookie, "x-chainrs-session-id": pre.sessionId } });
    check(got.status === 200 && Array.isArray(got.data), "GET /history reads the session", `${got.status} ${short(got.text)}`);
    return got.data.filter((t) => /^tick \d+$/.test(t)).length;
  };
  await sleep(500);
  check((await ticks()) > 0, "the /tick job runs on A");

  const onB = openSocketIo(b, "tab on B", authFor(pre.sessionId), { transports: ["websocket"], cookie: pre.cookie });
  await connected(onB, "a second tab of the session, on B");
  from = onB.log.length;
  onB.emit("connection_successful");
  await onB.log.waitFor(ev("clear_call_fn"), { from, what: "the second tab joining on B" });
  from = onB.log.length;
  onB.emit("client_message", userMessage("overlapping"));

  if (mode === "reject") {
    const error = await onB.log.waitFor(ev("error"), { from, what: "B refusing the message" });
    check(error.args[0]?.event === "client_message" && /still running/.test(error.args[0]?.message ?? ""),
      "B refuses a message while a hook of the session runs on A (an error event for client_message)", short(error.args[0]));
    const toast = await onB.log.waitFor(ev("toast"), { from: error.i, what: "the toast after the refusal" });
    check(/still running/.test(toast.args[0]?.message ?? ""), "and a toast saying to wait or stop", short(toast.args[0]));
    const before = await ticks();
    await sleep(1_000);
    const after = await ticks();
    check(after > before, `the job on A goes on (${before} then ${after} ticks)`);
    check(!onB.log.since(from).some((e) => e.event === "new_message" && /overlapping/.test(e.args[0]?.output ?? "")),
      "nothing ran for the refused message");
  } else {
    const events = await awaitTask(onB.log, from, "B's answer to the overlapping message", 15_000);
    const texts = new Transcript(events).messages().map((m) => m.text);
    check(texts.includes("Task manually stopped."), "B stops the job that runs on A, as the stop button does", short(texts));
    check(texts.some((t) => /^echo #\d+: overlapping$/.test(t)), "then the message runs on B", short(texts));
    await onA.log.waitFor(ev("task_end"), { from: tickFrom, what: "A's tab seeing the stopped job end" });
    ok("A's tab sees its task end (it does not stay busy)");
    await sleep(300);
    const before = await ticks();
    await sleep(1_000);
    checkEqual(await ticks(), before, "the job on A was stopped: the session gets no more ticks");
  }
  onA.socket.close();
  onB.socket.close();
});
