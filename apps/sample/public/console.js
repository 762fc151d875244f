// The sample console: plain browser JavaScript, no build step. Tokens stay in this page's memory only.
const $ = (id) => document.getElementById(id);
const state = { config: undefined, token: undefined, kind: undefined, dpopKey: undefined };

const b64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
const b64urlText = (text) => b64url(new TextEncoder().encode(text));

/** The claims of a JWT's payload, or undefined for an opaque token. */
function decodeJwt(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const json = atob(parts[1].replaceAll('-', '+').replaceAll('_', '/'));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
  } catch {
    return undefined;
  }
}

/** A DPoP proof (RFC 9449) signed with this page's ES256 key, made with WebCrypto. */
async function dpopProof(method, url, accessToken) {
  const { privateKey, publicJwk } = state.dpopKey;
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk };
  const payload = { jti: crypto.randomUUID(), htm: method, htu: url, iat: Math.floor(Date.now() / 1000) };
  if (accessToken) {
    payload.ath = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)));
  }
  const input = `${b64urlText(JSON.stringify(header))}.${b64urlText(JSON.stringify(payload))}`;
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${b64url(signature)}`;
}

async function newDpopKey() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { privateKey: pair.privateKey, publicJwk: { kty, crv, x, y } };
}

async function getToken(event) {
  event.preventDefault();
  const form = new FormData($('token-form'));
  const kind = form.get('kind');
  const scopes = form.getAll('scope');
  const body = { kind, scopes };
  if (kind === 'dpop') {
    state.dpopKey = await newDpopKey();
    body.dpopProof = await dpopProof('POST', state.config.tokenUrl);
  }
  $('token-status').textContent = 'Asking the authorization server…';
  const response = await fetch('/console/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok || typeof answer.access_token !== 'string') {
    state.token = undefined;
    $('token-status').textContent =
      `No token: ${answer.error ?? response.status} ${answer.error_description ?? ''}`;
    $('revoke').disabled = true;
    return;
  }
  state.token = answer.access_token;
  state.kind = kind;
  const claims = decodeJwt(answer.access_token);
  $('token-status').textContent =
    `Got a ${answer.token_type} token (${kind === 'opaque' ? 'opaque' : 'JWT'}), scopes: ${scopes.join(' ') || 'none'}.`;
  $('token-claims').textContent = claims
    ? JSON.stringify(claims, null, 2)
    : 'Opaque token: the claims are known to the authorization server only (call a route to see them).';
  $('revoke').disabled = false;
  $('revoke-status').textContent = '';
}

async function callRoute(path) {
  $('result').setAttribute('aria-busy', 'true');
  const headers = {};
  let scheme = 'no token';
  if (state.token) {
    if (state.kind === 'dpop') {
      scheme = 'DPoP';
      headers.authorization = `DPoP ${state.token}`;
      headers.dpop = await dpopProof('GET', state.config.publicUrl + path, state.token);
    } else {
      scheme = 'Bearer';
      headers.authorization = `Bearer ${state.token}`;
    }
  }
  const response = await fetch(path, { headers });
  const answer = await response.json().catch(() => ({}));
  $('result-request').textContent = `GET ${path} (${scheme})`;
  const status = $('result-status');
  status.textContent = `${response.status} ${response.ok ? 'accepted' : 'refused'}`;
  status.className = response.ok ? 'ok' : 'refused';
  $('result-code').textContent = answer.code ?? (response.ok ? '—' : 'none');
  $('result-challenge').textContent = response.headers.get('www-authenticate') ?? '—';
  $('result-claims').textContent = response.ok ? JSON.stringify(answer.claims ?? answer, null, 2) : '—';
  $('result').setAttribute('aria-busy', 'false');
}

async function revokeToken() {
  if (!state.token) return;
  const response = await fetch('/console/revoke', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: state.token }),
  });
  const answer = response.ok ? {} : await response.json().catch(() => ({}));
  $('revoke-status').textContent = response.ok
    ? 'Revoked at the authorization server and evicted from the API cache. Call the routes again.'
    : `Revocation refused (${response.status}): ${answer.error ?? ''} ${answer.error_description ?? ''}`;
}

async function start() {
  state.config = await (await fetch('/console/config')).json();
  $('client-id').textContent = state.config.client;
  for (const scope of state.config.scopes) {
    const label = document.createElement('label');
    const input = Object.assign(document.createElement('input'), {
      type: 'checkbox',
      name: 'scope',
      value: scope,
    });
    input.checked = scope === 'read';
    label.append(input, ` ${scope}`);
    $('scopes').append(label);
  }
  for (const route of state.config.routes) {
    const row = document.createElement('tr');
    const name = document.createElement('td');
    const code = Object.assign(document.createElement('code'), { textContent: route.path });
    const description = Object.assign(document.createElement('small'), { textContent: route.description });
    name.append(code, description);
    const needs = Object.assign(document.createElement('td'), { textContent: route.scopes.join(' ') });
    const call = document.createElement('td');
    const button = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Call' });
    button.setAttribute('aria-label', `Call ${route.path}`);
    button.addEventListener('click', () => callRoute(route.path));
    call.append(button);
    row.append(name, needs, call);
    $('routes').append(row);
  }
  $('token-form').addEventListener('submit', getToken);
  $('revoke').addEventListener('click', revokeToken);
  document.body.dataset.ready = 'true';
}

start();
