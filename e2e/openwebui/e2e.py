"""bin/e2e-openwebui's driver: the real OpenWebUI in front of the real HAIA, and a fake Anthropic behind it.

Drives OpenWebUI through its own HTTP API as its browser front end does, and once through the browser itself; after
every step checks that HAIA's stored conversation equals the branch OpenWebUI shows, that the model saw exactly that
branch, and that OpenWebUI's background tasks were answered and stored nowhere. Prints each step with its timing and
ends with 'N passed, M failed'.

Usage: python e2e.py --work DIR --venv DIR --java JAVA [--screenshot PATH]
"""

import argparse
import base64
import json
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).parent.parent))
from clients import Haia, OpenWebUI, wait_for  # noqa: E402
from common import FakeAnthropic, HttpError, Run  # noqa: E402
from stack import REPO, Stack  # noqa: E402

MODEL = 'haia'
# a real 1x1 PNG, as the front end sends a pasted picture (a data URL in the user message's files)
PNG = 'data:image/png;base64,' + base64.b64encode(
    b'\x89PNG\r\n\x1a\n' + b''.join(struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
                                   for t, d in ((b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0)),
                                                (b'IDAT', zlib.compress(b'\x00\xff\x00\x00')), (b'IEND', b'')))
).decode()
EMAIL, PASSWORD = 'admin@example.com', 'e2e-Passw0rd!'


