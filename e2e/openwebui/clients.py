"""HTTP clients of the e2e run: OpenWebUI's own API used the way its browser front end uses it (read from
OpenWebUI 0.12's source: routers/auths.py, routers/chats.py, main.py's /api/chat/completions,
utils/middleware.py, and the front end's Chat.svelte / Messages.svelte) and HAIA's /v1/conversations API. The fake
Anthropic's control API and the HTTP helper are in ../common.py (bin/e2e-container uses them too)."""

import json
import time
import urllib.parse
import urllib.request
import uuid

import socketio  # python-socketio, installed with open-webui

from common import http, same_text, wait_for


class OpenWebUI:
    """One signed-in user of OpenWebUI, with the socket.io session its front end keeps open."""

    def __init__(self, url):
        self.url = url
        self.token = None
        self.events = []  # socket.io 'events' the server pushed: (time, payload)
        self.sio = None

    def api(self, method, path, body=None, timeout=60):
        return http(method, self.url + path, body, self.token, timeout)

    # ---- auth (routers/auths.py) ----

    def signup(self, name, email, password):
        """The first account becomes the admin; the answer carries the session token."""
        user = self.api('POST', '/api/v1/auths/signup', {'name': name, 'email': email, 'password': password})
        self.token, self.user = user['token'], user
        return user

    def signin(self, email, password):
        """An existing account's sign-in; the answer carries the session token."""
        user = self.api('POST', '/api/v1/auths/signin', {'email': email, 'password': password})
        self.token, self.user = user['token'], user
        return user

    def connect_socket(self):
        """The front end's socket.io connection: the server pushes chat events to the user's room."""
        self.sio = socketio.Client(reconnection=False)
        self.sio.on('events', lambda data: self.events.append((time.monotonic(), data)))
        self.sio.connect(self.url, socketio_path='/ws/socket.io', transports=['websocket'],
                         auth={'token': self.token}, wait_timeout=20)
        self.sio.emit('user-join', {'auth': {'token': self.token}})
        return self.sio.get_sid()

    def close(self):
        if self.sio:
            self.sio.disconnect()

    # ---- models ----

    def models(self):
        return self.api('GET', '/api/models')['data']

    # ---- chats (main.py chat_completion, models/chats.py insert_chat_turn) ----

    def send(self, model, content, chat_id=None, parent_id=None, user_message_id=None, tasks=None, files=None,
             chat_files=None):
        """Chat.svelte's submitMessage → sendMessage → sendMessageSocket, for one model: a user message (new, or an
        existing one to regenerate its reply) and a fresh id for the reply; `files` are the message's attachments as
        the front end keeps them (a pasted picture: {'type': 'image', 'url': 'data:image/png;base64,...'}; a document:
        upload()'s item). The request's own `files` are the chat's documents so far (`chat_files`) and the message's
        (not pictures): OpenWebUI puts their text into the prompt. Returns (chat_id, user id, reply id)."""
        user_id = user_message_id or str(uuid.uuid4())
        reply_id = str(uuid.uuid4())
        user_message = {'id': user_id, 'parentId': parent_id, 'childrenIds': [], 'role': 'user',
                        'user_id': self.user['id'], 'user': {'id': self.user['id'], 'name': self.user['name']},
                        'content': content, 'models': [model], 'timestamp': int(time.time())}
        if files:
            user_message['files'] = files
        if tasks is None:
            # the front end asks for title and tags with a chat's first exchange, for follow-ups always
            tasks = {'follow_up_generation': True}
            if chat_id is None:
                tasks.update(title_generation=True, tags_generation=True)
        body = {
            'stream': True,
            'model': model,
            'params': {'model_controls': {}},
            'tool_ids': [],
            'tool_servers': [],
            'features': {'voice': False, 'image_generation': False, 'code_interpreter': False, 'web_search': False},
            'variables': {},
            'model_item': next(m for m in self._models_cache() if m['id'] == model),
            'session_id': self.sio.get_sid(),
            'chat_id': chat_id,
            'id': reply_id,
            'message_ids': [{'model_id': model, 'message_id': reply_id, 'modelIdx': 0}],
            'parent_id': parent_id,
            'user_message': user_message,
            'background_tasks': tasks,
        }
        if chat_id is None:
            del body['chat_id']
        documents = [*(chat_files or []), *(f for f in files or [] if f.get('type') == 'file'
                                            and not str(f.get('content_type', '')).startswith('image/'))]
        if documents:
            body['files'] = documents
        answer = self.api('POST', '/api/chat/completions', body)
        assert answer.get('status') is True and answer.get('chat_id'), answer
        return answer['chat_id'], user_id, reply_id, answer.get('task_ids', [])

    def upload(self, name, text):
        """MessageInput.svelte's uploadFileHandler: POST /api/v1/files/ (multipart), then the processing status until
        OpenWebUI has the text. Returns the message's file item as the front end builds it once the upload is done."""
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                f'Content-Type: text/plain\r\n\r\n').encode() + text.encode() + f'\r\n--{boundary}--\r\n'.encode()
        req = urllib.request.Request(self.url + '/api/v1/files/?process=true', data=body,
                                     method='POST', headers={'Authorization': f'Bearer {self.token}',
                                                             'Content-Type': f'multipart/form-data; boundary={boundary}',
                                                             'Accept': 'application/json'})
        with urllib.request.urlopen(req, timeout=120) as r:
            uploaded = json.loads(r.read())
        # as the front end does before it lets the message go: wait for OpenWebUI to have extracted the text
        status = wait_for(f'OpenWebUI to process {name}', lambda: (lambda s: s if s in ('completed', 'failed') else None)(
            self.api('GET', f'/api/v1/files/{uploaded["id"]}/process/status').get('status')), 120, 0.5)
        assert status == 'completed', f'OpenWebUI could not process {name}: {status}'
        meta = uploaded.get('meta') or {}
        return {'type': 'file', 'file': uploaded, 'id': uploaded['id'], 'url': uploaded['id'], 'name': name,
                'collection_name': meta.get('collection_name') or uploaded.get('collection_name', ''),
                'content_type': meta.get('content_type', 'text/plain'), 'status': 'uploaded', 'size': len(text),
                'error': '', 'itemId': str(uuid.uuid4())}

    def send_temporary(self, model, history, content):
        """A temporary chat (Chat.svelte with temporaryChatEnabled): the chat id is "temporary:" + the socket.io
        session id, the front end sends the whole branch itself, and OpenWebUI saves nothing. Returns the reply id."""
        user_id, reply_id = str(uuid.uuid4()), str(uuid.uuid4())
        parent = history[-1]['id'] if history else None
        body = {
            'stream': True, 'model': model,
            'messages': [*history, {'id': user_id, 'role': 'user', 'content': content}],
            'params': {'model_controls': {}}, 'tool_ids': [], 'tool_servers': [], 'features': {}, 'variables': {},
            'chat_variables': {}, 'model_item': next(m for m in self._models_cache() if m['id'] == model),
            'session_id': self.sio.get_sid(), 'chat_id': 'temporary:' + self.sio.get_sid(), 'id': reply_id,
            'message_ids': [{'model_id': model, 'message_id': reply_id, 'modelIdx': 0}], 'parent_id': parent,
            'user_message': {'id': user_id, 'parentId': parent, 'childrenIds': [], 'role': 'user',
                             'content': content, 'models': [model]},
            'background_tasks': {'follow_up_generation': True},
        }
        answer = self.api('POST', '/api/chat/completions', body)
        assert answer.get('status') is True, answer
        return user_id, reply_id

    def pushed_reply(self, reply_id, timeout=60):
        """A reply OpenWebUI only pushed to the browser (temporary chats): the text of its final completion event."""
        def done():
            for _, e in self.events:
                data = e.get('data', {})
                if e.get('message_id') == reply_id and data.get('type') == 'chat:completion' \
                        and data.get('data', {}).get('done'):
                    return ''.join(part.get('text', '') for item in data['data'].get('output', [])
                                   for part in item.get('content', []) if isinstance(part, dict)) or '(empty)'
            return None
        return wait_for(f'pushed reply {reply_id}', done, timeout)

    def continue_reply(self, model, chat_id, reply_id):
        """The Continue Response button (Chat.svelte continueResponse): the same reply id, sent as
        assistant_message_id, so OpenWebUI resends the branch ending in that reply."""
        messages = self.chat(chat_id)['chat']['history']['messages']
        user_message = messages[messages[reply_id]['parentId']]
        body = {
            'stream': True, 'model': model, 'params': {'model_controls': {}}, 'tool_ids': [], 'tool_servers': [],
            'features': {}, 'variables': {}, 'model_item': next(m for m in self._models_cache() if m['id'] == model),
            'session_id': self.sio.get_sid(), 'chat_id': chat_id, 'id': reply_id,
            'message_ids': [{'model_id': model, 'message_id': reply_id, 'modelIdx': 0}],
            'parent_id': user_message['parentId'], 'user_message': user_message, 'assistant_message_id': reply_id,
            'background_tasks': {'follow_up_generation': True},
        }
        answer = self.api('POST', '/api/chat/completions', body)
        assert answer.get('status') is True, answer

    def _models_cache(self):
        if not hasattr(self, '_models'):
            self._models = self.models()
        return self._models

    def chat(self, chat_id):
        return self.api('GET', f'/api/v1/chats/{chat_id}')

    def reply(self, chat_id, reply_id):
        return self.chat(chat_id)['chat']['history']['messages'].get(reply_id, {})

    def wait_reply(self, chat_id, reply_id, timeout=60):
        """Until OpenWebUI has stored the finished reply (it writes it when the stream ends)."""
        return wait_for(f'reply {reply_id}', lambda: (lambda m: m if m.get('done') else None)(
            self.reply(chat_id, reply_id)), timeout)

    def stop(self, chat_id):
        """The stop button: Chat.svelte's stopResponse → POST /api/tasks/chat/{id}/stop."""
        return self.api('POST', f'/api/tasks/chat/{urllib.parse.quote(chat_id)}/stop')

    def active_tasks(self, chat_id):
        return self.api('GET', f'/api/tasks/chat/{urllib.parse.quote(chat_id)}').get('task_ids', [])

    def delete(self, chat_id):
        return self.api('DELETE', f'/api/v1/chats/{chat_id}')

    def chats(self):
        return self.api('GET', '/api/v1/chats/')

    @staticmethod
    def branch(chat, leaf_id):
        """What the chat shows for a leaf: the messages from the root down to it (Messages.svelte walks parentId
        from history.currentId), as (role, content); replies that never got content are not shown as turns."""
        messages = chat['chat']['history']['messages']
        path, mid = [], leaf_id
        while mid:
            m = messages[mid]
            path.append(m)
            mid = m.get('parentId')
        return [(m['role'], same_text(m.get('content', ''))) for m in reversed(path)
                if m['role'] == 'user' or m.get('content', '').strip()]

    @staticmethod
    def deepest_child(chat, message_id):
        """Messages.svelte's getDeepestChildId: switching to a sibling shows its newest descendant."""
        messages = chat['chat']['history']['messages']
        while messages[message_id].get('childrenIds'):
            message_id = messages[message_id]['childrenIds'][-1]
        return message_id


class Haia:
    """HAIA's conversation management API."""

    def __init__(self, url, key):
        self.url, self.key = url, key

    def api(self, path):
        return http('GET', self.url + path, token=self.key)

    def conversations(self):
        return self.api('/v1/conversations?limit=200')['data']

    def conversation(self, chat_id):
        found = [c for c in self.conversations() if c['kind'] == 'openwebui' and c['key'] == chat_id]
        return found[0] if found else None

    def messages(self, conversation_id):
        out, after = [], 0
        while True:
            page = self.api(f'/v1/conversations/{conversation_id}/messages?after={after}&limit=100')
            out += page['data']
            if not page['has_more']:
                return out
            after = page['last_id']

    def live_branch(self, chat_id):
        conversation = self.conversation(chat_id)
        if conversation is None:
            return None
        return [(m['role'], same_text(m['content'])) for m in self.messages(conversation['id']) if m['live']]
