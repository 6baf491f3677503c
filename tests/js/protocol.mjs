// protocol.mjs: proves that a running chainrs `hello` app speaks Chainlit's Socket.IO protocol to a
// stock socket.io-client, both over long-polling upgraded to websocket and over websocket only:
// the REST preflight, the chat start (exact event order, "Hello admin"), two echoed messages (exact
// run frame, first_interaction once, streamed text, parent links, StepDict shapes, one thread id),
// a tool step with a nested llm step, a text ask answered through its ack, stopping a stream,
// reconnecting to the same session without a second on_chat_start (the turn count goes on), and
// clear_session closing the socket. Also that bad handshakes are refused with a clear connect_error,
// and that the handshake's chatProfile picks one of hello's chat profiles (a name not offered is
// refused), whose starters and starter categories /project/settings serves.
//
// Run: CHAINRS_URL=http://127.0.0.1:8000 node protocol.mjs   (exit 0 only when every check passed)

import { randomUUID } from "node:crypto";
import {
  DEFAULT_WAIT_MS, MESSAGE_EVENTS, analyseRunTask, authFor, awaitTask, baseUrl, check, checkEqual,
  checkStep, checkSteps, checkThread, connected, echoNumber, ev, fail, howSent, http, isGone, isIsoZ,
  isUuid, names, ok, openSocketIo, preflight, readChatStart, runMain, short, sleep, Transcript,
  userMessage, withTimeout,
} from "./lib.mjs";

const base = baseUrl();

/** Both ways a browser reaches the socket. */
const RUNS = [
  { label: "polling+upgrade", transports: undefined },
  { label: "websocket", transports: ["websocket"] },
];

await runMain("chainrs protocol (socket.io-client)", 90_000, async () => {
  await checkRest();
  for (const run of RUNS) await runFlow(run);
  await refusedConnects();
  await chatProfiles();
});

/** REST facts of the contract that the flows below do not already cover. */
async function checkRest() {
  const config = await http(base, null, "GET", "/auth/config");
  check(config.data?.requireLogin === true, "GET /auth/config says login is required (hello has a password callback)", short(config.text));
  const bad = await http(base, null, "POST", "/login", { form: { username: "admin", password: "wrong" } });
  check(bad.status === 401 && typeof bad.data?.error === "string", "POST /login with a wrong password is 401 {\"error\": ...}", `${bad.status} ${short(bad.text)}`);
  const pre = await preflight(base);
  const user = await http(base, null, "GET", "/user", { headers: { cookie: pre.cookie } });
  check(user.status === 200 && user.data?.identifier === "admin", "GET /user with the login's access_token cookie gives the user admin", `${user.status} ${short(user.text)}`);
  const bearer = await http(base, null, "GET", "/user", { headers: { authorization: `Bearer ${pre.token}` } });
  check(bearer.status === 200 && bearer.data?.identifier === "admin", "GET /user with Authorization: Bearer <access_token> gives the user admin", `${bearer.status} ${short(bearer.text)}`);
}

/** The whole conversation over one transport setting. */
async function runFlow({ label, transports }) {
  const say = (what) => `[${label}] ${what}`;
  const pre = await preflight(base);
  ok(say(`preflight: /auth/config, /login, /project/settings, /set-session-cookie (session ${pre.sessionId})`));
  const auth = authFor(pre.sessionId);

  const client = openSocketIo(base, `${label} socket`, auth, { transports, cookie: pre.cookie });
  await checkTransport(client, transports, say);

  const threadId = await chatStart(client, say);
  const counts = { plain: 0, commands: 0 };
  await echoTurn(client, say, "hello world", { first: true, threadId, accept: [1] });
  await echoTurn(client, say, "second message", { first: false, threadId, accept: [2] });
  counts.plain = 2;
  await toolTurn(client, say, threadId);
  await askTurn(client, say, threadId);
  await stopLong(client, say, threadId);
  await chooseTurn(client, say);
  await actionTurn(client, say, pre.sessionId, pre.cookie);
  counts.commands = 5;
  counts.plain += await settingsAndWindow(client, say);

  const again = await reconnect(client, auth, { label, transports, cookie: pre.cookie }, say);
  // hello counts every message, commands included (its UserSession turn counter).
  await echoTurn(again, say, "third message", {
    first: false,
    threadId,
    accept: [counts.plain + counts.commands + 1],
  });
  await editTurn(again, say, counts.plain + counts.commands + 2);
  await clearSession(again, say);
}

