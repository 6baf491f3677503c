// browser-history.mjs: the chat page chainrs serves, on an app with a data layer, in Chromium: the
// history sidebar lists the user's threads by day (the new thread shows under "Today", named
// after its first message, highlighted while open); a thumbs-up on a reply is stored (PUT
// /feedback, for the reply's run step) and the app's #[on_feedback] toast shows; a thumbs-down
// clicked twice is taken back (DELETE /feedback); New chat starts empty; a reload of an ongoing
// chat keeps its session; opening the old thread from the sidebar resumes it (its messages, its
// image loaded from the thread, the thumbs-up shown as given, then on_chat_resume's welcome) and
// the turn counter goes on; a reload opens the same thread again; then the thread is renamed,
// found by the search (and nothing for other words) and deleted; deleting the open thread starts
// a new chat; many threads (answers replaced in the browser) are grouped by day and month and
// paged by infinite scroll; on a narrow window the sidebar is a drawer behind a toggle. With
// CHAINRS_PLAIN_URL (the same app without a data layer) it also checks that nothing of the
// history shows there. Fails on any console error of the page and on any API call of the page
// that failed. Screenshots go to $ARTIFACT_DIR.
//
// Run: CHAINRS_URL=http://127.0.0.1:8000 [CHAINRS_PLAIN_URL=http://127.0.0.1:8001] node browser-history.mjs
// (the hello example with a data layer; exit 0 only when every check passed)

import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import {
  DEFAULT_WAIT_MS, baseUrl, check, checkEqual, fail, isUuid, launchChromium, ok, runMain, short,
  sleep, waitForConnected, sendFromComposer as send,
} from "./lib.mjs";

const base = baseUrl();
const plainUrl = process.env.CHAINRS_PLAIN_URL ? process.env.CHAINRS_PLAIN_URL.replace(/\/+$/, "") : null;
const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(process.env.ARTIFACT_DIR || join(here, "../../target/test-artifacts"));
let phase = "start";

await runMain("chainrs page: history, resume and feedback (Chromium)", 150_000, async () => {
  mkdirSync(artifacts, { recursive: true });
  const browser = await launchChromium(chromium);
  const context = await browser.newContext({ viewport: { width: 1200, height: 850 } });
  const page = await context.newPage();
  page.setDefaultTimeout(DEFAULT_WAIT_MS);
  const consoleErrors = watchConsole(page);
  const failed = watchResponses(page);
  try {
    await flow(page);
  } catch (err) {
    await diagnose(page, consoleErrors, "browser-history-failure.png");
    throw err;
  }
  check(consoleErrors.length === 0, "no console errors on the page", consoleErrors.join(" | "));
  check(failed.length === 0, "no API call of the page failed", failed.join(" | "));
  await context.close();

  if (plainUrl) await withoutDataLayer(browser);
  else console.log("# CHAINRS_PLAIN_URL is not set: the check without a data layer is skipped");
});

