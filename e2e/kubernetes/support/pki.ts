// The certificates and keys a test cluster needs, made with openssl (ECDSA P-256: fast to make).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClusterPki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  controllerManagerCert: string;
  controllerManagerKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  frontProxyCaCert: string;
  frontProxyClientCert: string;
  frontProxyClientKey: string;
}

/** Names the API server's serving certificate is valid for. */
export const SERVER_NAMES = [
  'IP:127.0.0.1',
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
];

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args, { timeout: 30_000 });
}

async function makeKey(path: string): Promise<void> {
  await openssl([
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    path,
  ]);
}

async function makeCa(dir: string, name: string, cn: string): Promise<[string, string]> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  await makeKey(key);
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-subj',
    `/CN=${cn}`,
    '-days',
    '7',
    '-out',
    cert,
  ]);
  return [cert, key];
}

interface LeafSpec {
  name: string;
  subject: string;
  usage: 'serverAuth' | 'clientAuth';
  altNames?: string[];
}

async function makeLeaf(
  dir: string,
  [caCert, caKey]: [string, string],
  spec: LeafSpec,
): Promise<[string, string]> {
  const key = join(dir, `${spec.name}.key`);
  const csr = join(dir, `${spec.name}.csr`);
  const cert = join(dir, `${spec.name}.crt`);
  const extensions = join(dir, `${spec.name}.ext`);
  await makeKey(key);
  await writeFile(
    extensions,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${spec.usage}`,
      ...(spec.altNames ? [`subjectAltName=${spec.altNames.join(',')}`] : []),
    ].join('\n') + '\n',
  );
  await openssl(['req', '-new', '-key', key, '-subj', spec.subject, '-out', csr]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caCert,
    '-CAkey',
    caKey,
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    '7',
    '-extfile',
    extensions,
    '-out',
    cert,
  ]);
  return [cert, key];
}

/** Makes every certificate and key of a cluster in `dir`. */
export async function makeClusterPki(dir: string): Promise<ClusterPki> {
  const serviceAccountKey = join(dir, 'service-account.key');
  const serviceAccountPub = join(dir, 'service-account.pub');
  const [ca, frontProxyCa] = await Promise.all([
    makeCa(dir, 'ca', 'codedance-test-ca'),
    makeCa(dir, 'front-proxy-ca', 'codedance-test-front-proxy-ca'),
    makeKey(serviceAccountKey).then(() =>
      openssl(['pkey', '-in', serviceAccountKey, '-pubout', '-out', serviceAccountPub]),
    ),
  ]);
  const [server, admin, controllerManager, frontProxyClient] = await Promise.all([
    makeLeaf(dir, ca, {
      name: 'apiserver',
      subject: '/CN=kube-apiserver',
      usage: 'serverAuth',
      altNames: SERVER_NAMES,
    }),
    makeLeaf(dir, ca, {
      name: 'admin',
      subject: '/O=system:masters/CN=admin',
      usage: 'clientAuth',
    }),
    makeLeaf(dir, ca, {
      name: 'controller-manager',
      subject: '/CN=system:kube-controller-manager',
      usage: 'clientAuth',
    }),
    makeLeaf(dir, frontProxyCa, {
      name: 'front-proxy-client',
      subject: '/CN=front-proxy-client',
      usage: 'clientAuth',
    }),
  ]);
  return {
    caCert: ca[0],
    caKey: ca[1],
    serverCert: server[0],
    serverKey: server[1],
    adminCert: admin[0],
    adminKey: admin[1],
    controllerManagerCert: controllerManager[0],
    controllerManagerKey: controllerManager[1],
    serviceAccountKey,
    serviceAccountPub,
    frontProxyCaCert: frontProxyCa[0],
    frontProxyClientCert: frontProxyClient[0],
    frontProxyClientKey: frontProxyClient[1],
  };
}
