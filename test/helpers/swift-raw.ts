// Direct Swift API calls (TempAuth, fetch) for tests to look at what a backend stored, and to
// clean up containers, without going through the code under test.
import type { SwiftInfo } from './swift.js';

export interface RawSwift {
  storageUrl: string;
  token: string;
  /** HEAD of an object: status and headers. */
  head(container: string, object: string): Promise<{ status: number; headers: Headers }>;
  /** Every object name in a container (optionally under a prefix), with sizes. */
  listing(container: string, prefix?: string): Promise<Array<{ name: string; bytes: number; content_type: string }>>;
  get(container: string, object: string): Promise<Buffer>;
  /** Deletes every object of a container, then the container; absent is fine. */
  dropContainer(container: string): Promise<void>;
}

/** Through TempAuth (account AUTH_test). */
export async function rawSwift(info: SwiftInfo): Promise<RawSwift> {
  const auth = await fetch(info.authUrl, { headers: { 'X-Auth-User': info.user, 'X-Auth-Key': info.key } });
  if (auth.status !== 200) throw new Error(`TempAuth answered ${auth.status}`);
  return rawSwiftWith(auth.headers.get('x-auth-token')!, auth.headers.get('x-storage-url')!);
}

/** Through Keystone v3 with the OS_* settings of `info.keystone` (the project's account). */
export async function rawSwiftKeystone(info: SwiftInfo): Promise<RawSwift> {
  const env = info.keystone!.env;
  const res = await fetch(`${info.keystone!.authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: env.OS_USERNAME, domain: { name: env.OS_USER_DOMAIN_NAME }, password: env.OS_PASSWORD } },
        },
        scope: { project: { name: env.OS_PROJECT_NAME, domain: { name: env.OS_PROJECT_DOMAIN_NAME } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`Keystone answered ${res.status}`);
  const body = (await res.json()) as { token: { catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> } };
  const endpoint = body.token.catalog.find((e) => e.type === 'object-store')!.endpoints.find((e) => e.interface === 'public')!;
  return rawSwiftWith(res.headers.get('x-subject-token')!, endpoint.url);
}

function rawSwiftWith(token: string, storageUrl: string): RawSwift {
  const url = (container: string, object = '') =>
    `${storageUrl}/${encodeURIComponent(container)}${object ? `/${object.split('/').map(encodeURIComponent).join('/')}` : ''}`;
  const h = { 'X-Auth-Token': token };
  const raw: RawSwift = {
    storageUrl,
    token,
    async head(container, object) {
      const r = await fetch(url(container, object), { method: 'HEAD', headers: h });
      return { status: r.status, headers: r.headers };
    },
    async listing(container, prefix = '') {
      const out: Array<{ name: string; bytes: number; content_type: string }> = [];
      for (let marker = ''; ;) {
        const r = await fetch(`${url(container)}?format=json&prefix=${encodeURIComponent(prefix)}&marker=${encodeURIComponent(marker)}`, {
          headers: h,
        });
        if (r.status === 404) return out;
        const page = (await r.json()) as typeof out;
        if (!page.length) return out;
        out.push(...page);
        marker = page[page.length - 1].name;
      }
    },
    async get(container, object) {
      const r = await fetch(url(container, object), { headers: h });
      if (r.status !== 200) throw new Error(`GET ${container}/${object}: ${r.status}`);
      return Buffer.from(await r.arrayBuffer());
    },
    async dropContainer(container) {
      for (const o of await raw.listing(container)) await fetch(url(container, o.name), { method: 'DELETE', headers: h });
      await fetch(url(container), { method: 'DELETE', headers: h });
    },
  };
  return raw;
}
