// Loopback OAuth 2 authorization server for Portico's integration tests, built on
// panva's `oidc-provider` (pinned: 9.13.3; needs Node >= 20.18 — it prints an
// "Unsupported runtime" warning on Node 20 but works).
//
// Usage:  node tests/support/oidc_provider.mjs ['<JSON config>']
//   The one optional argument is a JSON object; every key is optional:
//   {
//     "port": 0,                      // 0 = any free port; listens on 127.0.0.1 only
//     "access_ttl": 60,               // access token lifetime, seconds
//     "scopes": ["openid", "offline_access", "api:read"],
//     "exit_on_stdin_close": false,   // true: exit when stdin closes (parent died);
//                                     //   then keep stdin piped and open (null stdin = exit)
//     "clients": [{                   // any oidc-provider client metadata; defaults shown
//       "client_id": "portico", "client_secret": "portico-secret",
//       "redirect_uris": ["http://127.0.0.1/callback"],
//       "token_endpoint_auth_method": "client_secret_basic"   // or client_secret_post
//     }]
//   }
//   The package is imported from $OIDC_PROVIDER_MODULE (its directory, relative to
//   the working directory or absolute) if set, else resolved as `oidc-provider`.
//
// Stdout: exactly one JSON line once listening:
//   {"issuer","authorization_endpoint","token_endpoint","revocation_endpoint",
//    "userinfo_endpoint","resource_endpoint","port"}
//   All library notices and warnings go to stderr.
//
// Policy: PKCE (S256) is required. Every code exchange and refresh returns a new
// refresh token (offline_access need not be requested; oidc-provider drops it from
// the granted scope unless the request has prompt=consent) and the old one is
// consumed: reusing it yields invalid_grant and revokes the whole grant, as does
// replaying a code. A client must authenticate with its registered
// token_endpoint_auth_method (oidc-provider alone would take either); otherwise 401
// invalid_client. Access tokens are opaque, for no particular audience (a `resource`
// parameter is refused with invalid_target); id_tokens only when `openid` is asked.
// Every authorization shows the login page, then the consent page (no reuse of
// a browser session or an earlier consent), so a browser test always sees both:
//   login page   : form#login  input[name=login] (any value, becomes `sub`),
//                  input[name=password] (any value), button[type=submit]
//   consent page : form#consent  button#allow (name=decision value=allow, "Continue")
//                                button#deny  (name=decision value=deny, "Deny")
//                  deny redirects to the client with error=access_denied.
//
// Extra routes:
//   GET  /api/me               Bearer access token -> 200 {"sub","scope","client_id","exp"}, else 401
//   GET  /test/counters        {"token": {"<grant_type>": {"total", "success", "<error code>"...}},
//                               "api_me": {"ok", "unauthorized"}}
//   POST /test/counters/reset  zero the counters
//   POST /test/revoke-grants   revoke every grant issued so far (its refresh tokens,
//                              access tokens and codes): {"revoked": N}

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// oidc-provider prints its notices with console.info; keep stdout for our one line.
console.info = console.log = console.error;

const config = {
  port: 0,
  access_ttl: 60,
  scopes: ['openid', 'offline_access', 'api:read'],
  exit_on_stdin_close: false,
  clients: [{ client_id: 'portico', client_secret: 'portico-secret', redirect_uris: ['http://127.0.0.1/callback'] }],
  ...JSON.parse(process.argv[2] ?? '{}'),
};

async function loadProvider() {
  const dir = process.env.OIDC_PROVIDER_MODULE;
  if (!dir) return import('oidc-provider');
  const { main = 'index.js' } = JSON.parse(readFileSync(join(resolve(dir), 'package.json'), 'utf8'));
  return import(pathToFileURL(join(resolve(dir), main)).href);
}
const { default: Provider, interactionPolicy } = await loadProvider();

