// chainlit-history.mjs: Chainlit's own web UI on a chainrs app with a data layer, in Chromium:
// after a chat, the thread is in the history sidebar under its first message; a thumbs-up is
// stored (PUT /feedback); a new chat starts empty; opening the old thread from the sidebar
// resumes it (its messages and the thumbs-up shown, on_chat_resume's welcome after them, the
// turn counter going on); a reload resumes it again; then the thread is renamed, found by the
// search, and deleted.
//
// Run: CHAINRS_URL=http://127.0.0.1:8000 node chainlit-history.mjs   (the hello example with a
// data layer, served with Chainlit's UI; exit 0 only when every check passed)

import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { DEFAULT_WAIT_MS, baseUrl, check, fail, launchChromium, ok, runMain, short } from "./lib.mjs";

const base = baseUrl();
const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(process.env.ARTIFACT_DIR || join(here, "../../target/test-artifacts"));

await runMain("Chainlit's UI history on chainrs (Chromium)", 120_000, async () => {
  mkdirSync(artifacts, { recursive: true });
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 850 } });
    page.setDefaultTimeout(DEFAULT_WAIT_MS);
    const failed = [];
    page.on("response", (r) => {
      const path = new URL(r.url()).pathname;
      if (r.status() >= 400 && !/\/user$|fonts|katex/.test(path)) failed.push(`${r.status()} ${r.request().method()} ${path} (${globalThis.phase})`);
    });
    try {
      await flow(page);
    } catch (err) {
      await page.screenshot({ path: join(artifacts, "chainlit-history-failure.png") }).catch(() => {});
      throw err;
    }
    // The test's own read of the deleted thread (phase "after") is meant to fail. A poll of a
    // socket the page itself just closed (its clear() disconnects when a chat is left or
    // deleted; a reload unloads it) may be answered 400 "unknown sid" by Engine.IO: that is the
    // transport, not an API call; a socket that did not work would fail the flow itself.
    const theUis = failed.filter((f) => !f.endsWith("(after)") && !/^400 (GET|POST) \/ws\/socket\.io\//.test(f));
    check(theUis.length === 0, "no API call of the UI failed", theUis.join(" | "));
  } finally {
    await browser.close();
  }
});

async function shows(page, text, what = `"${text}"`) {
  try {
    await page.getByText(text, { exact: true }).first().waitFor({ state: "visible" });
  } catch {
    const body = await page.locator("body").innerText().catch(() => "");
    fail(`the UI should show ${what}; it shows ${short(body.replace(/\s+/g, " "), 1200)}`);
  }
}

