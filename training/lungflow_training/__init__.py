"""LungFlow training pipeline: data manifest, frozen split, preprocessing, model, training, ONNX export."""
