// Served when the renderer has not been built (no renderer/dist/index.html): a small page that
// lists the sweeps through the same API, so `sweepdeck serve` is useful and the token flow testable.
// No inline script or style: the strict CSP applies to it too.

export const PLACEHOLDER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sweepdeck</title>
<script src="/placeholder.js" defer></script>
</head>
<body>
<main>
<h1>Sweepdeck</h1>
<p id="status">The renderer is not built yet (run <code>npm run build</code>). Sweeps known to this host:</p>
<ul id="sweeps" aria-label="Sweeps"></ul>
</main>
</body>
</html>
`;

export const PLACEHOLDER_JS = `(() => {
  const url = new URL(location.href);
  let token = url.searchParams.get('token');
  if (token) {
    sessionStorage.setItem('sweepdeck.token', token);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  } else {
    token = sessionStorage.getItem('sweepdeck.token') || '';
  }
  const list = document.getElementById('sweeps');
  const status = document.getElementById('status');
  fetch('/api/sweeps.list', { method: 'POST', headers: { 'content-type': 'application/json', 'x-sweepdeck-token': token }, body: '{}' })
    .then((r) => r.json())
    .then((r) => {
      if (!r.ok) { status.textContent = r.error.message; return; }
      for (const s of r.value.sweeps) {
        const li = document.createElement('li');
        li.textContent = s.studyName + ': ' + s.state + ' (' + s.finishedTrials + ' of ' + (s.maxTrials ?? '?') + ' trials)';
        list.appendChild(li);
      }
      if (r.value.sweeps.length === 0) status.textContent = 'No sweeps yet.';
    })
    .catch((e) => { status.textContent = 'The host cannot be reached: ' + e.message; });
})();
`;
