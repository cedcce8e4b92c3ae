#!/usr/bin/env bash
# Installs onnxruntime-node's CUDA execution provider from PyPI instead of NuGet (which this project cannot reach):
# the `onnxruntime-gpu` wheel of exactly onnxruntime-node's version ships the same provider libraries
# (libonnxruntime_providers_cuda.so, libonnxruntime_providers_shared.so) that onnxruntime-node's own install script
# would fetch from NuGet. They go beside onnxruntime-node's libonnxruntime.so.1, where onnxruntime looks for them.
#
#   deploy/gpu/install-cuda-provider.sh            fetch the wheel with pip, install, verify, try a CUDA session
#   ORT_GPU_WHEEL=/path/to.whl deploy/gpu/...      use a wheel fetched before (offline machine)
#   PIP=pip3 / PIP_INDEX_URL=...                   which pip and index (a PyPI mirror)
#
# Verifies: the wheel's version equals onnxruntime-node's, both provider libraries arrived, the provider bridge
# symbols are there, and it lists the CUDA libraries the provider still needs (ldd) with the PyPI packages that
# provide them (the wheel's own `cuda`/`cudnn` extras). Last, it opens models/cxr-v1 with the CUDA provider: on a
# machine without an NVIDIA GPU and CUDA libraries that step fails with onnxruntime's own message, which is
# reported and does not fail the script (pass REQUIRE_GPU=1 to make it fail).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
PIP=${PIP:-pip}
fail() { printf 'install-cuda-provider: %s\n' "$*" >&2; exit 1; }

[ "$(uname -s)/$(uname -m)" = "Linux/x86_64" ] || fail "only linux/x64 is supported (PyPI has no aarch64 onnxruntime-gpu wheel)"
ORT_DIR=$(node -p "require('path').dirname(require.resolve('onnxruntime-node/package.json'))") ||
  fail "onnxruntime-node is not installed (run npm ci first)"
VERSION=$(node -p "require('onnxruntime-node/package.json').version")
BIN=$ORT_DIR/bin/napi-v6/linux/x64
[ -f "$BIN/libonnxruntime.so.1" ] || fail "$BIN/libonnxruntime.so.1 missing: onnxruntime-node's CPU binaries are not installed"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
WHEEL=${ORT_GPU_WHEEL:-}
if [ -z "$WHEEL" ]; then
  echo "fetching onnxruntime-gpu==$VERSION from PyPI (about 250 MB)"
  # The provider libraries do not depend on the Python version; naming one makes pip on any Python fetch the same file.
  "$PIP" download --quiet --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 --python-version 3.11 \
    "onnxruntime-gpu==$VERSION" -d "$WORK" || fail "pip could not fetch onnxruntime-gpu==$VERSION"
  WHEEL=$(ls "$WORK"/onnxruntime_gpu-*.whl)
fi
[ -f "$WHEEL" ] || fail "no wheel at $WHEEL"

mkdir -p "$WORK/x"
unzip -q -o "$WHEEL" 'onnxruntime/capi/libonnxruntime_providers_cuda.so' 'onnxruntime/capi/libonnxruntime_providers_shared.so' \
  'onnxruntime/capi/build_and_package_info.py' 'onnxruntime_gpu-*.dist-info/METADATA' -d "$WORK/x" ||
  fail "the wheel lacks the CUDA provider libraries"
WHEEL_VERSION=$(sed -n "s/^__version__ = '\(.*\)'/\1/p" "$WORK/x/onnxruntime/capi/build_and_package_info.py")
CUDA_VERSION=$(sed -n "s/^cuda_version = '\(.*\)'/\1/p" "$WORK/x/onnxruntime/capi/build_and_package_info.py")
[ "$WHEEL_VERSION" = "$VERSION" ] || fail "version mismatch: onnxruntime-node $VERSION, wheel $WHEEL_VERSION"
# The bridge the shared provider library offers to libonnxruntime (same names NuGet's build exports).
objdump -T "$WORK/x/onnxruntime/capi/libonnxruntime_providers_shared.so" | grep -q Provider_GetHost ||
  fail "libonnxruntime_providers_shared.so does not export Provider_GetHost"
grep -aq "$VERSION" "$WORK/x/onnxruntime/capi/libonnxruntime_providers_cuda.so" ||
  fail "libonnxruntime_providers_cuda.so does not name version $VERSION"

install -m 0755 "$WORK/x/onnxruntime/capi/libonnxruntime_providers_cuda.so" "$WORK/x/onnxruntime/capi/libonnxruntime_providers_shared.so" "$BIN/"
printf 'onnxruntime-gpu %s (CUDA %s) from %s\n' "$WHEEL_VERSION" "$CUDA_VERSION" "$(basename "$WHEEL")" >"$BIN/cuda-provider-source.txt"
echo "installed the CUDA provider of onnxruntime-gpu $WHEEL_VERSION (built for CUDA $CUDA_VERSION) into $BIN"

missing=$(ldd "$BIN/libonnxruntime_providers_cuda.so" | awk '/not found/ {print $1}' | tr '\n' ' ')
if [ -n "$missing" ]; then
  echo "the CUDA provider still needs: $missing"
  echo "  (the NVIDIA driver gives libcuda.so.1; the rest come from a CUDA $CUDA_VERSION + cuDNN 9 runtime image, or from"
  echo "   PyPI: $(sed -n 's/^Requires-Dist: \([^;]*\); extra == "\(cuda\|cudnn\)"/\1/p' "$WORK"/x/onnxruntime_gpu-*.dist-info/METADATA | tr -d ' ' | tr '\n' ' ')"
  echo "   installed with pip --target DIR and DIR/nvidia/*/lib on LD_LIBRARY_PATH)"
fi

echo "opening models/cxr-v1/model.onnx with executionProviders ['cuda']"
if node -e "
  require('onnxruntime-node').InferenceSession.create('models/cxr-v1/model.onnx', { executionProviders: ['cuda'] })
    .then(() => console.log('CUDA session created'), (e) => { console.log('CUDA session failed: ' + e.message.split('\n')[0]); process.exit(3); });
"; then
  echo "ok: the CUDA execution provider works here"
elif [ "${REQUIRE_GPU:-0}" = 1 ]; then
  fail "the CUDA session could not be created (REQUIRE_GPU=1)"
else
  echo "no usable GPU/CUDA here: expected on a CPU machine; CPU inference is unaffected"
fi
