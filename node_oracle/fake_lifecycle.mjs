#!/usr/bin/env node
// The fake deployment's queue driven by the real npm `taskcluster-client`:
// create, claim, reclaim, an object artifact uploaded and downloaded with the
// client's own helpers, an s3 artifact through its putUrl and a signed
// getArtifact URL's 303, report completed; a dependency chain; a retry.
//
//   node fake_lifecycle.mjs      (conformance/test_fake_queue_node.py runs it)
//
// Reads TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID / TASKCLUSTER_ACCESS_TOKEN
// (the scheduler) and FAKE_WORKER_CLIENT_ID / FAKE_WORKER_ACCESS_TOKEN (the
// worker) from the Python side, which started the deployment on 127.0.0.1;
// prints one JSON document of what it observed.

import { Readable, Writable } from 'node:stream';
import taskcluster from 'taskcluster-client';

const rootUrl = process.env.TASKCLUSTER_ROOT_URL;
const client = (Cls, credentials) => new Cls({ rootUrl, credentials, retries: 0 });
const queue = client(taskcluster.Queue, {
  clientId: process.env.TASKCLUSTER_CLIENT_ID,
  accessToken: process.env.TASKCLUSTER_ACCESS_TOKEN,
});
const worker = client(taskcluster.Queue, {
  clientId: process.env.FAKE_WORKER_CLIENT_ID,
  accessToken: process.env.FAKE_WORKER_ACCESS_TOKEN,
});

const taskDef = (overrides = {}) => ({
  provisionerId: 'prov', workerType: 'wt',
  created: new Date().toJSON(), deadline: taskcluster.fromNowJSON('1 hour'),
  payload: {}, routes: ['index.node'],
  metadata: { name: 't', description: 'd', owner: 'me@example.com', source: 'https://example.com/t' },
  ...overrides,
});

const claim = async () => (await worker.claimWork('prov/wt', {
  workerGroup: 'wg', workerId: 'w1', tasks: 4,
})).tasks;

const collect = () => {
  const chunks = [];
  const stream = new Writable({
    write(chunk, _enc, done) { chunks.push(chunk); done(); },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
};

const main = async () => {
  const seen = {};
  const taskId = taskcluster.slugid();
  seen.created = (await queue.createTask(taskId, taskDef())).status.state;
  const [c] = await claim();
  seen.claimed = [c.status.taskId === taskId, c.runId];
  let run = client(taskcluster.Queue, c.credentials);
  const r = await run.reclaimTask(taskId, 0);
  seen.reclaimed = r.takenUntil >= c.takenUntil;
  run = client(taskcluster.Queue, r.credentials);

  const expires = taskcluster.fromNowJSON('1 day');
  const answer = await run.createArtifact(taskId, 0, 'public/data.bin', {
    storageType: 'object', contentType: 'application/x-test', expires,
  });
  const data = Buffer.from('node bytes '.repeat(100));
  await taskcluster.upload({
    projectId: answer.projectId, name: answer.name, contentType: 'application/x-test',
    contentLength: data.length, expires: new Date(answer.expires), uploadId: answer.uploadId,
    object: client(taskcluster.Object, answer.credentials), retries: 0,
    streamFactory: async () => Readable.from([data]),
  });
  await run.finishArtifact(taskId, 0, 'public/data.bin', { uploadId: answer.uploadId });
  const sink = collect();
  const contentType = await taskcluster.downloadArtifact({
    taskId, name: 'public/data.bin', queue, retries: 0, streamFactory: async () => sink.stream,
  });
  seen['object artifact'] = [sink.bytes().equals(data), contentType];

  const s3 = await run.createArtifact(taskId, 0, 'private/log.txt', {
    storageType: 's3', contentType: 'text/plain', expires,
  });
  const put = await fetch(s3.putUrl, { method: 'PUT', body: 'log!', headers: { 'Content-Type': 'text/plain' } });
  seen['s3 put'] = put.status;
  const url = queue.buildSignedUrl(queue.getArtifact, taskId, 0, 'private/log.txt');
  const first = await fetch(url, { redirect: 'manual' });
  const body = await first.json();
  seen['s3 303'] = [first.status, body.storageType, body.url === first.headers.get('location')];
  const got = await fetch(url);
  seen['s3 artifact'] = [await got.text(), got.headers.get('content-type')];
  seen.completed = (await run.reportCompleted(taskId, 0)).status.state;

  const a = taskcluster.slugid();
  const b = taskcluster.slugid();
  await queue.createTask(a, taskDef({ retries: 1 }));
  await queue.createTask(b, taskDef({ dependencies: [a] }));
  seen.blocked = (await queue.status(b)).status.state;
  const [first1] = await claim();
  await client(taskcluster.Queue, first1.credentials).reportException(a, 0, { reason: 'worker-shutdown' });
  const [retry] = await claim();
  seen.retried = [retry.status.taskId === a, retry.runId, retry.status.runs[1].reasonCreated];
  await client(taskcluster.Queue, retry.credentials).reportCompleted(a, 1);
  seen.unblocked = (await queue.status(b)).status.state;
  process.stdout.write(JSON.stringify(seen));
};

main().catch(err => {
  process.stderr.write(`${err.stack || err}\n${err.body ? JSON.stringify(err.body) : ''}\n`);
  process.exit(1);
});
