// OpenAI's Node SDK and the Vercel AI SDK's default openai() provider against HAIA's Responses API (driven by
// ResponsesClientsIT, through schema-proxy.mjs). The fake Anthropic behind HAIA answers by the prompt's first word:
// "TOOL:" calls node_status, "THINK:" thinks first, "JSON:" answers with the forced JSON, "PVE:" makes HAIA run its
// own Proxmox tool, "CUT:" stops at max_tokens, "FAIL:" breaks off mid-stream, "RECALL:" answers with the first user
// message it was sent (what HAIA remembered), anything else is echoed.
//
//   node node-clients.mjs BASE_URL first STATE.json     the cases below; ids for later go into STATE.json
//   node node-clients.mjs BASE_URL restarted STATE.json  a follow-up on a response made before HAIA restarted
// Prints "ok <case>" per case, and ends with "N passed, M failed".
import assert from 'node:assert/strict';
import fs from 'node:fs';
import OpenAI from 'openai';
import {createOpenAI} from '@ai-sdk/openai';
import {generateText, jsonSchema, Output, stepCountIs, streamText, tool} from 'ai';

const [baseURL, phase, stateFile] = process.argv.slice(2);
const client = new OpenAI({baseURL, apiKey: 'unused', maxRetries: 0});
const openai = createOpenAI({baseURL, apiKey: 'unused'});
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';
const nodeStatus = {type: 'function', name: 'node_status', description: "A Proxmox node's status", strict: false,
                    parameters: {type: 'object', properties: {node: {type: 'string'}}, required: ['node']}};
const nodeState = {type: 'object', additionalProperties: false, required: ['node', 'online'],
                   properties: {node: {type: 'string'}, online: {type: 'boolean'}}};
const state = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : {};
let passed = 0, failed = 0;

async function run(name, fn) {
  try {
    await fn();
    passed++;
    console.log('ok ' + name);
  } catch (e) {
    failed++;
    console.log('FAILED ' + name + ': ' + (e.stack || e));
  }
}

