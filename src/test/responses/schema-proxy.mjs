// A checking proxy for HAIA's Responses API tests: every client (the Python and Node SDKs, the Vercel AI SDK) talks
// to HAIA through it, and every answer it passes on is validated with ajv against OpenAI's published OpenAPI spec:
// the schema the spec gives the path, method and status (Response, ResponseStreamEvent for each event of a stream,
// ResponseItemList), ErrorResponse for errors. Streams are also checked for OpenAI's event order: sequence_number
// 0, 1, 2...; response.created, response.in_progress first; each output item added before its pieces and done after
// them; one terminal event (response.completed, .incomplete or .failed) last.
//
//   node schema-proxy.mjs SPEC.yml UPSTREAM_URL     prints "schema-proxy listening PORT" once it listens on 127.0.0.1
//   GET /__report                                   {"checked": {schema: count}, "violations": [...]}
//   PUT /__upstream  (body: the new upstream URL)    after HAIA restarts on another port
import fs from 'node:fs';
import http from 'node:http';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [specPath, firstUpstream] = process.argv.slice(2);
let upstream = new URL(firstUpstream);
const spec = YAML.parse(fs.readFileSync(specPath, 'utf8'), {maxAliasCount: -1});
const ajv = new Ajv2020({strict: false, allErrors: true});
addFormats(ajv);
ajv.addFormat('unixtime', {type: 'number', validate: () => true});
ajv.addSchema({$id: 'openai', components: spec.components});
const validators = new Map();
const checked = {};
const violations = [];

function validator(name) {
  if (!validators.has(name)) {
    validators.set(name, ajv.getSchema('openai#/components/schemas/' + name));
  }
  return validators.get(name);
}

// each stream event is checked against the member of ResponseStreamEvent's anyOf that its type names, so that a
// violation names the event's own fields rather than every other event type's
const eventSchemas = new Map();
for (const member of spec.components.schemas.ResponseStreamEvent.anyOf) {
  const name = member.$ref.split('/').pop();
  for (const type of spec.components.schemas[name].properties?.type?.enum || []) eventSchemas.set(type, name);
}

function check(name, value, where) {
  if (name === 'ResponseStreamEvent' && eventSchemas.has(value?.type)) {
    checked[name] = (checked[name] || 0) + 1;
    name = eventSchemas.get(value.type);
  }
  const validate = validator(name);
  checked[name] = (checked[name] || 0) + 1;
  if (!validate(value)) {
    // anyOf failures list every branch: keep the first errors, they name the field
    violations.push({where, schema: name, errors: validate.errors.slice(0, 8), value: JSON.stringify(value).slice(0, 2000)});
  }
}

/** The schema the spec gives this method, path and status (its $ref's name), for this content type. */
function documented(method, path, status, contentType) {
  const paths = spec.paths;
  const template = Object.keys(paths).find(t => {
    const a = ('/v1' + t).split('/'), b = path.split('/');
    return a.length === b.length && a.every((s, i) => s.startsWith('{') || s === b[i]);
  });
  const content = template && paths[template][method.toLowerCase()]?.responses?.[String(status)]?.content;
  const schema = content?.[contentType]?.schema?.$ref;
  return schema ? schema.split('/').pop() : null;
}

function checkJson(req, status, body) {
  const where = `${req.method} ${req.url} -> ${status}`;
  let value;
  try {
    value = JSON.parse(body);
  } catch (e) {
    violations.push({where, error: 'not JSON: ' + body.slice(0, 200)});
    return;
  }
  if (status >= 400) {
    check('ErrorResponse', value, where);
    return;
  }
  const path = req.url.split('?')[0];
  if (req.method === 'DELETE') {
    // the spec documents no body for this 200; OpenAI's SDKs read {id, object: "response.deleted", deleted}
    checked['response.deleted'] = (checked['response.deleted'] || 0) + 1;
    if (value.object !== 'response.deleted' || value.deleted !== true || typeof value.id !== 'string') {
      violations.push({where, error: 'not a response.deleted object: ' + body.slice(0, 200)});
    }
    return;
  }
  const name = documented(req.method, path, status, 'application/json');
  if (name) {
    check(name, value, where);
  } else if (path.startsWith('/v1/responses')) {
    violations.push({where, error: 'no schema documented for this answer'});
  }
}