async function flow(page) {
  await page.goto(`${base.href}/`);
  await page.fill("#email", "admin");
  await page.fill("#password", "admin");
  await page.getByRole("button", { name: "Sign in" }).click();
  await shows(page, "Hello admin");
  const input = page.locator("#chat-input");
  await input.fill("remember this");
  await input.press("Enter");
  await shows(page, "echo #1: remember this");
  await page.waitForURL(/\/thread\//);
  const thread = new URL(page.url()).pathname.split("/").pop();
  ok(`after the first message the UI moved to its thread (${thread})`);

  const entry = page.locator(`#thread-${thread}`);
  await entry.waitFor({ state: "visible" });
  check((await entry.innerText()).includes("remember this"), "the history sidebar lists the thread under its first message");

  const stored = page.waitForResponse((r) => new URL(r.url()).pathname === "/feedback" && r.request().method() === "PUT");
  await page.locator(".positive-feedback-off").last().click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor({ state: "visible" });
  await dialog.locator("textarea").fill("helpful");
  await page.locator("#submit-feedback").click();
  const answer = await stored;
  check(answer.status() === 200, `the thumbs-up with its comment is stored (PUT /feedback answered ${answer.status()})`);
  const sent = answer.request().postDataJSON();
  check(sent?.feedback?.value === 1 && sent?.feedback?.comment === "helpful", "the UI sent value 1 and the comment", short(sent));
  await page.locator(".positive-feedback-on").last().waitFor({ state: "visible" });
  ok("the thumbs-up shows as given");
  await shows(page, "Thanks, glad it helped", "the toast of the app's #[on_feedback], run in the chat's session");
  await page.screenshot({ path: join(artifacts, "chainlit-history-thread.png"), animations: "disabled" });

  await input.fill("/image");
  await input.press("Enter");
  await shows(page, "Here is the chart; its numbers are in chart-data.", "the message of the image");
  await page.locator('img[src*="/project/file/"]').first().waitFor({ state: "visible" });
  ok("an inline image is shown in the live chat (from the session's files)");

  await page.locator("#new-chat-button").click();
  const confirm = page.getByRole("button", { name: /confirm/i });
  if (await confirm.isVisible().catch(() => false)) await confirm.click();
  await shows(page, "Hello admin", "the new chat's greeting");
  check(!(await page.getByText("echo #1: remember this", { exact: true }).isVisible()), "the new chat starts empty");

  phase("resume");
  await page.locator(`#thread-${thread}`).click();
  await page.waitForURL(new RegExp(`/thread/${thread}`));
  await shows(page, "echo #1: remember this", "the old thread's reply, read back");
  await shows(page, "remember this", "the old thread's user message");
  ok("opening the thread from the sidebar shows its messages");
  await shows(page, 'Welcome back to "remember this": 2 turns so far', "on_chat_resume's welcome, with the state back");
  const kept = page.locator(`img[src*="/project/thread/${thread}/file/"]`).first();
  await kept.waitFor({ state: "visible" });
  const width = await kept.evaluate(async (img) => {
    if (!img.complete) await new Promise((done) => img.addEventListener("load", done, { once: true }));
    return img.naturalWidth;
  });
  check(width > 0, `the resumed thread's image loads from the thread's kept content (${width} px wide)`);
  await page.locator(".positive-feedback-on").first().waitFor({ state: "visible" });
  ok("the thumbs-up given before the resume is shown on the resumed thread");
  await input.fill("one more");
  await input.press("Enter");
  await shows(page, "echo #3: one more", "the reply counting on from the resumed state");
  ok("a message after the resume continues the thread and its UserSession counter");
  await page.screenshot({ path: join(artifacts, "chainlit-history-reopened.png"), animations: "disabled" });

  phase("reload");
  await page.reload();
  await shows(page, "echo #3: one more", "after a reload, the message sent after the resume");
  await shows(page, "echo #1: remember this", "after a reload, the first reply");
  check(new URL(page.url()).pathname === `/thread/${thread}`, "a reload stays on the thread", page.url());
  ok("a reload resumes the thread with every message");

  await renameSearchDelete(page, thread);
}

function phase(name) {
  globalThis.phase = name;
}

async function threadMenu(page, thread, item) {
  const entry = page.locator(`#thread-${thread}`);
  await entry.hover();
  await entry.locator("#thread-options").click({ force: true });
  await page.locator(item).click();
}

async function renameSearchDelete(page, thread) {
  phase("rename");
  const renamed = page.waitForResponse((r) => new URL(r.url()).pathname === "/project/thread" && r.request().method() === "PUT");
  await threadMenu(page, thread, "#rename-thread");
  await page.locator("#name").fill("Plans for the trip");
  await page.getByRole("dialog").getByRole("button", { name: /confirm/i }).click();
  check((await renamed).status() === 200, "the rename is stored (PUT /project/thread)");
  await page.locator(`#thread-${thread}`, { hasText: "Plans for the trip" }).waitFor({ state: "visible" });
  ok("the sidebar shows the new name");

  await page.locator("#search-chats-button").click();
  const search = page.getByRole("dialog");
  const searched = (text) => page.waitForResponse((r) =>
    new URL(r.url()).pathname === "/project/threads" && r.request().postDataJSON()?.filter?.search === text);
  const found = searched("trip");
  await search.locator("input").fill("trip");
  check((await found).status() === 200, "the search asks the server (POST /project/threads with filter.search)");
  await search.getByText("Plans for the trip", { exact: true }).waitFor({ state: "visible" });
  const none = searched("no such words");
  await search.locator("input").fill("no such words");
  const answer = await (await none).json();
  check(Array.isArray(answer.data) && answer.data.length === 0, "a search that matches nothing finds no thread", short(answer));
  await page.keyboard.press("Escape");
  ok("the search finds the thread by its new name, and nothing for other words");

  // Away from the thread first, so nothing on screen still loads from it once it is gone.
  await page.locator("#new-chat-button").click();
  const confirm = page.getByRole("button", { name: /confirm/i });
  if (await confirm.isVisible().catch(() => false)) await confirm.click();
  await shows(page, "Hello admin", "a new chat's greeting, before the delete");
  phase("delete");
  const deleted = page.waitForResponse((r) => new URL(r.url()).pathname === "/project/thread" && r.request().method() === "DELETE");
  await threadMenu(page, thread, "#delete-thread");
  await page.getByRole("alertdialog").getByRole("button", { name: /confirm/i }).click();
  check((await deleted).status() === 200, "the delete is done (DELETE /project/thread)");
  await page.locator(`#thread-${thread}`).waitFor({ state: "detached" });
  ok("the deleted thread leaves the sidebar");
  phase("after");
  const gone = await page.evaluate(async (id) => (await fetch(`/project/thread/${id}`)).status, thread);
  check(gone === 404, `the deleted thread is gone on the server (GET answered ${gone})`);
}
