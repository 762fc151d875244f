import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ANONYMOUS_ECHO,
  CONFORMANCE_ROUTES,
  type ConformanceCodedForm,
  type ConformanceDriver,
  type ConformanceRoute,
  OPTIONAL_CONFORMANCE_ROUTE,
} from './driver.js';
import { type ConformanceIssuer, conformanceIssuer, conformanceOptions, useConformanceApp } from './setup.js';

/** A POST route with optional authentication: a form body may carry its only token. */
const OPTIONAL_FORM_ROUTE: ConformanceRoute = { ...OPTIONAL_CONFORMANCE_ROUTE, method: 'POST' };

/** The routes of the form-body cases: the optional ones only for drivers that serve them. */
function formRoutes(driver: ConformanceDriver): readonly ConformanceRoute[] {
  return driver.optionalAuthentication === true
    ? [...CONFORMANCE_ROUTES, OPTIONAL_CONFORMANCE_ROUTE, OPTIONAL_FORM_ROUTE]
    : CONFORMANCE_ROUTES;
}

/** A form body compressed as a client may send it. */
function coded(encoding: 'gzip' | 'deflate', fields: Readonly<Record<string, string>>): ConformanceCodedForm {
  const text = new URLSearchParams(fields).toString();
  return { encoding, bytes: new Uint8Array(encoding === 'gzip' ? gzipSync(text) : deflateSync(text)) };
}

const FORM_UNREADABLE = 'The form body could not be read to look for an access token in';

/**
 * Form bodies the resource server cannot examine for a token, with form-body tokens on: a token in one
 * can be neither found nor ruled out, so the request is refused with 400 `invalid_request`, never decided
 * as if the body held none (a header token then passes beside a second one, an optional route lets a
 * forged token in as anonymous). A content-coded body (`Content-Encoding: gzip`, …) is one in every
 * adapter, whether its framework inflates it or hands it over as it came; a body the framework never
 * parsed is one in the apps of {@link ConformanceDriver.unparsedForms}.
 */
export function formBodyCases(driver: ConformanceDriver): void {
  describe('form bodies that cannot be examined', () => {
    codedFormCases(driver);
    for (const [setup, unparsed] of Object.entries(driver.unparsedForms ?? {})) {
      describe(`a form body the framework did not parse (${setup})`, () => unparsedFormCases(unparsed));
    }
  });
}

function codedFormCases(driver: ConformanceDriver): void {
  describe('content-coded form bodies', () => {
    let issuer: ConformanceIssuer;
    const app = useConformanceApp(
      driver,
      async () => {
        issuer = await conformanceIssuer();
        return conformanceOptions(issuer.resolver, { tokenLocations: { formBody: true } });
      },
      undefined,
      formRoutes(driver),
    );

    it.each(['gzip', 'deflate'] as const)(
      'refuses a header token beside a %s form body with 400 invalid_request',
      async (encoding) => {
        const [inHeader, inBody] = [await issuer.mint({ scope: 'write' }), await issuer.mint()];
        const response = await app().request({
          method: 'POST',
          path: '/items',
          headers: { authorization: `Bearer ${inHeader}` },
          codedForm: coded(encoding, { access_token: inBody }),
        });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ error: 'invalid_request', code: 'malformed_authorization' });
        expect(response.headers['www-authenticate']).toMatch(
          /^Bearer realm="conformance", error="invalid_request"/,
        );
      },
    );

    it.skipIf(driver.optionalAuthentication !== true)(
      'refuses a gzip form body on an optional route with 400, never lets it in as anonymous',
      async () => {
        const forged: Record<string, string> = { access_token: `${await issuer.mint()}x` };
        for (const fields of [forged, { note: 'no token' }]) {
          const response = await app().request({
            method: 'POST',
            path: OPTIONAL_FORM_ROUTE.path,
            codedForm: coded('gzip', fields),
          });
          expect(response.status).toBe(400);
          expect(response.body).toMatchObject({ error: 'invalid_request', code: 'malformed_authorization' });
        }
      },
    );

    it('reads a form body whose Content-Encoding is identity as any other', async () => {
      const token = await issuer.mint({ scope: 'write' });
      const identity = (fields: Record<string, string>): ConformanceCodedForm => ({
        encoding: 'identity',
        bytes: new TextEncoder().encode(new URLSearchParams(fields).toString()),
      });
      const alone = await app().request({
        method: 'POST',
        path: '/items',
        codedForm: identity({ access_token: token }),
      });
      expect(alone.status).toBe(200);
      expect(alone.body).toMatchObject({ location: 'form-body' });
      const beside = await app().request({
        method: 'POST',
        path: '/items',
        headers: { authorization: `Bearer ${token}` },
        codedForm: identity({ access_token: token }),
      });
      expect(beside.status).toBe(400);
      expect(beside.body).toMatchObject({ error: 'invalid_request', code: 'multiple_token_methods' });
    });
  });
}

function unparsedFormCases(driver: ConformanceDriver): void {
  let issuer: ConformanceIssuer;
  const app = useConformanceApp(
    driver,
    async () => {
      issuer = await conformanceIssuer();
      return conformanceOptions(issuer.resolver, { tokenLocations: { formBody: true } });
    },
    undefined,
    formRoutes(driver),
  );

  it('refuses a header token beside the form body with 400 invalid_request', async () => {
    const [inHeader, inBody] = [await issuer.mint({ scope: 'write' }), await issuer.mint()];
    const response = await app().request({
      method: 'POST',
      path: '/items',
      headers: { authorization: `Bearer ${inHeader}` },
      form: { access_token: inBody },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: 'invalid_request',
      error_description: FORM_UNREADABLE,
      code: 'malformed_authorization',
    });
  });

  it('refuses a token in the form body alone with 400, never as no token', async () => {
    const response = await app().request({
      method: 'POST',
      path: '/items',
      form: { access_token: await issuer.mint({ scope: 'write' }) },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_request', code: 'malformed_authorization' });
  });

  it.skipIf(driver.optionalAuthentication !== true)(
    'refuses a form body on an optional route with 400, never lets it in as anonymous',
    async () => {
      const response = await app().request({
        method: 'POST',
        path: OPTIONAL_FORM_ROUTE.path,
        form: { access_token: `${await issuer.mint()}x` },
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'invalid_request', code: 'malformed_authorization' });
    },
  );

  it('decides a form request without a body (Content-Length: 0) on its header token', async () => {
    const token = await issuer.mint({ scope: 'write' });
    const response = await app().request({
      method: 'POST',
      path: '/items',
      headers: { authorization: `Bearer ${token}` },
      form: {},
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ location: 'authorization-header' });
    if (driver.optionalAuthentication === true) {
      const anonymous = await app().request({ method: 'POST', path: OPTIONAL_FORM_ROUTE.path, form: {} });
      expect(anonymous.status).toBe(200);
      expect(anonymous.body).toEqual(ANONYMOUS_ECHO);
    }
  });
}
