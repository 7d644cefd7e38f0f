// A local stand-in for the three Azure services tracking setup talks to, on one HTTPS server at
// 127.0.0.1 (random port) with a self-signed certificate made at start:
//   (a) the Microsoft identity platform: the tenant's OpenID configuration and the v2.0 token
//       endpoint (client-credentials grant),
//   (b) Azure Resource Manager: GET of a Microsoft.MachineLearningServices workspace,
//   (c) the workspace's MLflow REST endpoint, enough for the setup probe.
// Response shapes follow the published specs (OAuth 2.0 token response, AAD error body, ARM
// Workspace + ARM error envelope, MLflow REST 2.0 JSON). HTTPS, because msal-node refuses http
// authorities and the Azure SDK refuses to send a bearer token over http; so the production code
// paths (msal-node, @azure/arm-machinelearning, the azureml:// -> https:// mapping) run unchanged
// and only the hosts and the trusted CA differ.
// Faults are injected per part with inject(); "connection refused" uses closedPortUrl().
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type AzureFault =
  | 'token-refused' // token endpoint answers 401 invalid_client whatever the secret
  | 'token-hang' // token endpoint never answers
  | 'openid-hang' // tenant OpenID configuration never answers
  | 'workspace-not-found' // ARM answers 404 ResourceNotFound for the workspace
  | 'arm-forbidden' // ARM answers 403 AuthorizationFailed
  | 'arm-5xx' // ARM answers 500
  | 'arm-hang' // ARM never answers
  | 'mlflow-refused' // ARM's mlFlowTrackingUri points at a closed port
  | 'mlflow-5xx' // MLflow endpoint answers 500 INTERNAL_ERROR
  | 'mlflow-401' // MLflow endpoint refuses the token
  | 'mlflow-hang'; // MLflow endpoint never answers

export interface AzureDoubleOptions {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  workspaceName?: string;
  location?: string;
  /** Answers MLflow calls (after the token check) instead of the built-in stub; resolves true
   * when it answered. See azureMlflowDouble.ts. */
  mlflowHandler?: (call: MlflowCall) => Promise<boolean>;
  /** Listen on this port (a restart of a stopped double); default a free one. */
  port?: number;
  /** Reuse this key and certificate (a restart); default a new self-signed pair. */
  tls?: { keyPem: string; certPem: string };
}

/** One authenticated call to the workspace's MLflow endpoint, for an mlflowHandler. */
export interface MlflowCall {
  /** Path after /api/2.0/mlflow/, e.g. runs/search. */
  endpoint: string;
  method: string;
  query: URLSearchParams;
  body: string;
  req: IncomingMessage;
  res: ServerResponse;
}

export interface RecordedRequest {
  method: string;
  /** Path without query. */
  path: string;
  query: Record<string, string>;
  /** Which part answered. */
  part: 'openid' | 'token' | 'arm' | 'mlflow' | 'unknown';
  /** For token requests: the form fields except client_secret (never recorded). */
  form?: Record<string, string>;
  authorization?: string;
}

/** An extra handler tried before the built-in parts; true when it answered the request. */
export type DoubleRoute = (ctx: { req: IncomingMessage; res: ServerResponse; url: URL; body: string; rec: RecordedRequest }) => boolean | Promise<boolean>;