/** The whole visit, step by step. */
async function flow(page) {
  await page.goto(`${base.href}/`);
  await login(page);
  await waitForConnected(page, "after login");
  await waitForMessage(page, 'the greeting "Hello admin"', (m) => m.text === "Hello admin");
  ok('"Hello admin" is shown after login');
  const history = page.locator("#history");
  await history.waitFor({ state: "visible" });
  ok("the history sidebar is shown (dataPersistence and requireLogin)");
  check(await page.locator("#history-toggle").isVisible(), "the sidebar has a toggle button in the header");
  checkEqual(await page.locator("#history-toggle").getAttribute("aria-expanded"), "true", "the toggle says the sidebar is open (aria-expanded)");
  await page.getByTestId("history-empty").waitFor({ state: "visible" });
  ok("a user without threads sees an empty history");

  // A first chat: it becomes a thread, listed under Today by its first message.
  phase = "first chat";
  await send(page, "remember this");
  const echo1 = await waitForMessage(page, '"echo #1: remember this", finished', (m) => m.text === "echo #1: remember this" && m.streaming === "false");
  const thread = await page.evaluate(() => window.chainrs.threadId());
  check(isUuid(thread), `the first message made the chat a thread (${thread})`, short(thread));
  const item = threadItem(page, thread);
  await item.waitFor({ state: "visible" });
  checkEqual((await item.innerText()).trim(), "remember this", "the sidebar lists the thread under its first message");
  const group = await item.evaluate((li) => li.closest(".history-group")?.querySelector(".history-group-title")?.textContent);
  checkEqual(group, "Today", 'the thread is in the "Today" group');
  await currentIs(page, thread, "the open thread is highlighted in the sidebar");

  // Feedback: thumbs under the reply (not under on_chat_start's greeting), for its run step.
  const greeting = messageById(page, (await readMessages(page)).find((m) => m.text === "Hello admin").id);
  checkEqual(await greeting.locator(".feedback-up").count(), 0, "the greeting of on_chat_start has no thumbs");
  const reply = messageById(page, echo1.id);
  await reply.locator(".feedback-up").waitFor({ state: "visible" });
  ok("the reply has thumbs up and down once the chat is a thread");
  check(
    (await reply.locator(".feedback-up").getAttribute("aria-label")) && (await reply.locator(".feedback-down").getAttribute("aria-label")),
    "the thumbs have aria-labels",
  );
  const stored = page.waitForResponse((r) => new URL(r.url()).pathname === "/feedback" && r.request().method() === "PUT");
  await reply.locator(".feedback-up").click();
  const answer = await stored;
  checkEqual(answer.status(), 200, "the thumbs-up is stored (PUT /feedback answered 200)");
  const sent = answer.request().postDataJSON();
  const sessionId = await page.evaluate(() => window.chainrs.sessionId());
  check(sent?.feedback?.value === 1 && isUuid(sent?.feedback?.forId) && sent?.sessionId === sessionId,
    "the page sent value 1, a forId and its sessionId", short(sent));
  const got = await answer.json();
  check(got?.success === true && isUuid(got?.feedbackId), "PUT /feedback answered success and a feedbackId", short(got));
  const kept = await getThread(page, thread);
  const rated = kept.data?.steps?.find((s) => s.id === sent.feedback.forId);
  check(rated?.type === "run" && rated?.name === "on_message",
    "the forId is the reply's run step (type run, on_message), as Chainlit scores", short(rated));
  await reply.locator(".feedback-up.feedback-given").waitFor({ state: "visible" });
  checkEqual(await reply.locator(".feedback-up").getAttribute("aria-pressed"), "true", "the thumbs-up shows as given (aria-pressed)");
  await page.getByTestId("toast").filter({ hasText: "Thanks, glad it helped" }).first().waitFor({ state: "visible" });
  ok("the toast of the app's #[on_feedback] shows");

  // An element, kept with the thread.
  await send(page, "/image");
  const chart = await waitForMessage(page, "the /image message", (m) => m.text.startsWith("Here is the chart"));
  const width = await imageWidth(messageById(page, chart.id).locator('[data-testid="element"][data-kind="image"] img'));
  check(width > 0, `/image: the inline image is shown (${width} px wide)`);
  await page.screenshot({ path: join(artifacts, "history-chat.png"), animations: "disabled" });
  ok(`screenshot ${join(artifacts, "history-chat.png")}`);

  // New chat: empty, with the greeting; a second thread shows and becomes the highlighted one.
  phase = "new chat";
  await page.getByTestId("new-chat").click();
  await waitForConnected(page, "after New chat");
  await waitForMessage(page, 'a new "Hello admin"', (m) => m.text === "Hello admin");
  checkEqual((await readMessages(page)).length, 1, "New chat starts with an empty conversation and the greeting");
  checkEqual(await page.locator(".thread-item--current").count(), 0, "no thread is highlighted in a chat that is not one yet");
  await send(page, "second chat");
  const echo2 = await waitForMessage(page, '"echo #1: second chat"', (m) => m.text === "echo #1: second chat" && m.streaming === "false");
  const second = await page.evaluate(() => window.chainrs.threadId());
  check(isUuid(second) && second !== thread, "the new chat is a thread of its own");

  // Thumbs down, then the same thumb again takes the rating back (DELETE /feedback).
  const reply2 = messageById(page, echo2.id);
  const down = page.waitForResponse((r) => new URL(r.url()).pathname === "/feedback" && r.request().method() === "PUT");
  await reply2.locator(".feedback-down").click();
  const downAnswer = await down;
  check(downAnswer.status() === 200 && downAnswer.request().postDataJSON()?.feedback?.value === 0, "a thumbs-down is stored with value 0");
  const feedbackId = (await downAnswer.json())?.feedbackId;
  await reply2.locator(".feedback-down.feedback-given").waitFor({ state: "visible" });
  await page.getByTestId("toast").filter({ hasText: "Thanks, noted" }).first().waitFor({ state: "visible" });
  ok('the thumbs-down shows as given, and the app\'s toast "Thanks, noted"');
  const removed = page.waitForResponse((r) => new URL(r.url()).pathname === "/feedback" && r.request().method() === "DELETE");
  await reply2.locator(".feedback-down").click();
  const removal = await removed;
  check(removal.status() === 200 && removal.request().postDataJSON()?.feedbackId === feedbackId,
    "clicking the given thumb again removes the rating (DELETE /feedback with its feedbackId)", short(removal.request().postDataJSON()));
  await reply2.locator(".feedback-given").waitFor({ state: "detached" });
  ok("no thumb shows as given after that");
  await threadItem(page, second).waitFor({ state: "visible" });
  await currentIs(page, second, "the new thread shows in the sidebar, highlighted");
  checkEqual(await page.locator(".history .thread-item").count(), 2, "the sidebar lists both threads");

  // A reload of a chat that was not opened from the history keeps its session, as without one.
  phase = "plain reload";
  const ongoing = await page.evaluate(() => window.chainrs.sessionId());
  await page.reload();
  await waitForConnected(page, "after reloading the ongoing chat");
  checkEqual(await page.evaluate(() => window.chainrs.sessionId()), ongoing, "a reload of the ongoing chat keeps its session");
  const again = await waitForMessage(page, 'after reload, "echo #1: second chat"', (m) => m.text === "echo #1: second chat");
  checkEqual((await readMessages(page)).filter((m) => m.text === "Hello admin").length, 1, "after reload no second greeting");
  await currentIs(page, second, "after reload the ongoing thread is still highlighted");
  await messageById(page, again.id).locator(".feedback-up").waitFor({ state: "visible" });
  ok("after reload the reply still has its thumbs");

  // Opening the first thread resumes it.
  phase = "resume";
  const before = await page.evaluate(() => window.chainrs.sessionId());
  await threadItem(page, thread).locator(".thread-open").click();
  await resumed(page, thread, 'Welcome back to "remember this": 2 turns so far', "opening the thread from the sidebar");
  const after = await page.evaluate(() => window.chainrs.sessionId());
  check(isUuid(after) && after !== before, "the resume runs in a new session");
  await currentIs(page, thread, "the resumed thread is highlighted");
  await send(page, "one more");
  await waitForMessage(page, '"echo #3: one more"', (m) => m.text === "echo #3: one more" && m.streaming === "false");
  ok('a message after the resume continues the turn counter ("echo #3: one more")');
  await page.screenshot({ path: join(artifacts, "history-resumed.png"), animations: "disabled" });
  ok(`screenshot ${join(artifacts, "history-resumed.png")}`);

  // A reload opens the same thread again.
  phase = "reload";
  await page.reload();
  await waitForConnected(page, "after reload");
  check(!(await page.getByTestId("login-form").isVisible()), "after reload no login is asked again");
  await resumed(page, thread, 'Welcome back to "remember this": 3 turns so far', "after a reload");
  await waitForMessage(page, 'after reload, "echo #3: one more"', (m) => m.text === "echo #3: one more");
  ok("after a reload the thread is shown again with every message");
  await currentIs(page, thread, "after reload the thread is highlighted");

  await renameSearchDelete(page, thread, second);
  await pagesAndDays(page);
  await narrowWindow(page);
}

