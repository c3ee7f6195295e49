import taskcluster

queue = taskcluster.Queue({"rootUrl": "https://tc.example.com"})
queue.createTask("fN1SbArXTPSVFNUvaOlinQ", {
    "created": "2030-01-01T00:00:00.000Z",
    "deadline": "2030-01-02T00:00:00.000Z",
    "payload": {},
    "metadata": {"name": "n", "description": "d", "owner": "o", "source": "s"},
    "priorty": "lowest",  # error
})
queue.createTask("fN1SbArXTPSVFNUvaOlinQ", {
    "created": "2030-01-01T00:00:00.000Z",
    "deadline": "2030-01-02T00:00:00.000Z",
    "payload": {},
    "metadata": {"name": "n", "description": "d", "owner": "o", "source": "s", "ownr": "x"},  # error
})
queue.listTaskGroup("fN1SbArXTPSVFNUvaOlinQ", query={"limt": 10})  # error
