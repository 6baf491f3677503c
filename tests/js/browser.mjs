// browser.mjs: proves that the page a chainrs app serves works for a person in a real browser
// (Debian's Chromium driven by playwright-core): logging in through the form (a wrong password shows
// an error), the greeting, a streamed echo, stopping a long stream (busy indicator, "Task manually
// stopped.", no more text), a reload that keeps the same session (same sessionId, no second
// greeting, earlier messages shown, the turn count goes on), a tool step block, elements (an
// inline image, a side text opened in the panel), a file attached with the attach button and
// read by the app, a file ask answered by an upload, the composer's command and mode, the chat
// settings panel, the chat profile picker and a profile's starters. It saves
// screenshots to $ARTIFACT_DIR and fails on any console error of the page.
//
// Run: CHAINRS_URL=http://127.0.0.1:8000 node browser.mjs   (CHROMIUM overrides /usr/bin/chromium;
// exit 0 only when every check passed)

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import {
  DEFAULT_WAIT_MS, baseUrl, check, checkEqual, echoNumber, fail, isUuid, ok, onCleanup, runMain,
  short, sleep, waitForConnected, withTimeout, sendFromComposer as send,
} from "./lib.mjs";

const base = baseUrl();
const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(process.env.ARTIFACT_DIR || join(here, "../../target/test-artifacts"));

const CHROMIUM_ARGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

await runMain("chainrs page (Chromium)", 120_000, async () => {
  mkdirSync(artifacts, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "chainrs-browser-"));
  onCleanup(() => rmSync(profile, { recursive: true, force: true }));
  const context = await withTimeout(
    chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 800 },
      timeout: 30_000,
    }),
    40_000,
    "Chromium to start",
  );
  onCleanup(() => context.close()); // also on the global timeout
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(DEFAULT_WAIT_MS);
    const consoleErrors = watchConsole(page);
    try {
      await flow(page);
    } catch (err) {
      await diagnose(page, consoleErrors);
      throw err;
    }
    check(consoleErrors.length === 0, "no console errors on the page", consoleErrors.join(" | "));
  } finally {
    await context.close();
  }
});

/** The whole visit, step by step. */
async function flow(page) {
  // Every socket the page opens goes through this route, so the test can cut it like a network drop.
  const sockets = [];
  await page.routeWebSocket(/\/ws\/socket\.io\//, (ws) => {
    ws.connectToServer();
    sockets.push(ws);
  });
  await page.goto(`${base.href}/`);
  await login(page);
  await waitForConnected(page, "after login");
  await waitForMessage(page, 'the greeting "Hello admin"', (m) => m.text === "Hello admin");
  ok('"Hello admin" is shown after login');

  await send(page, "hello browser");
  await waitForMessage(page, 'the user message "hello browser"', (m) => m.text === "hello browser" && m.type === "user_message");
  ok('the sent "hello browser" is shown as a user message');
  const first = await waitForMessage(
    page,
    '"echo #1: hello browser", finished',
    (m) => m.text === "echo #1: hello browser" && m.streaming === "false",
  );
  checkEqual(first.type, "assistant_message", "the echo is shown as an assistant message");
  await page.screenshot({ path: join(artifacts, "chat.png"), fullPage: false, animations: "disabled" });
  ok(`screenshot ${join(artifacts, "chat.png")}`);

  await stopLong(page);
  await dropAndReconnect(page, sockets);

  const sessionId = await page.evaluate(() => window.chainrs?.sessionId?.());
  check(isUuid(sessionId), `window.chainrs.sessionId() is a UUID (${sessionId})`, short(sessionId));
  await page.reload();
  await afterReload(page, sessionId);

  await toolStep(page);
  await interactions(page);
  await elementsAndFiles(page);
  await page.screenshot({ path: join(artifacts, "after-reload.png"), fullPage: false, animations: "disabled" });
  ok(`screenshot ${join(artifacts, "after-reload.png")}`);
  await composerTools(page);
  await profilesAndStarters(page);
  await newChatAndSignOut(page);
}

/** The login form: a wrong password shows login-error, admin/admin gets in. */
async function login(page) {
  const form = page.getByTestId("login-form");
  await form.waitFor({ state: "visible" });
  ok("the login form is shown");
  await page.getByTestId("login-username").fill("admin");
  await page.getByTestId("login-password").fill("wrong");
  await page.getByTestId("login-submit").click();
  await page.getByTestId("login-error").waitFor({ state: "visible" });
  ok(`a wrong password shows login-error (${short(await page.getByTestId("login-error").textContent())})`);
  await page.getByTestId("login-password").fill("admin");
  await page.getByTestId("login-submit").click();
  await form.waitFor({ state: "hidden" });
  ok("admin/admin logs in (the form goes away)");
}

