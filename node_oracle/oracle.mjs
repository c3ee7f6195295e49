#!/usr/bin/env node
// Conformance oracle: runs the real npm `taskcluster-client` (and the very
// `hawk` module instance it uses) on a list of JSON cases and writes what
// Node produced, so the Python client can be compared against it.
//
//   node oracle.mjs cases.json out.json      ("-" means stdin / stdout)
//
// Input:  {"cases": [{"id": "...", "kind": "...", ...}, ...]}
// Output: {"results": {"<id>": {"ok": <value>} | {"error": "<message>"}}}
//
// Every case is independent: everything pinned for a case (hawk's clock, the
// hawk nonce, slugid.v4, the captured requests) is reset after it, whatever
// happened.  See README.md for the fields of each kind.
//
// Network: `request` cases really run the client's HTTP code (got over
// node's http/https agents), but every socket the agents open is redirected
// to this process's own capture server on 127.0.0.1.  Nothing is resolved
// or contacted anywhere else.

import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// `hawk` and `slugid` are CommonJS: the default import is the same
// module.exports object that taskcluster-client imports, so patching its
// properties below is seen by the client.
import hawk from 'hawk';
import slugid from 'slugid';
import { createClient, createTemporaryCredentials, fromNowJSON } from 'taskcluster-client';
import scopeLib from 'taskcluster-lib-scopes';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REFERENCES = path.resolve(HERE, '..', 'references');

// ---------------------------------------------------------------------------
// Pinning hooks (all reset by resetPins() after every case)

// Nonce for hawk.client.header: the client builds its Authorization header
// with hawk.client.header(url, method, {credentials, ext}); we inject the
// case's nonce into those options.  undefined = hawk picks a random one.
let pinnedNonce;
const originalHawkHeader = hawk.client.header;
hawk.client.header = function(uri, method, options) {
  if (pinnedNonce !== undefined && options && typeof options === 'object') {
    options = { ...options, nonce: pinnedNonce };
  }
  return originalHawkHeader.call(this, uri, method, options);
};

const originalSlugidV4 = slugid.v4;

function pinTime(ms) {
  // hawk reads its clock only through this hook (header ts, bewit expiry,
  // server-side staleness / expiry checks).  A case without a time runs on
  // the real clock.
  if (ms !== undefined && ms !== null) {
    hawk.utils.setTimeFunction(() => ms);
  }
}

function resetPins() {
  hawk.utils.setTimeFunction(Date.now);
  pinnedNonce = undefined;
  slugid.v4 = originalSlugidV4;
  captured.length = 0;
}

// ---------------------------------------------------------------------------
// Capture server + socket redirection

const captured = [];

function headersFromRaw(rawHeaders) {
  // Lowercased names -> values exactly as received.  A repeated header is
  // joined with ", " (node's client never repeats one for these calls).
  const headers = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    headers[name] = Object.prototype.hasOwnProperty.call(headers, name)
      ? headers[name] + ', ' + value
      : value;
  }
  return headers;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    captured.push({
      method: req.method,
      target: req.url, // the raw request-target (path + query) as received
      headers: headersFromRaw(req.rawHeaders),
      body: Buffer.concat(chunks).toString('base64'),
    });
    const body = '{}';
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});

let capturePort;

// Whatever host/port (and scheme) the rootUrl names, every connection the
// http and https agents open goes, in plain TCP, to the capture server.  For
// https URLs this means the client speaks plain HTTP over that socket, which
// is exactly what we want to record (the bytes it would put inside TLS).
// The address is a literal IP, so no DNS lookup happens either.
function redirectedConnection() {
  return net.createConnection({ host: '127.0.0.1', port: capturePort });
}
http.Agent.prototype.createConnection = redirectedConnection;
https.Agent.prototype.createConnection = redirectedConnection;

// ---------------------------------------------------------------------------
// Client classes built from the project's own references

const clientClasses = new Map();

function clientClass(service, api) {
  if (typeof service !== 'string' || !/^[a-z][a-z0-9-]*$/.test(service)) {
    throw new Error(`oracle: bad service name ${JSON.stringify(service)}`);
  }
  if (typeof api !== 'string' || !/^[a-z-]+\.json$/.test(api)) {
    throw new Error(`oracle: bad reference file name ${JSON.stringify(api)}`);
  }
  const key = `${service}/${api}`;
  if (!clientClasses.has(key)) {
    const file = path.join(REFERENCES, service, 'v1', api);
    const reference = JSON.parse(fs.readFileSync(file, 'utf8'));
    clientClasses.set(key, createClient(reference));
  }
  return clientClasses.get(key);
}

