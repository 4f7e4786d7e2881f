"""Scale targets: local worker processes, docker containers, a Kubernetes Deployment."""
