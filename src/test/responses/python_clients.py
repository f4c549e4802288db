"""OpenAI's Python SDK against HAIA's Responses API (driven by ResponsesClientsIT, through schema-proxy.mjs). The
fake Anthropic behind HAIA answers by the prompt's first word: "TOOL:" calls node_status, "THINK:" thinks first,
"JSON:" answers with the forced JSON, anything else is echoed.

    python python_clients.py BASE_URL first STATE.json      the cases below; ids for later go into STATE.json
    python python_clients.py BASE_URL restarted STATE.json  a follow-up on a response made before HAIA restarted

Prints "ok <case>" per case, and ends with "N passed, M failed".
"""

import json
import os
import sys
import traceback

import openai
from openai import OpenAI
from pydantic import BaseModel

BASE_URL, PHASE, STATE_FILE = sys.argv[1:4]
client = OpenAI(base_url=BASE_URL, api_key='unused', max_retries=0)
PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC'
NODE_STATUS = {'type': 'function', 'name': 'node_status', 'description': "A Proxmox node's status", 'strict': False,
               'parameters': {'type': 'object', 'properties': {'node': {'type': 'string'}}, 'required': ['node']}}
state = json.load(open(STATE_FILE)) if os.path.exists(STATE_FILE) else {}


class NodeState(BaseModel):
    node: str
    online: bool


def create_blocking():
    r = client.responses.create(model='haia', input='Python blocking: pve2 says quorum lost')
    assert r.output_text == 'Echo: Python blocking: pve2 says quorum lost', r.output_text
    assert r.status == 'completed' and r.usage.input_tokens > 0 and r.usage.output_tokens > 0
    state['pythonFirst'] = r.id


def stream():
    types = []
    with client.responses.stream(model='haia', input='Python stream: corosync link down') as events:
        for event in events:
            types.append(event.type)
        r = events.get_final_response()
    assert r.output_text == 'Echo: Python stream: corosync link down', r.output_text
    assert types[:2] == ['response.created', 'response.in_progress'], types
    assert types[-1] == 'response.completed', types
    assert types.count('response.output_text.delta') >= 2, types


def retrieve():
    r = client.responses.retrieve(state['pythonFirst'])
    assert r.output_text == 'Echo: Python blocking: pve2 says quorum lost', r.output_text
    items = list(client.responses.input_items.list(state['pythonFirst']))
    assert [i.content[0].text for i in items] == ['Python blocking: pve2 says quorum lost'], items


def parse():
    r = client.responses.parse(model='haia', input='JSON: is pve2 up?', text_format=NodeState)
    assert r.output_parsed == NodeState(node='pve2', online=True), r.output_parsed


def tool_round_trip():
    r = client.responses.create(model='haia', tools=[NODE_STATUS], input='TOOL: is pve2 up?')
    call = next(o for o in r.output if o.type == 'function_call')
    assert call.name == 'node_status' and json.loads(call.arguments) == {'node': 'pve2'}, call
    answer = client.responses.create(model='haia', tools=[NODE_STATUS], previous_response_id=r.id, input=[
        {'type': 'function_call_output', 'call_id': call.call_id, 'output': 'pve2: online, uptime 3d'}])
    assert answer.output_text == 'Echo: pve2: online, uptime 3d', answer.output_text


def reasoning():
    r = client.responses.create(model='haia', input='THINK: two-node quorum keeps breaking',
                                reasoning={'effort': 'low', 'summary': 'auto'})
    summary = next(o for o in r.output if o.type == 'reasoning').summary
    assert summary[0].text == 'Quorum needs a majority.', summary
    assert r.output_text == 'Add a qdevice.', r.output_text


def image():
    r = client.responses.create(model='haia', input=[{'role': 'user', 'content': [
        {'type': 'input_text', 'text': 'Python picture: what does this dialog say?'},
        {'type': 'input_image', 'image_url': 'data:image/png;base64,' + PNG, 'detail': 'auto'}]}])
    assert r.output_text == 'Echo: Python picture: what does this dialog say?', r.output_text


def errors():
    try:
        client.responses.create(model='haia', previous_response_id='resp_nosuchresponse', input='hello?')
        raise AssertionError('no error')
    except openai.BadRequestError as e:
        assert e.status_code == 400 and e.code == 'previous_response_not_found', (e.status_code, e.code)
        assert e.param == 'previous_response_id' and 'not found' in e.message, e
    try:
        client.responses.create(model='haia', input='hi', background=True)
        raise AssertionError('no error')
    except openai.BadRequestError as e:
        assert e.param == 'background', e


def delete():
    r = client.responses.create(model='haia', input='Python: forget this')
    deleted = client.responses.delete(r.id)
    assert deleted is None or getattr(deleted, 'deleted', True), deleted
    try:
        client.responses.retrieve(r.id)
        raise AssertionError('still there')
    except openai.NotFoundError:
        pass


def after_restart():
    r = client.responses.create(model='haia', previous_response_id=state['pythonFirst'],
                                input='Python after restart: what did I say first?')
    assert r.output_text == 'Echo: Python after restart: what did I say first?', r.output_text
    assert r.previous_response_id == state['pythonFirst']


FIRST = [('sdk responses.create', create_blocking), ('sdk responses.stream', stream),
         ('sdk responses.retrieve and input_items', retrieve), ('sdk responses.parse with a pydantic model', parse),
         ('sdk function tool round trip', tool_round_trip), ('sdk reasoning summary', reasoning),
         ('sdk image input', image), ('sdk errors in the error shape', errors), ('sdk responses.delete', delete)]
RESTARTED = [('sdk follow-up with previous_response_id after a HAIA restart', after_restart)]

passed = failed = 0
for name, case in FIRST if PHASE == 'first' else RESTARTED:
    try:
        case()
        passed += 1
        print('ok ' + name, flush=True)
    except Exception:
        failed += 1
        print('FAILED ' + name + ': ' + traceback.format_exc(), flush=True)
json.dump(state, open(STATE_FILE, 'w'))
print(f'python-clients: {passed} passed, {failed} failed', flush=True)
sys.exit(1 if failed else 0)