function has(obj, key) {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function clientOptions(c, rootUrl) {
  const options = { rootUrl, credentials: c.credentials || {}, retries: 0 };
  if (has(c, 'authorizedScopes')) {
    options.authorizedScopes = c.authorizedScopes;
  }
  return options;
}

// Split an absolute URL into the Host header value and the raw
// request-target, without any normalisation (a real server sees exactly the
// bytes the client sent, so WHATWG URL parsing must not re-encode them).
function splitUrl(u) {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^#]*)/.exec(u);
  if (!m) {
    throw new Error(`oracle: not an absolute URL: ${u}`);
  }
  const authority = m[2];
  return {
    scheme: m[1].toLowerCase(),
    host: authority.slice(authority.lastIndexOf('@') + 1),
    target: m[3] || '/',
  };
}

function fakeServerRequest(method, u, authorization) {
  const { scheme, host, target } = splitUrl(u);
  const req = { method, url: target, headers: { host } };
  if (authorization !== undefined && authorization !== null) {
    req.headers.authorization = authorization;
  }
  // hawk.utils.parseHost defaults the port from req.connection.encrypted
  // (443 when encrypted, else 80) when the Host header carries none; mirror
  // what a real node https server would present.
  if (scheme === 'https') {
    req.connection = { encrypted: true };
  }
  return req;
}

function verifierCredentials(creds) {
  return id => (creds && id === creds.id)
    ? { id: creds.id, key: creds.key, algorithm: 'sha256' }
    : null;
}

// ---------------------------------------------------------------------------
// Case kinds

const kinds = {
  buildUrl(c) {
    const Client = clientClass(c.service, c.api || 'api.json');
    const client = new Client({ rootUrl: c.rootUrl, credentials: {} });
    const args = [client[c.method], ...(c.args || [])];
    if (c.query !== undefined && c.query !== null) {
      args.push(c.query);
    }
    return client.buildUrl(...args);
  },

  buildSignedUrl(c) {
    pinTime(c.now);
    const Client = clientClass(c.service, c.api || 'api.json');
    const client = new Client(clientOptions(c, c.rootUrl));
    const method = client[c.method];
    const args = [method, ...(c.args || [])];
    if (c.query !== undefined && c.query !== null) {
      args.push(c.query);
    } else if (has(c, 'expiration') && method && method.entryReference &&
               (method.entryReference.query || []).length > 0) {
      // Node's buildSignedUrl only recognises a trailing options object when
      // the query slot is filled; a bare {expiration} would be taken as the
      // query (and rejected).  `{}` is how a Node caller says "no query":
      // it adds nothing to the URL.
      args.push({});
    }
    if (has(c, 'expiration')) {
      args.push({ expiration: c.expiration });
    }
    return client.buildSignedUrl(...args);
  },

  async request(c) {
    pinTime(has(c, 'ts') && c.ts !== null ? c.ts * 1000 : undefined);
    pinnedNonce = c.nonce === null ? undefined : c.nonce;
    const Client = clientClass(c.service, c.api || 'api.json');
    const client = new Client(clientOptions(c, c.rootUrl));
    const args = [...(c.args || [])];
    if (has(c, 'payload')) {
      args.push(c.payload);
    }
    if (c.query !== undefined && c.query !== null) {
      args.push(c.query);
    }
    const fn = client[c.method];
    if (typeof fn !== 'function') {
      throw new Error(`oracle: no method ${c.method} on ${c.service}`);
    }
    const result = await fn.apply(client, args);
    if (captured.length !== 1) {
      throw new Error(`oracle: expected 1 captured request, got ${captured.length}`);
    }
    return { ...captured[0], result: result === undefined ? null : result };
  },

  routingKey(c) {
    const Client = clientClass(c.service, c.api || 'exchanges.json');
    const client = new Client({ rootUrl: 'https://tc.example.com', credentials: {} });
    const fn = client[c.exchange];
    if (typeof fn !== 'function') {
      throw new Error(`oracle: no exchange ${c.exchange} on ${c.service}`);
    }
    return has(c, 'pattern') ? fn.call(client, c.pattern) : fn.call(client);
  },

  tempCreds(c) {
    // createTemporaryCredentials draws its seed as slugid.v4() + slugid.v4();
    // hand out the case's seeds in order instead.
    const seeds = [...(c.seeds || [])];
    slugid.v4 = () => {
      if (seeds.length === 0) {
        throw new Error('oracle: ran out of seeds');
      }
      return seeds.shift();
    };
    const options = { credentials: c.credentials };
    if (has(c, 'start')) {
      options.start = new Date(c.start);
    }
    if (has(c, 'expiry')) {
      options.expiry = new Date(c.expiry);
    }
    if (has(c, 'scopes')) {
      options.scopes = c.scopes;
    }
    if (has(c, 'clientId')) {
      options.clientId = c.clientId;
    }
    const r = createTemporaryCredentials(options);
    return { clientId: r.clientId, accessToken: r.accessToken, certificate: r.certificate };
  },

  fromNow(c) {
    return fromNowJSON(c.offset, has(c, 'reference') ? new Date(c.reference) : undefined);
  },

  scopes(c) {
    // One call of a taskcluster-lib-scopes function; the arguments are this
    // case's own (parsed afresh), so functions that sort them in place
    // (scopeUnion) change nothing else.
    const fn = scopeLib[c.fn];
    if (typeof c.fn !== 'string' || typeof fn !== 'function') {
      throw new Error(`oracle: taskcluster-lib-scopes has no function ${JSON.stringify(c.fn)}`);
    }
    return fn(...c.args);
  },

  scopesTiming(c) {
    // satisfiesExpression(scopeset, e) for each expression, `rounds` times
    // over; the answers of one pass and each round's seconds (for bench/).
    const answers = c.expressions.map(e => scopeLib.satisfiesExpression(c.scopeset, e));
    const seconds = [];
    for (let r = 0; r < c.rounds; r++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < c.repeat; i++) {
        for (const e of c.expressions) {
          scopeLib.satisfiesExpression(c.scopeset, e);
        }
      }
      seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
    }
    return { answers, seconds };
  },

  async verifyHeader(c) {
    pinTime(c.now);
    const req = fakeServerRequest(c.method, c.url, c.authorization);
    // No host/port options: hawk parses them from the Host header.
    const { artifacts } = await hawk.server.authenticate(req, verifierCredentials(c.credentials), {});
    return { id: artifacts.id, ext: artifacts.ext || null };
  },

  async verifyBewit(c) {
    pinTime(c.now);
    const req = fakeServerRequest('GET', c.url);
    const { attributes } = await hawk.server.authenticateBewit(req, verifierCredentials(c.credentials), {});
    // hawk reports a bewit without ext as ext ""; null means "no ext" in
    // both verify kinds.
    return { id: attributes.id, ext: attributes.ext || null };
  },
};

