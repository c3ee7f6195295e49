import taskcluster
import taskcluster.aio

queue = taskcluster.Queue({"rootUrl": "https://tc.example.com"})
queue.createTsk("fN1SbArXTPSVFNUvaOlinQ", {})  # error
queue.buildUrl("tsk", "fN1SbArXTPSVFNUvaOlinQ")  # error
taskcluster.client.queue.tsk("fN1SbArXTPSVFNUvaOlinQ")  # error
taskcluster.QueueEvents().taskComplete(taskId="x")  # error
taskcluster.aio.Index().findTsk("ns")  # error