/**
 * Many threads of many days (the server's answers replaced in the browser): grouped by day, then
 * by month, a nameless one shown as "Untitled", the next page asked for with the end cursor once
 * the list is scrolled to its end.
 */
async function pagesAndDays(page) {
  phase = "pages";
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const t0 = midnight.getTime();
  const DAY = 86_400_000;
  const thread = (name, at) => ({ id: randomUUID(), name, createdAt: new Date(at).toISOString(), metadata: {}, steps: [], elements: [] });
  const first = Array.from({ length: 20 }, (_, i) => thread(i === 3 ? null : `Earlier chat ${i + 1}`, t0 + 60_000 * (20 - i)));
  const longAgo = t0 - 90 * DAY + 3_600_000;
  const next = [
    thread("From yesterday", t0 - DAY / 2),
    thread("From this week", t0 - 3 * DAY),
    thread("From this month", t0 - 20 * DAY),
    thread("Long ago", longAgo),
    thread("", longAgo + 3_600_000),
  ];
  const asked = [];
  await page.route("**/project/threads", async (route) => {
    const body = route.request().postDataJSON();
    asked.push(body);
    const later = Boolean(body?.pagination?.cursor);
    const data = later ? next : first;
    await route.fulfill({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ pageInfo: { hasNextPage: !later, startCursor: data[0].id, endCursor: data.at(-1).id }, data }),
    });
  });
  await page.reload();
  await waitForConnected(page, "after a reload with many threads");
  const items = page.locator("#history .thread-item");
  await items.nth(19).waitFor({ state: "attached" });
  checkEqual(asked[0]?.pagination, { first: 20, cursor: null }, "the list asks for the first page of 20 threads");
  const deadline = Date.now() + DEFAULT_WAIT_MS;
  while ((await items.count()) < 25 && Date.now() < deadline) {
    await page.locator("#history-list").evaluate((list) => { list.scrollTop = list.scrollHeight; });
    await sleep(100);
  }
  checkEqual(await items.count(), 25, "scrolled to its end, the list shows the next page too");
  check(asked.some((b) => b?.pagination?.cursor === first.at(-1).id), "the next page is asked for with cursor = pageInfo.endCursor", short(asked));
  checkEqual(asked.length, 2, "no page is asked for once hasNextPage is false");
  const month = new Intl.DateTimeFormat("en-US", { month: "long", year: "numeric" }).format(new Date(longAgo));
  const groups = await page.locator("#history .history-group-title").allTextContents();
  checkEqual(groups, ["Today", "Yesterday", "Previous 7 days", "Previous 30 days", month], "the threads are grouped by day, then by month");
  checkEqual((await threadItem(page, first[3].id).innerText()).trim(), "Untitled", 'a thread without a name shows as "Untitled"');
  checkEqual((await threadItem(page, next[4].id).innerText()).trim(), "Untitled", 'a thread with an empty name shows as "Untitled"');
  await page.locator("#history-list").evaluate((list) => { list.scrollTop = 0; });
}

