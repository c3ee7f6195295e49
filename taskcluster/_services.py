"""The client classes and the reference each is built from.

Kept apart, with no imports of weight, so that importing the package reads
and builds nothing.
"""

from types import MappingProxyType

__all__ = ["SERVICES"]

# Class name -> (service directory, document), as the `taskcluster` package
# names its classes.
SERVICES = MappingProxyType({
    "Auth": ("auth", "api"),
    "AuthEvents": ("auth", "exchanges"),
    "Github": ("github", "api"),
    "GithubEvents": ("github", "exchanges"),
    "Hooks": ("hooks", "api"),
    "HooksEvents": ("hooks", "exchanges"),
    "Index": ("index", "api"),
    "Notify": ("notify", "api"),
    "NotifyEvents": ("notify", "exchanges"),
    "Object": ("object", "api"),
    "PurgeCache": ("purge-cache", "api"),
    "Queue": ("queue", "api"),
    "QueueEvents": ("queue", "exchanges"),
    "Secrets": ("secrets", "api"),
    "WebServer": ("web-server", "api"),
    "WorkerManager": ("worker-manager", "api"),
    "WorkerManagerEvents": ("worker-manager", "exchanges"),
})