class Scenario:
    """The steps, and the checks they share."""

    def __init__(self, stack, screenshot, record=None):
        self.stack = stack
        self.screenshot = screenshot
        self.record = Path(record) if record else None
        self.documents = []
        self.fake = FakeAnthropic(stack.fake_control)
        self.haia = Haia(stack.haia_url, stack.haia_key)
        self.owui = OpenWebUI(stack.owui_url)
        self.chats = {}  # name -> {'id', 'leaf', 'users': [user message ids in order]}
        self.mark = 0  # fake requests seen before the current step

    # ---- checks ----

    def begin(self):
        self.mark = self.fake.count()

    def new_requests(self):
        return self.fake.requests(self.mark)

    def verify(self, name, expect_turn=True):
        """HAIA's live branch == OpenWebUI's branch; the model's window was that branch; tasks stateless."""
        chat = self.chats[name]
        shown = OpenWebUI.branch(self.owui.chat(chat['id']), chat['leaf'])
        stored = self.haia.live_branch(chat['id'])
        assert stored == shown, f'HAIA stored {stored}\n        OpenWebUI shows {shown}'
        requests = self.new_requests()
        turns = [r for r in requests if not FakeAnthropic.is_task(r)]
        if expect_turn:
            assert turns, 'HAIA did not call the model for the message'
            window = FakeAnthropic.window(turns[-1])
            assert window == shown[:-1], f'the model saw {window}\n        OpenWebUI shows {shown[:-1]}'
            assert 'system' in turns[-1]['body'], 'the persona goes with a chat turn'
        self.check_tasks(requests)
        return f'branch of {len(shown)} messages, stored and sent exactly'

    def check_tasks(self, requests):
        for r in requests:
            if FakeAnthropic.is_task(r):
                assert 'system' not in r['body'], 'a task request got the persona'
        for conversation in self.haia.conversations():
            for m in self.haia.messages(conversation['id']):
                assert not m['content'].startswith('### Task:'), f'a task prompt was stored: {m["content"][:60]}'

    def send(self, name, text, parent=None, regenerate_of=None, expect_error=False, files=None, chat_files=None):
        """A message in chat `name` after `parent` (default: the leaf shown), streamed; waits for the reply."""
        chat = self.chats.get(name)
        if chat is None:
            chat_id, user_id, reply_id, _ = self.owui.send(MODEL, text, files=files, chat_files=chat_files)
            chat = self.chats[name] = {'id': chat_id, 'users': []}
        elif regenerate_of:
            shown = self.owui.chat(chat['id'])['chat']['history']['messages']
            _, user_id, reply_id, _ = self.owui.send(MODEL, shown[regenerate_of]['content'], chat_id=chat['id'],
                                                     parent_id=shown[regenerate_of]['parentId'],
                                                     user_message_id=regenerate_of)
        else:
            _, user_id, reply_id, _ = self.owui.send(MODEL, text, chat_id=chat['id'],
                                                     parent_id=parent or chat['leaf'], files=files,
                                                     chat_files=chat_files)
        chat['users'].append(user_id)
        chat['leaf'] = reply_id
        reply = self.owui.wait_reply(chat['id'], reply_id)
        if expect_error:
            assert reply.get('error'), f'no error shown: {reply}'
        else:
            assert not reply.get('error'), f'OpenWebUI shows an error: {reply.get("error")}'
        return reply

    @staticmethod
    def shown_error(reply):
        """The text OpenWebUI's Error.svelte shows for a reply's error: a string, or an object's message."""
        error = reply['error'].get('content') if isinstance(reply['error'], dict) else reply['error']
        if isinstance(error, dict):
            error = error.get('message') or error.get('detail') or error
        return str(error)

    def streamed_pieces(self, reply_id):
        """The text deltas OpenWebUI pushed to the browser for a reply (0.12: 'response:completion' events whose
        data is a Responses-style '...output_text.delta')."""
        return [e for _, e in self.owui.events if e.get('message_id') == reply_id
                and e.get('data', {}).get('type') == 'response:completion'
                and str(e['data'].get('data', {}).get('type', '')).endswith('.delta')]

    # ---- steps ----

    def signup(self):
        user = self.owui.signup('Admin', EMAIL, PASSWORD)
        assert user['role'] == 'admin', user
        return f'first user is {user["role"]}, token issued'

    def models(self):
        models = self.owui.models()
        ids = [m['id'] for m in models]
        assert MODEL in ids, ids
        assert self.owui.connect_socket()
        return f'models {ids} (from HAIA\'s /v1/models); socket.io session open'

    def first_message(self):
        self.begin()
        reply = self.send('A', 'pve2 says quorum lost, where do I start?')
        assert reply['content'] == 'Echo: pve2 says quorum lost, where do I start?', reply['content']
        pieces = self.streamed_pieces(self.chats['A']['leaf'])
        assert len(pieces) >= 2, f'the reply arrived in {len(pieces)} pieces, not streamed'
        return self.verify('A') + f'; streamed in {len(pieces)} updates'

    def background_tasks(self):
        chat_id = self.chats['A']['id']
        chat = wait_for('title, tags and follow-ups', lambda: (lambda c: c if (
            c['chat'].get('title') == 'Homelab troubleshooting' and c.get('meta', {}).get('tags')
            and c['chat']['history']['messages'][self.chats['A']['leaf']].get('followUps')) else None)(
            self.owui.chat(chat_id)), 60)
        tasks = [r for r in self.fake.requests() if FakeAnthropic.is_task(r)]
        kinds = sorted({k for r in tasks for k in ('title', 'tags', 'follow_ups')
                        if f'"{k}"' in FakeAnthropic.text(r['body']['messages'][0]['content'])})
        assert kinds == ['follow_ups', 'tags', 'title'], kinds
        self.check_tasks(tasks)
        conversations = self.haia.conversations()
        assert len(conversations) == 1 and conversations[0]['message_count'] == 2, conversations
        return (f'title "{chat["chat"]["title"]}", tags {chat["meta"]["tags"]}, '
                f'{len(chat["chat"]["history"]["messages"][self.chats["A"]["leaf"]]["followUps"])} follow-ups; '
                f'{len(tasks)} task requests, none stored')

    def second_message(self):
        self.begin()
        self.send('A', 'corosync says link 0 down on pve2')
        return self.verify('A')

    def stop_midway(self):
        self.begin()
        self.fake.script([f'word{i} ' for i in range(60)], 150)
        chat = self.chats['A']
        _, user_id, reply_id, _ = self.owui.send(MODEL, 'how do I check the corosync ring?', chat_id=chat['id'],
                                                 parent_id=chat['leaf'])
        chat['users'].append(user_id)
        chat['leaf'] = reply_id
        wait_for('the first streamed words', lambda: len(self.streamed_pieces(reply_id)) >= 3, 30)
        self.owui.stop(chat['id'])
        reply = self.owui.wait_reply(chat['id'], reply_id, 30)
        partial = reply.get('content', '')
        assert partial.startswith('word0 ') and 'word59' not in partial, f'not cut midway: {partial!r}'
        conversation = self.haia.conversation(chat['id'])
        stored = wait_for('HAIA to record the cut reply', lambda: (lambda ms: ms if any(
            m['status'] == 'incomplete' for m in ms) else None)(self.haia.messages(conversation['id'])), 20)
        statuses = [(m['role'], m['status']) for m in stored[-2:]]
        assert statuses == [('user', 'failed'), ('assistant', 'incomplete')], statuses
        # what HAIA keeps live is the branch before the stopped turn; the next message brings OpenWebUI's copy of it
        shown = OpenWebUI.branch(self.owui.chat(chat['id']), reply_id)
        assert self.haia.live_branch(chat['id']) == shown[:-2]
        return (f'cut after {len(partial.split())} of 60 words; HAIA saw the disconnect and kept the turn out of '
                f'the window (user failed, reply incomplete)')

    def continue_stopped(self):
        self.begin()
        chat = self.chats['A']
        self.owui.continue_reply(MODEL, chat['id'], chat['leaf'])
        reply = wait_for('the error on the reply', lambda: (lambda m: m if m.get('error') else None)(
            self.owui.reply(chat['id'], chat['leaf'])), 30)
        text = self.shown_error(reply)
        assert 'does not continue a reply' in text, text
        assert reply['content'].startswith('word0 '), 'the partial reply stays shown'
        assert not [r for r in self.new_requests() if not FakeAnthropic.is_task(r)], 'no model call'
        return f'OpenWebUI shows: {text[:90]}...'

    def after_stop(self):
        self.begin()
        self.send('A', 'ok, `corosync-cfgtool -s` shows the ring faulty')
        return self.verify('A') + ' (the stopped turn imported as OpenWebUI shows it)'

    def regenerate(self):
        self.begin()
        self.fake.script(['A ', 'better ', 'answer.'], 0)
        reply = self.send('A', None, regenerate_of=self.chats['A']['users'][-1])
        assert reply['content'] == 'A better answer.', reply['content']
        detail = self.verify('A')
        superseded = [m for m in self.haia.messages(self.haia.conversation(self.chats['A']['id'])['id'])
                      if m['status'] == 'superseded']
        assert [m['role'] for m in superseded] == ['assistant'], superseded
        return detail + '; the old reply superseded'

    def edit(self):
        self.begin()
        chat = self.chats['A']
        messages = self.owui.chat(chat['id'])['chat']['history']['messages']
        second_user = chat['users'][1]
        self.branch_before_edit = chat['leaf']
        self.send('A', 'corosync says link 1 down on pve3', parent=messages[second_user]['parentId'])
        return self.verify('A') + ' (the edited message and all after it superseded)'

    def switch_branch(self):
        self.begin()
        chat = self.chats['A']
        shown = self.owui.chat(chat['id'])
        # the "<" arrow on the edited message shows its older sibling's newest descendant
        leaf = OpenWebUI.deepest_child(shown, self.chats['A']['users'][1])
        assert leaf == self.branch_before_edit, 'the first branch is still there'
        self.send('A', 'back to pve2: the ring is fine again', parent=leaf)
        return self.verify('A') + ' (HAIA followed the switch)'

    def upstream_error(self):
        self.begin()
        self.fake.script_error(400, 'invalid_request_error', 'max_tokens: 64000 > 32000, which is the maximum allowed'
                               ' number of output tokens for claude-haiku-4-5-20251001')
        before = self.haia.live_branch(self.chats['A']['id'])
        reply = self.send('A', 'paste of a huge log', expect_error=True)
        text = self.shown_error(reply)
        assert 'maximum allowed number of output tokens' in text, text
        assert self.haia.live_branch(self.chats['A']['id']) == before, 'a failed turn changed the live branch'
        return f'OpenWebUI shows: {text[:80]}'

    def prompt_too_long(self):
        """Claude refuses the prompt as longer than its context: HAIA learns the sizes it names, drops older turns and
        asks once more, and the user gets an answer instead of an error."""
        self.begin()
        self.fake.script_error(400, 'invalid_request_error', 'prompt is too long: 215000 tokens > 200000 maximum')
        reply = self.send('A', 'and this log?')
        assert reply['content'] == 'Echo: and this log?', reply['content']
        turns = [r for r in self.new_requests() if not FakeAnthropic.is_task(r)]
        assert len(turns) == 2 and len(turns[1]['body']['messages']) < len(turns[0]['body']['messages']), \
            [len(t['body']['messages']) for t in turns]
        stored = self.haia.live_branch(self.chats['A']['id'])
        assert stored == OpenWebUI.branch(self.owui.chat(self.chats['A']['id']), self.chats['A']['leaf'])
        return (f'refused at {len(turns[0]["body"]["messages"])} messages, answered with'
                f' {len(turns[1]["body"]["messages"])}; stored as OpenWebUI shows it')

    def retry_after_error(self):
        self.begin()
        chat = self.chats['A']
        # the user regenerates the reply that failed: OpenWebUI resends the same user message
        messages = self.owui.chat(chat['id'])['chat']['history']['messages']
        failed_user = messages[chat['leaf']]['parentId']
        self.send('A', None, regenerate_of=failed_user)
        return self.verify('A')

    def midstream_error(self):
        self.begin()
        self.fake.script_stream_error(['Let ', 'me ', 'check '], 'overloaded_error')
        before = self.haia.live_branch(self.chats['A']['id'])
        reply = self.send('A', 'what next?', expect_error=True)
        message = self.shown_error(reply)
        assert 'overloaded' in message.lower(), message
        assert reply['content'].strip() == 'Let me check', reply['content']
        assert self.haia.live_branch(self.chats['A']['id']) == before, 'the cut turn changed the live branch'
        return f'OpenWebUI shows "{reply["content"].strip()}" and: {message[:70]}'

    def after_midstream_error(self):
        self.begin()
        self.send('A', 'try again please')
        return self.verify('A') + ' (the cut reply imported as shown)'

    def slow_first_token(self):
        self.begin()
        self.fake.script(['Slow answer after a quiet spell.'], 6500)
        reply = self.send('B', 'is the rebalance done?')
        assert reply['content'] == 'Slow answer after a quiet spell.', reply['content']
        return self.verify('B') + '; 6.5 s before the first token (HAIA_KEEP_ALIVE 5 s) did not disturb OpenWebUI'

    def temporary_chat(self):
        self.begin()
        before = len(self.haia.conversations())
        user1, reply1 = self.owui.send_temporary(MODEL, [], 'temporary: my NAS is 192.168.1.20')
        text1 = self.owui.pushed_reply(reply1)
        assert text1 == 'Echo: temporary: my NAS is 192.168.1.20', text1
        history = [{'id': user1, 'role': 'user', 'content': 'temporary: my NAS is 192.168.1.20'},
                   {'id': reply1, 'role': 'assistant', 'content': text1}]
        _, reply2 = self.owui.send_temporary(MODEL, history, 'what IP did I say?')
        self.owui.pushed_reply(reply2)
        turns = [r for r in self.new_requests() if not FakeAnthropic.is_task(r)]
        assert FakeAnthropic.window(turns[-1]) == [('user', 'temporary: my NAS is 192.168.1.20'),
                                                   ('assistant', text1), ('user', 'what IP did I say?')]
        assert 'system' in turns[-1]['body'], 'the persona answers temporary chats too'
        assert len(self.haia.conversations()) == before, 'HAIA stored a temporary chat'
        self.check_tasks(self.new_requests())
        return 'answered with the persona and the chat\'s own branch; nothing stored in HAIA (nor in OpenWebUI)'

    def second_chat(self):
        self.begin()
        self.send('B', 'ceph osd.3 is down')
        self.send('B', 'it flaps every hour')
        detail = self.verify('B')
        assert len(self.haia.conversations()) == 2
        self.check_separate()
        return detail + '; chat A unchanged'

    def check_separate(self):
        for name, chat in self.chats.items():
            shown = OpenWebUI.branch(self.owui.chat(chat['id']), chat['leaf'])
            assert self.haia.live_branch(chat['id']) == shown, f'chat {name} differs'

    def delete_chat(self):
        chat = self.chats.pop('B')
        self.owui.delete(chat['id'])
        try:
            self.owui.chat(chat['id'])
            raise AssertionError('OpenWebUI still has the chat')
        except HttpError as e:
            assert e.status in (401, 404), e
        # OpenWebUI does not tell its connections about deleted chats: HAIA keeps it until it is deleted there too
        conversation = self.haia.conversation(chat['id'])
        assert conversation is not None
        from clients import http
        http('DELETE', f'{self.haia.url}/v1/conversations/{conversation["id"]}', token=self.haia.key)
        assert self.haia.conversation(chat['id']) is None
        self.check_separate()
        return 'gone from OpenWebUI; HAIA kept it until DELETE /v1/conversations/{id}; chat A intact'

    def screenshot_chat(self):
        """Chat C: a pasted screenshot, then four more turns. OpenWebUI keeps the picture in the user message's files
        and its middleware puts it back into every request as an image_url part; HAIA stores it once, shows it to the
        model while it is among the last three things the user said, and a short note of it after that."""
        questions = ['what does this Proxmox error mean?', 'how do I fix it?', 'is a reboot needed?',
                     'and on the other node?', 'thanks, anything else to check?']
        seen = []
        for turn, question in enumerate(questions):
            self.begin()
            self.send('C', question, files=[{'type': 'image', 'url': PNG}] if turn == 0 else None)
            chat = self.chats['C']
            shown = OpenWebUI.branch(self.owui.chat(chat['id']), chat['leaf'])
            assert self.haia.live_branch(chat['id']) == shown, f'HAIA stored {self.haia.live_branch(chat["id"])}'
            request = [r for r in self.new_requests() if not FakeAnthropic.is_task(r)][-1]['body']
            first = request['messages'][0]['content']
            images = [b for b in first if b['type'] == 'image'] if isinstance(first, list) else []
            texts = [b['text'] for b in first if b['type'] == 'text'] if isinstance(first, list) else [first]
            assert texts[0] == questions[0], texts
            if turn < 3:
                assert images and images[0]['source']['media_type'] == 'image/png', first
                seen.append('image')
            else:
                assert not images and any('shown earlier' in t for t in texts), first
                seen.append('note')
            assert FakeAnthropic.window({'body': {'messages': request['messages'][1:]}}) == shown[1:-1]
        stored = self.haia.messages(self.haia.conversation(self.chats['C']['id'])['id'])
        kinds = [p['type'] for p in stored[0]['parts']]
        assert kinds == ['text', 'image'], kinds
        return f'5 turns, the model got the picture as {seen}; stored with the first message as {stored[0]["parts"][1]["media_type"]}'

    def browser(self):
        self.begin()
        before = {c['key'] for c in self.haia.conversations()}
        text = 'Browser check: is pve1 reachable?'
        node = subprocess.run(['node', str(Path(__file__).parent / 'browser.mjs'), self.stack.owui_url, EMAIL,
                               PASSWORD, text, 'Echo: ' + text, str(self.screenshot)],
                              capture_output=True, text=True, timeout=180)
        assert node.returncode == 0, f'browser.mjs failed:\n{node.stdout}\n{node.stderr}'
        new = [c for c in self.haia.conversations() if c['key'] not in before]
        assert len(new) == 1, new
        stored = self.haia.live_branch(new[0]['key'])
        assert stored == [('user', text), ('assistant', 'Echo: ' + text)], stored
        shown = self.owui.chat(new[0]['key'])
        leaf = shown['chat']['history']['currentId']
        assert OpenWebUI.branch(shown, leaf) == stored
        self.check_tasks(self.new_requests())
        return node.stdout.strip().splitlines()[-1] + f'; screenshot {self.screenshot}'

    def tools_chat(self):
        """Chat D: the model looks with one of HAIA's tools (the fake Proxmox's cluster status) and answers from its
        result. OpenWebUI gets the call as its own tool-call block in the text, never as tool_calls (it would run
        them); the next turn's request (OpenWebUI resends the reply with the block) aligns with what HAIA stored, and
        the model gets the call and its result back as tool_use and tool_result, never as markup."""
        self.begin()
        reply = self.send('D', 'Check with your tools: which nodes are up?')
        content = reply['content']
        assert '<details type="tool_calls"' in content and 'name="haia_pve_cluster_status"' in content, content
        assert 'Echo: Cluster' in content and '2 of 3 nodes online' in content, content
        turns = [r for r in self.new_requests() if not FakeAnthropic.is_task(r)]
        assert len(turns) == 2, f'{len(turns)} model calls, not 2'
        result = turns[-1]['body']['messages'][-1]['content'][0]
        assert result['type'] == 'tool_result' and '2 of 3 nodes online' in FakeAnthropic.text(result['content'])
        chat = self.chats['D']
        stored = self.haia.messages(self.haia.conversation(chat['id'])['id'])
        kinds = [p['type'] for p in stored[-1]['parts']]
        assert kinds == ['tool_call', 'tool_result', 'text'], kinds

        self.begin()
        self.send('D', 'and which one is down?')
        stored = self.haia.messages(self.haia.conversation(chat['id'])['id'])
        statuses = [(m['role'], m['status']) for m in stored]
        assert statuses == [('user', 'ok'), ('assistant', 'ok')] * 2, f'not aligned: {statuses}'
        window = [r for r in self.new_requests() if not FakeAnthropic.is_task(r)][-1]['body']['messages']
        assert [m['content'][0]['type'] if isinstance(m['content'], list) else 'text' for m in window[:3]] == [
            'text', 'tool_use', 'tool_result'], window[:3]
        assert '<details' not in str(window), 'markup reached the model'
        self.check_tasks(self.new_requests())
        return ('the call shown as a tool-call block, the answer from its result; the next turn aligned '
                '(nothing imported) and the model got tool_use and tool_result back')

    def browser_tools(self):
        """The same in the browser: the reply with HAIA's tool call as OpenWebUI renders it, expanded."""
        text = 'Browser check with your tools: which nodes are up?'
        shot = self.screenshot.with_name('tools.png')
        node = subprocess.run(['node', str(Path(__file__).parent / 'browser.mjs'), self.stack.owui_url, EMAIL,
                               PASSWORD, text, '2 of 3 nodes online', str(shot), 'haia_pve_cluster_status'],
                              capture_output=True, text=True, timeout=180)
        assert node.returncode == 0, f'browser.mjs failed:\n{node.stdout}\n{node.stderr}'
        return node.stdout.strip().splitlines()[-1] + f'; screenshot {shot}'

    def document_chat(self):
        """Chat E: a document attached to the first message, then a second message. OpenWebUI wraps the newest message
        in its RAG template with the document (every turn), and resends the first one with only a reference to the
        file: HAIA stores each turn once, as the user typed it, and the model gets the document beside the chat."""
        document = 'pve cluster notes\n' + '\n'.join(f'node pve{i}: corosync ring0 10.10.0.{i}, mtu 9000, ceph osd.{i}'
                                                    for i in range(1, 41))
        item = self.owui.upload('cluster-notes.txt', document)
        self.chat_files = {'E': [item]}
        self.begin()
        mark = self.stack.relay.mark()
        self.send('E', 'What MTU does ring0 use?', files=[item])
        first = self.verify('E')
        self.send('E', 'And which subnet is ring0 on?', chat_files=[item])
        detail = self.verify('E')
        sent = [e for e in self.stack.relay.exchanges(mark) if e['request']['path'].endswith('/chat/completions')
                and e['request']['json'].get('stream')]
        assert len(sent) == 2, len(sent)
        self.documents = sent
        assert '<context>' in sent[0]['request']['json']['messages'][-1]['content'], 'OpenWebUI sent no template'
        assert '<attached_files>' in sent[1]['request']['json']['messages'][0]['content']
        stored = self.haia.messages(self.haia.conversation(self.chats['E']['id'])['id'])
        assert [(m['role'], m['status']) for m in stored] == [('user', 'ok'), ('assistant', 'ok')] * 2, \
            f'not stored once: {[(m["role"], m["status"]) for m in stored]}'
        assert not any('corosync ring0 10.10.0.7' in m['content'] for m in stored), 'the document was stored'
        turns = [r for r in self.new_requests() if not FakeAnthropic.is_task(r)]
        system = json.dumps(turns[-1]['body'].get('system'))
        assert 'ring0 10.10.0.7' in system and 'cluster-notes.txt' in system, 'the model did not get the document'
        assert 'ring0 10.10.0.7' not in json.dumps(turns[-1]['body']['messages']), 'the document is in the messages'
        return f'{first}; then {detail}; stored once each (4 messages), the document beside the chat, never stored'

    def large_document_chat(self):
        """Chat F: a 274,000-character document, which OpenWebUI resends with every message: it is fitted to the
        budget (head and tail, a marker), and the chat goes on."""
        lines = [f'{i:06d} Dec 06 10:{i % 60:02d}:{i % 60:02d} pve2 kernel: nvme0n1: I/O {i} QID 3 timeout' for i in
                 range(4000)]
        document = '\n'.join(lines)
        document = (document * (274000 // len(document) + 1))[:274000]
        item = self.owui.upload('journal.txt', document)
        self.begin()
        self.send('F', 'Anything alarming in this journal?', files=[item])
        self.send('F', 'and the nvme errors?', chat_files=[item])
        detail = self.verify('F')
        turns = [r for r in self.new_requests() if not FakeAnthropic.is_task(r)]
        system = turns[-1]['body'].get('system')
        attached = system[-1]['text'] if isinstance(system, list) else ''
        assert 'characters of journal.txt left out here by HAIA' in attached, \
            f'{len(turns)} chat requests; the last system block: {attached[:300]!r} ... {attached[-300:]!r}'
        stored = self.haia.messages(self.haia.conversation(self.chats['F']['id'])['id'])
        assert max(len(m['content']) for m in stored) < 1000, 'the document was stored'
        return detail + '; the document went to the model cut to its head and tail, the chat goes on'

    def save_recordings(self):
        if not self.record:
            return 'not recording (--record DIR saves what OpenWebUI sent with the document)'
        self.record.mkdir(parents=True, exist_ok=True)
        for name, exchange in zip(('document-first-turn', 'document-next-turn'), self.documents):
            request = exchange['request']
            headers = {k: v for k, v in request['headers'].items() if k.lower() not in ('host', 'content-length')}
            headers['Authorization'] = 'Bearer HAIA_API_KEY'
            fixture = {'_comment': 'Recorded from OpenWebUI 0.12.4 (pip install open-webui==0.12.4) talking to HAIA'
                                   ' through bin/e2e-openwebui\'s recording relay, ENABLE_FORWARD_USER_INFO_HEADERS=true,'
                                   ' BYPASS_EMBEDDING_AND_RETRIEVAL=true, native function calling; only the bearer key is'
                                   ' replaced. ' + ('The first message of a chat with the document cluster-notes.txt'
                                                    ' attached.' if name.endswith('first-turn') else
                                                    'The next message of that chat.'),
                       'method': request['method'], 'path': request['path'], 'headers': headers,
                       'body': request['json']}
            (self.record / f'{name}.json').write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + '\n')
        return f'document-first-turn.json, document-next-turn.json in {self.record}'

    def two_users(self):
        """A second OpenWebUI user. OpenWebUI signs each request's user (X-OpenWebUI-User-Jwt, the shared secret),
        HAIA verifies it: the user's chats, notes and model requests are the user's own, the admin's are not theirs,
        and HAIA's API shows the user only their own."""
        import jwt  # PyJWT, installed with open-webui: it signs the token the way OpenWebUI does
        added = self.owui.api('POST', '/api/v1/auths/add', {'name': 'Bob', 'email': 'bob@example.com',
                                                            'password': PASSWORD, 'role': 'user'})
        bob = OpenWebUI(self.stack.owui_url)
        try:
            bob.signin('bob@example.com', PASSWORD)
            bob.connect_socket()
            chat_id, _, reply_id, _ = bob.send(MODEL, "/remember bob's UPS is an APC at 10.0.0.9")
            noted = bob.wait_reply(chat_id, reply_id)['content']
            assert noted.startswith('Noted'), noted
            self.begin()
            _, _, reply_id, _ = bob.send(MODEL, 'which UPS do I have?', chat_id=chat_id, parent_id=reply_id)
            bob.wait_reply(chat_id, reply_id)
            turns = [r for r in self.new_requests() if not FakeAnthropic.is_task(r)]
            assert '10.0.0.9' in json.dumps(turns[-1]['body']['system']), "bob's note did not reach the model"

            conversations = self.haia.conversations()   # the API key alone: the admin sees everyone's
            owners = {c['key']: c['owner'] for c in conversations}
            assert owners[chat_id] == bob.user['id'] == added['id'], owners
            admin_id = self.owui.user['id']
            assert all(owner == admin_id for key, owner in owners.items() if key != chat_id), owners

            self.begin()
            self.send('I', 'which UPS do I have?')   # the admin's own new chat: without bob's note
            turns = [r for r in self.new_requests() if not FakeAnthropic.is_task(r)]
            assert '10.0.0.9' not in json.dumps(turns[-1]['body']), "the admin's request carried bob's note"

            def as_user(user_id, secret):
                now = int(time.time())
                token = jwt.encode({'sub': user_id, 'email': 'x', 'name': 'x', 'role': 'user', 'iss': 'open-webui',
                                    'iat': now, 'exp': now + 300}, secret, algorithm='HS256')
                return {'X-OpenWebUI-User-Jwt': token}
            from common import http
            mine = http('GET', f'{self.haia.url}/v1/conversations', token=self.haia.key,
                        headers=as_user(bob.user['id'], self.stack.user_jwt_secret))['data']
            assert [c['key'] for c in mine] == [chat_id], mine
            found = http('GET', f'{self.haia.url}/v1/memory/search?q=corosync+pve2', token=self.haia.key,
                         headers=as_user(bob.user['id'], self.stack.user_jwt_secret))['data']
            assert found == [], f"bob found the admin's messages: {found}"
            assert http('GET', f'{self.haia.url}/v1/memory/search?q=corosync+pve2', token=self.haia.key)['data'], \
                'the admin finds them'
            try:
                http('GET', f'{self.haia.url}/v1/conversations', token=self.haia.key,
                     headers=as_user(admin_id, 'another-secret'))
                raise AssertionError('a token signed with another secret was accepted')
            except HttpError as e:
                assert e.status == 401, e
            return (f"bob's chat and note are his ({len(conversations)} conversations, 1 his); the admin's request "
                    f'without his note; his API view holds his chat only; another secret: 401')
        finally:
            bob.close()

    def responses_api_type(self):
        """Chat G with the connection's API type set to Responses (Admin Settings > Connections > the connection >
        API Type; stored as api_type "responses" in its config): OpenWebUI 0.12.4 converts each chat request into a
        POST /v1/responses with the branch as input items (routers/openai.py convert_to_responses_payload) and reads
        the typed events back (utils/response.py handle_responses_streaming_event). HAIA keys it to the chat by the
        forwarded chat id, as for chat completions; the API type is set back afterwards."""
        config = self.owui.api('GET', '/openai/config')
        configs = config.get('OPENAI_API_CONFIGS') or {}
        before = dict(configs.get('0', {}))
        configs['0'] = {**before, 'api_type': 'responses'}
        self.owui.api('POST', '/openai/config/update', {**config, 'OPENAI_API_CONFIGS': configs})
        try:
            assert self.owui.api('GET', '/openai/config')['OPENAI_API_CONFIGS']['0']['api_type'] == 'responses'
            log_before = len(self.stack.log('haia'))
            self.begin()
            reply = self.send('G', 'responses mode: is pve3 back?')
            assert reply['content'] == 'Echo: responses mode: is pve3 back?', reply['content']
            pieces = self.streamed_pieces(self.chats['G']['leaf'])
            assert len(pieces) >= 2, f'the reply arrived in {len(pieces)} pieces, not streamed'
            self.verify('G')
            self.begin()
            self.send('G', 'and the ceph health?')
            detail = self.verify('G')
            calls = self.stack.log('haia')[log_before:].count('path=/v1/responses ')
            assert calls >= 2, f'{calls} requests reached POST /v1/responses'
            stored = self.haia.conversation(self.chats['G']['id'])
            assert stored and stored['message_count'] == 4, stored
            documents = self.responses_document_chat()
            return (detail + f'; {calls} requests through POST /v1/responses, streamed in {len(pieces)} updates; '
                    + documents)
        finally:
            configs['0'] = before
            self.owui.api('POST', '/openai/config/update', {**config, 'OPENAI_API_CONFIGS': configs})
    def responses_document_chat(self):
        """Chat H, still in Responses mode: a document attached, then a second message. OpenWebUI converts the
        messages it wrapped in its RAG template into input items: HAIA takes the wrappers off as for chat
        completions, stores each turn once as the user typed it, and gives the model the document beside the chat."""
        document = 'ring notes\n' + '\n'.join(f'node pve{i}: corosync ring1 10.20.0.{i}, mtu 1500' for i in range(1, 21))
        item = self.owui.upload('ring-notes.txt', document)
        log_before = len(self.stack.log('haia'))
        self.begin()
        self.send('H', 'Responses mode: what MTU does ring1 use?', files=[item])
        self.verify('H')
        self.send('H', 'And which subnet is ring1 on?', chat_files=[item])
        detail = self.verify('H')
        stored = self.haia.messages(self.haia.conversation(self.chats['H']['id'])['id'])
        assert [(m['role'], m['status']) for m in stored] == [('user', 'ok'), ('assistant', 'ok')] * 2, \
            f'not stored once: {[(m["role"], m["status"]) for m in stored]}'
        assert not any('ring1 10.20.0.7' in m['content'] for m in stored), 'the document was stored'
        turns = [r for r in self.new_requests() if not FakeAnthropic.is_task(r)]
        system = json.dumps(turns[-1]['body'].get('system'))
        assert 'ring1 10.20.0.7' in system and 'ring-notes.txt' in system, 'the model did not get the document'
        assert 'ring1 10.20.0.7' not in json.dumps(turns[-1]['body']['messages']), 'the document is in the messages'
        calls = self.stack.log('haia')[log_before:].count('path=/v1/responses ')
        assert calls >= 2, f'{calls} requests of chat H reached POST /v1/responses'
        return f'chat H with a document: {detail}; stored once each, the document beside the chat ({calls} requests)'

    def fake_saw_valid_requests(self):
        violations = self.fake.violations()
        assert violations == [], violations
        return f'{self.fake.count()} requests to the fake Anthropic, all valid Messages API requests'


def main():
    args = argparse.ArgumentParser()
    args.add_argument('--work', required=True)
    args.add_argument('--venv', required=True)
    args.add_argument('--java', required=True)
    args.add_argument('--screenshot', default=str(REPO / 'target/e2e-openwebui/chat.png'))
    args.add_argument('--record')
    options = args.parse_args()

    stack = Stack(options.work, options.venv, options.java)
    run = Run()
    # SIGTERM/SIGINT end the run through the finally below, which stops every process this run started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        ok = (run.step('start the fake Anthropic (test classpath)', lambda: (stack.start_fake(), stack.fake_url)[1])
              and run.step('start HAIA with deploy/haia.container\'s environment', lambda: describe(
                  stack.start_haia(), ['HAIA_PROVIDER', 'HAIA_SHUTDOWN_GRACE', 'HAIA_API_KEY_FILE']))
              and run.step('start OpenWebUI with deploy/openwebui.container\'s environment', lambda: describe(
                  stack.start_openwebui(), ['OPENAI_API_BASE_URL', 'OPENAI_API_KEY',
                                            'ENABLE_FORWARD_USER_INFO_HEADERS', 'ENABLE_OLLAMA_API'])))
        if ok:
            s = Scenario(stack, Path(options.screenshot), options.record)
            steps = [
                ('sign up the first user (admin)', s.signup),
                ('list models, open the socket.io session', s.models),
                ('chat A: first message, streamed (new chat)', s.first_message),
                ('chat A: background tasks (title, tags, follow-ups)', s.background_tasks),
                ('chat A: second message', s.second_message),
                ('chat A: stop a reply midway', s.stop_midway),
                ('chat A: Continue Response on the stopped reply', s.continue_stopped),
                ('chat A: next message after the stop', s.after_stop),
                ('chat A: regenerate the last reply', s.regenerate),
                ('chat A: edit an earlier user message', s.edit),
                ('chat A: switch back to the first branch, continue', s.switch_branch),
                ('chat A: upstream error shown in OpenWebUI', s.upstream_error),
                ('chat A: regenerate the failed reply', s.retry_after_error),
                ('chat A: prompt too long for Claude: shrunk, answered', s.prompt_too_long),
                ('chat A: upstream fails mid-stream', s.midstream_error),
                ('chat A: next message after the mid-stream failure', s.after_midstream_error),
                ('chat B: a second chat', s.second_chat),
                ('chat B: slow first token (keep-alives)', s.slow_first_token),
                ('a temporary chat', s.temporary_chat),
                ('delete chat B', s.delete_chat),
                ('chat C: a pasted screenshot, then four more turns', s.screenshot_chat),
                ('browser: log in, send, streamed answer, screenshot', s.browser),
                ('chat D: the model calls one of HAIA\'s tools', s.tools_chat),
                ('browser: HAIA\'s tool call rendered, screenshot', s.browser_tools),
                ('chat E: a document attached, then the next turn', s.document_chat),
                ('chat F: a 274,000-character document', s.large_document_chat),
                ('two OpenWebUI users: each one\'s memory is their own', s.two_users),
                ('save the document requests as fixtures', s.save_recordings),
                ('chat G and H (a document): the connection\'s API type set to Responses', s.responses_api_type),
                ('the fake Anthropic saw only valid requests', s.fake_saw_valid_requests),
            ]
            try:
                for title, fn in steps:
                    if not run.step(title, fn) and title.startswith(('sign up', 'list models')):
                        break
            finally:
                s.owui.close()
    except BaseException:
        run.interrupted()
        raise
    finally:
        stack.stop()
        if run.ok():
            shutil.rmtree(options.work, ignore_errors=True)
        else:
            print(f'logs: {options.work}/{{fake-anthropic,haia,openwebui}}.log', flush=True)
    return run.finish('e2e-openwebui')


def describe(env, keys):
    shown = []
    for k in keys:
        v = env.get(k, '')
        shown.append(f'{k}={"****" if k.endswith("_KEY") else v}')
    return ', '.join(shown)


if __name__ == '__main__':
    sys.exit(main())
