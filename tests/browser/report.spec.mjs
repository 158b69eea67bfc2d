// Opens an HTML report of `playbook report` in Debian's headless Chromium and checks its
// layout as a reader meets it: the first screen shows the header card and the checks;
// nothing is wider than the page (long query texts fold); dark mode is dark; printed,
// steps start on a new page and no chart is split across pages (print stylesheet, and a
// PDF is written). Saves a screenshot of the first screen and the PDF.
//
// With KIND=postmortem the page is a post-incident review (`playbook report --postmortem`):
// the first screen shows the title and the impact starts on it; the impact has its table
// and a chart that is drawn (non-zero size); the timeline's rows (the incident's, then the
// investigation's) are each in time order; the
// sections for people to write (Cause, What went well, What to improve, Action items) are
// there; nothing is wider than the page on a desktop (1280 px) or a phone (390 px); printed,
// a PDF is written. Saves screenshots (first screen, whole page on the phone) and the PDF.
//
// Either kind: the page loads with no console error, no page error and no failed request,
// and has no script.
//
//   REPORT=tests/golden/post-deploy-bad.report.html OUT_DIR=tests/out node tests/browser/report.spec.mjs
//   KIND=postmortem REPORT=tests/out/…/latency-spike.postmortem.html OUT_DIR=tests/out node tests/browser/report.spec.mjs
//
// Exit code: 0 when every check holds, 1 otherwise.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const REPORT = path.resolve(process.env.REPORT || '');
const OUT_DIR = path.resolve(process.env.OUT_DIR || 'tests/out');
const KIND = process.env.KIND || 'report';
const SCREEN = { width: 1280, height: 800 };
// A phone (an iPhone 12-13-14's CSS viewport), the meta viewport honoured.
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };

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
  if (!['report', 'postmortem'].includes(KIND)) throw new Error(`KIND=${KIND}: report or postmortem`);
  if (KIND === 'postmortem') await postmortem();
  else await report();
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`report.spec: ${failures.length} check(s) failed`);
  process.exit(1);
}

// Opens the document in a new page of `context`, and records what the page complains
// about while it loads: console errors, uncaught errors, requests that fail.
async function open(context) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  const response = await page.goto(pathToFileURL(REPORT).toString(), { waitUntil: 'load' });
  return { page, problems, response };
}

// Loads cleanly and runs nothing: no console or page error, no failed request, no script
// (neither a script element nor an inline event handler nor a javascript: link).
async function loadsCleanly({ page, problems, response }) {
  check(response === null || response.ok(), `the page loads (${response ? response.status() : 'file'})`);
  check(problems.length === 0, `no console error, page error or failed request${problems.length ? `: ${problems.join('; ')}` : ''}`);
  const scripts = await page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    return {
      elements: document.querySelectorAll('script, noscript, iframe, object, embed').length,
      handlers: all.filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))).length,
      links: all.filter((el) => /^\s*javascript:/i.test(el.getAttribute('href') || '')).length,
    };
  });
  check(scripts.elements === 0 && scripts.handlers === 0 && scripts.links === 0,
    `no script (${scripts.elements} script elements, ${scripts.handlers} inline handlers, ${scripts.links} javascript: links)`);
}

