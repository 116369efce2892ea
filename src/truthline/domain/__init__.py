"""Domain layer: ids, errors, geometry, labels and taxonomy, free of I/O."""
