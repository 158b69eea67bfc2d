// Opens an HTML report of `playbook report` in Debian's headless Chromium and checks its
// layout as a reader meets it: the first screen shows the header card and the checks;
// nothing is wider than the page (long query texts fold); dark mode is dark; printed,
// steps start on a new page and no chart is split across pages (print stylesheet, and a
// PDF is written). Saves a screenshot of the first screen and the PDF.
//
//   REPORT=tests/golden/post-deploy-bad.report.html OUT_DIR=tests/out node tests/browser/report.spec.mjs
//
// Exit code: 0 when every check holds, 1 otherwise.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const REPORT = path.resolve(process.env.REPORT || '');
const OUT_DIR = path.resolve(process.env.OUT_DIR || 'tests/out');
const SCREEN = { width: 1280, height: 800 };

const failures = [];
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}

mkdirSync(OUT_DIR, { recursive: true });
const name = path.basename(REPORT, '.html');
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage({ viewport: SCREEN });
  await page.goto(pathToFileURL(REPORT).toString());

  // The first screen: the header card and the checks, every check row in view.
  const first = await page.evaluate(() => {
    const box = (el) => el && el.getBoundingClientRect();
    const card = box(document.querySelector('header.card'));
    const rows = [...document.querySelectorAll('#checks tr')].map((r) => box(r).bottom);
    return { card: card && card.bottom, checksBottom: Math.max(...rows), rows: rows.length };
  });
  check(first.card !== null && first.card < SCREEN.height, `the header card is on the first screen (bottom ${first.card})`);
  check(first.rows > 1 && first.checksBottom <= SCREEN.height,
    `the checks are on the first screen (${first.rows - 1} checks, bottom ${first.checksBottom})`);
  await page.screenshot({ path: path.join(OUT_DIR, `report-${name}.png`) });

  // Nothing wider than the page: long query texts fold instead of stretching it.
  const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, view: window.innerWidth }));
  check(widths.doc <= widths.view, `no horizontal scrolling (${widths.doc} <= ${widths.view})`);

  // Dark mode follows the reader's preference.
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(dark === 'rgb(13, 17, 23)', `dark mode has a dark background (${dark})`);

  // Print: steps on new pages, charts and tables whole, no table of contents.
  await page.emulateMedia({ media: 'print', colorScheme: 'light' });
  const print = await page.evaluate(() => {
    const style = (el) => getComputedStyle(el);
    const steps = [...document.querySelectorAll('section.step')];
    const charts = [...document.querySelectorAll('figure.chart')];
    return {
      steps: steps.length,
      breaks: steps.slice(1).every((s) => style(s).breakBefore === 'page'),
      charts: charts.length,
      whole: charts.every((c) => style(c).breakInside === 'avoid'),
      toc: style(document.querySelector('nav.toc')).display,
    };
  });
  check(print.steps > 1 && print.breaks, `printed, each step starts a page (${print.steps} steps)`);
  check(print.charts > 0 && print.whole, `printed, no chart is split across pages (${print.charts} charts)`);
  check(print.toc === 'none', 'printed, the table of contents is left out');
  const pdf = path.join(OUT_DIR, `report-${name}.pdf`);
  const bytes = await page.pdf({ path: pdf, format: 'A4', printBackground: false });
  check(bytes.length > 10000, `a PDF is written (${bytes.length} bytes, ${pdf})`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`report.spec: ${failures.length} check(s) failed`);
  process.exit(1);
}
