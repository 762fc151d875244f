import { mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Servers, startServers } from './servers.js';

// A real headless Chromium (Debian's `chromium` package, installed by scripts/quickstart.sh) clicks
// through the console page and reads what a person would see. Screenshots go to .test-results/.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = new URL('../.test-results/', import.meta.url);

let servers: Servers;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  servers = await startServers(() => ({}), { console: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await servers?.close();
});

/** The text a person sees in the element (rendered text, as Playwright reads it, not the DOM's). */
function shown(selector: string): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the rendered text
  return page.locator(selector).innerText();
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: new URL(`console-${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}

async function getToken(
  kind: 'JWT' | 'Opaque (introspected)' | 'DPoP-bound JWT (key made in this browser)',
  scopes: string[],
) {
  await page.getByRole('radio', { name: kind, exact: true }).check();
  for (const scope of ['read', 'write', 'admin']) {
    await page.getByRole('checkbox', { name: scope, exact: true }).setChecked(scopes.includes(scope));
  }
  await page.getByRole('button', { name: 'Get token' }).click();
  await expect.poll(() => shown('#token-status')).toMatch(/^Got a|^No token/);
}

async function call(
  path: string,
): Promise<{ status: string; code: string; challenge: string; claims: string }> {
  await page.getByRole('button', { name: `Call ${path}`, exact: true }).click();
  // The page marks the answer busy from the click until it has written the new one.
  await page.waitForSelector('#result[aria-busy="false"]');
  await expect(shown('#result-request')).resolves.toContain(`GET ${path} `);
  return {
    status: await shown('#result-status'),
    code: await shown('#result-code'),
    challenge: await shown('#result-challenge'),
    claims: await shown('#result-claims'),
  };
}

describe('the sample console in a real browser', () => {
  it('serves the page at / to a browser, and the route list to everyone else', async () => {
    await page.goto(`${servers.apiUrl}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await expect(shown('h1')).resolves.toBe('@rs sample console');
    await expect(
      page.getByRole('button', { name: 'Call /rs-stateless-signed', exact: true }).isVisible(),
    ).resolves.toBe(true);
    await expect(shown('#client-id')).resolves.toBe(servers.as.client.clientId);
    const json = await fetch(`${servers.apiUrl}/`);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('gets a JWT, shows its claims, and shows acceptance and refusal side by side', async () => {
    await getToken('JWT', ['read']);
    await expect(shown('#token-status')).resolves.toContain('Got a Bearer token (JWT), scopes: read');
    await expect(shown('#token-claims')).resolves.toContain(`"client_id": "${servers.as.client.clientId}"`);

    const accepted = await call('/rs-stateless-signed');
    expect(accepted.status).toBe('200 accepted');
    expect(accepted.code).toBe('—');
    expect(accepted.challenge).toBe('—');
    expect(accepted.claims).toContain('"scope": "read"');

    const refused = await call('/rs-stateless-signed-admin');
    expect(refused.status).toBe('403 refused');
    expect(refused.code).toBe('insufficient_scope');
    expect(refused.challenge).toContain('error="insufficient_scope"');
    expect(refused.challenge).toContain('scope="admin"');
    await screenshot('jwt');
  });

  it('revokes an opaque token and the cached route refuses it from then on', async () => {
    await getToken('Opaque (introspected)', ['read']);
    await expect(shown('#token-claims')).resolves.toContain('Opaque token');
    expect((await call('/rs-introspect-cache')).status).toBe('200 accepted');
    expect((await call('/rs-introspect')).status).toBe('200 accepted');

    await page.getByRole('button', { name: 'Revoke this token' }).click();
    await expect.poll(() => shown('#revoke-status')).toContain('Revoked at the authorization server');

    const cached = await call('/rs-introspect-cache');
    expect(cached.status).toBe('401 refused');
    expect(cached.code).toBe('token_inactive');
    expect(cached.challenge).toContain('error="invalid_token"');
    await screenshot('revoked');
  });

  it('gets a DPoP-bound token with a key made by WebCrypto, and calls /dpop with a proof made there too', async () => {
    await getToken('DPoP-bound JWT (key made in this browser)', ['read']);
    await expect(shown('#token-status')).resolves.toContain('Got a DPoP token');
    await expect(shown('#token-claims')).resolves.toContain('"jkt"');
    const bound = await call('/dpop');
    expect(bound.status).toBe('200 accepted');
    expect(bound.claims).toContain('"jkt"');
    await screenshot('dpop');
  });
});
