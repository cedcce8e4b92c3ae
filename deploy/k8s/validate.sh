#!/usr/bin/env bash
# Validates the Kubernetes deployment without a cluster:
#   1. hadolint on every Dockerfile of the repository
#   2. for each values file (chart defaults, values/production.yaml, values/trial.yaml): helm lint --strict,
#      helm template, kubeconform (Kubernetes + Strimzi + KEDA schemas, strict, offline), policy checks
#   3. the must-fail cases in tests/must-fail: each must fail, and for the reason its header names
#      (policy RULE, schema KIND, values TEXT, render TEXT, hadolint CODE); a `# base: values/X.yaml` header renders
#      the case over that values file (e.g. production with one safeguard taken away)
#   4. production values ask for policy secure-backends (TLS + SCRAM on every Kafka client, a password on every Redis)
# Usage: validate.sh [--junit FILE]. Exits non-zero on any problem; --junit writes one testcase per check.
set -uo pipefail

cd "$(dirname "$0")"
K8S_DIR=$PWD
ROOT=$(cd ../.. && pwd)
JUNIT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --junit) JUNIT=$(realpath -m "$2"); shift 2 ;;
    *) echo "usage: $0 [--junit FILE]" >&2; exit 2 ;;
  esac
done

# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and a current one; helm renders for the latter.
KUBERNETES_VERSIONS=${LUNGFLOW_K8S_VERSIONS:-1.27.0 1.33.0}
KUBERNETES_VERSION=${KUBERNETES_VERSIONS##* }
BIN=$(LUNGFLOW_K8S_VERSIONS=$KUBERNETES_VERSIONS ./tools.sh | tail -n 1) || { echo "validate.sh: tool install failed" >&2; exit 1; }
PYTHON=$(dirname "$BIN")/venv/bin/python
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RESULTS=$WORK/results.tsv
: > "$RESULTS"

# kubeconform_at VERSION FILE: the Kubernetes schemas of VERSION, and the CRD schemas of schemas/.
kubeconform_at() {
  "$BIN/kubeconform" -strict -summary -output text -kubernetes-version "$1" \
    -schema-location "$BIN/kubernetes-json-schema/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    -schema-location "$K8S_DIR/schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" "$2"
}
KUBECONFORM=(
  "$BIN/kubeconform" -strict -summary -output text -kubernetes-version "$KUBERNETES_VERSION"
  -schema-location "$BIN/kubernetes-json-schema/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
  -schema-location "$K8S_DIR/schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
)
POLICY=("$PYTHON" "$K8S_DIR/scripts/policy.py" --contracts "$ROOT/libs/contracts/src/topics.ts" --repo "$ROOT")
HELM_TEMPLATE=("$BIN/helm" template lungflow "$K8S_DIR/chart" --kube-version "$KUBERNETES_VERSION")

# check NAME CMD...: runs CMD, records pass/fail, its time and output.
check() {
  local name=$1; shift
  local log=$WORK/log.$(wc -l < "$RESULTS")
  local started=$EPOCHREALTIME
  if "$@" > "$log" 2>&1; then status=pass; else status=fail; fi
  local seconds
  seconds=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
  printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$seconds" "$log" >> "$RESULTS"
  printf '%-4s %s\n' "$status" "$name"
  if [ "$status" = fail ]; then sed 's/^/     | /' "$log" | head -n 40; fi
}

# The must-fail cases: each must fail, and only for the reason its header names.
expect_policy() {  # values file (or rendered *.manifest.yaml) whose header says "# expect: policy RULE"
  local values=$1 rule=$2
  if [[ $values == *.manifest.yaml ]]; then
    cp "$values" "$WORK/case.yaml"
  else
    "${HELM_TEMPLATE[@]}" "${BASE_ARGS[@]}" -f "$values" > "$WORK/case.yaml" || { echo "render failed"; return 1; }
  fi
  if "${POLICY[@]}" "$WORK/case.yaml" > "$WORK/case.out" 2>&1; then
    echo "policy passed, but this case must fail with [$rule]"; return 1
  fi
  cat "$WORK/case.out"
  local rules
  rules=$(grep -o '^\[[a-z-]*\]' "$WORK/case.out" | sort -u | tr -d '[]' | tr '\n' ' ')
  [ "$rules" = "$rule " ] || { echo "expected only [$rule], got: $rules"; return 1; }
}
expect_schema() {  # values file whose header says "# expect: schema KIND"
  local values=$1 kind=$2
  "${HELM_TEMPLATE[@]}" "${BASE_ARGS[@]}" -f "$values" > "$WORK/case.yaml" || { echo "render failed"; return 1; }
  if "${KUBECONFORM[@]}" "$WORK/case.yaml" > "$WORK/case.out" 2>&1; then
    echo "kubeconform passed, but this case must fail on a $kind"; return 1
  fi
  cat "$WORK/case.out"
  local invalid
  invalid=$(grep -E ' is invalid: | failed validation: ' "$WORK/case.out" | sed -E 's/^[^ ]+ - ([A-Za-z]+) .*$/\1/' | sort -u | tr '\n' ' ')
  [ "$invalid" = "$kind " ] || { echo "expected only $kind to be invalid, got: $invalid"; return 1; }
}
expect_values() {  # values file whose header says "# expect: values TEXT": helm must refuse it, naming TEXT
  local values=$1 text=$2
  if "${HELM_TEMPLATE[@]}" "${BASE_ARGS[@]}" -f "$values" > "$WORK/case.out" 2>&1; then
    echo "helm rendered it, but values.schema.json must reject it ($text)"; return 1
  fi
  cat "$WORK/case.out"
  grep -q "don't meet the specifications of the schema" "$WORK/case.out" && grep -q -- "$text" "$WORK/case.out" \
    || { echo "expected a values schema error naming $text"; return 1; }
}
expect_render() {  # values file whose header says "# expect: render TEXT": a template `fail` must refuse it, naming TEXT
  local values=$1 text=$2
  if "${HELM_TEMPLATE[@]}" "${BASE_ARGS[@]}" -f "$values" > "$WORK/case.out" 2>&1; then
    echo "helm rendered it, but the chart must refuse it ($text)"; return 1
  fi
  cat "$WORK/case.out"
  grep -q "don't meet the specifications of the schema" "$WORK/case.out" && { echo "refused by the values schema, not by the template"; return 1; }
  grep -qF -- "$text" "$WORK/case.out" || { echo "expected the render to fail naming: $text"; return 1; }
}
expect_hadolint() {  # Dockerfile whose header says "# expect: hadolint CODE"
  local dockerfile=$1 code=$2
  if (cd "$ROOT" && "$BIN/hadolint" "$dockerfile") > "$WORK/case.out" 2>&1; then
    echo "hadolint passed, but this case must fail with $code"; return 1
  fi
  cat "$WORK/case.out"
  grep -q "$code" "$WORK/case.out" || { echo "expected $code"; return 1; }
}

echo "== Dockerfiles (hadolint $("$BIN/hadolint" --version | awk '{print $NF}'))"
while IFS= read -r dockerfile; do
  check "hadolint ${dockerfile#./}" bash -c "cd '$ROOT' && '$BIN/hadolint' '${dockerfile#./}'"
done < <(cd "$ROOT" && find . -path ./node_modules -prune -o -path ./deploy/k8s/tests -prune -o \
           \( -name Dockerfile -o -name 'Dockerfile.*' \) -type f -print | sort)

for values in default values/production.yaml values/trial.yaml; do
  label=${values#values/}; label=${label%.yaml}
  args=(); [ "$values" = default ] || args=(-f "$K8S_DIR/$values")
  echo "== chart with $label values"
  check "helm lint --strict ($label)" "$BIN/helm" lint --strict "$K8S_DIR/chart" "${args[@]}" --kube-version "$KUBERNETES_VERSION"
  check "helm template ($label)" bash -c "$(printf '%q ' "${HELM_TEMPLATE[@]}" "${args[@]}") > '$WORK/$label.yaml'"
  for version in $KUBERNETES_VERSIONS; do
    check "kubeconform schemas, Kubernetes $version ($label)" kubeconform_at "$version" "$WORK/$label.yaml"
  done
  check "policy ($label)" "${POLICY[@]}" "$WORK/$label.yaml"
done
# The policy run above checked rule secure-backends on production only if the render asks for it (requireSecureBackends).
check "production renders with requireSecureBackends (policy secure-backends applies)" \
  grep -q 'lungflow.io/require-secure-backends: "true"' "$WORK/production.yaml"

echo "== must-fail cases (each proves a check catches what it is for)"
for case in tests/must-fail/*; do
  read -r _ _ kind expected < <(grep -m1 '^# expect:' "$case")
  base=$(sed -n 's/^# base: *//p' "$case" | head -n 1)
  BASE_ARGS=(); [ -z "$base" ] || BASE_ARGS=(-f "$K8S_DIR/$base")
  case "$kind" in
    policy) check "must fail: $(basename "$case") -> [$expected]" expect_policy "$K8S_DIR/$case" "$expected" ;;
    schema) check "must fail: $(basename "$case") -> invalid $expected" expect_schema "$K8S_DIR/$case" "$expected" ;;
    values) check "must fail: $(basename "$case") -> values schema ($expected)" expect_values "$K8S_DIR/$case" "$expected" ;;
    render) check "must fail: $(basename "$case") -> render ($expected)" expect_render "$K8S_DIR/$case" "$expected" ;;
    hadolint) check "must fail: $(basename "$case") -> $expected" expect_hadolint "deploy/k8s/$case" "$expected" ;;
    *) check "must fail: $(basename "$case") has an '# expect:' header" false ;;
  esac