/** What a resumed thread shows: its messages in order, the image, the rating, then the welcome. */
async function resumed(page, thread, welcome, when) {
  await waitForMessage(page, `${when}: the welcome of on_chat_resume`, (m) => m.text === welcome);
  const shown = await readMessages(page);
  const at = (predicate) => shown.findIndex(predicate);
  const user = at((m) => m.text === "remember this");
  const echo = at((m) => m.text === "echo #1: remember this");
  const image = at((m) => m.text.startsWith("Here is the chart"));
  const hello = at((m) => m.text === welcome);
  check(user >= 0 && shown[user].type === "user_message" && shown[user].role === "user",
    `${when}: the user's message is shown as the user's`, short(shown[user]));
  check(echo > user && image > echo && hello > image,
    `${when}: the thread's messages are shown in order, on_chat_resume's welcome after them`, short(shown.map((m) => m.text), 600));
  checkEqual(await page.evaluate(() => window.chainrs.threadId()), thread, `${when}: the page is on the thread`);
  const img = messageById(page, shown[image].id).locator('[data-testid="element"][data-kind="image"] img');
  const src = await img.getAttribute("src");
  check(src?.includes(`/project/thread/${thread}/file/`), `${when}: the image loads from the thread's kept content`, short(src));
  const width = await imageWidth(img);
  check(width > 0, `${when}: the image is loaded (${width} px wide)`);
  const reply = messageById(page, shown[echo].id);
  await reply.locator(".feedback-up.feedback-given").waitFor({ state: "visible" });
  checkEqual(await reply.locator(".feedback-down.feedback-given").count(), 0, `${when}: the thumbs-up given before shows as given (and only it)`);
}

