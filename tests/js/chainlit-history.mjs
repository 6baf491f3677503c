// chainlit-history.mjs: Chainlit's own web UI on a chainrs app with a data layer, in Chromium:
// after a chat, the thread is in the history sidebar under its first message; a thumbs-up is
// stored (PUT /feedback); a new chat starts empty, and opening the old thread from the sidebar
// shows its messages (read back through GET /project/thread/{id}).
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
      if (r.status() >= 400 && !/\/user$|fonts|katex/.test(path)) failed.push(`${r.status()} ${r.request().method()} ${path}`);
    });
    try {
      await flow(page);
    } catch (err) {
      await page.screenshot({ path: join(artifacts, "chainlit-history-failure.png") }).catch(() => {});
      throw err;
    }
    check(failed.length === 0, "no API call of the UI failed", failed.join(" | "));
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
  await page.screenshot({ path: join(artifacts, "chainlit-history-thread.png"), animations: "disabled" });

  await page.locator("#new-chat-button").click();
  const confirm = page.getByRole("button", { name: /confirm/i });
  if (await confirm.isVisible().catch(() => false)) await confirm.click();
  await shows(page, "Hello admin", "the new chat's greeting");
  check(!(await page.getByText("echo #1: remember this", { exact: true }).isVisible()), "the new chat starts empty");

  await page.locator(`#thread-${thread}`).click();
  await page.waitForURL(new RegExp(`/thread/${thread}`));
  await shows(page, "echo #1: remember this", "the old thread's reply, read back");
  await shows(page, "remember this", "the old thread's user message");
  ok("opening the thread from the sidebar shows its messages");
  await page.screenshot({ path: join(artifacts, "chainlit-history-reopened.png"), animations: "disabled" });
}
