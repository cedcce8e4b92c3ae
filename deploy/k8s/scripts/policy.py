"""Policy checks over rendered Kubernetes manifests (the output of `helm template`).

Each violation prints as `[rule] Kind/name container: what is wrong`; the exit status is 1 when there is any.
Rules (deploy/k8s/README.md explains why each exists):
  image-tag                every image has a tag or digest, and the tag is not `latest`
  resources                every container (and Strimzi node pool / operator) requests and limits cpu and memory
  probes                   every long-running container has a liveness and a readiness probe
  run-as-non-root          runAsNonRoot is true and runAsUser is not 0 (container setting, else the pod's)
  read-only-root-fs        readOnlyRootFilesystem is true
  no-privilege-escalation  allowPrivilegeEscalation is false and privileged is not true
  drop-all-capabilities    capabilities drop ALL and add nothing
  topics-match-contracts   the KafkaTopics are exactly libs/contracts TOPICS (name, partitions, retention)
  keda-within-partitions   a ScaledObject never scales past the partition count of the topic it watches
  no-duplicate-keys        no mapping in the rendered YAML repeats a key (parsers keep one of them silently)
  env-known-to-service     every environment variable the chart gives a service is one that service reads
                           (libs/config commonSettings, services/<name>/src/config.ts, process.env uses); the
                           services ignore unknown variables, so a misspelt setting would otherwise go unnoticed
  redis-durability         a Redis container runs with `--appendonly yes` and `--appendfsync everysec` (or always):
                           without the append-only file a crash loses cursors, due sets and idempotency keys
  secure-backends          only when the render asks for it (the chart's requireSecureBackends puts the annotation
                           lungflow.io/require-secure-backends on its common ConfigMap): every LungFlow container has
                           KAFKA_TLS=true, a SCRAM mechanism, a user and KAFKA_SASL_PASSWORD from a Secret, a
                           REDIS_PASSWORD from a Secret, and its CA file mounted; Redis runs with --requirepass;
                           every Strimzi listener has TLS and authentication and each user a KafkaUser; KEDA's Kafka
                           triggers authenticate; the Kafka has simple authorization and every KafkaUser ACLs
  kafka-acls               every KafkaUser's ACLs are least privilege for its service (KAFKA_ACCESS below, from what
                           the code does): Write and Read only on literal topics of libs/contracts that the service
                           writes or reads, Read on its own consumer groups (the *_GROUP defaults of its code),
                           Describe otherwise; never All, Create, Alter or a cluster resource; and nothing it needs
                           missing

Usage: policy.py MANIFESTS.yaml [--contracts libs/contracts/src/topics.ts] [--repo REPO_ROOT]
"""

import argparse
import os
import re
import sys

import yaml

POD_KINDS = {'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'}
LONG_RUNNING = {'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod'}
RESOURCE_KEYS = [('requests', 'cpu'), ('requests', 'memory'), ('limits', 'cpu'), ('limits', 'memory')]


def pod_spec(doc):
    kind = doc.get('kind')
    spec = doc.get('spec') or {}
    if kind == 'Pod':
        return spec
    if kind == 'CronJob':
        return (((spec.get('jobTemplate') or {}).get('spec') or {}).get('template') or {}).get('spec') or {}
    return (spec.get('template') or {}).get('spec') or {}


def image_problem(image):
    if not image:
        return 'no image'
    if '@' in image:
        return None
    name = image.rsplit('/', 1)[-1]
    if ':' not in name:
        return f'image {image} has no tag (pin a version or a digest)'
    tag = name.rsplit(':', 1)[1]
    if not tag:
        return f'image {image} has an empty tag'
    if tag == 'latest':
        return f'image {image} uses the latest tag'
    return None


def missing_resources(resources):
    resources = resources or {}
    return [f'{group}.{key}' for group, key in RESOURCE_KEYS if not (resources.get(group) or {}).get(key)]


