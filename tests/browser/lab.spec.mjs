// Opens a notebook in JupyterLab in Debian's headless Chromium, runs every cell with the
// Playbook (Rust) kernel and checks what JupyterLab rendered: an SVG chart, a table of
// check verdicts, and no error output. Saves a full-page screenshot either way.
//
//   LAB_URL=http://127.0.0.1:8888/lab?token=...  NOTEBOOK=notebooks/getting-started.ipynb \
//     node tests/browser/lab.spec.mjs
//
// The server needs `--LabApp.expose_app_in_browser=True` (window.jupyterapp), which
// tests/test_browser.py passes; it also turns off autosave so the notebook file is never
// rewritten with outputs. Exit code: 0 when every check holds, 1 otherwise.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const KERNEL_NAME = process.env.KERNEL_NAME || 'playbook';
const KERNEL_DISPLAY = process.env.KERNEL_DISPLAY || 'Playbook (Rust)';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT_DIR = process.env.OUT_DIR || path.resolve(HERE, '..', 'out');
// The first Rust cell compiles for a while on a busy 2-core machine: ceilings, not targets.
const RUN_TIMEOUT_MS = Number(process.env.RUN_TIMEOUT_MS || 10 * 60 * 1000);
const OPEN_TIMEOUT_MS = Number(process.env.OPEN_TIMEOUT_MS || 3 * 60 * 1000);
const RENDER_TIMEOUT_MS = 30 * 1000;

const VERDICT = /\b(PASS|WARN|FAIL)\b/;

function log(...args) {
  console.log(`[lab.spec ${new Date().toISOString().slice(11, 19)}]`, ...args);
}

class Failure extends Error {}

function fail(message) {
  throw new Failure(message);
}

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`lab.spec: set ${name} (see the header of ${path.basename(fileURLToPath(import.meta.url))})`);
    process.exit(2);
  }
  return value;
}

/** The URL of `notebook` in the JupyterLab at `labUrl` (keeps the token). */
function notebookUrl(labUrl, notebook) {
  const url = new URL(labUrl);
  // Drop a trailing `lab`, `lab/...` or `tree/...` to get the server's base URL.
  let base = url.pathname.replace(/\/(lab|tree)(\/.*)?$/, '');
  if (!base.endsWith('/')) base += '/';
  const encoded = notebook.split('/').map(encodeURIComponent).join('/');
  url.pathname = `${base}lab/tree/${encoded}`;
  return url.toString();
}

/** Polls `fn` (run in the page) until it returns a truthy value; returns that value. */
async function waitFor(page, what, timeoutMs, fn, arg) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await page.evaluate(fn, arg);
    if (last && last.done) return last;
    await page.waitForTimeout(500);
  }
  fail(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}: ${JSON.stringify(last)}`);
}

/** Answers a kernel-selection dialog with the Playbook kernel; fails on any other dialog. */
async function handleDialog(page) {
  const dialog = page.locator('.jp-Dialog');
  if (!(await dialog.count())) return false;
  const text = (await dialog.first().innerText()).replace(/\s+/g, ' ').trim();
  const select = dialog.locator('select');
  if (await select.count()) {
    const options = await select.first().locator('option').allInnerTexts();
    const label = options.find((o) => o.trim() === KERNEL_DISPLAY);
    if (!label) fail(`kernel dialog without "${KERNEL_DISPLAY}" (offers: ${options.join(', ')}); is the kernelspec installed in the server's environment?`);
    log(`kernel dialog: choosing "${KERNEL_DISPLAY}"`);
    await select.first().selectOption({ label });
    await dialog.locator('.jp-Dialog-button.jp-mod-accept').first().click();
    return true;
  }
  fail(`unexpected dialog: ${text}`);
}

