"""Packaging for mm_sentiment: every field comes from settings.ini (nbdev 2 layout).

Deliberately free of `pkg_resources` (current setuptools no longer ships it).
"""
from configparser import ConfigParser
from pathlib import Path

import setuptools

here = Path(__file__).parent
parser = ConfigParser(delimiters=['='])
parser.read(here / 'settings.ini', encoding='utf-8')
cfg = parser['DEFAULT']

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable',
            '6 - Mature', '7 - Inactive']
py_versions = ['3.10', '3.11', '3.12', '3.13']
min_python = cfg['min_python']
lic = licenses[cfg['license']]

def reqs(key): return cfg.get(key, '').split()

bench = reqs('bench_requirements')
aws = reqs('aws_requirements')
dev = reqs('dev_requirements') + bench + aws

setuptools.setup(
    name=cfg['repo'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=(here / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    author=cfg['author'],
    author_email=cfg['author_email'],
    license=lic[0],
    url=cfg['git_url'],
    keywords=cfg['keywords'],
    classifiers=[
        'Development Status :: ' + statuses[int(cfg['status'])],
        'Intended Audience :: ' + cfg['audience'].title(),
        'Natural Language :: ' + cfg['language'].title(),
        'License :: ' + lic[1],
    ] + ['Programming Language :: Python :: ' + v for v in py_versions[py_versions.index(min_python):]],
    packages=setuptools.find_packages(include=[cfg['lib_name'], cfg['lib_name'] + '.*']),
    include_package_data=True,
    python_requires='>=' + min_python,
    install_requires=reqs('requirements'),
    extras_require={'dev': dev, 'bench': bench, 'aws': aws},
    entry_points={
        'console_scripts': cfg['console_scripts'].split(),
        'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"],
    },
    zip_safe=False,
)