def check_container(kind, name, container, pod_security, long_running, init):
    where = f'{kind}/{name} container {container.get("name")}'
    out = []
    problem = image_problem(container.get('image'))
    if problem:
        out.append(('image-tag', where, problem))
    missing = missing_resources(container.get('resources'))
    if missing:
        out.append(('resources', where, 'missing ' + ', '.join(missing)))
    if long_running and not init:
        for probe in ('livenessProbe', 'readinessProbe'):
            if not container.get(probe):
                out.append(('probes', where, f'no {probe}'))
    security = container.get('securityContext') or {}

    def effective(key):
        return security[key] if key in security else pod_security.get(key)

    if effective('runAsNonRoot') is not True:
        out.append(('run-as-non-root', where, 'runAsNonRoot is not true'))
    if effective('runAsUser') == 0:
        out.append(('run-as-non-root', where, 'runAsUser is 0'))
    if security.get('readOnlyRootFilesystem') is not True:
        out.append(('read-only-root-fs', where, 'readOnlyRootFilesystem is not true'))
    if security.get('allowPrivilegeEscalation') is not False:
        out.append(('no-privilege-escalation', where, 'allowPrivilegeEscalation is not false'))
    if security.get('privileged') is True:
        out.append(('no-privilege-escalation', where, 'privileged is true'))
    capabilities = security.get('capabilities') or {}
    if 'ALL' not in (capabilities.get('drop') or []):
        out.append(('drop-all-capabilities', where, 'capabilities.drop does not contain ALL'))
    if capabilities.get('add'):
        out.append(('drop-all-capabilities', where, f'capabilities.add {capabilities["add"]}'))
    return out


def check_workload(doc):
    kind, name = doc['kind'], doc['metadata']['name']
    spec = pod_spec(doc)
    pod_security = spec.get('securityContext') or {}
    out = []
    for init, key in ((False, 'containers'), (True, 'initContainers')):
        for container in spec.get(key) or []:
            out += check_container(kind, name, container, pod_security, kind in LONG_RUNNING, init)
    return out


def check_redis_durability(doc):
    """Cursors, due sets and idempotency keys live in Redis; RDB snapshots alone lose up to minutes of them."""
    kind, name = doc['kind'], doc['metadata']['name']
    out = []
    for container in pod_spec(doc).get('containers') or []:
        if not re.search(r'(^|/)redis[:@]', str(container.get('image', ''))):
            continue
        args = [str(arg) for arg in (container.get('command') or []) + (container.get('args') or [])]
        setting = {flag: args[i + 1] for i, flag in enumerate(args[:-1]) if flag.startswith('--')}
        if setting.get('--appendonly') != 'yes':
            out.append(('redis-durability', f'{kind}/{name} {container.get("name")}', 'needs --appendonly yes'))
        if setting.get('--appendfsync') not in ('everysec', 'always'):
            out.append(('redis-durability', f'{kind}/{name} {container.get("name")}',
                        'needs --appendfsync everysec (or always)'))
    return out


def check_strimzi(doc):
    """Strimzi makes the broker pods; what the chart controls is the resources it asks for."""
    kind, name = doc['kind'], doc['metadata']['name']
    spec = doc.get('spec') or {}
    if kind == 'KafkaNodePool':
        blocks = {'brokers': spec.get('resources')}
    else:
        operator = (spec.get('entityOperator') or {}).get('topicOperator')
        blocks = {} if operator is None else {'topicOperator': operator.get('resources')}
    return [('resources', f'{kind}/{name} {part}', 'missing ' + ', '.join(missing))
            for part, resources in blocks.items() if (missing := missing_resources(resources))]


def contract_topics(path):
    """TOPICS of libs/contracts/src/topics.ts: `id: { name: '...', partitions: N, retentionMs: N * DAY_MS, ... }`."""
    with open(path, encoding='utf-8') as handle:
        source = handle.read()
    day_ms = 24 * 60 * 60 * 1000
    # `export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;`: every topic's max.message.bytes.
    limit = re.search(r"MAX_MESSAGE_BYTES\s*=\s*([\d_]+(?:\s*\*\s*[\d_]+)*)\s*;", source)
    if not limit:
        raise SystemExit(f'policy: no MAX_MESSAGE_BYTES found in {path}')
    max_bytes = 1
    for factor in limit.group(1).split('*'):
        max_bytes *= int(factor.strip().replace('_', ''))
    topics = {}
    pattern = r"name:\s*'([^']+)',\s*partitions:\s*(\d+),\s*retentionMs:\s*(\d+)\s*(\*\s*DAY_MS)?"
    for name, partitions, retention, days in re.findall(pattern, source):
        topics[name] = (int(partitions), int(retention) * (day_ms if days else 1), max_bytes)
    if not topics:
        raise SystemExit(f'policy: no topics found in {path}; has its TOPICS table changed shape?')
    return topics