/** edit_message re-runs on_message with the edited text (same message id). */
async function editTurn(client, say, n) {
  const payload = userMessage("edited text");
  const from = client.log.length;
  client.emit("edit_message", { message: payload.message });
  const events = await awaitTask(client.log, from, "the reply to edit_message");
  const task = analyseRunTask(events, {
    what: say("edit_message"),
    runName: "on_message",
    parentId: payload.message.id,
    input: "edited text",
    first: false,
  });
  const texts = task.transcript.messages().map((m) => m.text);
  check(texts.includes(`echo #${n}: edited text`), say(`edit_message re-runs on_message ("echo #${n}: edited text")`), short(texts));
}

/** Default transports start on polling and upgrade; websocket-only starts on websocket. */
async function checkTransport(client, transports, say) {
  const engine = client.socket.io.engine;
  if (!transports) {
    checkEqual(engine.transport.name, "polling", say("the engine starts on long-polling"));
  }
  await connected(client, say("socket"));
  ok(say("socket connected with the handshake auth object"));
  if (!transports) {
    if (engine.transport.name !== "websocket") {
      await withTimeout(
        new Promise((resolve, reject) => {
          engine.once("upgrade", resolve);
          engine.once("upgradeError", (err) => reject(new Error(`upgrade failed: ${err?.message ?? err}`)));
        }),
        5_000,
        "the engine to upgrade from polling to websocket",
      );
    }
  }
  checkEqual(engine.transport.name, "websocket", say("the engine runs on websocket"));
}

/** connection_successful on a new session: the exact chat start order and the greeting. */
async function chatStart(client, say) {
  const from = client.log.length;
  client.emit("connection_successful");
  const start = await readChatStart(client.log, from, say("chat start"));
  const greetings = start.transcript.messages().filter((m) => m.text === "Hello admin");
  const others = start.transcript.all().filter((m) => m.text !== "Hello admin");
  check(
    greetings.length === 1 && others.length === 0,
    say(`chat start order: task_end, clear_ask, clear_call_fn, task_start, new_message(on_chat_start run), "Hello admin" (${greetings[0] ? howSent(greetings[0]) : "missing"}), update_message(run, end), task_end`),
    `messages in on_chat_start: ${short(start.transcript.all().map((m) => m.text))}`,
  );
  const panel = start.settings?.args[0];
  check(Array.isArray(panel) && panel.length === 3, say("chat_settings (hello's three inputs) arrives before on_chat_start runs"), short(panel));
  const [temperature, shout, voice] = panel;
  checkEqual(
    [temperature.type, temperature.id, temperature.label, temperature.min, temperature.max, temperature.step, temperature.initial, temperature.disabled],
    ["slider", "temperature", "Temperature", 0, 2, 0.1, 0.7, false],
    say("a slider with its range, label and initial value (the struct's Default)"),
  );
  check(/LLM/.test(temperature.description ?? ""), say("the field's doc comment is its description"), short(temperature.description));
  checkEqual([shout.type, shout.id, shout.label, shout.initial], ["switch", "shout", "Shout", false], say("a bool is a switch"));
  checkEqual(
    [voice.type, voice.items, voice.initial],
    ["select", [{ label: "Plain", value: "plain" }, { label: "Pirate", value: "pirate" }], "plain"],
    say("an enum with #[derive(SettingChoice)] is a select of its choices"),
  );
  const commands = start.middle.find((e) => e.event === "set_commands")?.args[0];
  checkEqual(commands, [{ id: "reverse", icon: "repeat", description: "Echo the message backwards", button: true }], say("on_chat_start's set_commands has Chainlit's command fields"));
  const modes = start.middle.find((e) => e.event === "set_modes")?.args[0];
  checkEqual(
    modes?.map((m) => [m.id, m.name, m.options.map((o) => [o.id, o.default ?? false])]),
    [["case", "Case", [["as-is", true], ["lower", false]]]],
    say("on_chat_start's set_modes has the mode and its options, one the default"),
  );
  const threadId = start.run.threadId;
  check(isUuid(threadId), say("the session has a thread id"), short(threadId));
  checkThread(client.log.since(from), threadId, say("chat start"));
  return threadId;
}