async function main() {
  const labUrl = required('LAB_URL');
  const notebook = required('NOTEBOOK');
  const name = path.basename(notebook).replace(/\.ipynb$/, '');
  mkdirSync(OUT_DIR, { recursive: true });
  const screenshot = path.join(OUT_DIR, `jupyterlab-${name}.png`);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright starts Chromium with a new, temporary --user-data-dir of its own.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  let page;
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    page = await context.newPage();
    page.on('pageerror', (e) => log('page error:', e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') log('console error:', m.text());
    });

    const url = notebookUrl(labUrl, notebook);
    log(`opening ${url.replace(/token=[^&]+/, 'token=…')}`);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: OPEN_TIMEOUT_MS });

    // The application, then the notebook panel with its session.
    await waitFor(page, 'JupyterLab (window.jupyterapp; is expose_app_in_browser on?)', OPEN_TIMEOUT_MS, () => ({
      done: !!(window.jupyterapp && window.jupyterapp.shell),
    }));
    await page.evaluate(() => window.jupyterapp.restored);
    const deadline = Date.now() + OPEN_TIMEOUT_MS;
    for (;;) {
      await handleDialog(page);
      const state = await page.evaluate((nb) => {
        const w = window.jupyterapp.shell.currentWidget;
        if (!w || !w.context || !w.content || !w.sessionContext) return { done: false, widget: w && w.id };
        const session = w.sessionContext.session;
        const kernel = session && session.kernel;
        return {
          done: w.context.path === nb && !!kernel && w.sessionContext.isReady && kernel.status === 'idle',
          path: w.context.path,
          kernel: kernel && kernel.name,
          status: kernel && kernel.status,
        };
      }, notebook);
      if (state.done) {
        if (state.kernel !== KERNEL_NAME) fail(`notebook runs kernel "${state.kernel}", expected "${KERNEL_NAME}"`);
        log(`notebook open, kernel ${state.kernel} ${state.status}`);
        break;
      }
      if (Date.now() > deadline) fail(`notebook or kernel not ready after ${OPEN_TIMEOUT_MS / 1000}s: ${JSON.stringify(state)}`);
      await page.waitForTimeout(500);
    }

    // Run every cell; the command resolves once all have executed (or one failed).
    const started = Date.now();
    await page.evaluate(() => {
      window.__playbookRun = { finished: false };
      window.jupyterapp.commands
        .execute('notebook:run-all-cells')
        .then((ok) => (window.__playbookRun = { finished: true, ok }))
        .catch((e) => (window.__playbookRun = { finished: true, error: String(e) }));
    });
    let lastReport = 0;
    for (;;) {
      await handleDialog(page);
      const state = await page.evaluate(() => {
        const w = window.jupyterapp.shell.currentWidget;
        const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
        const cells = w.content.model.toJSON().cells.filter((c) => c.cell_type === 'code');
        return {
          run: window.__playbookRun,
          status: kernel ? kernel.status : 'no kernel',
          executed: cells.filter((c) => c.execution_count != null).length,
          code: cells.length,
          errors: cells.some((c) => (c.outputs || []).some((o) => o.output_type === 'error')),
        };
      });
      const settled = state.status === 'idle' && state.run.finished;
      if (settled && (state.executed === state.code || state.errors || state.run.ok === false)) {
        log(`run finished in ${Math.round((Date.now() - started) / 1000)}s: ${state.executed}/${state.code} code cells executed`);
        break;
      }
      if (['dead', 'unknown', 'no kernel'].includes(state.status)) fail(`kernel is ${state.status} after ${state.executed}/${state.code} cells`);
      if (Date.now() - started > RUN_TIMEOUT_MS) fail(`cells still running after ${RUN_TIMEOUT_MS / 1000}s: ${JSON.stringify(state)}`);
      if (Date.now() - lastReport > 15000) {
        lastReport = Date.now();
        log(`running: ${state.executed}/${state.code} code cells, kernel ${state.status}`);
      }
      await page.waitForTimeout(500);
    }

    // What the kernel sent, read off the notebook model.
    const model = await page.evaluate(() => {
      const cells = window.jupyterapp.shell.currentWidget.content.model.toJSON().cells;
      return cells.map((c, index) => ({
        index,
        type: c.cell_type,
        count: c.execution_count,
        first: (Array.isArray(c.source) ? c.source.join('') : c.source).split('\n')[0],
        outputs: (c.outputs || []).map((o) => ({
          type: o.output_type,
          name: o.name,
          ename: o.ename,
          evalue: o.evalue,
          text: o.output_type === 'stream' ? (Array.isArray(o.text) ? o.text.join('') : o.text) : undefined,
        })),
      }));
    });
    const problems = [];
    for (const cell of model.filter((c) => c.type === 'code')) {
      const where = `cell ${cell.index} (${cell.first})`;
      if (cell.count == null) problems.push(`${where} did not execute`);
      for (const o of cell.outputs) {
        if (o.type === 'error') problems.push(`${where} raised ${o.ename}: ${o.evalue}`);
        if (o.type === 'stream' && o.name === 'stderr') log(`${where} wrote to stderr: ${o.text.trim().slice(0, 300)}`);
      }
    }

    // What JupyterLab rendered (renderers are asynchronous: give them a moment).
    let rendered;
    try {
      // After an error there is little to wait for: report it without a long wait.
      const timeout = problems.length ? 3000 : RENDER_TIMEOUT_MS;
      rendered = await waitFor(page, 'rendered chart and check table', timeout, (verdict) => {
        const re = new RegExp(verdict);
        const outputs = [...document.querySelectorAll('.jp-OutputArea-output')];
        const charts = outputs
          .flatMap((o) => [...o.querySelectorAll('svg')])
          .filter((svg) => svg.querySelector('polyline, path'))
          .map((svg) => svg.getBoundingClientRect())
          .filter((r) => r.width > 50 && r.height > 50);
        const tables = outputs
          .flatMap((o) => [...o.querySelectorAll('table')])
          .map((t) => t.innerText)
          .filter((text) => re.test(text));
        return {
          done: charts.length > 0 && tables.length > 0,
          outputs: outputs.length,
          charts: charts.map((r) => `${Math.round(r.width)}x${Math.round(r.height)}`),
          tables: tables.map((t) => t.replace(/\s+/g, ' ').trim()),
        };
      }, VERDICT.source);
    } catch (e) {
      if (!(e instanceof Failure)) throw e;
      problems.push(e.message);
    }
    if (rendered) {
      log(`rendered: ${rendered.outputs} outputs, charts ${rendered.charts.join(', ')}`);
      for (const t of rendered.tables) log(`check table: ${t.slice(0, 300)}`);
    }
    if (problems.length) fail(problems.join('\n'));
  } finally {
    if (page) await takeScreenshot(page, screenshot).catch((e) => log(`screenshot failed: ${e.message}`));
    await browser.close();
  }
}