def check_topics(docs, contracts):
    rendered = {}
    for doc in docs:
        if doc.get('kind') == 'KafkaTopic':
            spec = doc.get('spec') or {}
            name = spec.get('topicName') or doc['metadata']['name']
            config = spec.get('config') or {}
            rendered[name] = (spec.get('partitions'), int(config.get('retention.ms', -1)), int(config.get('max.message.bytes', -1)))
    if not rendered:
        return []
    out = []
    for name in sorted(set(contracts) | set(rendered)):
        if name not in rendered:
            out.append(('topics-match-contracts', f'KafkaTopic {name}', 'in libs/contracts but not in the chart'))
        elif name not in contracts:
            out.append(('topics-match-contracts', f'KafkaTopic {name}', 'in the chart but not in libs/contracts'))
        elif rendered[name] != contracts[name]:
            out.append(('topics-match-contracts', f'KafkaTopic {name}',
                        f'(partitions, retention.ms, max.message.bytes) {rendered[name]} != contracts {contracts[name]}'))
    return out


def check_scaling(docs):
    partitions = {}
    for doc in docs:
        if doc.get('kind') == 'KafkaTopic':
            spec = doc.get('spec') or {}
            partitions[spec.get('topicName') or doc['metadata']['name']] = spec.get('partitions')
    # Deployments scaled on the same group and topic share its partitions: their maxima add up.
    groups = {}
    for doc in docs:
        if doc.get('kind') != 'ScaledObject':
            continue
        spec = doc.get('spec') or {}
        for trigger in spec.get('triggers') or []:
            metadata = trigger.get('metadata') or {}
            if trigger.get('type') == 'kafka' and partitions.get(metadata.get('topic')) is not None:
                key = (metadata.get('consumerGroup'), metadata['topic'])
                # KEDA's default maxReplicaCount is 100.
                groups.setdefault(key, []).append((doc['metadata']['name'], spec.get('maxReplicaCount') or 100))
    out = []
    for (group, topic), members in sorted(groups.items()):
        total = sum(count for _, count in members)
        if total > partitions[topic]:
            names = ', '.join(f'{name} ({count})' for name, count in members)
            out.append(('keda-within-partitions', f'consumer group {group}',
                        f'maxReplicaCount {total} in all ({names}) > {partitions[topic]} partitions of {topic}'))
    return out


SETTING = re.compile(r'^\s+([A-Z][A-Z0-9_]+):', re.MULTILINE)
PROCESS_ENV = re.compile(r"process\.env(?:\.([A-Z][A-Z0-9_]+)|\[['\"]([A-Z][A-Z0-9_]+)['\"]\])")


def service_env_names(repo, service):
    """The variables a service reads, or None when its config.ts does not exist (yet)."""
    config = os.path.join(repo, 'services', service, 'src', 'config.ts')
    if not os.path.exists(config):
        return None
    names = set()
    with open(os.path.join(repo, 'libs', 'config', 'src', 'settings.ts'), encoding='utf-8') as handle:
        names |= set(SETTING.findall(handle.read()))
    for folder, _, files in os.walk(os.path.join(repo, 'services', service, 'src')):
        for file in files:
            if file.endswith('.ts') and not file.endswith('.test.ts'):
                with open(os.path.join(folder, file), encoding='utf-8') as handle:
                    text = handle.read()
                # config.ts, and the settings a module keeps beside itself (outputs/outputSettings.ts, dimse/dimseSettings.ts).
                if (file == 'config.ts' and folder.endswith('src')) or file.endswith('Settings.ts'):
                    names |= set(SETTING.findall(text))
                names |= {a or b for a, b in PROCESS_ENV.findall(text)}
    return names