/** Sends a client_message and waits for its whole run. */
async function send(client, text) {
  const payload = userMessage(text);
  const from = client.log.length;
  client.emit("client_message", payload);
  const events = await awaitTask(client.log, from, `the reply to ${short(text)}`);
  const echoedBack = events.filter((e) => stepsOf(e).some((s) => s?.id === payload.message.id));
  if (echoedBack.length) fail(`the server echoed the user's own message back: ${names(echoedBack)}`);
  return { payload, from, events };
}

function stepsOf(e) {
  return MESSAGE_EVENTS.has(e.event) ? [e.args[0]] : [];
}

/** One plain message: the exact run frame and an `echo #n: text` reply. */
async function echoTurn(client, say, text, { first, threadId, accept }) {
  const { payload, events } = await send(client, text);
  const task = analyseRunTask(events, {
    what: say(`message ${short(text)}`),
    runName: "on_message",
    parentId: payload.message.id,
    input: text,
    first,
  });
  if (first) {
    checkEqual(task.firstInteraction, { interaction: text, thread_id: threadId }, say("first_interaction {interaction, thread_id} right after the first task_start"));
  } else {
    ok(say(`no first_interaction for ${short(text)}`));
  }
  ok(say(`task_start, new_message(on_message run, parentId = user message ${payload.message.id.slice(0, 8)}…) open the run`));
  const replies = task.transcript.messages();
  check(replies.length === 1, say(`exactly one reply message to ${short(text)}`), short(replies.map((m) => m.text)));
  const [reply] = replies;
  const n = echoNumber(reply.text, text);
  check(
    accept.includes(n),
    say(`reply is "echo #${n ?? "?"}: ${text}" (${howSent(reply)}; expected #${accept.join(" or #")})`),
    `got ${short(reply.text)}`,
  );
  checkEqual(reply.step.type, "assistant_message", say("the reply is an assistant_message"));
  checkEqual(reply.step.parentId, task.run.id, say("the reply's parentId is the run step id"));
  checkEqual(reply.step.streaming, false, say("the finished reply has streaming: false"));
  ok(say(`update_message closes the run step with end and input ${short(text)}, then task_end`));
  checkThread(events, threadId, say(`message ${short(text)}`));
  ok(say(`all StepDicts of ${short(text)} have every field with its type, one thread id`));
  return n;
}

/** /tool: a "search" tool step with a nested "summarize" llm step, then "done". */
async function toolTurn(client, say, threadId) {
  const { payload, events } = await send(client, "/tool");
  const task = analyseRunTask(events, {
    what: say("/tool"),
    runName: "on_message",
    parentId: payload.message.id,
    input: "/tool",
    first: false,
  });
  const search = task.transcript.named("search");
  const summarize = task.transcript.named("summarize");
  check(search?.step.type === "tool", say('/tool shows a step "search" of type tool'), short(search?.step));
  check(summarize?.step.type === "llm", say('/tool shows a step "summarize" of type llm'), short(summarize?.step));
  checkEqual(search.step.parentId, task.run.id, say('"search" is nested under the on_message run step'));
  checkEqual(summarize.step.parentId, search.step.id, say('"summarize" is nested under "search" (parentId = search id)'));
  check(
    typeof search.step.input === "string" && search.step.output === "3 results",
    say(`"search" has input ${short(search.step.input)} and output "3 results"`),
    `input ${short(search.step.input)}, output ${short(search.step.output)}`,
  );
  check(
    typeof summarize.step.input === "string" && summarize.step.output.length > 0,
    say(`"summarize" has input ${short(summarize.step.input, 40)} and output ${short(summarize.step.output, 40)}`),
    short(summarize.step),
  );
  check(isIsoZ(search.step.end) && isIsoZ(summarize.step.end), say("both steps end (end set)"), `${short(search.step.end)} ${short(summarize.step.end)}`);
  const done = task.transcript.messages().find((m) => m.text === "done");
  check(done?.step.parentId === task.run.id, say('then the reply "done", child of the run step'), short(task.transcript.messages().map((m) => m.text)));
  checkThread(events, threadId, say("/tool"));
}