/** Every message the page shows, as its test hooks describe it. */
function readMessages(page) {
  return page.getByTestId("message").evaluateAll((elements) =>
    elements.map((el) => ({
      id: el.dataset.id,
      author: el.dataset.author,
      type: el.dataset.type,
      streaming: el.dataset.streaming,
      error: el.dataset.error,
      text: (el.querySelector('[data-testid="message-content"]')?.textContent ?? "").trim(),
    })),
  );
}

/**
 * Polls the page's messages (every 100 ms, at most `timeout`) until one satisfies `predicate`;
 * returns it. On time-out, fails with what the page shows.
 */
async function waitForMessage(page, what, predicate, timeout = DEFAULT_WAIT_MS) {
  const deadline = Date.now() + timeout;
  let shown = [];
  while (Date.now() < deadline) {
    shown = await readMessages(page);
    const found = shown.find(predicate);
    if (found) return found;
    await sleep(100);
  }
  fail(`timed out after ${timeout} ms waiting for ${what}; the page shows ${short(shown, 1500)}`);
}

/** /long streams; stop ends it: busy goes away, "Task manually stopped." shows, the text freezes. */
async function stopLong(page) {
  const before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "/long");
  const long = await waitForMessage(
    page,
    "the /long reply to be streaming with some text",
    (m) => !before.has(m.id) && m.type !== "user_message" && m.streaming === "true" && m.text.length > 0,
  );
  ok(`/long streams (data-streaming=true, ${short(long.text, 40)})`);
  await page.getByTestId("busy").waitFor({ state: "visible" });
  ok("busy is shown while the handler runs");
  await page.getByTestId("stop").click();
  await page.getByTestId("busy").waitFor({ state: "hidden" });
  ok("stop: busy goes away");
  await waitForMessage(page, '"Task manually stopped."', (m) => m.text === "Task manually stopped.");
  ok('stop: "Task manually stopped." is shown');
  const textOf = async () => (await readMessages(page)).find((m) => m.id === long.id)?.text;
  const atStop = await textOf();
  await sleep(1_000);
  const later = await textOf();
  check(atStop === later, "stop: the streamed text stops growing (same after 1 s)", `${short(atStop, 80)} → ${short(later, 80)}`);
  const words = (later ?? "").split(/\s+/).filter(Boolean).length;
  check(words < 200, `stop: the stream was cut short (${words} of 200 words)`);
}

/** The socket drops: the page says so, reconnects by itself, and the session goes on. */
async function dropAndReconnect(page, sockets) {
  const greetings = async () => (await readMessages(page)).filter((m) => m.text === "Hello admin").length;
  const before = sockets.length;
  await sockets[sockets.length - 1].close({ code: 4000, reason: "network drop (test)" });
  await page.waitForFunction(
    () => document.querySelector('[data-testid="status"]')?.dataset.state !== "connected",
    null,
    { timeout: DEFAULT_WAIT_MS, polling: 20 },
  );
  ok("after a drop the status leaves connected");
  await waitForConnected(page, "again after the drop");
  check(sockets.length > before, "the page opened a new socket by itself");
  await send(page, "after drop");
  await waitForMessage(page, '"echo #3: after drop"', (m) => m.text === "echo #3: after drop" && m.streaming === "false");
  ok('after the drop the session goes on ("echo #3: after drop")');
  checkEqual(await greetings(), 1, 'after the drop no second "Hello admin"');
}

/** After a reload: same session, no second greeting, history shown, the turn count goes on. */
async function afterReload(page, sessionId) {
  await waitForConnected(page, "after reload");
  check(!(await page.getByTestId("login-form").isVisible()), "after reload no login is asked again");
  const again = await page.evaluate(() => window.chainrs?.sessionId?.());
  checkEqual(again, sessionId, "after reload window.chainrs.sessionId() is the same");
  await waitForMessage(page, "the earlier echo after reload", (m) => m.text === "echo #1: hello browser");
  ok("after reload the earlier messages are shown");

  await send(page, "after reload");
  // hello counts every message, /long and the message after the drop included: "after reload" is turn 4.
  const reply = await waitForMessage(
    page,
    '"echo #4: after reload", finished',
    (m) => echoNumber(m.text, "after reload") !== null && m.streaming === "false",
  );
  const n = echoNumber(reply.text, "after reload");
  check(n === 4, `after reload "echo #${n}: after reload" (the session's count went on)`, reply.text);
  const greetings = (await readMessages(page)).filter((m) => m.text === "Hello admin");
  checkEqual(greetings.length, 1, 'after reload no second "Hello admin" was added');
}

