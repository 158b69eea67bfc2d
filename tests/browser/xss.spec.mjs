// Opens documents `playbook` wrote from hostile records (tests/browser/xss-vectors.txt
// placed as outputs, check names, parameters and prose) in Debian's headless Chromium and
// checks that nothing in them runs or loads: no dialog opens (alert, confirm, prompt, a
// popup, and print, hooked in every frame), and no request leaves (every request but file: and data:
// is counted and aborted before it is sent). Each document is opened twice: as written
// (its Content-Security-Policy in force), and with the policy bypassed, so the sanitiser
// alone must hold. After loading, the events inline handlers would answer (load, error,
// mouseover, focus, toggle, animation and SMIL begin) are dispatched to every element, and
// the DOM must hold no script, no inline handler and no javascript: link.
//
// An HTML document is opened as a page of its own. Chart files (.svg, a few hundred: two
// per vector) are opened FRAMES_PER_PAGE at a time, each in a frame of its own (an
// <iframe>, not sandboxed: its scripts would run as in a page) of one page: the DOM checks
// run in each frame and name its file; a dialog or a request is seen for the whole page,
// so when one is, each file of that page is opened again alone, to name the one it came
// from (and if none does alone, the page's files are named together). One browser for all.
//
//   DOCS='["tests/out/xss/report.html", …]' node tests/browser/xss.spec.mjs
//
// Exit code: 0 when every check holds, 1 otherwise.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DOCS = JSON.parse(process.env.DOCS || '[]').map((d) => path.resolve(d));
// Pages open at once (an HTML document's page mostly waits), and chart files per page (a
// frame costs less than a page of its own: 325 files took 46 s in pages of 40 and 32 s in
// pages of 200 on a loaded 2-core machine, 4.2 min one page each).
const CONCURRENCY = 4;
const FRAMES_PER_PAGE = 100;
const EVENTS = ['load', 'error', 'mouseover', 'mouseenter', 'pointerover', 'focus', 'focusin',
  'toggle', 'animationstart', 'begin', 'beginEvent', 'start', 'click'];

const failures = [];
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}

// Before any script of the page, in every frame: print() (which opens no dialog headless)
// says on the console that it was called. alert, confirm and prompt stay Chromium's own:
// their dialogs are seen by the page's dialog event, from any frame.
function hookPrint() {
  window.print = () => console.log('XSS-FIRED print()');
}

// In a document (a page or a frame): dispatches EVENTS to every element, then reports what
// could run.
function inspect(events) {
  const all = [...document.querySelectorAll('*')];
  for (const el of all) {
    for (const type of events) {
      // A click on a kept https link would navigate: that is the reader's choice, and
      // leaves the page; the click of anything else is dispatched.
      if (type === 'click' && el.closest('a[href]')) continue;
      try { el.dispatchEvent(new Event(type)); } catch (e) { /* some events refuse */ }
    }
  }
  return {
    scripts: document.querySelectorAll('script, iframe, object, embed, frame, frameset, foreignObject, use, image, animate, set, form, base, link, meta[http-equiv="refresh"]').length,
    handlers: all.filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))).map((el) => el.outerHTML.slice(0, 120)),
    links: all.filter((el) => /^\s*(javascript|vbscript|data):/i.test(el.getAttribute('href') || el.getAttribute('src') || '')
      && !/^\s*data:image\//i.test(el.getAttribute('src') || '')).map((el) => el.outerHTML.slice(0, 120)),
    csp: !!document.querySelector('meta[http-equiv="Content-Security-Policy"]'),
    text: document.body ? document.body.innerText.length : 0,
  };
}

