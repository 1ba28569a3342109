"""The model registry: named models, versions, stages and cards."""