/** /ask: a text ask with an ack; the answer "Ada" gets "Nice to meet you, Ada". */
async function askTurn(client, say, threadId) {
  const payload = userMessage("/ask");
  const from = client.log.length;
  client.emit("client_message", payload);
  const ask = await client.log.waitFor(ev("ask"), { from, what: "the ask of /ask" });
  check(typeof ask.ack === "function", say("ask arrives with an ack id"));
  const { msg, spec } = ask.args[0] ?? {};
  checkStep(msg, say("ask msg"));
  checkEqual(msg.output, "What is your name?", say("the ask says \"What is your name?\""));
  checkEqual(msg.waitForAnswer, true, say("ask msg.waitForAnswer is true"));
  checkEqual(spec?.type, "text", say("ask spec.type is text"));
  check(typeof spec?.timeout === "number" && spec.timeout > 0, say(`ask spec.timeout is a number (${spec?.timeout})`), short(spec));
  checkEqual(spec?.step_id, msg.id, say("ask spec.step_id is msg.id"));
  const answer = {
    id: randomUUID(),
    output: "Ada",
    createdAt: new Date().toISOString(),
    type: "user_message",
    name: "User",
    threadId,
    metadata: {},
  };
  client.log.out("ack of ask", [answer]);
  ask.ack(answer);
  const events = await awaitTask(client.log, from, "the reply to the ask");
  const task = analyseRunTask(events, {
    what: say("/ask"),
    runName: "on_message",
    parentId: payload.message.id,
    input: "/ask",
    first: false,
    allowed: new Set([...MESSAGE_EVENTS, "ask", "clear_ask"]),
  });
  const nice = task.transcript.messages().find((m) => m.text === "Nice to meet you, Ada");
  check(nice, say('the answer gets "Nice to meet you, Ada"'), short(task.transcript.messages().map((m) => m.text)));
  checkEqual(nice.step.parentId, task.run.id, say("that reply is a child of the run step"));
  checkThread(events, threadId, say("/ask"));
}

/** /choose: the buttons arrive as `action` events for the ask's message, a click answers the ack. */
async function chooseTurn(client, say) {
  const payload = userMessage("/choose");
  const from = client.log.length;
  client.emit("client_message", payload);
  const ask = await client.log.waitFor(ev("ask"), { from, what: "the ask of /choose" });
  const { msg, spec } = ask.args[0] ?? {};
  checkEqual(spec?.type, "action", say("/choose asks with spec.type action"));
  const actions = client.log.since(from).filter((e) => e.event === "action").map((e) => e.args[0]);
  checkEqual(actions.map((a) => a.name).join(","), "red,blue", say("the red and blue buttons arrive before the ask"));
  check(actions.every((a) => a.forId === msg.id && isUuid(a.id)), say("each button is for the ask's message"), short(actions));
  checkEqual(JSON.stringify(spec.keys), JSON.stringify(actions.map((a) => a.id)), say("spec.keys lists the buttons' ids"));
  const blue = actions.find((a) => a.name === "blue");
  client.log.out("ack of ask", [blue]);
  ask.ack(blue);
  const events = await awaitTask(client.log, from, "the reply to /choose");
  const texts = new Transcript(events).messages().map((m) => m.text);
  check(texts.includes("You chose blue"), say('clicking blue answers "You chose blue"'), short(texts));
  const removed = events.filter((e) => e.event === "remove_action").map((e) => e.args[0]?.id);
  check(actions.every((a) => removed.includes(a.id)), say("both buttons are removed once answered"), short(removed));
}

