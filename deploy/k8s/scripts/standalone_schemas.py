"""Turns the Kubernetes JSON schemas bundled in PyPI `kubernetes-validate` into standalone files kubeconform reads.

kubernetes-validate ships one file per kind whose `$ref`s point into a shared `_definitions.json` and whose `$id`
is a kubernetes.io URL, so a validator resolving them would go to the network. Here each kind's file gets the
definitions it reaches copied in under `$defs` and its refs made local; nothing is changed otherwise.

Usage: standalone_schemas.py SOURCE_VERSION_DIR OUT_VERSION_DIR
"""

import json
import os
import re
import sys

REF = re.compile(r'^(?:(?:/api/)?_definitions\.json)?#/\$defs/(.+)$')


def rewrite(node, reached, definitions):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == '$ref' and isinstance(value, str):
                match = REF.match(value)
                if match:
                    name = match.group(1)
                    if name not in reached:
                        reached[name] = None
                        reached[name] = rewrite(definitions[name], reached, definitions)
                    value = '#/$defs/' + name
            out[key] = rewrite(value, reached, definitions) if key != '$ref' else value
        return out
    if isinstance(node, list):
        return [rewrite(item, reached, definitions) for item in node]
    return node


def main(source, target):
    with open(os.path.join(source, '_definitions.json'), encoding='utf-8') as handle:
        definitions = json.load(handle)['$defs']
    os.makedirs(target, exist_ok=True)
    count = 0
    for name in sorted(os.listdir(source)):
        if not name.endswith('.json') or name.startswith('_'):
            continue
        with open(os.path.join(source, name), encoding='utf-8') as handle:
            schema = json.load(handle)
        schema.pop('$id', None)
        reached = {}
        schema = rewrite(schema, reached, definitions)
        if reached:
            schema['$defs'] = reached
        with open(os.path.join(target, name), 'w', encoding='utf-8') as handle:
            json.dump(schema, handle, separators=(',', ':'))
        count += 1
    print(f'standalone_schemas: {count} schemas written to {target}', file=sys.stderr)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
