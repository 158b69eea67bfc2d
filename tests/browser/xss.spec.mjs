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
//   DOCS='["tests/out/xss/report.html", …]' node tests/browser/xss.spec.mjs
//
// Exit code: 0 when every check holds, 1 otherwise.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DOCS = JSON.parse(process.env.DOCS || '[]').map((d) => path.resolve(d));
const CONCURRENCY = 4;
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

async function open(browser, doc, bypassCSP) {
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
  await page.goto(pathToFileURL(doc).toString(), { waitUntil: 'load', timeout: 60000 });
  // Animations, autofocus and SMIL begin on their own: give them time (a chart file is
  // small and drawn at once).
  await page.waitForTimeout(doc.endsWith('.svg') ? 300 : 1500);
  const found = await page.evaluate((events) => {
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
  }, EVENTS);
  await page.waitForTimeout(doc.endsWith('.svg') ? 100 : 500);
  await context.close();
  return { ...found, dialogs, leaked: [...leaked] };
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  check(DOCS.length > 0, `documents to open: ${DOCS.length}`);
  // Each document in a context of its own, as written and with the policy bypassed, a few
  // at a time; reported in order.
  const jobs = DOCS.flatMap((doc) => [false, true].map((bypass) => ({ doc, bypass })));
  const results = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await open(browser, jobs[i].doc, jobs[i].bypass).catch((e) => ({ error: e.message }));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  jobs.forEach(({ doc, bypass }, i) => {
    const r = results[i];
    const name = path.relative(process.cwd(), doc);
    const how = bypass ? 'policy bypassed' : 'as written';
    if (r.error) return check(false, `${name} (${how}): opens (${r.error})`);
    if (doc.endsWith('.html') && !bypass && !name.endsWith('.md.html')) check(r.csp, `${name}: has its Content-Security-Policy`);
    check(r.dialogs.length === 0,
      `${name} (${how}): no dialog${r.dialogs.length ? `: ${r.dialogs.slice(0, 10).join('; ')}` : ''}`);
    check(r.leaked.length === 0,
      `${name} (${how}): no request left${r.leaked.length ? `: ${r.leaked.slice(0, 10).join(', ')}` : ''}`);
    check(r.scripts === 0 && r.handlers.length === 0 && r.links.length === 0,
      `${name} (${how}): no script, handler or script link (${r.scripts} elements, ${r.handlers.length} handlers, ${r.links.length} links)${[...r.handlers, ...r.links].slice(0, 5).map((s) => `\n      ${s}`).join('')}`);
  });
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`xss.spec: ${failures.length} check(s) failed`);
  process.exit(1);
}