def check_env(docs, repo):
    sources = {}
    for doc in docs:
        if doc.get('kind') in ('ConfigMap', 'Secret'):
            data = {**(doc.get('data') or {}), **(doc.get('stringData') or {})}
            sources[(doc['kind'], doc['metadata']['name'])] = set(data)
    out = []
    for doc in docs:
        if doc.get('kind') not in POD_KINDS:
            continue
        template = (doc.get('spec') or {}).get('template') or {}
        service = ((template.get('metadata') or {}).get('labels') or {}).get('lungflow.io/service')
        if not service:
            continue
        known = service_env_names(repo, service)
        if known is None:
            print(f'policy: services/{service}/src/config.ts not found; env of {doc["metadata"]["name"]} not checked',
                  file=sys.stderr)
            continue
        for container in pod_spec(doc).get('containers') or []:
            given = {entry['name']: 'env' for entry in container.get('env') or []}
            for source in container.get('envFrom') or []:
                for kind, key in (('ConfigMap', 'configMapRef'), ('Secret', 'secretRef')):
                    if key in source:
                        name = source[key]['name']
                        given.update({var: f'{kind}/{name}' for var in sources.get((kind, name), set())})
            for var, origin in sorted(given.items()):
                if var not in known:
                    out.append(('env-known-to-service', f'{doc["kind"]}/{doc["metadata"]["name"]} ({origin})',
                                f'{var} is not a setting of services/{service}'))
    return out


SECURE_BACKENDS_ANNOTATION = 'lungflow.io/require-secure-backends'


def from_secret(entry):
    """True when an env entry takes its value from a Secret key (never a literal in the manifest)."""
    return bool(((entry or {}).get('valueFrom') or {}).get('secretKeyRef'))


# What each service does with Kafka (its code; deploy/k8s/README.md, Kafka ACLs): the most its KafkaUser may be
# granted, and what it needs. ingest writes no dead letters (a refused instance is answered to its sender).
KAFKA_ACCESS = {
    'ingest': {'write': {'lungflow.study.received.v1'}, 'read': set(), 'group_prefixes': set(), 'describe_groups': set()},
    'infer': {'write': {'lungflow.inference.completed.v1', 'lungflow.deadletter.v1'}, 'read': {'lungflow.study.received.v1'},
              'group_prefixes': set(), 'describe_groups': set()},
    # report.stored.v2: result outputs and the worklist rebuild; audit: the rebuild's revision counters; dead letters:
    # the worklist's "not analysed" list; lungflow-reader-*: libs/kafka readRetained's throw-away groups (deleted
    # after each read); lungflow-deadletter-reviewed: the dead-letter backlog metric reads its offsets.
    'report': {'write': {'lungflow.report.stored.v1', 'lungflow.report.stored.v2', 'lungflow.audit.v1', 'lungflow.deadletter.v1'},
               'read': {'lungflow.inference.completed.v1', 'lungflow.report.stored.v2', 'lungflow.audit.v1', 'lungflow.deadletter.v1'},
               'group_prefixes': {'lungflow-reader-'}, 'describe_groups': {'lungflow-deadletter-reviewed'}},
}
GROUP_DEFAULT = re.compile(r"\b[A-Z0-9_]*_GROUP:\s*z\.string\(\)(?:\.min\(\d+\))?\.default\('([^']+)'\)")


def service_groups(repo, service):
    """The consumer groups a service joins: the defaults of its *_GROUP settings (services/<name>/src)."""
    groups = set()
    for folder, _, files in os.walk(os.path.join(repo, 'services', service, 'src')):
        for file in files:
            if file.endswith('.ts') and not file.endswith('.test.ts'):
                with open(os.path.join(folder, file), encoding='utf-8') as handle:
                    groups |= set(GROUP_DEFAULT.findall(handle.read()))
    return groups