export interface AzureDouble {
  /** Adds a handler tried before the built-in parts (extensions such as azureIdentityDouble.ts). */
  addRoute(route: DoubleRoute): void;
  /** https://127.0.0.1:PORT: authority host, ARM endpoint and MLflow host at once. */
  readonly url: string;
  readonly port: number;
  /** PEM of the self-signed certificate, for `ca` options. */
  readonly caPem: string;
  /** File holding caPem, for NODE_EXTRA_CA_CERTS in spawned processes. */
  readonly caFile: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspaceName: string;
  readonly location: string;
  /** What ARM reports as properties.mlFlowTrackingUri (azureml://127.0.0.1:PORT/mlflow/v1.0/...). */
  readonly mlflowTrackingUri: string;
  readonly requests: RecordedRequest[];
  /** Access tokens the token endpoint handed out. */
  readonly issuedTokens: string[];
  /** Experiments the MLflow part knows, by name. */
  readonly experiments: Map<string, { experiment_id: string; name: string }>;
  inject(...faults: AzureFault[]): void;
  clearFaults(): void;
  /** Environment for `sweepdeck tracking setup` pointed at this double. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** What ARM reports in mlFlowTrackingUri, and (apart) the path the MLflow REST API is served
 * under: real clients call /mlflow/v2.0 (docs/AZURE.md, "Workspaces and the tracking URI"). */
const TRACKING_URI_PREFIX = '/mlflow/v1.0';
const MLFLOW_PREFIX = '/mlflow/v2.0';

export async function startAzureDouble(opts: AzureDoubleOptions = {}): Promise<AzureDouble> {
  const tenantId = opts.tenantId ?? crypto.randomUUID();
  const clientId = opts.clientId ?? crypto.randomUUID();
  const clientSecret = opts.clientSecret ?? `dbl~${crypto.randomBytes(18).toString('base64url')}`;
  const subscriptionId = opts.subscriptionId ?? crypto.randomUUID();
  const resourceGroup = opts.resourceGroup ?? 'rg-sweepdeck-test';
  const workspaceName = opts.workspaceName ?? 'ws-sweepdeck-test';
  const location = opts.location ?? 'westeurope';

  const { keyPem, certPem } = opts.tls ?? makeSelfSignedCert();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'azure-double-'));
  const caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, certPem);

  const faults = new Set<AzureFault>();
  const requests: RecordedRequest[] = [];
  const issuedTokens: string[] = [];
  const experiments = new Map<string, { experiment_id: string; name: string }>();
  const routes: DoubleRoute[] = [];
  const sockets = new Set<net.Socket>();
  let closedPort: string | undefined;

  const server = https.createServer({ key: keyPem, cert: certPem });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  const wsScope = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspaceName}`;
  const mlflowTrackingUri = (host: string): string => `azureml://${host}${TRACKING_URI_PREFIX}${wsScope}`;

  const tokenValid = (auth: string | undefined): boolean => {
    const m = /^Bearer (.+)$/.exec(auth ?? '');
    return !!m && issuedTokens.includes(m[1] ?? '');
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const u = new URL(req.url ?? '/', url);
      const body = await readBody(req);
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        part: 'unknown',
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      };
      requests.push(rec);
      for (const route of routes) if (await route({ req, res, url: u, body, rec })) return;
      const p = u.pathname;

      // (a) identity platform
      const openid = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(p);
      if (openid && req.method === 'GET') {
        rec.part = 'openid';
        if (faults.has('openid-hang')) return;
        const tenant = openid[1] ?? '';
        if (tenant !== tenantId) {
          return json(res, 400, aadError('invalid_tenant', `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`, 90002));
        }
        return json(res, 200, {
          token_endpoint: `${url}/${tenantId}/oauth2/v2.0/token`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          jwks_uri: `${url}/${tenantId}/discovery/v2.0/keys`,
          response_modes_supported: ['query', 'fragment', 'form_post'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          issuer: `${url}/${tenantId}/v2.0`,
          request_uri_parameter_supported: false,
          userinfo_endpoint: `${url}/oidc/userinfo`,
          authorization_endpoint: `${url}/${tenantId}/oauth2/v2.0/authorize`,
          device_authorization_endpoint: `${url}/${tenantId}/oauth2/v2.0/devicecode`,
          http_logout_supported: true,
          frontchannel_logout_supported: true,
          end_session_endpoint: `${url}/${tenantId}/oauth2/v2.0/logout`,
          claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
          tenant_region_scope: 'EU',
          cloud_instance_name: 'microsoftonline.com',
          cloud_graph_host_name: 'graph.windows.net',
          msgraph_host: 'graph.microsoft.com',
        });
      }
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(p);
      if (token && req.method === 'POST') {
        rec.part = 'token';
        const form = Object.fromEntries(new URLSearchParams(body));
        const { client_secret: secret, ...rest } = form;
        rec.form = rest;
        if (faults.has('token-hang')) return;
        if (token[1] !== tenantId) {
          return json(res, 400, aadError('invalid_request', `AADSTS90002: Tenant '${token[1]}' not found.`, 90002));
        }
        if (form.grant_type !== 'client_credentials') {
          return json(res, 400, aadError('unsupported_grant_type', `AADSTS70003: The app requested an unsupported grant type '${form.grant_type}'.`, 70003));
        }
        if (form.client_id !== clientId) {
          return json(res, 400, aadError('unauthorized_client', `AADSTS700016: Application with identifier '${form.client_id}' was not found in the directory '${tenantId}'.`, 700016));
        }
        if (faults.has('token-refused') || secret !== clientSecret) {
          return json(res, 401, aadError('invalid_client', `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`, 7000215));
        }
        const scopes = (form.scope ?? '').split(' ').filter(Boolean);
        const resource = scopes.find((s) => s.endsWith('/.default'));
        if (resource !== 'https://management.azure.com/.default') {
          return json(res, 400, aadError('invalid_scope', `AADSTS1002012: The provided value for scope '${form.scope}' is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`, 1002012));
        }
        const access = fakeJwt({ aud: 'https://management.azure.com', iss: `${url}/${tenantId}/`, appid: clientId, tid: tenantId });
        issuedTokens.push(access);
        return json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: access });
      }

      // (b) Azure Resource Manager
      const arm = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)$/i.exec(p);
      if (arm && !p.startsWith(MLFLOW_PREFIX)) {
        rec.part = 'arm';
        if (faults.has('arm-hang')) return;
        const armHeaders = { 'x-ms-request-id': crypto.randomUUID(), 'x-ms-correlation-request-id': crypto.randomUUID() };
        if (!u.searchParams.get('api-version')) {
          return json(res, 400, armError('MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests."), armHeaders);
        }
        if (!tokenValid(req.headers.authorization)) {
          res.setHeader('www-authenticate', `Bearer authorization_uri="${url}/${tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`);
          return json(res, 401, armError('InvalidAuthenticationToken', 'The access token is invalid.'), armHeaders);
        }
        if (faults.has('arm-forbidden')) {
          return json(res, 403, armError('AuthorizationFailed', `The client '${clientId}' with object id '${clientId}' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/read' over scope '${wsScope}' or the scope is invalid.`), armHeaders);
        }
        if (faults.has('arm-5xx')) return json(res, 500, armError('InternalServerError', 'Encountered internal server error.'), armHeaders);
        const [, sub, rg, ws] = arm;
        if (sub !== subscriptionId) return json(res, 404, armError('SubscriptionNotFound', `The subscription '${sub}' could not be found.`), armHeaders);
        if (rg?.toLowerCase() !== resourceGroup.toLowerCase()) {
          return json(res, 404, armError('ResourceGroupNotFound', `Resource group '${rg}' could not be found.`), armHeaders);
        }
        if (faults.has('workspace-not-found') || ws?.toLowerCase() !== workspaceName.toLowerCase()) {
          return json(res, 404, armError('ResourceNotFound', `The Resource 'Microsoft.MachineLearningServices/workspaces/${ws}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`), armHeaders);
        }
        let host = `127.0.0.1:${port}`;
        if (faults.has('mlflow-refused')) host = (closedPort ??= await reserveClosedPort());
        return json(res, 200, workspaceResource({ url, host, subscriptionId, resourceGroup, workspaceName, location, tenantId, mlflowTrackingUri: mlflowTrackingUri(host) }), armHeaders);
      }

      // (c) the workspace's MLflow REST endpoint
      const mlflowBase = `${MLFLOW_PREFIX}${wsScope}/api/2.0/mlflow/`;
      if (p.startsWith(mlflowBase)) {
        rec.part = 'mlflow';
        if (faults.has('mlflow-hang')) return;
        if (faults.has('mlflow-5xx')) return json(res, 500, { error_code: 'INTERNAL_ERROR', message: 'An unexpected error occurred in the tracking service.' });
        if (faults.has('mlflow-401') || !tokenValid(req.headers.authorization)) {
          return json(res, 401, { error_code: 'UNAUTHENTICATED', message: 'The provided token is invalid or expired.' });
        }
        const endpoint = p.slice(mlflowBase.length);
        // Azure's MLflow refusals (history pages of 1,000 or more, OR, LIKE, ...) live in one place,
        // the handler of azureMlflowDouble.ts, which also records what was refused.
        if (opts.mlflowHandler && (await opts.mlflowHandler({ endpoint, method: req.method ?? '', query: u.searchParams, body, req, res }))) return;
        if (endpoint === 'experiments/get-by-name' && req.method === 'GET') {
          const name = u.searchParams.get('experiment_name');
          if (!name) return json(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: "Missing value for required parameter 'experiment_name'." });
          const exp = experiments.get(name);
          if (!exp) return json(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Could not find experiment with name '${name}'` });
          return json(res, 200, { experiment: { ...exp, artifact_location: '', lifecycle_stage: 'active', tags: [] } });
        }
        if (endpoint === 'experiments/search') {
          const params = req.method === 'GET' ? Object.fromEntries(u.searchParams) : (JSON.parse(body || '{}') as Record<string, unknown>);
          const max = Number(params.max_results ?? 0);
          if (!Number.isInteger(max) || max < 1 || max > 50000) {
            return json(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: `Invalid value ${max} for parameter 'max_results' supplied.` });
          }
          return json(res, 200, { experiments: [...experiments.values()].slice(0, max).map((e) => ({ ...e, artifact_location: '', lifecycle_stage: 'active' })) });
        }
        return json(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No API endpoint '${endpoint}' in the test double` });
      }

      return json(res, 404, { error: { code: 'NotFound', message: `The test double does not serve ${req.method} ${p}` } });
    })().catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { code: 'DoubleCrashed', message: String(err) } });
    });
  });

  return {
    addRoute: (route) => routes.push(route),
    url,
    port,
    caPem: certPem,
    caFile,
    tenantId,
    clientId,
    clientSecret,
    subscriptionId,
    resourceGroup,
    workspaceName,
    location,
    mlflowTrackingUri: mlflowTrackingUri(`127.0.0.1:${port}`),
    requests,
    issuedTokens,
    experiments,
    inject: (...f) => f.forEach((x) => faults.add(x)),
    clearFaults: () => faults.clear(),
    env: () => ({
      AZURE_TENANT_ID: tenantId,
      AZURE_CLIENT_ID: clientId,
      AZURE_CLIENT_SECRET: clientSecret,
      AZURE_SUBSCRIPTION_ID: subscriptionId,
      AZURE_RESOURCE_GROUP: resourceGroup,
      AZURE_WORKSPACE_NAME: workspaceName,
      SWEEPDECK_AZURE_AUTHORITY_HOST: url,
      SWEEPDECK_AZURE_ARM_ENDPOINT: url,
      NODE_EXTRA_CA_CERTS: caFile,
    }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An https URL on 127.0.0.1 where nothing listens: connecting gets ECONNREFUSED. */
export async function closedPortUrl(): Promise<string> {
  return `https://${await reserveClosedPort()}`;
}

async function reserveClosedPort(): Promise<string> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

function workspaceResource(w: {
  url: string;
  host: string;
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
  location: string;
  tenantId: string;
  mlflowTrackingUri: string;
}): Record<string, unknown> {
  const rgId = `/subscriptions/${w.subscriptionId}/resourceGroups/${w.resourceGroup}`;
  const now = new Date().toISOString();
  return {
    id: `${rgId}/providers/Microsoft.MachineLearningServices/workspaces/${w.workspaceName}`,
    name: w.workspaceName,
    type: 'Microsoft.MachineLearningServices/workspaces',
    location: w.location,
    tags: {},
    kind: 'Default',
    sku: { name: 'Basic', tier: 'Basic' },
    identity: { type: 'SystemAssigned', principalId: crypto.randomUUID(), tenantId: w.tenantId },
    systemData: { createdAt: now, createdBy: 'test-double', createdByType: 'User', lastModifiedAt: now, lastModifiedBy: 'test-double', lastModifiedByType: 'User' },
    properties: {
      friendlyName: w.workspaceName,
      description: '',
      storageAccount: `${rgId}/providers/Microsoft.Storage/storageAccounts/stsweepdeck`,
      keyVault: `${rgId}/providers/Microsoft.KeyVault/vaults/kv-sweepdeck`,
      applicationInsights: `${rgId}/providers/Microsoft.Insights/components/ai-sweepdeck`,
      hbiWorkspace: false,
      workspaceId: crypto.randomUUID(),
      discoveryUrl: `https://${w.host}/discovery`,
      mlFlowTrackingUri: w.mlflowTrackingUri,
      provisioningState: 'Succeeded',
      publicNetworkAccess: 'Enabled',
      v1LegacyMode: false,
      tenantId: w.tenantId,
      storageHnsEnabled: false,
      privateLinkCount: 0,
    },
  };
}

export function aadError(error: string, description: string, code: number): Record<string, unknown> {
  return {
    error,
    error_description: `${description}\r\nTrace ID: ${crypto.randomUUID()}\r\nCorrelation ID: ${crypto.randomUUID()}\r\nTimestamp: ${new Date().toISOString().replace('T', ' ').slice(0, 19)}Z`,
    error_codes: [code],
    timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z',
    trace_id: crypto.randomUUID(),
    correlation_id: crypto.randomUUID(),
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

export function armError(code: string, message: string): Record<string, unknown> {
  return { error: { code, message } };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function fakeJwt(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ typ: 'JWT', alg: 'RS256' })}.${b64({ ...claims, iat: now, nbf: now, exp: now + 3599 })}.${crypto.randomBytes(32).toString('base64url')}`;
}

// ---- a self-signed certificate for 127.0.0.1 / localhost, built with node:crypto only ----
// (no openssl binary needed on CI). DER encoding of a minimal X.509 v3 certificate.

function der(tag: number, content: Buffer): Buffer {
  const len = content.length;
  let head: Buffer;
  if (len < 0x80) head = Buffer.from([tag, len]);
  else if (len < 0x100) head = Buffer.from([tag, 0x81, len]);
  else head = Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  return Buffer.concat([head, content]);
}
const seq = (...parts: Buffer[]): Buffer => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => der(0x31, Buffer.concat(parts));

function oid(dotted: string): Buffer {
  const n = dotted.split('.').map(Number);
  const bytes = [40 * (n[0] ?? 0) + (n[1] ?? 0)];
  for (const v of n.slice(2)) {
    const enc = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) enc.unshift((x & 0x7f) | 0x80);
    bytes.push(...enc);
  }
  return der(0x06, Buffer.from(bytes));
}

function utcTime(d: Date): Buffer {
  const p = (x: number): string => String(x).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return der(0x17, Buffer.from(s, 'ascii'));
}

export function makeSelfSignedCert(): { keyPem: string; certPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecdsaSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const name = seq(set(seq(oid('2.5.4.3'), der(0x0c, Buffer.from('sweepdeck azure test double')))));
  const serial = crypto.randomBytes(16);
  // A positive INTEGER in minimal DER: the first byte non-zero and below 0x80 (a leading zero byte
  // before a byte under 0x80 is "illegal padding", which failed about one double in 256).
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;
  const now = Date.now();
  const san = seq(der(0x87, Buffer.from([127, 0, 0, 1])), der(0x82, Buffer.from('localhost')));
  const extensions = der(
    0xa3,
    seq(
      seq(oid('2.5.29.17'), der(0x04, san)),
      // CA:true so the certificate can be its own trust anchor in `ca`.
      seq(oid('2.5.29.19'), der(0x01, Buffer.from([0xff])), der(0x04, seq(der(0x01, Buffer.from([0xff]))))),
    ),
  );
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    ecdsaSha256,
    name,
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 7 * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const sig = crypto.sign('sha256', tbs, privateKey);
  const cert = seq(tbs, ecdsaSha256, der(0x03, Buffer.concat([Buffer.from([0]), sig])));
  const b64 = cert.toString('base64').replace(/.{64}/g, '$&\n');
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certPem: `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`,
  };
}