async function runCase(c) {
  try {
    const kind = kinds[c.kind];
    if (!kind) {
      throw new Error(`oracle: unknown case kind ${JSON.stringify(c.kind)}`);
    }
    const value = await kind(c);
    return { ok: value === undefined ? null : value };
  } catch (err) {
    return { error: String(err && err.message !== undefined ? err.message : err) };
  } finally {
    resetPins();
  }
}

// ---------------------------------------------------------------------------
// Main

function readInput(name) {
  return fs.readFileSync(name === '-' ? 0 : name, 'utf8');
}

async function main() {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    process.stderr.write('usage: node oracle.mjs cases.json|- out.json|-\n');
    process.exit(2);
  }
  const { cases } = JSON.parse(readInput(input));
  if (!Array.isArray(cases)) {
    throw new Error('input must be {"cases": [...]}');
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  capturePort = server.address().port;

  const results = {};
  try {
    for (const c of cases) {
      results[c && c.id] = await runCase(c || {});
    }
  } finally {
    server.close();
  }

  const text = JSON.stringify({ results });
  if (output === '-') {
    await new Promise(resolve => process.stdout.write(text, resolve));
  } else {
    fs.writeFileSync(output, text);
  }
}

main().then(
  () => process.exit(0),
  err => {
    process.stderr.write(`oracle: ${err && err.stack || err}\n`);
    process.exit(1);
  },
);