/** /tool shows a collapsed step block "search" (with "summarize" nested in it), then "done". */
async function toolStep(page) {
  const before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "/tool");
  await page.locator('[data-testid="step"][data-name="search"]').first().waitFor({ state: "visible" });
  ok('/tool shows a step block named "search"');
  await page
    .locator('[data-testid="step"][data-name="search"] [data-testid="step"][data-name="summarize"]')
    .first()
    .waitFor({ state: "attached" });
  ok('the "summarize" step is nested inside the "search" block');
  await waitForMessage(page, 'the reply "done"', (m) => !before.has(m.id) && m.text === "done" && m.streaming !== "true");
  ok('/tool then replies "done"');
}

/** Asks (text and buttons), an action callback, a toast and an error, as a user meets them. */
async function interactions(page) {
  let before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "/ask");
  await waitForMessage(page, 'the question "What is your name?"', (m) => !before.has(m.id) && m.text === "What is your name?");
  ok("/ask shows the question");
  await send(page, "Ada");
  await waitForMessage(page, '"Nice to meet you, Ada"', (m) => m.text === "Nice to meet you, Ada");
  ok("typing the answer answers the ask");

  before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "/choose");
  const blue = page.locator('[data-testid="action"][data-name="blue"]').first();
  await blue.waitFor({ state: "visible" });
  ok("/choose shows the colour buttons");
  await blue.click();
  await waitForMessage(page, '"You chose blue"', (m) => !before.has(m.id) && m.text === "You chose blue");
  ok('clicking "Blue" answers the ask');
  await page.locator('[data-testid="action"][data-name="blue"]').waitFor({ state: "detached" });
  ok("the buttons go away once answered");

  before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "/action");
  const wave = page.locator('[data-testid="action"][data-name="wave"]').first();
  await wave.waitFor({ state: "visible" });
  await wave.click();
  await waitForMessage(page, 'the wave callback\'s "👋"', (m) => !before.has(m.id) && m.text === "👋");
  ok('an action button runs its callback ("👋")');

  await send(page, "/toast");
  const toast = page.getByTestId("toast").filter({ hasText: "Saved" }).first();
  await toast.waitFor({ state: "visible" });
  ok('/toast shows a "Saved" toast');

  before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "/error");
  const error = await waitForMessage(page, "the handler's error", (m) => !before.has(m.id) && m.text.includes("something broke"));
  checkEqual(error.error, "true", "a failing handler shows its error, marked as an error");
  await page.getByTestId("busy").waitFor({ state: "detached" });
  ok("the busy state ends after the error");
}

/** Elements the app sends, a file attached in the composer, and a file ask answered by an upload. */
async function elementsAndFiles(page) {
  let before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "/image");
  const chart = await waitForMessage(page, "the /image message", (m) => !before.has(m.id) && m.text.startsWith("Here is the chart"));
  const image = page.locator(`[data-testid="message"][data-id="${chart.id}"] [data-testid="element"][data-kind="image"] img`);
  await image.waitFor({ state: "visible" });
  const width = await image.evaluate(async (img) => {
    if (!img.complete) await new Promise((done) => img.addEventListener("load", done, { once: true }));
    return img.naturalWidth;
  });
  check(width > 0, `/image: the inline image loads from /project/file (${width} px wide)`);
  await page.locator('[data-testid="element-link"][data-name="chart-data"]').click();
  const side = page.getByTestId("side");
  await side.getByText("40, 75, 55, 90").waitFor({ state: "visible" });
  ok("the side element opens in the panel with its text");
  await page.screenshot({ path: join(artifacts, "elements.png"), animations: "disabled" });
  await page.locator("#side-close").click();

  const attach = page.getByTestId("attach");
  await attach.waitFor({ state: "visible" });
  await page.getByTestId("attach-input").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("first line\nsecond line\n") });
  await page.locator('[data-testid="attachment"][data-state="ready"][data-name="notes.txt"]').waitFor({ state: "visible" });
  ok("the attach button uploads the file (shown ready in the composer)");
  before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "see the attachment");
  await waitForMessage(page, "the app's reading of the attachment", (m) => !before.has(m.id) && m.text === "received notes.txt (text/plain, 23 bytes)");
  ok("the attached file reaches the app, which reads it");
  checkEqual(await page.getByTestId("attachment").count(), 0, "the composer's attachments are cleared once sent");

  before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "/file");
  await page.getByTestId("ask-file").waitFor({ state: "visible" });
  ok("/file shows an upload button under the question");
  await page.getByTestId("ask-file-input").setInputFiles({ name: "answer.txt", mimeType: "text/plain", buffer: Buffer.from("forty-two\n") });
  await waitForMessage(page, "the reply to the file ask", (m) => !before.has(m.id) && m.text === "answer.txt has 1 lines; the first: forty-two");
  ok("the file ask is answered by the upload");
  await page.getByTestId("ask-file").waitFor({ state: "detached" });

  before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "/tasks");
  await waitForMessage(page, '"All tasks done."', (m) => !before.has(m.id) && m.text === "All tasks done.");
  await page.locator('[data-testid="task"][data-status="done"]').nth(1).waitFor({ state: "visible" });
  const tasks = await page.getByTestId("task").count();
  checkEqual(tasks, 2, "/tasks: the task list is replaced in place (two tasks shown, both done)");
}

