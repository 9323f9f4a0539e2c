// A minimal graphql-transport-ws client: one socket, one subscription, reconnecting with
// backoff. variables() is called on every (re)connect so the caller can pass the revision
// it has reached (sinceRevision), which makes the server replay whatever was missed.

import { connectionPayload } from './auth.js';

const decoder = new TextDecoder();

export function subscribe({ query, variables, onNext, onError, onState }) {
  let socket = null;
  let stopped = false;
  let attempt = 0;
  let reconnectTimer = null;

  function url() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/graphql`;
  }

  function connect() {
    if (stopped) return;
    // Offline, a socket cannot open, and one already open may look alive for minutes after
    // the network went: say "offline" and wait for the browser's `online` event instead.
    if (!navigator.onLine) return void (onState && onState('offline'));
    socket = new WebSocket(url(), 'graphql-transport-ws');
    const ws = socket;
    ws.binaryType = 'arraybuffer'; // servers may send the JSON messages as binary frames
    ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init', payload: connectionPayload() }));
    ws.onmessage = (event) => {
      let message;
      try {
        const text = typeof event.data === 'string' ? event.data : decoder.decode(event.data);
        message = JSON.parse(text);
      } catch {
        return;
      }
      switch (message.type) {
        case 'connection_ack':
          onState && onState('live');
          ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: variables() } }));
          break;
        case 'ping':
          ws.send(JSON.stringify({ type: 'pong' }));
          break;
        case 'next':
          attempt = 0; // the stream works: a later drop starts the backoff afresh
          if (message.payload && message.payload.errors && message.payload.errors.length) {
            onError && onError(message.payload.errors[0]);
          } else if (message.payload && message.payload.data) {
            onNext(message.payload.data);
          }
          break;
        case 'error':
        case 'complete':
          // The stream ended. If the session was deleted the caller has seen its DELETE
          // SESSION change (or gets SESSION_NOT_FOUND next time) and stops us; otherwise
          // reconnect, and sinceRevision replays whatever happens in between.
          if (message.type === 'error') {
            onError && onError((message.payload && message.payload[0]) || { message: 'subscription error' });
          }
          ws.close();
          break;
        default:
          break;
      }
    };
    ws.onclose = () => {
      if (stopped || ws !== socket) return;
      onState && onState(navigator.onLine ? 'reconnecting' : 'offline');
      attempt += 1;
      const delay = Math.min(15000, 500 * 2 ** Math.min(attempt, 5));
      reconnectTimer = setTimeout(connect, delay);
    };
  }

  function wentOffline() {
    clearTimeout(reconnectTimer);
    const old = socket;
    socket = null;
    if (old) {
      old.onclose = null;
      old.close();
    }
    onState && onState('offline');
  }

  function backOnline() {
    clearTimeout(reconnectTimer);
    attempt = 0;
    if (!socket || socket.readyState >= 2) connect(); // sinceRevision replays what was missed
  }

  function stop() {
    stopped = true;
    window.removeEventListener('offline', wentOffline);
    window.removeEventListener('online', backOnline);
    clearTimeout(reconnectTimer);
    if (socket && socket.readyState <= 1) {
      try {
        socket.send(JSON.stringify({ id: '1', type: 'complete' }));
      } catch {
        /* socket may be closing already */
      }
      socket.close(1000);
    }
  }

  window.addEventListener('offline', wentOffline);
  window.addEventListener('online', backOnline);
  connect();
  return { stop };
}
