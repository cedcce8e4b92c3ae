"""Python onnxruntime baseline for `npm run bench:infer`: the same model file, the same uint8 inputs (written by the
TypeScript benchmark), the same outputs requested, the same thread count and the same measurement loop.

Prints one JSON object on stdout: latency p50/p95 at batch 1 (ms), images/s at batch 1 and per batch size, peak RSS.
Run with training's venv: training/.venv/bin/python bench/python_baseline.py --model M --inputs F --size S --count N
"""
import argparse
import json
import resource
import sys
import time

import numpy as np
import onnxruntime as ort


def cpu_session(model: str, threads: int) -> ort.InferenceSession:
    """The session both Python baselines use: CPU, `threads` intra-op threads, one inter-op, all graph optimisations."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--inputs", required=True, help="raw uint8, count x size x size")
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--outputs", default="probabilities,logits,cam",
                   help="outputs to request, as the TypeScript side does (v2 graphs add lungs)")
    p.add_argument("--batches", default="1,2,4,8,16,32", help="throughput batch sizes; empty: latency only")
    p.add_argument("--serve", action="store_true",
                   help="after warm-up, answer stdin lines 'N OFFSET' with the JSON list of N batch-1 latencies (ms), "
                        "so the caller can interleave short blocks of Python and TypeScript runs; 'N OFFSET B' "
                        "times N runs of batch B")
    a = p.parse_args()

    sess = cpu_session(a.model, a.threads)
    name = sess.get_inputs()[0].name
    outputs = [name for name in a.outputs.split(",") if name]
    images = np.fromfile(a.inputs, dtype=np.uint8).reshape(a.count, 1, a.size, a.size)

    for i in range(a.warmup):
        sess.run(outputs, {name: images[i % a.count: i % a.count + 1]})
    if a.serve:
        print(json.dumps({"ready": True, "runtime": f"python onnxruntime {ort.__version__}"}), flush=True)
        for line in sys.stdin:
            n, offset, *rest = (int(v) for v in line.split())
            batch = rest[0] if rest else 1
            block = []
            for i in range(offset, offset + n):
                x = np.ascontiguousarray(images[(np.arange(batch) + i) % a.count])
                t0 = time.perf_counter()
                sess.run(outputs, {name: x})
                block.append((time.perf_counter() - t0) * 1000)
            print(json.dumps({"latencies": block,
                              "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
        return 0
    latencies = []
    for i in range(a.runs):
        x = images[i % a.count: i % a.count + 1]
        t0 = time.perf_counter()
        sess.run(outputs, {name: x})
        latencies.append((time.perf_counter() - t0) * 1000)
    lat = np.array(latencies)

    throughput = {}
    for b in [int(s) for s in a.batches.split(",") if s]:
        idx = np.arange(b) % a.count
        x = np.ascontiguousarray(images[idx])
        sess.run(outputs, {name: x})
        reps = max(3, a.runs // b)
        t0 = time.perf_counter()
        for _ in range(reps):
            sess.run(outputs, {name: x})
        throughput[str(b)] = reps * b / (time.perf_counter() - t0)

    print(json.dumps({
        "runtime": f"python onnxruntime {ort.__version__}",
        "p50": float(np.percentile(lat, 50)), "p95": float(np.percentile(lat, 95)), "mean": float(lat.mean()),
        "throughput": throughput,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