// Listen first: the issuer must contain the port that port 0 picked.
const server = createServer();
await new Promise((ok) => server.listen(config.port, '127.0.0.1', ok));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

// Always prompt for login and consent unless this very interaction already gave them.
const policy = interactionPolicy.base();
for (const name of ['login', 'consent']) {
  policy.get(name).checks.add(new interactionPolicy.Check(
    `always_${name}`, `the test server always asks for ${name}`, `${name}_required`,
    (ctx) => !ctx.oidc.result?.[name],
  ));
}

const clients = config.clients.map((client) => ({
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  ...client,
}));

const DAY = 24 * 60 * 60;
const provider = new Provider(issuer, {
  clients: structuredClone(clients),
  scopes: config.scopes,
  responseTypes: ['code'],
  pkce: { required: () => true },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  expiresWithSession: async () => false, // tokens outlive the browser session
  clockTolerance: 0, // the default 15 s would keep tokens valid past access_ttl
  ttl: {
    AccessToken: config.access_ttl, IdToken: 3600, RefreshToken: 14 * DAY,
    Grant: 14 * DAY, Session: 14 * DAY, Interaction: 3600,
  },
  // Cookies are not marked Secure over http, so this is all they need.
  cookies: { keys: [randomBytes(32).toString('hex')] },
  findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false }, // their pages load fonts from the internet
    rpInitiatedLogout: { enabled: false }, // ditto for the logout pages
    revocation: { enabled: true },
  },
  // The default error page also loads remote fonts.
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Error', `<pre id="error">${htmlEscape(JSON.stringify(out, null, 2))}</pre>`);
  },
});

// --- counters and the grants that /test/revoke-grants revokes --------------------
const newCounters = () => ({
  token: { authorization_code: { total: 0, success: 0 }, refresh_token: { total: 0, success: 0 } },
  api_me: { ok: 0, unauthorized: 0 },
});
let counters = newCounters();
function countToken(grantType = 'unknown', outcome) {
  const entry = (counters.token[grantType] ??= { total: 0, success: 0 });
  entry.total += 1;
  entry[outcome] = (entry[outcome] ?? 0) + 1;
}
provider.on('grant.success', (ctx) => countToken(ctx.oidc.params?.grant_type, 'success'));
provider.on('grant.error', (ctx, err) => countToken(ctx.oidc.params?.grant_type, err.error));
provider.on('server_error', (ctx) => {
  if (ctx.oidc?.route === 'token') countToken(ctx.oidc.params?.grant_type, 'server_error');
});

const grantIds = new Set();
provider.on('grant.saved', (grant) => grantIds.add(grant.jti));

