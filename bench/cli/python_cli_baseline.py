"""Python onnxruntime reference for `npm run bench:cli`: one process doing what `lungflow analyze` does per picture
(decode, gray by Pillow's luma, Pillow resize to the card's input size with the card's filter, the model in batches),
on the same files, same model, same thread count and batch size. No heatmaps, no JSON per file: a lower bound on the
work, so the CLI's figure is read against it.

Prints one JSON object: images, seconds (the loop), images_per_s, peak_rss_mib, runtime.
Usage: python python_cli_baseline.py --model M --size S --filter bilinear --threads T --batch B --list FILE
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import onnxruntime as ort
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from python_baseline import cpu_session  # noqa: E402  (bench/python_baseline.py, the bench:infer reference)

FILTERS = {"nearest": Image.NEAREST, "box": Image.BOX, "bilinear": Image.BILINEAR, "hamming": Image.HAMMING,
           "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--filter", default="bilinear")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--list", required=True, help="text file, one image path per line")
    a = p.parse_args()

    sess = cpu_session(a.model, a.threads)
    name = sess.get_inputs()[0].name
    outputs = ["probabilities", "logits", "cam"]
    with open(a.list) as f:
        files = [line.rstrip("\n") for line in f if line.strip()]

    start = time.perf_counter()
    batch = []
    for i, path in enumerate(files):
        with Image.open(path) as im:
            gray = im.convert("L")
            if gray.size != (a.size, a.size):
                gray = gray.resize((a.size, a.size), FILTERS[a.filter])
            batch.append(np.asarray(gray, dtype=np.uint8))
        if len(batch) == a.batch or i == len(files) - 1:
            sess.run(outputs, {name: np.stack(batch)[:, None, :, :]})
            batch = []
    seconds = time.perf_counter() - start
    print(json.dumps({"images": len(files), "seconds": seconds, "images_per_s": len(files) / seconds,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "runtime": f"python onnxruntime {ort.__version__}"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
