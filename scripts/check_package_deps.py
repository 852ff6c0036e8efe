#!/usr/bin/env python3
"""Checks that Package.swift tells the truth: every Swift target declares exactly the modules its
sources import (no missing dependency that only builds by accident, no declared one it never uses).

    scripts/check_package_deps.py            # run from the package root; exit 1 on a mismatch

System modules (Foundation, Dispatch, Glibc, Testing, …) are not dependencies. The Docs target
(Pix2PixZoo) is documentation only: its dependencies exist for cross-module links.
"""
import json
import os
import re
import subprocess
import sys

SYSTEM = {'Foundation', 'FoundationXML', 'FoundationNetworking', 'Dispatch', 'Glibc', 'Darwin', 'Musl',
          'Testing', 'XCTest', 'PackagePlugin', 'Synchronization', 'os'}
DOCS_ONLY = {'Pix2PixZoo'}
IMPORT = re.compile(r'^\s*(?:@testable\s+|@_implementationOnly\s+|public\s+)?import\s+(?:(?:struct|class|enum|func|var|let|protocol|typealias)\s+)?(\w+)', re.M)


def main():
    dump = json.loads(subprocess.run(['swift', 'package', 'dump-package'], check=True,
                                     stdout=subprocess.PIPE, text=True).stdout)
    problems = []
    for target in dump['targets']:
        name, kind = target['name'], target['type']
        if kind not in ('regular', 'executable', 'test') or name in DOCS_ONLY:
            continue
        path = target.get('path') or os.path.join('Tests' if kind == 'test' else 'Sources', name)
        imported = set()
        for root, _, files in os.walk(path):
            for f in files:
                if f.endswith('.swift'):
                    with open(os.path.join(root, f), encoding='utf-8') as fh:
                        imported |= set(IMPORT.findall(fh.read()))
        imported -= SYSTEM
        declared = set()
        for dep in target.get('dependencies', []):
            for key in ('byName', 'target', 'product'):
                if key in dep:
                    declared.add(dep[key][0])
        missing, unused = sorted(imported - declared), sorted(declared - imported)
        if missing:
            problems.append(f'{name}: imports {", ".join(missing)} without declaring it in Package.swift')
        if unused:
            problems.append(f'{name}: declares {", ".join(unused)} but never imports it')
    for p in problems:
        print('check_package_deps: ' + p)
    if problems:
        return 1
    print(f'check_package_deps: {sum(1 for t in dump["targets"] if t["type"] in ("regular", "executable", "test"))} targets declare exactly what they import')
    return 0


if __name__ == '__main__':
    sys.exit(main())