// A context of its own with every watch in place: requests counted and aborted, dialogs,
// popups and print() collected.
async function watchedPage(browser, bypassCSP) {
  const context = await browser.newContext({ bypassCSP, javaScriptEnabled: true });
  const leaked = new Set();
  const dialogs = [];
  await context.addInitScript(hookPrint);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    leaked.add(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', (r) => { if (!/^(file|data):/.test(r.url())) leaked.add(r.url()); });
  page.on('dialog', (d) => { dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
  page.on('popup', (p) => dialogs.push(`popup: ${p.url()}`));
  page.on('console', (m) => { if (m.text().startsWith('XSS-FIRED')) dialogs.push(m.text()); });
  return { context, page, leaked, dialogs };
}

// One document as a page of its own.
async function open(browser, doc, bypassCSP) {
  const { context, page, leaked, dialogs } = await watchedPage(browser, bypassCSP);
  try {
    await page.goto(pathToFileURL(doc).toString(), { waitUntil: 'load', timeout: 60000 });
    // Animations, autofocus and SMIL begin on their own: give them time (a chart file is
    // small and drawn at once).
    await page.waitForTimeout(doc.endsWith('.svg') ? 300 : 1500);
    const found = await page.evaluate(inspect, EVENTS);
    await page.waitForTimeout(doc.endsWith('.svg') ? 100 : 500);
    return { ...found, dialogs, leaked: [...leaked] };
  } finally {
    await context.close();
  }
}

const HARNESS_DIR = mkdtempSync(path.join(os.tmpdir(), 'playbook-xss-'));
let harnesses = 0;

function attribute(text) {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

// Chart files, each in a frame of one page. Returns one result per file.
async function openFrames(browser, docs, bypassCSP) {
  const harness = path.join(HARNESS_DIR, `frames-${harnesses++}.html`);
  const urls = docs.map((d) => pathToFileURL(d).toString());
  writeFileSync(harness, '<!DOCTYPE html><html><head><meta charset="utf-8"><title>chart files</title></head><body>\n'
    + urls.map((u, i) => `<iframe data-doc="${i}" width="320" height="240" src="${attribute(u)}"></iframe>`).join('\n')
    + '\n</body></html>\n');
  const { context, page, leaked, dialogs } = await watchedPage(browser, bypassCSP);
  const found = new Array(docs.length);
  try {
    await page.goto(pathToFileURL(harness).toString(), { waitUntil: 'load', timeout: 120000 });
    await page.waitForTimeout(300);
    // A frame is known by its document's address (a file that navigated away has none).
    await Promise.all(page.mainFrame().childFrames().map(async (frame) => {
      const i = urls.indexOf(frame.url());
      if (i >= 0 && !found[i]) found[i] = await frame.evaluate(inspect, EVENTS).catch((e) => ({ error: e.message }));
    }));
    await page.waitForTimeout(100);
  } finally {
    await context.close();
  }
  const page_ = { dialogs, leaked: [...leaked] };
  const results = found.map((f) => ({ ...(f || { error: 'no frame shows it after loading' }), dialogs: [], leaked: [] }));
  if (!page_.dialogs.length && !page_.leaked.length) return results;
  // Something fired on this page: open each file alone to name the one(s) it came from.
  let named = false;
  for (let i = 0; i < docs.length; i++) {
    const alone = await open(browser, docs[i], bypassCSP).catch((e) => ({ error: e.message }));
    if (alone.error) { results[i].error = alone.error; continue; }
    results[i].dialogs = alone.dialogs;
    results[i].leaked = alone.leaked;
    named ||= alone.dialogs.length > 0 || alone.leaked.length > 0;
  }
  if (!named) {
    // Not reproduced by any file alone: the page's files are named together.
    results.unattributed = page_;
  }
  return results;
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  check(DOCS.length > 0, `documents to open: ${DOCS.length}`);
  // Each HTML document in a page of its own, the chart files FRAMES_PER_PAGE to a page; each
  // as written and with the policy bypassed, a few pages at a time; reported in order.
  const pages = DOCS.filter((d) => !d.endsWith('.svg'));
  const charts = DOCS.filter((d) => d.endsWith('.svg'));
  const chunks = [];
  for (let i = 0; i < charts.length; i += FRAMES_PER_PAGE) chunks.push(charts.slice(i, i + FRAMES_PER_PAGE));
  const results = new Map(); // `${bypass} ${doc}` -> result
  const unattributed = [];
  const jobs = [
    ...pages.flatMap((doc) => [false, true].map((bypass) => async () => {
      results.set(`${bypass} ${doc}`, await open(browser, doc, bypass).catch((e) => ({ error: e.message })));
    })),
    ...chunks.flatMap((docs) => [false, true].map((bypass) => async () => {
      const found = await openFrames(browser, docs, bypass)
        .catch((e) => docs.map(() => ({ error: e.message, dialogs: [], leaked: [] })));
      docs.forEach((doc, i) => results.set(`${bypass} ${doc}`, found[i]));
      if (found.unattributed) unattributed.push({ docs, bypass, ...found.unattributed });
    })),
  ];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]();
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  for (const doc of DOCS) {
    for (const bypass of [false, true]) {
      const r = results.get(`${bypass} ${doc}`);
      const name = path.relative(process.cwd(), doc);
      const how = bypass ? 'policy bypassed' : 'as written';
      if (r.error) { check(false, `${name} (${how}): opens (${r.error})`); continue; }
      if (doc.endsWith('.html') && !bypass && !name.endsWith('.md.html')) check(r.csp, `${name}: has its Content-Security-Policy`);
      check(r.dialogs.length === 0,
        `${name} (${how}): no dialog${r.dialogs.length ? `: ${r.dialogs.slice(0, 10).join('; ')}` : ''}`);
      check(r.leaked.length === 0,
        `${name} (${how}): no request left${r.leaked.length ? `: ${r.leaked.slice(0, 10).join(', ')}` : ''}`);
      check(r.scripts === 0 && r.handlers.length === 0 && r.links.length === 0,
        `${name} (${how}): no script, handler or script link (${r.scripts} elements, ${r.handlers.length} handlers, ${r.links.length} links)${[...r.handlers, ...r.links].slice(0, 5).map((s) => `\n      ${s}`).join('')}`);
    }
  }
  for (const u of unattributed) {
    const names = u.docs.map((d) => path.relative(process.cwd(), d)).join(', ');
    check(false, `a page of chart files (${u.bypass ? 'policy bypassed' : 'as written'}): no dialog and no request `
      + `(saw ${[...u.dialogs, ...u.leaked].slice(0, 10).join('; ')}, from none of them alone): ${names}`);
  }
} finally {
  await browser.close();
  rmSync(HARNESS_DIR, { recursive: true, force: true });
}
if (failures.length) {
  console.error(`xss.spec: ${failures.length} check(s) failed`);
  process.exit(1);
}
