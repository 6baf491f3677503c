// chainlit-ui.mjs: Chainlit's own built web UI (frontend/dist of the chainlit wheel, served by a
// chainrs app with Frontend::Folder) driven in Debian's Chromium: log in through its form, chat
// and see the reply streamed, a tool step, an action button and its callback, an ask answered,
// the stop button, an inline image element, a file attached in the composer and read back by the
// app, an AskFileMessage answered by an upload, a command and a mode picked in the composer, and
// the typed chat settings changed in its dialog. Screenshots go to $ARTIFACT_DIR.
//
// Run: CHAINRS_URL=http://127.0.0.1:8000 node chainlit-ui.mjs   (against the hello example served
// with CHAINRS_FRONTEND_DIR=<wheel>/chainlit/frontend/dist; exit 0 only when every check passed)

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { DEFAULT_WAIT_MS, baseUrl, check, fail, launchChromium, ok, onCleanup, runMain, short, sleep } from "./lib.mjs";

const base = baseUrl();
const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(process.env.ARTIFACT_DIR || join(here, "../../target/test-artifacts"));

/** Console errors that are the sandbox's, not the app's: no internet for web fonts and KaTeX. */
const OFFLINE = /ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|fonts\.googleapis|katex/;

await runMain("Chainlit's UI on chainrs (Chromium)", 150_000, async () => {
  mkdirSync(artifacts, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), "chainrs-chainlit-ui-"));
  onCleanup(() => rmSync(scratch, { recursive: true, force: true }));
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 850 } });
    page.setDefaultTimeout(DEFAULT_WAIT_MS);
    const errors = [];
    page.on("pageerror", (err) => errors.push(`page error: ${err.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" && !OFFLINE.test(m.text())) errors.push(m.text());
    });
    const frames = [];
    page.on("websocket", (ws) => ws.on("framereceived", (f) => frames.push(String(f.payload))));
    try {
      await flow(page, frames, scratch);
    } catch (err) {
      await shot(page, "chainlit-ui-failure");
      console.log(`# the last frames the page received:\n# ${frames.slice(-12).map((f) => short(f, 240)).join("\n# ")}`);
      throw err;
    }
    // Before login the UI asks /user and gets 401 by design (as on Chainlit); nothing else may fail.
    const unexpected = errors.filter((e) => !/401 \(Unauthorized\)|Unauthorized/.test(e));
    check(unexpected.length === 0, "no console errors in Chainlit's UI", unexpected.join(" | "));
  } finally {
    await browser.close();
  }
});

async function shot(page, name) {
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, animations: "disabled" }).catch(() => {});
  return path;
}

/** Waits until the page shows `text` (exactly, in one element). */
async function shows(page, text, what = `"${text}"`, timeout = DEFAULT_WAIT_MS) {
  try {
    await page.getByText(text, { exact: true }).first().waitFor({ state: "visible", timeout });
  } catch {
    const body = await page.locator("body").innerText().catch(() => "");
    fail(`the UI should show ${what}; it shows ${short(body.replace(/\s+/g, " "), 1500)}`);
  }
}

async function send(page, text) {
  const input = page.locator("#chat-input");
  await input.fill(text);
  await input.press("Enter");
}

