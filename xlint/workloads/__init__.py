"""From per-arch copies to one multi-arch image: Kubernetes workloads, Compose files, GitHub Actions
workflows and per-arch Dockerfiles (rules XL401-XL405), and base-image platform lookups (XL302)."""
