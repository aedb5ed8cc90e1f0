// Drives the console in Debian's chromium through oauth2-proxy and the dev identity provider,
// as a user and as an administrator, saving a screenshot of each step.
// Environment: BASE_URL, REPO_URL, USER_EMAIL, ADMIN_EMAIL, SCREENSHOTS (a directory),
// CHROMIUM [/usr/bin/chromium]. Prints "STEP <name>" as it goes; the caller starts the workers
// when it reads "STEP task-pending". Exits 0 when every check passed.
import {chromium} from "playwright-core";
import {mkdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {createRequire} from "node:module";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const BASE_URL = env("BASE_URL");
const REPO_URL = env("REPO_URL");
const USER_EMAIL = env("USER_EMAIL");
const ADMIN_EMAIL = env("ADMIN_EMAIL");
const SCREENSHOTS = env("SCREENSHOTS");
mkdirSync(SCREENSHOTS, {recursive: true});

const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let shot = 0;
const problems = [];

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

async function step(page, name) {
  shot += 1;
  const file = join(SCREENSHOTS, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({path: file, fullPage: true});
  console.log(`STEP ${name} ${file}`);
}

/** Checks the page against WCAG 2.1 A and AA with axe-core; serious or critical findings fail. */
async function accessible(page, name) {
  await page.evaluate(AXE); // through the DevTools protocol: the page's CSP does not apply
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  });
  check(found.length === 0, `accessibility of ${name}: ${found.join("; ")}`);
  console.log(`STEP accessible ${name}`);
}