async function flow(page, frames, scratch) {
  await page.goto(`${base.href}/`);
  await page.locator("#email").waitFor({ state: "visible" });
  ok("Chainlit's login page is shown");
  await page.fill("#email", "admin");
  await page.fill("#password", "wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#email").waitFor({ state: "visible" });
  await page.fill("#password", "admin");
  await page.getByRole("button", { name: "Sign in" }).click();
  await shows(page, "Hello admin", "the greeting after logging in through the form");
  ok("logged in through Chainlit's form (a wrong password first): \"Hello admin\"");
  await shot(page, "chainlit-ui-greeting");

  const streamedBefore = frames.filter((f) => f.includes('"stream_token"')).length;
  await send(page, "hello chainlit");
  await shows(page, "echo #1: hello chainlit", "the streamed echo");
  const streamed = frames.filter((f) => f.includes('"stream_token"')).length - streamedBefore;
  check(streamed > 0 && frames.some((f) => f.includes('"stream_start"')), `the echo arrived streamed (${streamed} tokens)`);

  await send(page, "/tool");
  await shows(page, "done", "the reply after the tool step");
  await page.getByText(/search/).first().waitFor({ state: "visible" });
  ok("/tool: the tool step \"search\" is shown, then \"done\"");
  await shot(page, "chainlit-ui-step");

  await send(page, "/action");
  await shows(page, "Press the button");
  await page.getByRole("button", { name: "Wave" }).click();
  await shows(page, "👋", "the action callback's reply");
  ok("/action: the Wave button runs its callback (👋)");

  await send(page, "/ask");
  await shows(page, "What is your name?");
  await send(page, "Ada");
  await shows(page, "Nice to meet you, Ada", "the reply to the answered ask");
  ok("/ask: the question is answered in the composer");

  await send(page, "/long");
  await page.getByText(/word1 word2/).first().waitFor({ state: "visible" });
  const stop = page.locator("#stop-button");
  await stop.waitFor({ state: "visible" });
  await stop.click();
  await shows(page, "Task manually stopped.");
  const streamedText = async () => page.getByText(/word1 word2/).first().innerText();
  const atStop = await streamedText();
  await sleep(1_000);
  check(atStop === (await streamedText()), "/long: the stop button ends the stream (the text stops growing)");
  await shot(page, "chainlit-ui-stopped");

  await send(page, "/image");
  await shows(page, "Here is the chart; its numbers are in chart-data.", "the message of the image");
  const image = page.locator('img[src*="/project/file/"]').first();
  await image.waitFor({ state: "visible" });
  const width = await image.evaluate(async (img) => {
    if (!img.complete) await new Promise((done) => img.addEventListener("load", done, { once: true }));
    return img.naturalWidth;
  });
  check(width > 0, `/image: the inline image loads from /project/file (${width} px wide)`);
  await page.locator("#side-view-content").getByText("40, 75, 55, 90").waitFor({ state: "visible" });
  ok("/image: the side element opens in Chainlit's side view with its text");
  await shot(page, "chainlit-ui-image");
  await page.locator("#side-view-title button").click(); // the task list shows where the side view was
  await page.locator("#side-view-content").waitFor({ state: "detached" });

  const notes = join(scratch, "notes.txt");
  writeFileSync(notes, "first line\nsecond line\n");
  await page.locator("#upload-button-input").setInputFiles(notes);
  await page.locator("#attachments").getByText("notes.txt").waitFor({ state: "visible" });
  await sleep(300); // the upload's progress ends before the message may go
  await send(page, "see the attachment");
  await shows(page, "received notes.txt (text/plain, 23 bytes)", "the app's reading of the attached file");
  ok("a file attached in the composer is uploaded and read back by the app");
  await shot(page, "chainlit-ui-attachment");

  await send(page, "/file");
  await shows(page, "Upload a text file");
  await page.locator("#ask-button-input").setInputFiles(notes);
  await shows(page, "notes.txt has 2 lines; the first: first line", "the reply to the AskFileMessage");
  ok("/file: the AskFileMessage is answered by an upload");
  await shot(page, "chainlit-ui-ask-file");

  await send(page, "/tasks");
  await shows(page, "All tasks done.");
  const panel = page.locator("aside.tasklist");
  await panel.getByText("Write the answer").waitFor({ state: "visible" });
  await panel.getByText("Done", { exact: true }).waitFor({ state: "visible" });
  ok("/tasks: Chainlit's task list panel shows the tasks and the list's last status");
  await shot(page, "chainlit-ui-tasks");

  await composer(page);
  await settings(page);
  await profilesAndStarters(page);
}

/** Waits until the page shows a message matching `pattern`. */
async function showsMatch(page, pattern, what) {
  try {
    await page.getByText(pattern).first().waitFor({ state: "visible" });
  } catch {
    const body = await page.locator("body").innerText().catch(() => "");
    fail(`the UI should show ${what}; it shows ${short(body.replace(/\s+/g, " "), 1500)}`);
  }
}

/**
 * hello's composer: the "reverse" command (set_commands, a button) and the "case" mode picker
 * (set_modes) are shown by Chainlit's UI, and what the user picks reaches on_message.
 */