/** /action: a button whose click goes through POST /project/action and runs its callback. */
async function actionTurn(client, say, sessionId, cookie) {
  const from = client.log.length;
  client.emit("client_message", userMessage("/action"));
  const events = await awaitTask(client.log, from, "the reply to /action");
  const wave = events.find((e) => e.event === "action")?.args[0];
  check(wave?.name === "wave", say('/action shows a "wave" button'), short(names(events)));
  const at = client.log.length;
  const clicked = await http(base, null, "POST", "/project/action", { json: { sessionId, action: wave }, headers: { cookie } });
  check(clicked.status === 200 && clicked.data?.success === true, say("POST /project/action answers {success: true}"), `${clicked.status} ${short(clicked.text)}`);
  const reply = await client.log.waitFor(
    (e) => e.event === "new_message" && e.args[0]?.output === "👋",
    { from: at, what: "the wave callback's message" },
  );
  ok(say(`the callback's "👋" reaches the tab (${reply.event})`));
  const unknown = await http(base, null, "POST", "/project/action", { json: { sessionId, action: { ...wave, name: "nope" } }, headers: { cookie } });
  check(unknown.status === 400 && /action_callback/.test(unknown.data?.error ?? ""), say("an action without a callback is 400 naming #[action_callback]"), `${unknown.status} ${short(unknown.text)}`);
}

/**
 * chat_settings_change: values that fit hello's `Tuning` are stored and run on_settings_update
 * (a toast), and the echo uses them; values that do not fit are refused with an error event
 * and change nothing. window_message runs on_window_message. Messages carry the composer's
 * command and modes. Returns the messages it sent.
 */