/** Checks one stream's events as they pass: each against the schema, and their order. */
function streamChecker(req) {
  const where = `${req.method} ${req.url} (stream)`;
  let buffer = '';
  let expected = 0;
  let terminal = null;
  const open = new Map();   // output_index -> 'added' | 'done'
  const fail = error => violations.push({where, error});
  const event = (name, data) => {
    let value;
    try {
      value = JSON.parse(data);
    } catch (e) {
      fail('event data is not JSON: ' + data.slice(0, 200));
      return;
    }
    check('ResponseStreamEvent', value, `${where} #${expected} ${value.type}`);
    if (name && name !== value.type) fail(`event line "${name}" but type "${value.type}"`);
    if (value.sequence_number !== expected) fail(`sequence_number ${value.sequence_number}, expected ${expected}`);
    if (expected === 0 && value.type !== 'response.created') fail('first event is ' + value.type);
    if (expected === 1 && value.type !== 'response.in_progress') fail('second event is ' + value.type);
    if (terminal) fail(`${value.type} after ${terminal}`);
    if (['response.completed', 'response.incomplete', 'response.failed'].includes(value.type)) terminal = value.type;
    const index = value.output_index;
    if (value.type === 'response.output_item.added') {
      if (open.has(index)) fail(`output item ${index} added twice`);
      open.set(index, 'added');
    } else if (value.type === 'response.output_item.done') {
      if (open.get(index) !== 'added') fail(`output item ${index} done before it was added`);
      open.set(index, 'done');
    } else if (index !== undefined && open.get(index) !== 'added') {
      fail(`${value.type} for output item ${index}, which is not open`);
    }
    expected++;
  };
  return {
    data(chunk) {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = null;
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) name = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length) event(name, data.join('\n'));
      }
    },
    end() {
      checked['stream'] = (checked['stream'] || 0) + 1;
      if (!terminal) fail('the stream ended without response.completed, .incomplete or .failed');
      for (const [index, state] of open) if (state !== 'done') fail(`output item ${index} never done`);
    },
  };
}

const server = http.createServer((req, res) => {
  if (req.url === '/__report') {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({checked, violations}));
    return;
  }
  if (req.url === '/__upstream' && req.method === 'PUT') {
    let body = '';
    req.on('data', c => body += c);
    req.on('end', () => {
      upstream = new URL(body.trim());
      res.end('ok');
    });
    return;
  }
  const headers = {...req.headers, host: upstream.host};
  const forward = http.request({host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers},
    answer => {
      res.writeHead(answer.statusCode, answer.headers);
      const responses = req.url.startsWith('/v1/responses');
      const sse = (answer.headers['content-type'] || '').includes('text/event-stream');
      const stream = responses && sse ? streamChecker(req) : null;
      const chunks = [];
      answer.setEncoding('utf8');
      answer.on('data', chunk => {
        if (stream) stream.data(chunk); else chunks.push(chunk);
        res.write(chunk);
      });
      answer.on('end', () => {
        if (stream) stream.end();
        else if (responses) checkJson(req, answer.statusCode, chunks.join(''));
        res.end();
      });
      answer.on('error', () => res.destroy());
    });
  forward.on('error', e => {
    res.writeHead(502, {'content-type': 'application/json'});
    res.end(JSON.stringify({error: {message: 'schema-proxy: ' + e.message, type: 'proxy_error', param: null, code: null}}));
  });
  req.pipe(forward);
  res.on('close', () => forward.destroy());
});
server.listen(0, '127.0.0.1', () => console.log('schema-proxy listening ' + server.address().port));
