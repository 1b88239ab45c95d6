"""Open every page of the preview site in headless Chromium and fail on what a reader should not meet.

    apt-get install chromium                                        # Debian's browser
    python3 -m venv /tmp/pw && /tmp/pw/bin/pip install playwright   # the driver only: no browser download
    .venv/bin/python tools/preview_site.py && /tmp/pw/bin/python tools/site_check.py --site _preview

Serves the folder on 127.0.0.1, starts at index.html and visits every page the sidebar links to
(and every other page in the folder). On each: the page must load; every link to another page of
the site must point at a page that exists (and an anchor at an element that exists); every image
must have loaded (a figure that is missing or broken has no width); no output may hold a
Python traceback or terminal control codes (an escape or a carriage return: a notebook run outside a
front end, see tools/run_notebooks.py); no output may be a leftover progress widget (a saved widget view, or a tqdm bar
frozen in text). Prints one line per page and exits non-zero with the problems. Not part of the
test suite: it needs Chromium and Playwright, which the course does not depend on.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import re
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

CHECKS = """() => {
  const outs = [...document.querySelectorAll('.jp-OutputArea-output')];
  return {
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    images: document.images.length,
    brokenImages: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => (i.getAttribute('src') || '').slice(0, 60)),
    tracebacks: outs.filter(o => o.innerText.includes('Traceback (most recent call last)')).map(o => o.innerText.slice(0, 120)),
    widgets: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length
             + outs.filter(o => /\\d+%\\|[\\u2588-\\u258f ]*\\|/.test(o.innerText)).length,
    title: document.title,
  };
}"""


def controls(html: str) -> list[str]:
    "Outputs holding an escape or a carriage return, read from the page's source: the browser turns a CR into a line break."
    outs = re.findall(r'class="[^"]*jp-OutputArea-output[^"]*"[^>]*>(.*?)</div>', html, flags=re.S)
    return [o[:80] for o in outs if '\x1b' in o or '\r' in o]


def serve(folder: Path) -> http.server.ThreadingHTTPServer:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    handler = functools.partial(Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--site', type=Path, default=Path('_preview'))
    ap.add_argument('--chromium', default='/usr/bin/chromium')
    ap.add_argument('--screenshot', type=Path, default=None, help='save a screenshot of the home page here')
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    if not (args.site/'index.html').is_file(): sys.exit(f'{args.site}/index.html not found: build the site first (tools/preview_site.py)')
    httpd = serve(args.site); base = f'http://127.0.0.1:{httpd.server_address[1]}/'
    todo, seen, problems, ids = ['index.html'], set(), [], {}
    todo += sorted(p.name for p in args.site.glob('*.html') if p.name != 'index.html')
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=[
            '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync'])
        page = browser.new_page(viewport={'width': 1400, 'height': 1000})
        links = {}
        for name in todo:
            if name in seen: continue
            seen.add(name)
            resp = page.goto(base + name, wait_until='load')
            if resp is None or not resp.ok: problems.append(f'{name}: does not load ({resp.status if resp else "no response"})'); continue
            page.wait_for_timeout(200)
            r = page.evaluate(CHECKS)
            if name == 'index.html' and args.screenshot: page.screenshot(path=str(args.screenshot))
            ids[name], links[name] = set(r['ids']), r['links']
            problems += [f'{name}: image not shown: {s}' for s in r['brokenImages']]
            problems += [f'{name}: traceback in an output: {t!r}' for t in r['tracebacks']]
            problems += [f'{name}: terminal control codes in an output (run it with tools/run_notebooks.py): {t!r}' for t in controls(resp.text())]
            if r['widgets']: problems.append(f'{name}: {r["widgets"]} leftover progress widget(s)')
            print(f"{name:28} {r['title'][:50]:50} {r['images']:3} figures, {len(r['links']):3} links")
        browser.close()
    for name, hrefs in links.items():                        # links checked once every page's anchors are known
        for h in hrefs:
            u = urlparse(h)
            if u.scheme in ('http', 'https', 'mailto', 'data') or u.netloc: continue
            target = u.path or name
            if not (args.site/target).is_file(): problems.append(f'{name}: broken link {h!r}'); continue
            if u.fragment and target in ids and u.fragment not in ids[target]: problems.append(f'{name}: link to a missing anchor {h!r}')
    httpd.shutdown()
    if problems: sys.exit('\n'.join(['PROBLEMS:'] + problems))
    print(f'OK: {len(seen)} pages, no broken link, figure, traceback, control code or leftover widget')


if __name__ == '__main__':
    main()