/** A screenshot of the whole notebook: grows the viewport to the notebook's height first. */
async function takeScreenshot(page, file) {
  const collapsed = await page
    .evaluate(() => {
      const app = window.jupyterapp;
      if (!app) return false;
      app.shell.collapseLeft();
      app.shell.collapseRight();
      return true;
    })
    .catch(() => false);
  if (collapsed) {
    await page.waitForTimeout(500);
    // The notebook scrolls inside its own panel (.jp-WindowedPanel-outer), not the page.
    const height = await page
      .evaluate(() => {
        const w = window.jupyterapp.shell.currentWidget;
        const scroller = w && w.content && (w.content.node.querySelector('.jp-WindowedPanel-outer') || w.content.node);
        if (!scroller) return null;
        return window.innerHeight - scroller.clientHeight + scroller.scrollHeight + 20;
      })
      .catch(() => null);
    if (height) {
      await page.setViewportSize({ width: 1400, height: Math.min(Math.max(height, 1000), 12000) });
      await page.waitForTimeout(1000);
      await page.evaluate(() => {
        const w = window.jupyterapp.shell.currentWidget;
        const scroller = w.content.node.querySelector('.jp-WindowedPanel-outer') || w.content.node;
        scroller.scrollTop = 0;
      });
      await page.waitForTimeout(300);
    }
  }
  await page.screenshot({ path: file, fullPage: true });
  log(`screenshot: ${file}`);
}

main().then(
  () => {
    log('OK');
    process.exit(0);
  },
  (e) => {
    console.error(`lab.spec FAILED: ${e instanceof Failure ? e.message : e.stack || e}`);
    process.exit(1);
  },
);
