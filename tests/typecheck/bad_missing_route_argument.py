import taskcluster

queue = taskcluster.Queue({"rootUrl": "https://tc.example.com"})
queue.task()  # error
queue.getArtifact("fN1SbArXTPSVFNUvaOlinQ", 0)  # error
taskcluster.client.index.findTask()  # error