async function settingsAndWindow(client, say) {
  for (const [extra, expected] of [[{ command: "reverse" }, "drawkcaB sdroW"], [{ modes: { case: "lower" } }, "words backward"]]) {
    const sent = userMessage("Words Backward");
    Object.assign(sent.message, extra);
    const at = client.log.length;
    client.emit("client_message", sent);
    const turn = await awaitTask(client.log, at, `the reply to a message with ${JSON.stringify(extra)}`);
    const replies = analyseRunTask(turn, { what: say(`a message with ${JSON.stringify(extra)}`), runName: "on_message", parentId: sent.message.id, first: false }).transcript.messages().map((m) => m.text);
    check(replies.some((t) => t.endsWith(`: ${expected}`)), say(`message.${Object.keys(extra)[0]} reaches on_message (${JSON.stringify(extra)} → "${expected}")`), short(replies));
  }
  let from = client.log.length;
  client.emit("chat_settings_change", { temperature: 1.2, shout: true, voice: "pirate" });
  const toast = await client.log.waitFor(ev("toast"), { from, what: "the settings toast" });
  checkEqual(toast.args[0]?.message, "Settings saved: temperature 1.2, voice Pirate", say("chat_settings_change runs on_settings_update with the typed values (toast)"));
  checkEqual(toast.args[0]?.type, "info", say("the toast has a type"));
  for (const [bad, field] of [[{ temperature: 5 }, "temperature"], [{ voice: "ninja" }, "voice"], [{ shout: "yes" }, "shout"], [{ colour: "red" }, "colour"]]) {
    from = client.log.length;
    client.emit("chat_settings_change", bad);
    const refused = await client.log.waitFor(ev("error"), { from, what: `the refusal of ${JSON.stringify(bad)}` });
    check(
      refused.args[0]?.event === "chat_settings_change" && refused.args[0]?.message?.includes(`\`${field}\``),
      say(`chat_settings_change ${JSON.stringify(bad)} is refused with an error naming \`${field}\``),
      short(refused.args[0]),
    );
    const toasts = client.log.since(from).filter((e) => e.event === "toast");
    check(toasts.length === 0, say(`on_settings_update does not run for ${JSON.stringify(bad)}`), short(toasts));
  }
  const { payload, events } = await send(client, "quiet words");
  const task = analyseRunTask(events, { what: say("the shouted echo"), runName: "on_message", parentId: payload.message.id, input: "quiet words", first: false });
  const texts = task.transcript.messages().map((m) => m.text);
  check(texts.some((t) => /^echo #\d+: QUIET WORDS, arr!$/.test(t)), say("the echo uses the kept settings (shout on, pirate voice; the refused ones changed nothing)"), short(texts));
  from = client.log.length;
  client.emit("chat_settings_change", { temperature: 0.7, shout: false, voice: "plain" });
  const back = await client.log.waitFor(ev("toast"), { from, what: "the settings toast (back to the defaults)" });
  checkEqual(back.args[0]?.message, "Settings saved: temperature 0.7, voice Plain", say("the settings go back to their defaults"));
  from = client.log.length;
  client.emit("window_message", { page: 2 });
  const echo = await client.log.waitFor(ev("window_message"), { from, what: "the window_message echo" });
  checkEqual(JSON.stringify(echo.args[0]), JSON.stringify({ echo: { page: 2 } }), say("window_message runs on_window_message, which answers the window"));
  return 3;
}

/** /long, stopped after its first stream_token. */
async function stopLong(client, say, threadId) {
  const payload = userMessage("/long");
  const from = client.log.length;
  client.emit("client_message", payload);
  const firstToken = await client.log.waitFor(ev("stream_token"), { from, what: "the first stream_token of /long" });
  const longId = firstToken.args[0]?.id;
  ok(say("/long streams (first stream_token)"));
  const stopFrom = client.log.length;
  client.emit("stop");
  const stoppedMsg = await client.log.waitFor(
    (e) => (e.event === "new_message" || e.event === "update_message") && e.args[0]?.output === "Task manually stopped.",
    { from: stopFrom, what: 'the message "Task manually stopped."' },
  );
  const end = await client.log.waitFor(ev("task_end"), { from: stopFrom, what: "task_end after stop" });
  check(stoppedMsg.i < end.i, say('stop → "Task manually stopped." then task_end'), `message at #${stoppedMsg.i}, task_end at #${end.i}`);
  await sleep(500);
  const late = client.log.since(end.i + 1).filter((e) => e.event === "stream_token" && e.args[0]?.id === longId);
  check(late.length === 0, say("no stream_token of the stopped message after task_end (500 ms)"), `${late.length} late tokens`);
  const events = client.log.since(from);
  const long = new Transcript(events).byId.get(longId);
  const words = long?.text.trim().split(/\s+/).length ?? 0;
  check(words < 200, say(`the stream was cut short (${words} of 200 words)`), short(long?.text));
  checkSteps(events, say("/long"));
  checkThread(events, threadId, say("/long"));
}

/** Drops the socket and opens a new one with the same sessionId: the session is restored. */
async function reconnect(client, auth, { label, transports, cookie }, say) {
  const gone = client.log.length;
  client.socket.disconnect();
  await client.log.waitFor(ev("disconnect"), { from: gone, what: "the client-side disconnect" });
  const again = openSocketIo(base, `${label} socket after reconnect`, auth, { transports, cookie });
  await connected(again, say("reconnect"));
  const from = again.log.length;
  again.emit("connection_successful");
  await again.log.waitFor(ev("clear_call_fn"), { from, what: "clear_call_fn after reconnect" });
  await sleep(1_000);
  checkEqual(
    again.log.since(from).map((e) => e.event),
    ["task_end", "clear_ask", "clear_call_fn", "chat_settings", "set_commands", "set_modes"],
    say("reconnect with the same sessionId: only task_end, clear_ask, clear_call_fn, the settings panel and the composer's kept commands and modes (no second on_chat_start within 1 s)"),
  );
  const commands = again.log.since(from).find((e) => e.event === "set_commands")?.args[0];
  checkEqual(commands?.map((c) => c.id), ["reverse"], say("the reconnected tab gets the commands on_chat_start set"));
  const panel = again.log.since(from).find((e) => e.event === "chat_settings")?.args[0];
  checkEqual(panel?.map((w) => w.initial), [0.7, false, "plain"], say("the reconnected tab's panel shows the session's values"));
  return again;
}

/** clear_session ends the session: the server disconnects the socket. */
async function clearSession(client, say) {
  const from = client.log.length;
  client.emit("clear_session");
  const gone = await client.log.waitFor(isGone, { from, what: "the server to disconnect the socket after clear_session" });
  check(gone.args[0] !== "io client disconnect", say(`clear_session: the server disconnects the socket (${gone.args[0]})`), short(gone.args));
}

/** Handshakes the server must refuse with a connect_error. */
async function refusedConnects() {
  const pre = await preflight(base);
  const good = authFor(pre.sessionId);
  const { sessionId: _unused, ...withoutSessionId } = good;
  const cases = [
    { what: "no sessionId", auth: withoutSessionId, mentions: /sessionId/i },
    { what: "sessionId not a UUID", auth: { ...good, sessionId: "not-a-uuid" } },
    { what: "userEnv an object, not a JSON string", auth: { ...good, userEnv: {} } },
    { what: "userEnv a string that is not JSON", auth: { ...good, userEnv: "{not json" } },
  ];
  for (const { what, auth, mentions } of cases) {
    const client = openSocketIo(base, `refused: ${what}`, auth, { transports: ["websocket"], cookie: pre.cookie });
    const e = await client.log.waitFor(
      (x) => x.event === "connect_error" || x.event === "connect",
      { timeout: DEFAULT_WAIT_MS, what: `the answer to a handshake with ${what}` },
    );
    const message = e.args[0];
    check(
      e.event === "connect_error" && typeof message === "string" && message.length > 0 && (!mentions || mentions.test(message)),
      `refused handshake, ${what}: connect_error ${short(message)}`,
      e.event === "connect" ? "the server accepted it" : `message should mention ${mentions}`,
    );
    client.socket.close();
  }
}

/**
 * hello's chat profiles: /project/settings offers Echo (the default) and Quiet with its own
 * starters; the starter categories are Echo's only; a handshake naming Quiet gets a chat without
 * the greeting, where a starter's message is echoed; a name not offered is a connect_error.
 */
async function chatProfiles() {
  const pre = await preflight(base);
  const profiles = pre.settings.chatProfiles;
  checkEqual(
    profiles?.map((p) => [p.name, p.default, (p.starters ?? []).map((s) => [s.label, s.message, s.command ?? null])]),
    [["Echo", true, []], ["Quiet", false, [["Say hello", "hello from a starter", null], ["Echo backwards", "Starters work", "reverse"]]]],
    "/project/settings chatProfiles: Echo (default) and Quiet with its own starters",
  );
  check(typeof profiles[1].markdown_description === "string" && profiles[1].markdown_description.includes("**starter**"), "a profile carries its Markdown description", short(profiles[1]));
  const groups = async (query) => (await http(base, null, "GET", `/project/settings?${query}`, { headers: { cookie: pre.cookie } })).data?.starterCategories;
  checkEqual((await groups("chat_profile=Echo"))?.map((c) => c.label), ["Try the chat API"], "Echo's starter categories");
  checkEqual(await groups("chat_profile=Quiet"), [], "Quiet has no starter categories (its own starters show)");

  const quiet = openSocketIo(base, "Quiet socket", { ...authFor(pre.sessionId), chatProfile: "Quiet" }, { transports: ["websocket"], cookie: pre.cookie });
  await connected(quiet, "the socket with chatProfile Quiet");
  const from = quiet.log.length;
  quiet.emit("connection_successful");
  const start = await readChatStart(quiet.log, from, "the chat start with the Quiet profile");
  checkEqual(start.transcript.messages().map((m) => m.text), [], "the Quiet profile's on_chat_start sends no greeting (ChatProfile reached the hook)");
  const sentFrom = quiet.log.length;
  quiet.emit("client_message", userMessage("hello from a starter"));
  const events = await awaitTask(quiet.log, sentFrom, "the reply to the starter's message");
  const texts = new Transcript(events).messages().map((m) => m.text);
  check(texts.includes("echo #1: hello from a starter"), "the starter's message is echoed in the Quiet chat", short(texts));
  quiet.socket.close();

  const pre2 = await preflight(base);
  const forged = openSocketIo(base, "forged profile", { ...authFor(pre2.sessionId), chatProfile: "Nobody" }, { transports: ["websocket"], cookie: pre2.cookie });
  const e = await forged.log.waitFor((x) => x.event === "connect_error" || x.event === "connect", { timeout: DEFAULT_WAIT_MS, what: "the answer to chatProfile Nobody" });
  check(
    e.event === "connect_error" && /"Nobody"/.test(e.args[0]) && /"Echo", "Quiet"/.test(e.args[0]),
    `a chatProfile the app does not offer is refused, naming the ones it does: ${short(e.args[0])}`,
    e.event === "connect" ? "the server accepted it" : "",
  );
  forged.socket.close();
}
