"""Model v2 (issue 11): lung segmentation, lung-masked equalisation and crop inside the graph, leave-one-source-out
selection. v1 modules stay as they are so the released v1 models keep their exact, tested provenance."""
