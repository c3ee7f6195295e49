import taskcluster

queue = taskcluster.Queue({"rootUrl": "https://tc.example.com"})
queue.createTask("fN1SbArXTPSVFNUvaOlinQ", {
    "created": "2030-01-01T00:00:00.000Z",
    "deadline": "2030-01-02T00:00:00.000Z",
    "payload": {},
    "metadata": {"name": "n", "description": "d", "owner": "o", "source": "s"},
    "retries": "5",  # error
})
queue.createTask("fN1SbArXTPSVFNUvaOlinQ", {  # error
    "created": "2030-01-01T00:00:00.000Z",
    "payload": {},
    "metadata": {"name": "n", "description": "d", "owner": "o", "source": "s"},
})
state: int = queue.status("fN1SbArXTPSVFNUvaOlinQ")["status"]["state"]  # error
for page in queue.pages("listTaskGroup", "fN1SbArXTPSVFNUvaOlinQ"):
    page["taskz"]  # error