// Nothing wider than the viewport: the document does not scroll sideways. On a failure,
// names the elements that stick out (a wide child of a scroll container does not count).
async function noHorizontalScroll(page, width, where) {
  const widths = await page.evaluate(() => {
    const doc = document.documentElement.scrollWidth;
    const scrolls = (el) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(el).overflowX);
    const inScroller = (el) => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) if (scrolls(p)) return true; return false; };
    const wide = (el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5;
    // The outermost elements that stick out, each with the section it is in.
    const out = [...document.body.querySelectorAll('*')]
      .filter((el) => wide(el) && !wide(el.parentElement) && !inScroller(el))
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} in ${el.closest('section[id]') ? '#' + el.closest('section[id]').id : 'the page'} → ${Math.round(el.getBoundingClientRect().right)}`);
    return { doc, out: out.slice(0, 8) };
  });
  check(widths.doc <= width,
    `${where}: no horizontal scrolling (${widths.doc} <= ${width})${widths.out.length ? `; too wide: ${widths.out.join(', ')}` : ''}`);
}

async function postmortem() {
  const context = await browser.newContext({ viewport: SCREEN });
  const loaded = await open(context);
  const { page } = loaded;
  await loadsCleanly(loaded);

  // The first screen: the title, and the impact starts on it; the impact has its table
  // and a chart that is drawn.
  const first = await page.evaluate(() => {
    const box = (el) => el && el.getBoundingClientRect();
    const h1 = document.querySelector('h1');
    const impact = document.querySelector('section#impact');
    const heading = impact && impact.querySelector('h2');
    const table = impact && impact.querySelector('table');
    const chart = impact && impact.querySelector('figure svg, figure img, svg, img');
    const drawn = chart && box(chart);
    return {
      title: h1 ? h1.textContent.trim() : null,
      titleBottom: h1 ? box(h1).bottom : null,
      impact: heading ? heading.textContent.trim() : null,
      impactTop: heading ? box(heading).top : null,
      rows: table ? table.querySelectorAll('tr').length : 0,
      chart: chart ? chart.tagName.toLowerCase() : null,
      chartSize: drawn ? [Math.round(drawn.width), Math.round(drawn.height)] : [0, 0],
      imgLoaded: chart && chart.tagName.toLowerCase() === 'img' ? chart.complete && chart.naturalWidth > 0 : true,
    };
  });
  check(first.title !== null && first.title.startsWith('Post-incident review'), `the title is "Post-incident review…" (${first.title})`);
  check(first.titleBottom !== null && first.titleBottom <= SCREEN.height, `the title is on the first screen (bottom ${first.titleBottom})`);
  check(first.impact === 'Impact' && first.impactTop < SCREEN.height, `the Impact section starts on the first screen (top ${first.impactTop})`);
  check(first.rows > 1, `the impact has its table (${first.rows - 1} measures)`);
  check(first.chart !== null && first.chartSize[0] > 0 && first.chartSize[1] > 0 && first.imgLoaded,
    `the impact has a chart that is drawn (${first.chart} ${first.chartSize.join('×')})`);
  await page.screenshot({ path: path.join(OUT_DIR, `postmortem-${name}.png`) });

  // The timeline: one row per event, in time order; the incident's table, then the
  // investigation's (runs, query windows, checks), each in time order.
  const tables = await page.evaluate(() => [...document.querySelectorAll('section#timeline table')]
    .map((table) => [...table.querySelectorAll('tr')]
      .filter((tr) => tr.querySelector('td'))
      .map((tr) => tr.querySelector('td').textContent.trim())));
  const times = tables.flat();
  const unparsed = times.filter((t) => Number.isNaN(Date.parse(t)));
  const outOfOrder = tables.map((rows) => rows.map((t) => Date.parse(t)))
    .map((instants) => instants.findIndex((t, i) => i > 0 && t < instants[i - 1]))
    .findIndex((at) => at !== -1);
  check(tables.length === 2, `the timeline has the incident's table and the investigation's (${tables.length} tables)`);
  check(times.length > 1 && unparsed.length === 0, `the timeline has rows with times (${times.length} rows${unparsed.length ? `; not a time: ${unparsed.join(', ')}` : ''})`);
  check(outOfOrder === -1, `each timeline table's rows are in time order${outOfOrder === -1 ? '' : ` (table ${outOfOrder + 1} is not)`}`);

  // The sections for people to write, after the timeline; the action items as a table.
  const sections = await page.evaluate(() => ({
    headings: [...document.querySelectorAll('h2')].map((h) => h.textContent.trim()),
    actions: [...document.querySelectorAll('section#action-items th')].map((th) => th.textContent.trim()),
  }));
  for (const heading of ['Cause', 'What went well', 'What to improve', 'Action items']) {
    check(sections.headings.includes(heading), `the "${heading}" heading is there`);
  }
  check(sections.actions.join('/') === 'Action/Owner/Due', `the action items are a table to fill in (${sections.actions.join(', ')})`);

  // Nothing wider than the page, on a desktop and on a phone.
  await noHorizontalScroll(page, SCREEN.width, `${SCREEN.width} px wide`);
  const phone = await browser.newContext(PHONE);
  const small = await open(phone);
  check(small.problems.length === 0, `on a phone, no console error, page error or failed request${small.problems.length ? `: ${small.problems.join('; ')}` : ''}`);
  await noHorizontalScroll(small.page, PHONE.viewport.width, `${PHONE.viewport.width} px wide (a phone)`);
  await small.page.screenshot({ path: path.join(OUT_DIR, `postmortem-${name}-phone.png`), fullPage: true });
  await phone.close();

  // Print: the chart is not split across pages, and a PDF is written.
  await page.emulateMedia({ media: 'print', colorScheme: 'light' });
  const print = await page.evaluate(() => [...document.querySelectorAll('figure.chart')]
    .map((c) => getComputedStyle(c).breakInside));
  check(print.length > 0 && print.every((b) => b === 'avoid'), `printed, no chart is split across pages (${print.length} charts)`);
  const pdf = path.join(OUT_DIR, `postmortem-${name}.pdf`);
  let bytes = null;
  try {
    bytes = await page.pdf({ path: pdf, format: 'A4', printBackground: false });
  } catch (e) {
    check(false, `a PDF is written (${e.message})`);
  }
  if (bytes) {
    check(bytes.length > 10000 && bytes.subarray(0, 5).toString() === '%PDF-', `a PDF is written (${bytes.length} bytes, ${pdf})`);
  }
  await context.close();
}

async function report() {
  const context = await browser.newContext({ viewport: SCREEN });
  const loaded = await open(context);
  const { page } = loaded;
  await loadsCleanly(loaded);

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
  await context.close();
}