/**
 * hello's composer tools on chainrs's page: the "reverse" command (set_commands) and the "case"
 * mode (set_modes) reach on_message; the settings panel (chat_settings) shows the typed
 * settings, a slider moved by the keyboard, a switch and a select, and after confirming, the
 * app's replies use the new values.
 */
async function composerTools(page) {
  const reverse = page.locator("#command-reverse");
  await reverse.waitFor({ state: "visible" });
  await reverse.click();
  checkEqual(await reverse.getAttribute("aria-pressed"), "true", "a click picks the command");
  let before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "Chainrs page");
  await waitForMessage(page, "the reversed echo", (m) => !before.has(m.id) && /^echo #\d+: egap srniahC$/.test(m.text) && m.streaming === "false");
  ok("a command picked in the composer reaches on_message as msg.command");
  checkEqual(await reverse.getAttribute("aria-pressed"), "false", "a command that is not persistent is for one message");
  await page.locator("#mode-case").selectOption("lower");
  before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "Mixed Case");
  await waitForMessage(page, "the lower-case echo", (m) => !before.has(m.id) && /^echo #\d+: mixed case$/.test(m.text) && m.streaming === "false");
  ok("a mode picked in the composer reaches on_message as msg.modes");
  await page.locator("#mode-case").selectOption("as-is");

  await page.getByTestId("settings-open").click();
  const dialog = page.getByTestId("settings-dialog");
  await dialog.waitFor({ state: "visible" });
  const slider = dialog.locator("#setting-temperature");
  checkEqual(await slider.inputValue(), "0.7", "the slider starts at the struct's default");
  checkEqual([await slider.getAttribute("min"), await slider.getAttribute("max"), await slider.getAttribute("step")], ["0", "2", "0.1"], "the slider has the attribute's range and step");
  await slider.focus();
  await slider.press("ArrowRight");
  await slider.press("ArrowRight");
  checkEqual(await slider.inputValue(), "0.9", "two steps of 0.1 make 0.9");
  await dialog.locator("#setting-shout").check();
  await dialog.locator("#setting-voice").selectOption("pirate");
  await page.screenshot({ path: join(artifacts, "settings.png"), animations: "disabled" });
  await page.getByTestId("settings-save").click();
  await dialog.waitFor({ state: "hidden" });
  await page.getByTestId("toast").filter({ hasText: "Settings saved: temperature 0.9, voice Pirate" }).first().waitFor({ state: "visible" });
  ok("confirming the panel runs on_settings_update with the typed values (its toast)");
  before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "/settings");
  await waitForMessage(page, "the settings as the app reads them", (m) => !before.has(m.id) && m.text.includes("temperature 0.9, shout true, voice Pirate"));
  before = new Set((await readMessages(page)).map((m) => m.id));
  await send(page, "quiet");
  await waitForMessage(page, "the echo shaped by the settings", (m) => !before.has(m.id) && /^echo #\d+: QUIET, arr!$/.test(m.text) && m.streaming === "false");
  ok("the settings panel changes the typed settings the app uses: slider, switch and select");
  await page.getByTestId("settings-open").click();
  checkEqual(await dialog.locator("#setting-temperature").inputValue(), "0.9", "the panel shows the kept values when opened again");
  await page.getByTestId("settings-cancel").click();
}

/**
 * hello's two chat profiles: the picker shows Echo (the default, which greets); picking Quiet
 * after the first interaction asks first, then starts a new chat without the greeting, showing
 * Quiet's description and its own starters; a starter sends its message with its command.
 * Picking Echo again brings the greeting back.
 */