// --- HTML ---------------------------------------------------------------------------
const htmlEscape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!DOCTYPE html><html><head><meta charset="utf-8">`
  + `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>`
  + `<body><h1>${title}</h1>${body}</body></html>`;

const loginPage = (uid) => page('Sign in', `<form id="login" method="post" action="/interaction/${uid}/login">
  <input type="text" name="login" placeholder="any login" required autofocus>
  <input type="password" name="password" placeholder="any password" required>
  <button type="submit">Sign in</button></form>`);

const consentPage = (uid, client, scope) => page('Authorize', `<p>${htmlEscape(client)} asks for: <code>${htmlEscape(scope)}</code></p>
  <form id="consent" method="post" action="/interaction/${uid}/consent">
  <button type="submit" id="allow" name="decision" value="allow">Continue</button>
  <button type="submit" id="deny" name="decision" value="deny">Deny</button></form>`);

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

// --- routes in front of the provider --------------------------------------------------
async function interaction(ctx, uid, action) {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params } = details;
  if (details.uid !== uid) ctx.throw(400, 'interaction mismatch');
  if (ctx.method === 'GET' && !action) {
    ctx.type = 'html';
    ctx.body = prompt.name === 'login' ? loginPage(uid) : consentPage(uid, params.client_id, params.scope);
    return;
  }
  ctx.assert(ctx.method === 'POST' && action === prompt.name, 400, `expected the ${prompt.name} step`);
  const form = await formBody(ctx.req);
  let result;
  if (action === 'login') {
    result = { login: { accountId: form.get('login') || 'user' } };
  } else if (form.get('decision') === 'deny') {
    result = { error: 'access_denied', error_description: 'End-User denied the authorization request' };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    result = { consent: { grantId: await grant.save() } };
  }
  const location = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: action !== 'login' });
  ctx.status = 303;
  ctx.redirect(location);
}

async function apiMe(ctx) {
  const [scheme, value] = (ctx.get('authorization') || '').split(' ');
  const token = scheme?.toLowerCase() === 'bearer' && value ? await provider.AccessToken.find(value) : undefined;
  if (!token) {
    counters.api_me.unauthorized += 1;
    ctx.status = 401;
    ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
    ctx.body = { error: 'invalid_token' };
    return;
  }
  counters.api_me.ok += 1;
  ctx.body = { sub: token.accountId, scope: token.scope, client_id: token.clientId, exp: token.exp };
}

// oidc-provider accepts client_secret_basic and client_secret_post interchangeably;
// real vendors often don't, so refuse the method a client is not registered with.
// Returns false when it answered the request.
async function enforceAuthMethod(ctx) {
  const body = await formBody(ctx.req);
  ctx.request.body = Object.fromEntries(body); // the provider reads an already-read body from here
  const [scheme, credentials = ''] = ctx.get('authorization').split(' ');
  const basic = scheme.toLowerCase() === 'basic';
  const used = basic ? 'client_secret_basic' : body.has('client_secret') && 'client_secret_post';
  const clientId = basic
    ? decodeURIComponent(Buffer.from(credentials, 'base64').toString().split(':')[0].replace(/\+/g, ' '))
    : body.get('client_id');
  const registered = clients.find((c) => c.client_id === clientId)?.token_endpoint_auth_method;
  if (!used || !registered || used === registered) return true;
  if (ctx.path === '/token') countToken(body.get('grant_type') ?? undefined, 'invalid_client');
  ctx.status = 401;
  ctx.body = { error: 'invalid_client', error_description: `this client must authenticate with ${registered}` };
  return false;
}

async function revokeGrants(ctx) {
  const ids = [...grantIds];
  grantIds.clear();
  await Promise.all(ids.flatMap((id) => [
    provider.AccessToken.revokeByGrantId(id),
    provider.RefreshToken.revokeByGrantId(id),
    provider.AuthorizationCode.revokeByGrantId(id),
    provider.Grant.adapter.destroy(id),
  ]));
  ctx.body = { revoked: ids.length };
}

provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([\w-]+)(?:\/(login|consent))?$/);
  if (m) return interaction(ctx, m[1], m[2]);
  const route = `${ctx.method} ${ctx.path}`;
  if (route === 'GET /api/me') return apiMe(ctx);
  if (route === 'GET /test/counters') { ctx.body = counters; return undefined; }
  if (route === 'POST /test/counters/reset') { counters = newCounters(); ctx.body = counters; return undefined; }
  if (route === 'POST /test/revoke-grants') return revokeGrants(ctx);
  if ((route === 'POST /token' || route === 'POST /token/revocation')
    && ctx.is('application/x-www-form-urlencoded') && !await enforceAuthMethod(ctx)) return undefined;
  return next();
});

server.on('request', provider.callback());

process.stdout.write(`${JSON.stringify({
  issuer,
  authorization_endpoint: provider.urlFor('authorization'),
  token_endpoint: provider.urlFor('token'),
  revocation_endpoint: provider.urlFor('revocation'),
  userinfo_endpoint: provider.urlFor('userinfo'),
  resource_endpoint: `${issuer}/api/me`,
  port,
})}\n`);

if (config.exit_on_stdin_close) {
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}