async function renameSearchDelete(page, thread, second) {
  phase = "rename";
  const item = threadItem(page, thread);
  const renamed = page.waitForResponse((r) => new URL(r.url()).pathname === "/project/thread" && r.request().method() === "PUT");
  await item.hover();
  await item.locator(".thread-rename").click();
  const input = item.locator(".thread-rename-input");
  await input.waitFor({ state: "visible" });
  check(await input.evaluate((el) => el === document.activeElement), "rename: the name field has the focus");
  await input.fill("Plans for the trip");
  await input.press("Enter");
  const rename = await renamed;
  checkEqual(rename.status(), 200, "the rename is stored (PUT /project/thread answered 200)");
  checkEqual(rename.request().postDataJSON(), { threadId: thread, name: "Plans for the trip" }, "the page sent {threadId, name}");
  await item.filter({ hasText: "Plans for the trip" }).waitFor({ state: "visible" });
  ok("the sidebar shows the new name");

  phase = "search";
  const search = page.locator("#history-search");
  check((await search.getAttribute("aria-label")) === "Search chats", "the search box has an aria-label");
  const searched = (text) => page.waitForResponse((r) =>
    new URL(r.url()).pathname === "/project/threads" && r.request().postDataJSON()?.filter?.search === text);
  const found = searched("trip");
  await search.fill("trip");
  checkEqual((await found).status(), 200, "the search asks the server (POST /project/threads with filter.search)");
  await waitForThreads(page, [thread], 'the search "trip" lists only the renamed thread');
  const none = searched("no such words");
  await search.fill("no such words");
  const nothing = await (await none).json();
  check(Array.isArray(nothing?.data) && nothing.data.length === 0, "the server finds nothing for other words", short(nothing));
  await waitForThreads(page, [], "a search that matches nothing lists no thread");
  await page.getByTestId("history-empty").waitFor({ state: "visible" });
  ok("the sidebar says that no chat matches");
  const all = page.waitForResponse((r) => new URL(r.url()).pathname === "/project/threads" && !r.request().postDataJSON()?.filter?.search);
  await search.fill("");
  await all;
  await waitForThreads(page, [second, thread], "clearing the search lists every thread again");

  // Away from the thread first, so nothing on screen still loads from it once it is gone.
  phase = "delete";
  await page.getByTestId("new-chat").click();
  await waitForConnected(page, "after New chat, before the delete");
  await waitForMessage(page, 'a new "Hello admin"', (m) => m.text === "Hello admin");
  const deleted = page.waitForResponse((r) => new URL(r.url()).pathname === "/project/thread" && r.request().method() === "DELETE");
  await item.hover();
  await item.locator(".thread-delete").click();
  const confirm = item.locator(".thread-delete-confirm");
  await confirm.waitFor({ state: "visible" });
  ok("delete asks for a confirmation in the page");
  await page.screenshot({ path: join(artifacts, "history-delete-confirm.png"), animations: "disabled" });
  await confirm.click();
  const deletion = await deleted;
  checkEqual(deletion.status(), 200, "the delete is done (DELETE /project/thread answered 200)");
  checkEqual(deletion.request().postDataJSON(), { threadId: thread }, "the page sent {threadId}");
  await item.waitFor({ state: "detached" });
  ok("the deleted thread leaves the sidebar");
  phase = "after";
  const gone = await getThread(page, thread);
  checkEqual(gone.status, 404, "the deleted thread is gone on the server (GET /project/thread/<id> answered 404)");

  // Deleting the thread that is open starts a new chat.
  phase = "delete open";
  await threadItem(page, second).locator(".thread-open").click();
  await waitForMessage(page, 'the second thread\'s welcome back', (m) => m.text === 'Welcome back to "second chat": 1 turns so far');
  await currentIs(page, second, "the second thread is open");
  const open = page.evaluate(() => window.chainrs.sessionId());
  const sessionBefore = await open;
  const dropped = page.waitForResponse((r) => new URL(r.url()).pathname === "/project/thread" && r.request().method() === "DELETE");
  const secondItem = threadItem(page, second);
  await secondItem.locator(".thread-delete").click();
  await secondItem.locator(".thread-delete-cancel").click();
  await secondItem.locator(".thread-delete-confirm").waitFor({ state: "detached" });
  await secondItem.locator(".thread-open").waitFor({ state: "visible" });
  ok("Cancel keeps the thread");
  await secondItem.locator(".thread-delete").click();
  await secondItem.locator(".thread-delete-confirm").click();
  checkEqual((await dropped).status(), 200, "the open thread is deleted");
  await secondItem.waitFor({ state: "detached" });
  await waitForConnected(page, "after deleting the open thread");
  await waitForMessage(page, 'a new chat\'s "Hello admin"', (m) => m.text === "Hello admin");
  const shown = await readMessages(page);
  check(shown.length === 1 && (await page.evaluate(() => window.chainrs.sessionId())) !== sessionBefore,
    "deleting the open thread starts a new chat", short(shown));
  await page.getByTestId("history-empty").waitFor({ state: "visible" });
  ok("the history is empty again");
  phase = "end";
}

