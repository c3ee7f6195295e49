"""A local fake Taskcluster deployment for tests (being built: issue 19)."""
