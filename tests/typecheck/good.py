"""Correct uses of the client, as a consumer writes them: mypy and pyright
must accept every line (``nox -s typecheck``)."""

from typing import TYPE_CHECKING, Any, Dict, List

import taskcluster
import taskcluster.aio
from taskcluster.client import config, queue as module_queue

if TYPE_CHECKING:
    from taskcluster.queue import TaskStatusResponse

options = {"rootUrl": "https://tc.example.com"}
queue = taskcluster.Queue(options)
task_id = taskcluster.slugId()

definition: "taskcluster.queue.CreateTaskRequest" = {
    "created": taskcluster.fromNowJSON("0 seconds"),
    "deadline": taskcluster.fromNowJSON("1 day"),
    "payload": {"image": "ubuntu:24.04", "command": ["true"]},
    "metadata": {"name": "a task", "description": "checks types",
                 "owner": "someone@example.com", "source": "https://example.com"},
    "priority": "lowest",
    "requires": "all-completed",
    "taskQueueId": "proj/ci",
}

status: "TaskStatusResponse" = queue.createTask(task_id, definition)
state: str = status["status"]["state"]
queue.createTask(definition, taskId=task_id)
queue.createTask(task_id, payload=definition)
queue.createTask(task_id, {"created": "2030-01-01T00:00:00.000Z",
                           "deadline": "2030-01-02T00:00:00.000Z",
                           "payload": {}, "metadata": {"name": "n", "description": "d",
                                                       "owner": "o", "source": "s"}})
task = queue.task(task_id)
routes: List[str] = task["routes"]
queue.listTaskGroup(task_id, query={"limit": 10})
queue.listTaskGroup(task_id, paginationLimit=10, paginationHandler=lambda page: None)
for page in queue.pages("listTaskGroup", task_id):
    for entry in page["tasks"]:
        print(entry["status"]["state"])
url: str = queue.buildUrl("task", task_id)
signed: str = queue.buildSignedUrl("getArtifact", task_id, 0, "public/log.txt", expiration=60)
with taskcluster.Index(options) as index:
    index.findTask("project.example.latest")

binding = taskcluster.QueueEvents().taskCompleted(taskId=task_id)
pattern: str = binding["routingKeyPattern"]

config["rootUrl"] = "https://tc.example.com"
module_queue.task(task_id)
taskcluster.client.index.findTask("ns")

try:
    queue.ping()
except taskcluster.TaskclusterRestFailure as e:
    code: Any = e.status_code
except taskcluster.exceptions.TaskclusterFailure:
    pass

secret: Dict[str, Any] = {"a": 1}
taskcluster.Secrets(options).set("name", {"secret": secret, "expires": "2030-01-01T00:00:00Z"})


async def main() -> None:
    async with taskcluster.aio.Queue(options) as aqueue:
        answer = await aqueue.task(task_id)
        print(answer["metadata"]["name"])
        print(aqueue.buildUrl("task", task_id))
        async for page in aqueue.pages("listTaskGroup", task_id):
            print(page)
        print(aqueue.__class__.__name__)


def fire(hooks: taskcluster.Hooks) -> Any:
    return hooks.triggerHook("group", "hook", {"any": "context"})