/** A narrow window: the sidebar becomes a drawer behind the toggle; the dark theme. */
async function narrowWindow(page) {
  phase = "narrow";
  await page.setViewportSize({ width: 420, height: 800 });
  const history = page.locator("#history");
  await history.waitFor({ state: "hidden" });
  ok("on a narrow window the sidebar is closed");
  await page.screenshot({ path: join(artifacts, "history-narrow-closed.png"), animations: "disabled" });
  const toggle = page.locator("#history-toggle");
  await toggle.click();
  await history.waitFor({ state: "visible" });
  checkEqual(await toggle.getAttribute("aria-expanded"), "true", "the toggle opens it over the chat");
  await page.waitForTimeout(300); // the slide-in
  await page.screenshot({ path: join(artifacts, "history-narrow.png"), animations: "disabled" });
  await page.locator("#history-backdrop").click({ position: { x: 400, y: 400 } });
  await history.waitFor({ state: "hidden" });
  ok("a click beside it closes it");
  await page.setViewportSize({ width: 1200, height: 850 });
  await history.waitFor({ state: "visible" });
  ok("on a wide window it is open again");
  await page.locator("#theme-toggle").click();
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(artifacts, `history-${theme}.png`), animations: "disabled" });
  ok(`screenshots ${join(artifacts, "history-narrow.png")} and history-${theme}.png`);
  await page.locator("#theme-toggle").click();
}

/** The same page on the app without a data layer: no sidebar, no toggle, no thumbs. */
async function withoutDataLayer(browser) {
  phase = "plain";
  const context = await browser.newContext({ viewport: { width: 1200, height: 850 } });
  const page = await context.newPage();
  page.setDefaultTimeout(DEFAULT_WAIT_MS);
  const consoleErrors = watchConsole(page);
  const asked = [];
  page.on("request", (r) => {
    if (/\/project\/threads?$|\/feedback$/.test(new URL(r.url()).pathname)) asked.push(`${r.method()} ${r.url()}`);
  });
  try {
    await page.goto(`${plainUrl}/`);
    await login(page);
    await waitForConnected(page, "without a data layer, after login");
    await waitForMessage(page, "the greeting without a data layer", (m) => m.text === "Hello admin");
    await send(page, "plain chat");
    await waitForMessage(page, '"echo #1: plain chat"', (m) => m.text === "echo #1: plain chat" && m.streaming === "false");
    await sleep(300);
    check(!(await page.locator("#history").isVisible()), "without a data layer there is no history sidebar");
    check(!(await page.locator("#history-toggle").isVisible()), "without a data layer there is no sidebar toggle");
    checkEqual(await page.locator(".feedback, .feedback-up, .feedback-down").count(), 0, "without a data layer the replies have no thumbs");
    checkEqual(asked, [], "without a data layer the page asks for no threads and no feedback");
    const layout = await page.evaluate(() => getComputedStyle(document.getElementById("app")).paddingLeft);
    checkEqual(layout, "0px", "without a data layer the layout is as before (no room kept for a sidebar)");
    await page.screenshot({ path: join(artifacts, "history-plain.png"), animations: "disabled" });
  } catch (err) {
    await diagnose(page, consoleErrors, "browser-history-plain-failure.png");
    throw err;
  }
  check(consoleErrors.length === 0, "no console errors on the page without a data layer", consoleErrors.join(" | "));
  await context.close();
}

// ---------------------------------------------------------------------------------------------
// Helpers

function threadItem(page, id) {
  return page.locator(`#history .thread-item[data-thread-id="${id}"]`);
}

function messageById(page, id) {
  return page.locator(`[data-testid="message"][data-id="${id}"]`);
}

/** The thread `id` is the one highlighted (class and aria-current), and only it. */
async function currentIs(page, id, what) {
  const deadline = Date.now() + DEFAULT_WAIT_MS;
  let state;
  while (Date.now() < deadline) {
    state = await page.evaluate(() => [...document.querySelectorAll("#history .thread-item--current")].map((li) => ({
      id: li.dataset.threadId,
      current: li.querySelector(".thread-open")?.getAttribute("aria-current"),
    })));
    if (state.length === 1 && state[0].id === id && state[0].current === "true") return ok(what);
    await sleep(100);
  }
  fail(`${what}: expected only ${id} highlighted, got ${short(state)}`);
}