const first = {
  async 'sdk responses.create'() {
    const r = await client.responses.create({model: 'haia', input: 'Node blocking: pve2 says quorum lost'});
    assert.equal(r.output_text, 'Echo: Node blocking: pve2 says quorum lost');
    assert.equal(r.status, 'completed');
    assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
    state.nodeFirst = r.id;
  },
  async 'sdk responses.stream'() {
    const stream = client.responses.stream({model: 'haia', input: 'Node stream: corosync link down'});
    const types = [];
    for await (const event of stream) types.push(event.type);
    const r = await stream.finalResponse();
    assert.equal(r.output_text, 'Echo: Node stream: corosync link down');
    assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress', 'response.output_item.added',
                                         'response.content_part.added']);
    assert.equal(types.at(-1), 'response.completed');
    assert.ok(types.filter(t => t === 'response.output_text.delta').length >= 2, 'streamed in pieces: ' + types);
  },
  async 'sdk responses.retrieve and input_items'() {
    const r = await client.responses.retrieve(state.nodeFirst);
    assert.equal(r.output_text, 'Echo: Node blocking: pve2 says quorum lost');
    const items = [];
    for await (const item of client.responses.inputItems.list(state.nodeFirst)) items.push(item);
    assert.equal(items.length, 1);
    assert.equal(items[0].content[0].text, 'Node blocking: pve2 says quorum lost');
  },
  async 'sdk responses.parse with a JSON schema'() {
    const r = await client.responses.parse({model: 'haia', input: 'JSON: is pve2 up?',
                                            text: {format: {type: 'json_schema', name: 'node_state', strict: true,
                                                            schema: nodeState}}});
    assert.deepEqual(r.output_parsed, {node: 'pve2', online: true});
  },
  async 'sdk function tool round trip'() {
    const r = await client.responses.create({model: 'haia', tools: [nodeStatus], input: 'TOOL: is pve2 up?'});
    const call = r.output.find(o => o.type === 'function_call');
    assert.equal(call.name, 'node_status');
    assert.deepEqual(JSON.parse(call.arguments), {node: 'pve2'});
    const answer = await client.responses.create({model: 'haia', tools: [nodeStatus], previous_response_id: r.id,
      input: [{type: 'function_call_output', call_id: call.call_id, output: 'pve2: online, uptime 3d'}]});
    assert.equal(answer.output_text, 'Echo: pve2: online, uptime 3d');
  },
  async 'sdk reasoning summary'() {
    const r = await client.responses.create({model: 'haia', input: 'THINK: two-node quorum keeps breaking',
                                             reasoning: {effort: 'low', summary: 'auto'}});
    const reasoning = r.output.find(o => o.type === 'reasoning');
    assert.equal(reasoning.summary[0].text, 'Quorum needs a majority.');
    assert.equal(r.output_text, 'Add a qdevice.');
  },
  async 'sdk streamed function call and reasoning'() {
    const calling = client.responses.stream({model: 'haia', tools: [nodeStatus], input: 'TOOL: streamed, is pve2 up?'});
    const types = [];
    for await (const event of calling) types.push(event.type);
    const call = (await calling.finalResponse()).output.find(o => o.type === 'function_call');
    assert.deepEqual(JSON.parse(call.arguments), {node: 'pve2'});
    assert.ok(types.includes('response.function_call_arguments.delta'), types.join());
    assert.ok(types.includes('response.function_call_arguments.done'), types.join());
    const thinking = client.responses.stream({model: 'haia', input: 'THINK: streamed quorum question',
                                              reasoning: {effort: 'low', summary: 'auto'}});
    const pieces = [];
    thinking.on('response.reasoning_summary_text.delta', e => pieces.push(e.delta));
    const r = await thinking.finalResponse();
    assert.equal(pieces.join(''), 'Quorum needs a majority.');
    assert.equal(r.output_text, 'Add a qdevice.');
  },
  async 'sdk image input'() {
    const r = await client.responses.create({model: 'haia', input: [{role: 'user', content: [
      {type: 'input_text', text: 'Node picture: what does this dialog say?'},
      {type: 'input_image', image_url: 'data:image/png;base64,' + PNG, detail: 'auto'}]}]});
    assert.equal(r.output_text, 'Echo: Node picture: what does this dialog say?');
  },
  async 'sdk errors in the error shape'() {
    await assert.rejects(client.responses.create({model: 'haia', previous_response_id: 'resp_nosuchresponse',
                                                  input: 'hello?'}), e => {
      assert.equal(e.status, 400);
      assert.equal(e.code, 'previous_response_not_found');
      assert.equal(e.param, 'previous_response_id');
      assert.match(e.message, /not found/);
      return true;
    });
    await assert.rejects(client.responses.retrieve('resp_nosuchresponse'), e => e.status === 404);
  },
  async "sdk HAIA's own tool as an mcp_call item, blocking and streamed"() {
    const r = await client.responses.create({model: 'haia', input: 'PVE: which nodes are up?'});
    const call = r.output.find(o => o.type === 'mcp_call');
    assert.equal(call.server_label, 'haia');
    assert.equal(call.name, 'haia_pve_cluster_status');
    assert.match(call.output, /2 of 3 nodes online/);
    assert.ok(!r.output.some(o => o.type === 'function_call'), 'never a call the client would run');
    const types = [];
    for await (const event of await client.responses.create({model: 'haia', input: 'PVE: streamed, which nodes?',
                                                             stream: true})) types.push(event.type);
    assert.ok(types.includes('response.mcp_call.in_progress') && types.includes('response.mcp_call.completed'),
              types.join());
    assert.equal(types.at(-1), 'response.completed');
  },
  async 'sdk streamed replies that end incomplete or failed'() {
    const cut = [];
    for await (const event of await client.responses.create({model: 'haia', input: 'CUT: explain corosync',
                                                             max_output_tokens: 16, stream: true})) cut.push(event);
    assert.equal(cut.at(-1).type, 'response.incomplete');
    assert.equal(cut.at(-1).response.incomplete_details.reason, 'max_output_tokens');
    const blocking = await client.responses.create({model: 'haia', input: 'CUT: blocking', max_output_tokens: 16});
    assert.equal(blocking.status, 'incomplete');
    const failed = [];
    for await (const event of await client.responses.create({model: 'haia', input: 'FAIL: and osd.4?',
                                                             stream: true})) failed.push(event);
    assert.equal(failed.at(-1).type, 'response.failed');
    assert.ok(failed.at(-1).response.error.message.length > 0);
  },
  async 'vercel generateText'() {
    const r = await generateText({model: openai('haia'), prompt: 'Vercel: hello from the default provider'});
    assert.equal(r.text, 'Echo: Vercel: hello from the default provider');
    assert.ok(r.response.id.startsWith('resp_'));
    state.vercelFirst = r.response.id;
  },
  async 'vercel reasoning'() {
    const r = await generateText({model: openai('haia'), prompt: 'THINK: Vercel: two-node quorum?',
      providerOptions: {openai: {forceReasoning: true, reasoningEffort: 'low', reasoningSummary: 'auto'}}});
    assert.equal(r.reasoningText, 'Quorum needs a majority.');
    assert.equal(r.text, 'Add a qdevice.');
  },
  async 'vercel errors'() {
    await assert.rejects(generateText({model: openai('haia'), prompt: 'hello?', maxRetries: 0,
                                       providerOptions: {openai: {previousResponseId: 'resp_nosuchresponse'}}}), e => {
      assert.equal(e.statusCode, 400, String(e));
      assert.match(e.message, /not found/);
      return true;
    });
  },
  async 'vercel streamText'() {
    const r = streamText({model: openai('haia'), prompt: 'Vercel stream: ceph osd.3 flaps'});
    const pieces = [];
    for await (const piece of r.textStream) pieces.push(piece);
    assert.equal(pieces.join(''), 'Echo: Vercel stream: ceph osd.3 flaps');
    assert.ok(pieces.length >= 2, 'streamed in pieces');
  },
  async 'vercel tool round trip'() {
    const r = await generateText({model: openai('haia'), stopWhen: stepCountIs(3), prompt: 'TOOL: Vercel: is pve2 up?',
      tools: {node_status: tool({description: "A Proxmox node's status", inputSchema: jsonSchema(
        {type: 'object', properties: {node: {type: 'string'}}, required: ['node']}),
        execute: async ({node}) => `${node}: online, uptime 3d`})}});
    assert.equal(r.steps.length, 2);
    assert.equal(r.steps[0].toolCalls[0].toolName, 'node_status');
    assert.equal(r.text, 'Echo: pve2: online, uptime 3d');
  },
  async 'vercel structured output'() {
    const r = await generateText({model: openai('haia'), output: Output.object({schema: jsonSchema(nodeState)}),
                                  prompt: 'JSON: Vercel: is pve2 up?'});
    assert.deepEqual(r.output, {node: 'pve2', online: true});
  },
  async 'vercel image input'() {
    const r = await generateText({model: openai('haia'), messages: [{role: 'user', content: [
      {type: 'text', text: 'Vercel picture: what does this say?'},
      {type: 'file', data: Buffer.from(PNG, 'base64'), mediaType: 'image/png'}]}]});
    assert.equal(r.text, 'Echo: Vercel picture: what does this say?');
  },
};

const restarted = {
  async 'vercel follow-up with previousResponseId after a HAIA restart'() {
    const r = await generateText({model: openai('haia'), prompt: 'RECALL: Vercel after restart',
                                  providerOptions: {openai: {previousResponseId: state.vercelFirst}}});
    assert.equal(r.text, 'Recalled: Vercel: hello from the default provider');
  },
  async 'sdk follow-up with previous_response_id after a HAIA restart'() {
    const r = await client.responses.create({model: 'haia', previous_response_id: state.nodeFirst,
                                             input: 'Node after restart: what did I say first?'});
    assert.equal(r.output_text, 'Echo: Node after restart: what did I say first?');
    assert.equal(r.previous_response_id, state.nodeFirst);
  },
};

for (const [name, fn] of Object.entries(phase === 'first' ? first : restarted)) {
  await run(name, fn);
}
fs.writeFileSync(stateFile, JSON.stringify(state));
console.log(`node-clients: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
