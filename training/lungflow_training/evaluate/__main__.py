"""CLI: python -m lungflow_training.evaluate --task cxr --model runs/cxr-pseudo/model.onnx --out <dir>"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..paths import CACHE_DIR, TRAINING_DIR, shared_data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lungflow_training.evaluate", description=__doc__)
    parser.add_argument("--task", choices=["cxr", "ct"], required=True)
    parser.add_argument("--model", type=Path, required=True, help="the ONNX file to evaluate")
    parser.add_argument("--out", type=Path, required=True, help="folder for evaluation.json, report.md and PNGs")
    parser.add_argument("--split-file", type=Path, help="default: training/splits/<task>.csv")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="shared data folder (default: $LUNGFLOW_SHARED_DIR/data or <repo>/../shared/data)")
    parser.add_argument("--resamples", type=int, default=1000, help="patient bootstrap resamples")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR,
                        help="where preprocessed inputs are cached ('' to disable)")
    parser.add_argument("--per-class", type=int, default=None,
                        help="smoke runs only: evaluate the first N patients of each class per split")
    args = parser.parse_args(argv)
    from .runner import evaluate

    started = time.time()
    ev = evaluate(args.task, args.model, args.out, args.data_dir or shared_data_dir(),
                  args.split_file or TRAINING_DIR / "splits" / f"{args.task}.csv", args.resamples, args.seed,
                  args.cache_dir if str(args.cache_dir) else None, args.per_class)
    op = ev["test"]["operating_point"]  # type: ignore[index]
    print(f"{args.task}: test {ev['counts']['test']['images']} images; COVID-19 at threshold "  # type: ignore[index]
          f"{op['threshold']:.4f}: sensitivity {op['sensitivity']['value']:.3f}, specificity "
          f"{op['specificity']['value']:.3f}, F1 {op['f1']['value']:.3f}, AUC {op['roc_auc']['value']:.3f} "
          f"-> {args.out} ({time.time() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