async function composer(page) {
  const reverse = page.locator("#command-reverse");
  await reverse.waitFor({ state: "visible" });
  ok("the command button from set_commands is shown in the composer");
  await reverse.click();
  await send(page, "Chainlit UI");
  await showsMatch(page, /^echo #\d+: IU tilniahC$/, "the echo reversed by the picked command (message.command)");
  ok("a command picked in Chainlit's composer reaches on_message as msg.command");
  await page.locator("#mode-picker-trigger-case").click();
  await page.locator("#mode-picker-popover-case").getByText("Lower case", { exact: true }).click();
  await send(page, "Mixed Case");
  await showsMatch(page, /^echo #\d+: mixed case$/, "the echo in lower case (message.modes)");
  ok("a mode option picked in Chainlit's composer reaches on_message as msg.modes");
  await shot(page, "chainlit-ui-composer");
}

/**
 * hello's typed settings (`Tuning`) in Chainlit's settings dialog: the composer shows the
 * settings button once the panel arrived; the slider moves by its step, the switch and the
 * select change, and after confirming, the app's replies use the typed values.
 */
async function settings(page) {
  const open = page.locator("#chat-settings-open-modal");
  await open.waitFor({ state: "visible" });
  ok("the settings button is shown (chainrs sent the chat_settings panel)");
  await open.click();
  const dialog = page.locator("#chat-settings");
  await dialog.waitFor({ state: "visible" });
  const thumb = dialog.locator('[role="slider"]');
  check(await thumb.getAttribute("aria-valuenow") === "0.7", "the slider starts at the struct's default, 0.7", await thumb.getAttribute("aria-valuenow"));
  check(await thumb.getAttribute("aria-valuemax") === "2", "the slider's range is the attribute's (max 2)", await thumb.getAttribute("aria-valuemax"));
  await thumb.focus();
  await thumb.press("ArrowRight");
  await thumb.press("ArrowRight");
  check(await thumb.getAttribute("aria-valuenow") === "0.9", "two steps of 0.1 make 0.9", await thumb.getAttribute("aria-valuenow"));
  await dialog.locator("button#shout").click();
  await dialog.locator("button#voice").click();
  await page.getByRole("option", { name: "Pirate" }).click();
  await shot(page, "chainlit-ui-settings");
  await dialog.locator("#confirm").click();
  await shows(page, "Settings saved: temperature 0.9, voice Pirate", "the toast of on_settings_update with the typed values");
  await send(page, "/settings");
  await shows(page, "temperature 0.9, shout true, voice Pirate", "the settings as the app reads them (Settings<Tuning>)");
  await send(page, "quiet");
  const echo = page.getByText(/^echo #\d+: QUIET, arr!$/).first();
  try {
    await echo.waitFor({ state: "visible" });
  } catch {
    fail("the echo should use the settings (shouted, with the pirate's arr)");
  }
  ok("Chainlit's settings dialog changes the typed settings: slider, switch and select");
  await shot(page, "chainlit-ui-settings-used");
}

/**
 * hello's chat profiles in Chainlit's header: picking Quiet after the first interaction asks
 * first (Chainlit's new-chat dialog), then a new chat starts without the greeting and shows
 * Quiet's own starters; a starter sends its message with its command.
 */
async function profilesAndStarters(page) {
  const picker = page.locator("#chat-profiles");
  await picker.waitFor({ state: "visible" });
  ok("Chainlit's header shows the chat profile picker (chainrs served chatProfiles)");
  await picker.click();
  await page.locator('[data-test="select-item:Quiet"]').click();
  await page.locator("#new-chat-dialog #confirm").click();
  const starter = page.locator("#starter-echo-backwards");
  await starter.waitFor({ state: "visible" });
  await page.locator("#starter-say-hello").waitFor({ state: "visible" });
  ok("the new chat with Quiet shows its own starters (no greeting, no starter categories)");
  await shot(page, "chainlit-ui-starters");
  check(!(await page.getByText("Hello admin").first().isVisible()), "Quiet's chat has no greeting");
  await starter.click();
  await showsMatch(page, /^echo #1: krow sretratS$/, "the starter's message echoed, reversed by its command");
  ok("a starter clicked in Chainlit's UI sends its message with its command to the Quiet chat");
  await shot(page, "chainlit-ui-starter-sent");
}
