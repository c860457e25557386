// SPDX-License-Identifier: MIT
// A stand-in for the Anthropic Messages API, so that tests/plugin/validate.sh
// can drive a real `claude -p` session offline: slash-command expansion,
// SessionStart and PreToolUse hooks all run in the CLI before or after a
// model call, and this server only has to answer those calls.
//
//   node fake-api.js PORTFILE LOGFILE
//
// Listens on 127.0.0.1 (a free port, written to PORTFILE), appends every
// request body to LOGFILE as one JSON line, and answers:
//   - when the conversation's first user text contains "ZDM-E2E-BASH: CMD"
//     and no tool result has come back yet: a Bash tool call running CMD
//     (the rest of that line);
//   - otherwise: the text "ok".
'use strict';
const http = require('http');
const fs = require('fs');

const [portFile, logFile] = process.argv.slice(2);

function texts(content) {
  if (typeof content === 'string') return [content];
  return (content || []).filter((b) => b.type === 'text').map((b) => b.text);
}

// The command to run as a Bash tool call, or null.
function bashCommand(req) {
  const msgs = req.messages || [];
  const first = msgs.find((m) => m.role === 'user');
  if (!first) return null;
  const hasResult = msgs.some((m) => Array.isArray(m.content) &&
    m.content.some((b) => b.type === 'tool_result'));
  const hasBash = (req.tools || []).some((t) => t.name === 'Bash');
  if (hasResult || !hasBash) return null;
  for (const t of texts(first.content)) {
    const m = /ZDM-E2E-BASH: (.*)/.exec(t);
    if (m) return m[1];
  }
  return null;
}

function reply(req) {
  const command = bashCommand(req);
  const block = command !== null
    ? { type: 'tool_use', id: 'toolu_zdm_e2e', name: 'Bash',
        input: { command, description: 'zdm e2e' } }
    : { type: 'text', text: 'ok' };
  return {
    id: 'msg_zdm_e2e', type: 'message', role: 'assistant',
    model: req.model || 'claude-sonnet-4-5', content: [block],
    stop_reason: block.type === 'tool_use' ? 'tool_use' : 'end_turn',
    stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 },
  };
}

function stream(res, msg) {
  const ev = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  ev('message_start', { message: { ...msg, content: [], stop_reason: null } });
  msg.content.forEach((block, index) => {
    if (block.type === 'text') {
      ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
      ev('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
    } else {
      ev('content_block_start', { index, content_block: { ...block, input: {} } });
      ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
    }
    ev('content_block_stop', { index });
  });
  ev('message_delta', { delta: { stop_reason: msg.stop_reason, stop_sequence: null }, usage: { output_tokens: 1 } });
  ev('message_stop', {});
  res.end();
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    if (req.method !== 'POST' || !req.url.startsWith('/v1/messages')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"type":"error","error":{"type":"not_found_error","message":"not here"}}');
      return;
    }
    let parsed = {};
    try { parsed = JSON.parse(body); } catch (e) { /* logged as is */ }
    fs.appendFileSync(logFile, JSON.stringify({ url: req.url, body: parsed }) + '\n');
    if (req.url.startsWith('/v1/messages/count_tokens')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"input_tokens":1}');
      return;
    }
    const msg = reply(parsed);
    if (parsed.stream) return stream(res, msg);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(msg));
  });
});

server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile, String(server.address().port));
});