async function profilesAndStarters(page) {
  const picker = page.getByTestId("profile");
  await picker.waitFor({ state: "visible" });
  checkEqual(await picker.inputValue(), "Echo", "the profile picker shows the default profile");
  const before = await page.evaluate(() => window.chainrs?.sessionId?.());
  page.once("dialog", (d) => d.accept());
  await picker.selectOption("Quiet");
  await page.locator("#starter-echo-backwards").waitFor({ state: "visible" });
  await waitForConnected(page, "after picking Quiet");
  const after = await page.evaluate(() => window.chainrs?.sessionId?.());
  check(isUuid(after) && after !== before, "picking another profile starts a new chat (a new session)");
  checkEqual(await page.evaluate(() => window.chainrs?.profile?.()), "Quiet", "the new chat runs with Quiet");
  await page.getByTestId("profile-about").filter({ hasText: "without a greeting" }).waitFor({ state: "visible" });
  checkEqual(await page.getByTestId("starter").count(), 2, "the empty chat shows Quiet's two starters (no categories for it)");
  await sleep(500);
  checkEqual((await readMessages(page)).length, 0, "Quiet's on_chat_start sends no greeting");
  await page.screenshot({ path: join(artifacts, "starters.png"), animations: "disabled" });
  await page.locator("#starter-echo-backwards").click();
  await waitForMessage(page, "the starter's message", (m) => m.type === "user_message" && m.text === "Starters work");
  await waitForMessage(page, "the echo of the starter, reversed by its command", (m) => m.text === "echo #1: krow sretratS" && m.streaming === "false");
  ok("a starter sends its message with its command (reversed echo #1)");
  await page.getByTestId("starters").waitFor({ state: "hidden" });

  page.once("dialog", (d) => d.accept());
  await picker.selectOption("Echo");
  await waitForMessage(page, 'the greeting of the Echo profile', (m) => m.text === "Hello admin");
  await waitForConnected(page, "after picking Echo");
  ok("picking Echo again starts a chat that greets");
}

/** "New chat" starts a fresh session without a new sign-in; "Sign out" ends the login. */
async function newChatAndSignOut(page) {
  const before = await page.evaluate(() => window.chainrs?.sessionId?.());
  await page.getByTestId("new-chat").click();
  await waitForConnected(page, "after New chat");
  check(!(await page.getByTestId("login-form").isVisible()), "New chat asks for no new sign-in (the token cookie is the login)");
  const after = await page.evaluate(() => window.chainrs?.sessionId?.());
  check(isUuid(after) && after !== before, "New chat has a new session id");
  await waitForMessage(page, 'a new "Hello admin"', (m) => m.text === "Hello admin");
  const shown = await readMessages(page);
  checkEqual(shown.length, 1, "New chat starts with an empty conversation and a new on_chat_start");
  await send(page, "fresh start");
  await waitForMessage(page, '"echo #1: fresh start"', (m) => m.text === "echo #1: fresh start" && m.streaming === "false");
  ok("the new session counts from 1");
  await page.getByTestId("logout").click();
  await page.getByTestId("login-form").waitFor({ state: "visible" });
  ok("Sign out shows the login form");
}

/** Collects console errors and uncaught exceptions, except the expected ones. */
function watchConsole(page) {
  const errors = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const url = msg.location()?.url ?? "";
    const text = msg.text();
    if (/favicon\.ico$/.test(url) && /404/.test(text)) return;
    // The wrong-password attempt is answered 401 on purpose; Chromium logs that as a failed load.
    if (/\/login$/.test(url) && /401/.test(text)) return;
    // So is the page's "am I logged in?" probe before a login and after signing out.
    if (/\/user$/.test(url) && /401/.test(text)) return;
    errors.push(`${text}${url ? ` (${url})` : ""}`);
  });
  page.on("pageerror", (err) => errors.push(`uncaught: ${err.message}`));
  return errors;
}

/** On failure: a screenshot, what the page shows, and its console errors so far. */
async function diagnose(page, consoleErrors) {
  try {
    const shot = join(artifacts, "failure.png");
    await page.screenshot({ path: shot, fullPage: true, timeout: 5_000 });
    console.log(`# failure screenshot: ${shot}`);
    console.log(`# page URL: ${page.url()}`);
    console.log(`# status: ${await page.getByTestId("status").getAttribute("data-state", { timeout: 1_000 }).catch(() => "(none)")}`);
    for (const m of await readMessages(page)) console.log(`# message ${short(m, 400)}`);
    for (const line of consoleErrors) console.log(`# console error: ${line}`);
  } catch (err) {
    console.log(`# could not read the page after the failure: ${err.message}`);
  }
}