/** Waits until the sidebar lists exactly the threads `ids` (in any order). */
async function waitForThreads(page, ids, what) {
  const deadline = Date.now() + DEFAULT_WAIT_MS;
  const want = JSON.stringify([...ids].sort());
  let shown;
  while (Date.now() < deadline) {
    shown = await page.locator("#history .thread-item").evaluateAll((items) => items.map((li) => li.dataset.threadId));
    if (JSON.stringify([...shown].sort()) === want) return ok(what);
    await sleep(100);
  }
  fail(`${what}: expected ${short(ids)}, the sidebar lists ${short(shown)}`);
}

/** GET /project/thread/<id> with the page's login cookie (from outside the page). */
async function getThread(page, id) {
  const r = await page.context().request.get(`${base.href}/project/thread/${id}`, { failOnStatusCode: false });
  let data = null;
  try {
    data = await r.json();
  } catch {
    // not JSON
  }
  return { status: r.status(), data };
}

async function imageWidth(img) {
  await img.waitFor({ state: "visible" });
  return img.evaluate(async (el) => {
    if (!el.complete) await new Promise((done) => { el.addEventListener("load", done, { once: true }); el.addEventListener("error", done, { once: true }); });
    return el.naturalWidth;
  });
}

async function login(page) {
  const form = page.getByTestId("login-form");
  await form.waitFor({ state: "visible" });
  await page.getByTestId("login-username").fill("admin");
  await page.getByTestId("login-password").fill("admin");
  await page.getByTestId("login-submit").click();
  await form.waitFor({ state: "hidden" });
  ok("admin/admin logs in");
}

function readMessages(page) {
  return page.getByTestId("message").evaluateAll((elements) =>
    elements.map((el) => ({
      id: el.dataset.id,
      type: el.dataset.type,
      role: el.classList.contains("msg--user") ? "user" : "other",
      streaming: el.dataset.streaming,
      text: (el.querySelector('[data-testid="message-content"]')?.textContent ?? "").trim(),
    })),
  );
}

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

/** Console errors and uncaught exceptions, except the page's expected "am I logged in?" 401. */
function watchConsole(page) {
  const errors = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const url = msg.location()?.url ?? "";
    const text = msg.text();
    if (/favicon\.ico$/.test(url) && /404/.test(text)) return;
    if (/\/user$/.test(url) && /401/.test(text)) return;
    errors.push(`${text}${url ? ` (${url})` : ""} [${phase}]`);
  });
  page.on("pageerror", (err) => errors.push(`uncaught: ${err.message} [${phase}]`));
  return errors;
}

/**
 * The page's failed API responses. Not counted: the "am I logged in?" probe (401 /user before
 * the login) and 400s of /ws/socket.io/ polls of sockets the page closed itself.
 */
function watchResponses(page) {
  const failed = [];
  page.on("response", (r) => {
    if (r.status() < 400) return;
    const path = new URL(r.url()).pathname;
    const method = r.request().method();
    if (/\/user$/.test(path) && r.status() === 401) return;
    if (r.status() === 400 && /\/ws\/socket\.io\//.test(path)) return;
    if (/favicon\.ico$/.test(path)) return;
    failed.push(`${r.status()} ${method} ${path} (${phase})`);
  });
  return failed;
}

async function diagnose(page, consoleErrors, name) {
  try {
    const shot = join(artifacts, name);
    await page.screenshot({ path: shot, fullPage: true, timeout: 5_000 });
    console.log(`# failure screenshot: ${shot} (phase ${phase})`);
    console.log(`# status: ${await page.getByTestId("status").getAttribute("data-state", { timeout: 1_000 }).catch(() => "(none)")}`);
    for (const m of await readMessages(page)) console.log(`# message ${short(m, 400)}`);
    const items = await page.locator("#history .thread-item").evaluateAll((els) => els.map((li) => `${li.dataset.threadId} ${li.className} ${li.innerText.trim()}`)).catch(() => []);
    for (const line of items) console.log(`# thread ${line}`);
    for (const line of consoleErrors) console.log(`# console error: ${line}`);
  } catch (err) {
    console.log(`# could not read the page after the failure: ${err.message}`);
  }
}