def check_kafka_acls(docs, contracts, repo):
    out = []
    for doc in docs:
        if doc.get('kind') != 'KafkaUser':
            continue
        meta = doc.get('metadata') or {}
        where = f'KafkaUser/{meta.get("name")}'
        authorization = (doc.get('spec') or {}).get('authorization')
        if not authorization:
            continue  # secure-backends asks for ACLs where the render requires secure backends
        service = (meta.get('labels') or {}).get('lungflow.io/service')
        access = KAFKA_ACCESS.get(service)
        if access is None:
            out.append(('kafka-acls', where, f'label lungflow.io/service {service!r} names no LungFlow service'))
            continue
        groups = service_groups(repo, service) if repo else set()
        granted = set()
        for acl in authorization.get('acls') or []:
            resource = acl.get('resource') or {}
            kind, name, pattern = resource.get('type'), str(resource.get('name', '')), resource.get('patternType', 'literal')
            operations = set(acl.get('operations') or []) | ({acl['operation']} if acl.get('operation') else set())
            what = f'{kind} {name!r} ({pattern}) {sorted(operations)}'
            if acl.get('type', 'allow') != 'allow':
                continue  # a deny only takes away
            if kind not in ('topic', 'group') or not name or name == '*':
                out.append(('kafka-acls', where, f'{what}: only named topics and groups, never the cluster or *'))
                continue
            for operation in sorted(operations):
                if operation == 'Describe' and kind == 'topic':
                    allowed = name.startswith('lungflow.')  # metadata only (names, partitions): ensureTopics lists them
                elif operation == 'Describe':
                    allowed = name in groups | access['group_prefixes'] | access['describe_groups']
                elif kind == 'topic' and operation in ('Write', 'Read'):
                    allowed = pattern == 'literal' and name in access[operation.lower()] and (not contracts or name in contracts)
                elif kind == 'group' and operation == 'Read':
                    allowed = (pattern == 'literal' and name in groups) or (pattern == 'prefix' and name in access['group_prefixes'])
                elif kind == 'group' and operation == 'Delete':
                    allowed = pattern == 'prefix' and name in access['group_prefixes']
                else:
                    allowed = False
                if allowed:
                    granted.add((kind, name, pattern, operation))
                else:
                    out.append(('kafka-acls', where, f'{kind} {name!r} ({pattern}): {operation} is more than {service} needs'))
        needed = {('topic', t, 'literal', 'Write') for t in access['write']} | {('topic', t, 'literal', 'Read') for t in access['read']} | \
            {('group', g, 'literal', 'Read') for g in groups} | {('group', g, 'prefix', 'Read') for g in access['group_prefixes']}
        for kind, name, pattern, operation in sorted(needed - granted):
            out.append(('kafka-acls', where, f'{service} needs {operation} on {kind} {name!r} ({pattern}), not granted'))
    return out


