"""Build a preview of the documentation site without Quarto: the processed notebooks as static HTML pages.

    .venv/bin/python tools/preview_site.py              # writes _preview/ (ignored by git)
    python3 -m http.server -d _preview 8000             # then open http://localhost:8000/

The published site is rendered by Quarto in `.github/workflows/deploy.yaml`; Quarto cannot be
installed on the course's own machines, so this builds the same pages another way: nbdev's own
processing (`nbdev.serve.proc_nbs`: hidden cells dropped, directives applied, outputs kept as
committed, nothing re-run), then nbconvert's lab template for each notebook, in the order of
`nbs/sidebar.yml`, with a sidebar of its own on every page and links between lessons pointing at
the pages. The course home (`index.ipynb`) is `index.html`. `tools/site_check.py` opens every page
in headless Chromium and fails on what a reader should not meet. The build itself fails on a cell that
mixes imports with other code (nbdev warns of it, and runs it again without the cells before it).
"""
from __future__ import annotations

import argparse
import html
import os
import re
import shutil
from pathlib import Path

import nbformat
import yaml
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbdev.config import get_config
from nbdev.serve import proc_nbs


def sidebar_pages(nbs: Path) -> list[tuple[str | None, str]]:
    "(section, notebook) in the order of nbs/sidebar.yml."
    def walk(items, section=None):
        for it in items:
            if isinstance(it, str): yield section, it
            else: yield from walk(it['contents'], it['section'])
    return list(walk(yaml.safe_load((nbs/'sidebar.yml').read_text())['website']['sidebar']['contents']))


def page_name(nb: str) -> str: return Path(nb).stem + '.html'


def front_matter(nb) -> dict:
    "The title and description that nbdev's processing moved from the first cell into a raw YAML cell."
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.startswith('---'): return yaml.safe_load(c.source.strip().strip('-')) or {}
    return {}


def title_of(nb) -> str: return front_matter(nb).get('title', 'mm-sentiment')


def header_html(nb) -> str:
    fm = front_matter(nb)
    return (f'<header style="padding:16px 20px 0"><h1>{html.escape(fm.get("title", ""))}</h1>'
            f'<p style="font-size:1.1em;color:#444">{html.escape(fm.get("description", ""))}</p></header>') if fm else ''


def quarto_free(cell):
    "What Quarto would do to a cell that nbconvert does not: `#| echo: false` hides the code, directives are not shown, attributes dropped."
    if cell.cell_type == 'code':
        if re.search(r'^#\|\s*echo:\s*false', cell.source, re.M): cell.metadata.setdefault('tags', []).append('remove_input')
        cell.source = '\n'.join(l for l in cell.source.splitlines() if not l.startswith('#|'))
        for o in cell.get('outputs', []):
            for k in ('text/markdown', 'text/html'):
                if k in o.get('data', {}): o['data'][k] = re.sub(r'\{target="_blank"[^}]*\}', '', ''.join(o['data'][k]))
    return cell


def nav_html(pages, titles, current: str) -> str:
    items, section = [], None
    for sec, nb in pages:
        if sec != section and sec: items.append(f'<li class="sec">{html.escape(sec)}</li>')
        section = sec
        cls = ' class="here"' if nb == current else ''
        items.append(f'<li{cls}><a href="{page_name(nb)}">{html.escape(titles[nb])}</a></li>')
    return ('<nav id="course-nav"><a class="home" href="index.html">mm-sentiment</a><ul>' + ''.join(items) + '</ul></nav>'
            '<style>#course-nav{position:fixed;top:0;left:0;bottom:0;width:260px;overflow:auto;padding:12px;background:#f6f8fa;'
            'border-right:1px solid #ddd;font:14px sans-serif}#course-nav ul{list-style:none;padding:0}#course-nav li{margin:4px 0}'
            '#course-nav li.sec{margin-top:12px;font-weight:bold;color:#555}#course-nav li.here a{font-weight:bold}'
            '#course-nav .home{font-size:18px;font-weight:bold}body{margin-left:290px!important}</style>')


def build(out: Path) -> list[Path]:
    cfg = get_config()
    # nbdev runs a cell that mixes imports with other code again for the docs, without the cells before it: it breaks
    # the build, or works by luck. Its warning, in nbdev's spawned workers, is made an error (the cell is in the message).
    os.environ['PYTHONWARNINGS'] = ','.join(filter(None, [os.environ.get('PYTHONWARNINGS'), 'error:Found cells containing imports']))
    proc_nbs(n_workers=1, force=True)                       # nbdev's processing into _proc/, as for Quarto, never from a stale cache
    cache, pages = cfg.config_path/'_proc', sidebar_pages(cfg.nbs_path)
    nbs = {nb: nbformat.read(cache/nb, as_version=4) for _, nb in pages}
    titles = {nb: title_of(n) for nb, n in nbs.items()}
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    exporter, written = HTMLExporter(template_name='lab'), []
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    for _, nb in pages:
        shown = nbformat.from_dict({**nbs[nb], 'cells': [quarto_free(c) for c in nbs[nb].cells if not (c.cell_type == 'raw' and c.source.startswith('---'))]})
        body, _ = exporter.from_notebook_node(shown, resources={'metadata': {'name': titles[nb]}})
        body = re.sub(r'href="([\w.-]+)\.ipynb(#[^"]*)?"', lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)
        body = re.sub(r'<title>.*?</title>', f'<title>{html.escape(titles[nb])} · mm-sentiment</title>', body, count=1, flags=re.S)
        body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + nav_html(pages, titles, nb) + header_html(nbs[nb]), body, count=1)
        (out/page_name(nb)).write_text(body)
        written.append(out/page_name(nb))
    return written


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', type=Path, default=Path('_preview'))
    args = ap.parse_args()
    pages = build(args.out)
    print(f'{len(pages)} pages in {args.out}/ (start: {args.out}/index.html)')
