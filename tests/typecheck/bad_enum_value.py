import taskcluster

queue = taskcluster.Queue({"rootUrl": "https://tc.example.com"})
queue.createTask("fN1SbArXTPSVFNUvaOlinQ", {
    "created": "2030-01-01T00:00:00.000Z",
    "deadline": "2030-01-02T00:00:00.000Z",
    "payload": {},
    "metadata": {"name": "n", "description": "d", "owner": "o", "source": "s"},
    "priority": "urgent",  # error
})
queue.buildSignedUrl("createTask", "fN1SbArXTPSVFNUvaOlinQ")  # error
queue.pages("task", "fN1SbArXTPSVFNUvaOlinQ")  # error
