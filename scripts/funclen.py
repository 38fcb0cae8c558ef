#!/usr/bin/env python3
"""funclen.py DIR [MAX] -- top-level C functions longer than MAX lines (default 80).
A function starts at a column-0 line holding '(' whose definition opens with '{'
and ends at the next column-0 '}'. Prints: lines path:line name."""
import os, re, sys

def functions(path):
    lines = open(path, errors='replace').read().split('\n')
    i = 0
    while i < len(lines):
        l = lines[i]
        if l and not l[0].isspace() and not l.startswith(('#', '/', '*', '}', 'typedef', 'struct', 'enum', 'union')) \
                and '(' in l and not l.rstrip().endswith(';') and '=' not in l.split('(')[0]:
            j = i
            while j < len(lines) and '{' not in lines[j] and not lines[j].rstrip().endswith(';'):
                j += 1
            if j < len(lines) and '{' in lines[j]:
                k = j + 1
                while k < len(lines) and not lines[k].startswith('}'):
                    k += 1
                m = re.findall(r'([A-Za-z_]\w*)\s*\(', l)
                yield (k - i + 1, i + 1, m[0] if m else '?')
                i = k
        i += 1

def main():
    root = sys.argv[1] if len(sys.argv) > 1 else 'src'
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 80
    out = []
    for d, _, fs in os.walk(root):
        for f in fs:
            if f.endswith(('.c', '.cu')):
                p = os.path.join(d, f)
                for n, line, name in functions(p):
                    if n > limit:
                        out.append((n, f'{p}:{line}', name))
    for n, where, name in sorted(out, reverse=True):
        print(n, where, name)
    return 1 if out else 0

if __name__ == '__main__':
    sys.exit(main())
