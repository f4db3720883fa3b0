/**
 * Opens report pages in headless Chromium (Debian's `chromium`, through playwright-core) the way a
 * reader would, from disk with the network blocked, and saves a full-page PNG of each next to it
 * (`<page>.png`). Prints per page: charts rendered / charts on the page, console errors, network
 * requests attempted. Exits 1 when a page has an error, a network request or an empty chart.
 *
 * Usage: deno run -A tools/screenshot.ts reports/e-sweep [more pages or folders]
 */
import { chromium } from "playwright-core";

const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";

async function pagesOf(path: string): Promise<string[]> {
  const info = await Deno.stat(path).catch(() => undefined);
  if (!info) throw new Error(`${path} does not exist; run 'deno task reproduce' or 'deno task report' first`);
  if (info.isFile) return [path];
  const out = [];
  for await (const e of Deno.readDir(path)) {
    if (e.isFile && e.name.endsWith(".html")) out.push(`${path}/${e.name}`);
  }
  return out.sort();
}

if (Deno.args.length === 0) {
  console.error("usage: deno run -A tools/screenshot.ts <report folder or page.html> ...");
  Deno.exit(2);
}
try {
  await Deno.stat(CHROMIUM);
} catch {
  console.error(
    `Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM=/path/to/chrome)`,
  );
  Deno.exit(2);
}
const pages = (await Promise.all(Deno.args.map(pagesOf))).flat();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});
let bad = 0;
try {
  for (const file of pages) {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
    page.on("pageerror", (e) => problems.push(`page error: ${e}`));
    await page.route("**/*", (r) => {
      const url = r.request().url();
      if (url.startsWith("file:") || url.startsWith("data:")) return r.continue();
      problems.push(`network request ${url}`);
      return r.abort();
    });
    const abs = await Deno.realPath(file);
    await page.goto(`file://${abs}`);
    const charts = await page.$$eval(".chart", (els) => els.length);
    await page.waitForFunction(
      `[...document.querySelectorAll(".chart")].every((c) => c.querySelector("svg") || c.textContent)`,
      undefined,
      { timeout: 30_000 },
    ).catch(() => problems.push("charts did not render within 30 s"));
    const rendered = await page.$$eval(
      ".chart",
      (els) =>
        els.filter((e) =>
          e.querySelectorAll("svg .mark-line path, svg .mark-symbol path, svg .mark-rect path").length > 0
        ).length,
    );
    if (rendered < charts) problems.push(`${charts - rendered} chart(s) without marks`);
    const png = abs.replace(/\.html$/, ".png");
    await page.screenshot({ path: png, fullPage: true });
    console.log(
      `${problems.length ? "FAIL" : "ok  "} ${file}: ${rendered}/${charts} charts rendered -> ${png}`,
    );
    for (const p of problems) console.log(`     ${p}`);
    if (problems.length) bad++;
    await page.close();
  }
} finally {
  await browser.close();
}
Deno.exit(bad ? 1 : 0);
