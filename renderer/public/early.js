/* global window, location, sessionStorage, navigator */
// The page's first script, a classic one ahead of the stylesheet: module scripts (the app) wait for
// the stylesheet and for each other, this one does not. When the page opens on a sweep in the
// browser host it asks for that sweep and its trials at once; the app takes the replies over
// (renderer/src/api/earlyReplies.ts) instead of asking again. Plain JS, copied as it is by Vite:
// bump ?v= in index.html when this changes (the host lets browsers cache it for an hour).
(function () {
  'use strict';
  // Electron: the preload's bridge (IPC) is used, nothing to gain here.
  if (window.sweepdeck) return;
  // The same reading of the hash as parseRoute (renderer/src/lib/routes.ts).
  var parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] !== 'sweep' || !parts[1]) return;
  var id = parts[1];
  try {
    id = decodeURIComponent(id);
  } catch {
    // kept as written, like parseRoute
  }
  var token = new URL(location.href).searchParams.get('token');
  if (!token) {
    try {
      token = sessionStorage.getItem('sweepdeck.token');
    } catch {
      token = null;
    }
  }
  if (!token) return;
  var body = JSON.stringify({ id: id });
  // The trials may come as a binary columns body (shared/columnsWire.ts: COLUMNS_MIME), kept as bytes
  // for the app to decode; every other reply is JSON text.
  var COLUMNS = 'application/vnd.sweepdeck.columns';
  function ask(channel, accept) {
    var headers = { 'content-type': 'application/json', 'x-sweepdeck-token': token };
    if (accept) headers.accept = accept;
    var p = fetch(location.origin + '/api/' + encodeURIComponent(channel), {
      method: 'POST',
      headers: headers,
      body: body,
    }).then(function (r) {
      if ((r.headers.get('content-type') || '').split(';')[0].trim() === COLUMNS) {
        return r.arrayBuffer().then(function (bytes) {
          return { status: r.status, bytes: bytes };
        });
      }
      return r.text().then(function (text) {
        return { status: r.status, text: text };
      });
    });
    // Whoever takes the reply over reports a failure; until then it is not an unhandled one.
    p.catch(function () {});
    return p;
  }
  window.__sweepdeckEarly = { v: 1, id: id, body: body, replies: { 'sweeps.get': ask('sweeps.get'), 'sweeps.trialColumns': ask('sweeps.trialColumns', COLUMNS + ', application/json') } };
  // Then, while those replies and the app's script are still on their way (the main thread has
  // nothing else to do yet), set up number and date formatting (ICU): the first Intl formatter in a
  // fresh renderer costs tens of milliseconds, and the chart library (uPlot) builds one when its
  // script starts, which would otherwise put that cost between the trials' arrival and the first
  // draw. Later formatters for the same locale are cheap. (Done here, not in a timer: a timer
  // fired only after the app's script had arrived, and measured no gain.)
  try {
    new Intl.NumberFormat(navigator.language);
    new Intl.DateTimeFormat().resolvedOptions();
  } catch {
    // Formatting is set up again where it is used.
  }
})();