done

passed=$(awk -F'\t' '$2 == "pass"' "$RESULTS" | wc -l)
failed=$(awk -F'\t' '$2 == "fail"' "$RESULTS" | wc -l)
if [ -n "$JUNIT" ]; then
  mkdir -p "$(dirname "$JUNIT")"
  "$PYTHON" - "$RESULTS" "$JUNIT" <<'EOF'
import sys
from xml.sax.saxutils import escape, quoteattr
results, target = sys.argv[1], sys.argv[2]
rows = [line.rstrip('\n').split('\t') for line in open(results, encoding='utf-8') if line.strip()]
failures = sum(1 for row in rows if row[1] == 'fail')
total = sum(float(row[2]) for row in rows)
with open(target, 'w', encoding='utf-8') as out:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<testsuite name="k8s" tests="{len(rows)}" failures="{failures}" errors="0" time="{total:.3f}">\n')
    for name, status, seconds, log in rows:
        out.write(f'  <testcase classname="deploy.k8s" name={quoteattr(name)} time="{float(seconds):.3f}"')
        if status == 'pass':
            out.write('/>\n')
        else:
            text = open(log, encoding='utf-8', errors='replace').read()[-4000:]
            out.write(f'>\n    <failure message="check failed">{escape(text)}</failure>\n  </testcase>\n')
    out.write('</testsuite>\n')
EOF
fi
echo "k8s: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
