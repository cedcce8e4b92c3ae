"""Evaluation of a released ONNX model: metrics with patient-bootstrap CIs, operating point, shortcut audits,
figures and report. Entry point: `python -m lungflow_training.evaluate` (see README.md)."""