def check_secure_backends(docs):
    """Production: what libs/kafka (kafkaSecurity) and libs/redis (redisSecurity) need to refuse nobody and leak nothing."""
    if not any(doc.get('kind') == 'ConfigMap' and
               ((doc.get('metadata') or {}).get('annotations') or {}).get(SECURE_BACKENDS_ANNOTATION) == 'true'
               for doc in docs):
        return []
    configmaps = {doc['metadata']['name']: doc.get('data') or {} for doc in docs if doc.get('kind') == 'ConfigMap'}
    kafka_users = {doc['metadata']['name'] for doc in docs if doc.get('kind') == 'KafkaUser'}
    strimzi = any(doc.get('kind') == 'Kafka' for doc in docs)
    out = []
    for doc in docs:
        kind, name = doc.get('kind'), (doc.get('metadata') or {}).get('name')
        if kind in POD_KINDS:
            template = (doc.get('spec') or {}).get('template') or {}
            service = ((template.get('metadata') or {}).get('labels') or {}).get('lungflow.io/service')
            for container in pod_spec(doc).get('containers') or []:
                where = f'{kind}/{name} {container.get("name")}'
                if re.search(r'(^|/)redis[:@]', str(container.get('image', ''))):
                    if '--requirepass' not in [str(arg) for arg in (container.get('command') or []) + (container.get('args') or [])]:
                        out.append(('secure-backends', where, 'Redis runs without --requirepass'))
                    continue
                if not service:
                    continue
                values, entries = {}, {}
                for source in container.get('envFrom') or []:
                    if 'configMapRef' in source:
                        values.update(configmaps.get(source['configMapRef']['name'], {}))
                for entry in container.get('env') or []:
                    entries[entry['name']] = entry
                    if 'value' in entry:
                        values[entry['name']] = entry['value']
                if str(values.get('KAFKA_TLS')) != 'true':
                    out.append(('secure-backends', where, 'KAFKA_TLS is not true'))
                if not str(values.get('KAFKA_SASL_MECHANISM', '')).startswith('scram-'):
                    out.append(('secure-backends', where, 'KAFKA_SASL_MECHANISM is not scram-sha-512/256'))
                user = values.get('KAFKA_SASL_USERNAME')
                if not user:
                    out.append(('secure-backends', where, 'no KAFKA_SASL_USERNAME'))
                elif strimzi and user not in kafka_users:
                    out.append(('secure-backends', where, f'KAFKA_SASL_USERNAME {user} has no KafkaUser'))
                for secret in ('KAFKA_SASL_PASSWORD', 'REDIS_PASSWORD'):
                    if not from_secret(entries.get(secret)):
                        out.append(('secure-backends', where, f'{secret} does not come from a Secret (secretKeyRef)'))
                mounts = [m.get('mountPath', '') for m in container.get('volumeMounts') or []]
                for file_setting in ('KAFKA_TLS_CA_FILE', 'KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE', 'REDIS_TLS_CA_FILE'):
                    path = values.get(file_setting)
                    if path and not any(path.startswith(mount.rstrip('/') + '/') for mount in mounts):
                        out.append(('secure-backends', where, f'{file_setting} {path} is on no mounted volume'))
        elif kind == 'KafkaUser':
            if ((doc.get('spec') or {}).get('authorization') or {}).get('type') != 'simple':
                out.append(('secure-backends', f'KafkaUser/{name}', 'no ACLs (authorization type simple)'))
        elif kind == 'Kafka':
            if ((((doc.get('spec') or {}).get('kafka') or {}).get('authorization')) or {}).get('type') != 'simple':
                out.append(('secure-backends', f'Kafka/{name}', 'no authorization (type simple): ACLs would not be enforced'))
            for listener in (((doc.get('spec') or {}).get('kafka') or {}).get('listeners') or []):
                where = f'Kafka/{name} listener {listener.get("name")}'
                if listener.get('tls') is not True:
                    out.append(('secure-backends', where, 'tls is not true'))
                if not (listener.get('authentication') or {}).get('type'):
                    out.append(('secure-backends', where, 'no authentication'))
        elif kind == 'ScaledObject':
            for trigger in (doc.get('spec') or {}).get('triggers') or []:
                if trigger.get('type') == 'kafka' and not (trigger.get('authenticationRef') or {}).get('name'):
                    out.append(('secure-backends', f'ScaledObject/{name}', 'its Kafka trigger has no authenticationRef'))
    return out


class StrictLoader(yaml.SafeLoader):
    """Records repeated mapping keys, which a template bug (two includes emitting one label) produces."""

    duplicates = []

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                StrictLoader.duplicates.append((key, key_node.start_mark.line + 1))
            seen.add(key)
        return super().construct_mapping(node, deep)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('manifests')
    parser.add_argument('--contracts', help='libs/contracts/src/topics.ts to compare the KafkaTopics with')
    parser.add_argument('--repo', help='repository root, to check the services\' environment variables')
    args = parser.parse_args()
    with open(args.manifests, encoding='utf-8') as handle:
        docs = [doc for doc in yaml.load_all(handle, Loader=StrictLoader) if isinstance(doc, dict) and doc.get('kind')]
    violations = [('no-duplicate-keys', f'line {line}', f'key {key!r} repeated') for key, line in StrictLoader.duplicates]
    for doc in docs:
        if doc['kind'] in POD_KINDS:
            violations += check_workload(doc)
            violations += check_redis_durability(doc)
        elif doc['kind'] in ('KafkaNodePool', 'Kafka'):
            violations += check_strimzi(doc)
    if args.contracts:
        violations += check_topics(docs, contract_topics(args.contracts))
    violations += check_scaling(docs)
    violations += check_secure_backends(docs)
    violations += check_kafka_acls(docs, contract_topics(args.contracts) if args.contracts else {}, args.repo)
    if args.repo:
        violations += check_env(docs, args.repo)
    for rule, where, message in violations:
        print(f'[{rule}] {where}: {message}')
    workloads = sum(1 for doc in docs if doc['kind'] in POD_KINDS)
    print(f'policy: {len(docs)} objects, {workloads} workloads, {len(violations)} violations', file=sys.stderr)
    return 1 if violations else 0


if __name__ == '__main__':
    sys.exit(main())