/** A new browser session signed in as email at the dev identity provider's form. */
async function signIn(email) {
  const context = await browser.newContext({viewport: {width: 1200, height: 900}, acceptDownloads: true});
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`${email}: page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/net::ERR_|Failed to load resource/.test(m.text())) {
      problems.push(`${email}: console error: ${m.text()}`);
    }
  });
  await page.goto(`${BASE_URL}/`);
  // oauth2-proxy sends the browser on to the provider's sign-in form.
  await page.waitForSelector("input[name=username]", {timeout: 30000});
  await page.fill("input[name=username]", email);
  await Promise.all([
    page.waitForURL(`${BASE_URL}/`, {timeout: 30000}),
    page.locator("input[type=submit], button[type=submit]").first().click(),
  ]);
  await page.waitForSelector("body[data-ready=true]", {timeout: 30000});
  check((await page.textContent("#who")) === email, `the page names ${email}`);
  return {context, page};
}

async function asUser() {
  const {context, page} = await signIn(USER_EMAIL);
  await page.waitForSelector("#live-state[data-state=live]", {timeout: 30000});
  check(await page.isHidden("#admin"), "a user does not see the admin panel");
  await step(page, "signed-in");

  // A bad URL: the API's 400 message shows next to the form.
  await page.fill("#url", "ftp://example.com/repo.git");
  await page.click("#submit");
  await page.waitForFunction(() => document.querySelector("#submit-message").dataset.kind === "error");
  const error = await page.textContent("#submit-message");
  check(/url|scheme|http/i.test(error), `a bad URL is explained: ${error}`);
  await step(page, "bad-url-explained");

  // A real task, submitted from the keyboard: parameters are kept byte-exact.
  await page.fill("#url", REPO_URL);
  await page.fill("#parameters", "hello world\n  two  spaces\n");
  check((await page.textContent("#parameter-count")).includes("2 parameters"), "two parameters counted");
  await page.focus("#ref");
  await page.keyboard.press("Enter");
  const task = page.locator("li.task").first();
  await page.waitForSelector("li.task[data-status=PENDING]", {timeout: 15000});
  const taskId = await task.getAttribute("data-task-id");
  await step(page, "task-pending");

  // The caller starts the workers now; the task runs and its output arrives while it runs.
  await page.waitForSelector(`li[data-task-id="${taskId}"][data-status=EXECUTING]`, {timeout: 120000});
  await page.waitForFunction(
    (id) => document.querySelector(`li[data-task-id="${id}"] .stdout`).textContent.includes("tick 1"),
    taskId, {timeout: 30000});
  check((await task.getAttribute("data-status")) === "EXECUTING", "output shows while the task runs");
  await step(page, "executing-live-output");

  await page.waitForSelector(`li[data-task-id="${taskId}"][data-status=FINISHED][data-output=loaded]`,
    {timeout: 60000});
  const stdout = await task.locator(".stdout").textContent();
  check(stdout.includes("arg: [hello world]\narg: [  two  spaces]\n"),
    `parameters arrive byte-exact: ${stdout}`);
  check(stdout.includes("tick 5"), "the whole stdout is shown");
  check((await task.locator(".stderr").textContent()).includes("a warning"), "stderr is shown");
  const timeline = await task.locator(".timeline").textContent();
  check(timeline === "Pending → Executing → Finished", `statuses seen live: ${timeline}`);
  await step(page, "finished");
  await accessible(page, "the task list with output");

  const [download] = await Promise.all([page.waitForEvent("download"), task.locator(".download").click()]);
  const zip = join(SCREENSHOTS, download.suggestedFilename());
  await download.saveAs(zip);
  check(download.suggestedFilename() === `${taskId}.zip`, "the zip is named after the task");
  check(readFileSync(zip).subarray(0, 2).toString() === "PK", "the download is a zip");
  console.log(`STEP downloaded ${zip}`);

  // Taken back while it runs: it stops, says why, and can then be deleted.
  await page.fill("#parameters", "");
  await page.click("#submit");
  await page.waitForFunction((first) => {
    const li = document.querySelector("li.task");
    return li && li.dataset.taskId !== first;
  }, taskId, {timeout: 15000});
  const second = page.locator("li.task").first();
  const secondId = await second.getAttribute("data-task-id");
  await page.waitForFunction(
    (id) => document.querySelector(`li[data-task-id="${id}"] .stdout`).textContent.includes("tick 1"),
    secondId, {timeout: 60000});
  await second.locator(".cancel").click();
  await page.waitForSelector(`li[data-task-id="${secondId}"][data-status=FINISHED_ERRORS]`, {timeout: 15000});
  const why = await second.locator(".reason").textContent();
  check(why.includes("cancelled by its owner"), `a cancelled task says so: ${why}`);
  check(await second.locator(".cancel").isHidden(), "an ended task offers no cancel");
  await step(page, "cancelled");
  page.once("dialog", (dialog) => dialog.accept());
  await second.locator(".delete").click();
  await page.waitForSelector(`li[data-task-id="${secondId}"]`, {state: "detached", timeout: 15000});
  check(await page.locator(`li[data-task-id="${taskId}"]`).count() === 1, "the other task stays");

  // The session cookie, for API clients.
  await context.grantPermissions(["clipboard-read", "clipboard-write"], {origin: BASE_URL});
  await page.click("#copy-cookie");
  await page.waitForFunction(() => document.querySelector("#copy-message").dataset.kind === "ok");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const cookie = (await context.cookies()).find((c) => c.name === "_oauth2_proxy");
  check(cookie && copied === cookie.value, "the copied cookie is the session cookie");

  // Readable on a phone: nothing wider than the screen.
  await page.setViewportSize({width: 390, height: 844});
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `no sideways scrolling on a phone (${overflow}px too wide)`);
  await step(page, "phone");
  await page.emulateMedia({colorScheme: "dark"});
  await accessible(page, "the dark colour scheme");
  await step(page, "phone-dark");
  await context.close();
}

async function asAdmin() {
  const {context, page} = await signIn(ADMIN_EMAIL);
  await page.waitForSelector("#admin:not([hidden])", {timeout: 10000});
  await page.waitForFunction(() => ["OK", "CONGESTED"].includes(document.querySelector("#system-state").dataset.status),
    null, {timeout: 30000});
  await page.waitForFunction(() => Number(document.querySelector("#chart").dataset.points) >= 1, null, {timeout: 30000});
  check(await page.locator("#chart path.series.workers").count() === 1, "the chart draws the workers");
  await page.waitForSelector("#decisions:not([hidden]) tbody tr", {timeout: 30000});
  check((await page.textContent("#decisions tbody")).includes("0 → 1"), "the scale-up shows");

  await page.setInputFiles("#inject-file", {name: "greeting.txt", mimeType: "text/plain",
    buffer: Buffer.from("hello from the console\n")});
  await page.click("#inject-form button[type=submit]");
  await page.waitForSelector("#injected tr[data-name='greeting.txt'] button", {timeout: 30000});
  await step(page, "admin-panel");
  await accessible(page, "the admin panel");
  await page.click("#injected tr[data-name='greeting.txt'] button");
  await page.waitForSelector("#injected tr[data-name='greeting.txt']", {state: "detached", timeout: 30000});
  await context.close();
}

try {
  await asUser();
  await asAdmin();
  check(problems.length === 0, `the browser reported no errors: ${problems.join("; ")}`);
  console.log("PASS");
} catch (e) {
  console.error(e.stack || String(e));
  console.error(problems.join("\n"));
  process.exitCode = 1;
} finally {
  await browser.close();
}
