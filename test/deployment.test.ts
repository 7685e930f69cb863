import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { variablesByService, variablesReadBy } from '../deploy/config-variables.ts';
import { loadStorefrontConfig } from '../web/server/config.ts';
import { SERVICE_PORTS } from '../common/service/subgraph-config.ts';
import { subgraphsOf } from '../gateway/server.ts';
import { loadGatewayConfig } from '../gateway/config.ts';
import { subgraphModules } from '../subgraphs/index.ts';
import { entryPoints } from '../scripts/build.ts';

// No container engine runs here: these files are for users, so they are checked against the code.
const root = resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');
const variables = variablesByService();
const routed = subgraphsOf(read('supergraph.graphql'));
const services = Object.keys(variables);
const entryPoint = (service: string) => (service === 'gateway' ? 'gateway/main.ts' : `subgraphs/${service}/main.ts`);
/** What the image runs: the entry point as `npm run build` compiles it. */
const compiled = (service: string) => `dist/${entryPoint(service).replace(/\.ts$/, '.js')}`;
const portOf = (service: string) => SERVICE_PORTS[service as keyof typeof SERVICE_PORTS];

/** What a service cannot run without in a real deployment. */
function requiredVariables(service: string): string[] {
  if (service === 'gateway') {
    return ['PORT', 'NODE_ENV', 'JWKS_URL', 'AMQP_URL', ...routed.flatMap((name) => [`SUBGRAPH_URL_${name.toUpperCase()}`, `SUBGRAPH_SECRET_${name.toUpperCase()}`])];
  }
  return ['PORT', 'NODE_ENV', `DATABASE_URL_${service.toUpperCase()}`, 'SUBGRAPH_SECRET', 'AMQP_URL'];
}

it('knows every service the supergraph routes to', () => {
  expect(services.filter((service) => service !== 'gateway').sort()).toEqual([...routed].sort());
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, { command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; healthcheck?: { test: string[] } }>;
  };

  it.each(services)('runs %s with exactly the variables its config reads', (service) => {
    const definition = compose.services[service];
    expect(definition, `${service} is missing`).toBeDefined();
    const environment = definition?.environment ?? {};
    const unknown = Object.keys(environment).filter((name) => !variables[service]!.has(name));
    expect(unknown, `variables ${service} never reads`).toEqual([]);
    expect(
      requiredVariables(service).filter((name) => !(name in environment)),
      `variables ${service} needs`,
    ).toEqual([]);
    expect(environment['PORT']).toBe(String(portOf(service)));
    expect(definition?.command).toEqual([compiled(service)]);
    expect(existsSync(resolve(root, entryPoint(service)))).toBe(true);
    expect(entryPoints()).toContain(entryPoint(service));
    expect(definition?.healthcheck?.test.join(' ')).toContain('/health/ready');
    for (const dependency of Object.values(definition?.depends_on ?? {})) expect(dependency.condition).toBe('service_healthy');
  });

  it('lets every service export traces when OTEL_EXPORTER_OTLP_ENDPOINT is set in the environment', () => {
    for (const service of services) expect(compose.services[service]?.environment?.['OTEL_EXPORTER_OTLP_ENDPOINT'], service).toBe('${OTEL_EXPORTER_OTLP_ENDPOINT:-}');
  });

  it('gives the gateway the same secret each subgraph has, and subgraph URLs that reach them', () => {
    const gateway = compose.services['gateway']!.environment!;
    for (const name of routed) {
      expect(gateway[`SUBGRAPH_SECRET_${name.toUpperCase()}`]).toBe(compose.services[name]!.environment!['SUBGRAPH_SECRET']);
      expect(gateway[`SUBGRAPH_URL_${name.toUpperCase()}`]).toBe(`http://${name}:${portOf(name)}/graphql`);
    }
  });

  /** The environment a container gets: `${VARIABLE:-default}` as compose resolves it with nothing set on the host. */
  const containerEnv = (service: string) =>
    Object.fromEntries(Object.entries(compose.services[service]?.environment ?? {}).map(([name, value]) => [name, value.replace(/\$\{\w+:-([^}]*)\}/g, '$1')]));
  const configOf = (service: string) => {
    const module = subgraphModules.find((candidate) => candidate.name === service);
    return module ? module.loadConfig(containerEnv(service)) : loadGatewayConfig(containerEnv(service));
  };

  it('never seeds the demo accounts in production, and runs as the demo it is otherwise', () => {
    for (const service of services) {
      const config = configOf(service); // a refused combination (production with SEED_DEMO_DATA=true) throws here
      if (config.nodeEnv === 'production') {
        expect(containerEnv(service)['SEED_DEMO_DATA'], service).not.toMatch(/^(true|1)$/);
        if ('seedDemoData' in config) expect(config.seedDemoData, service).toBe(false);
      }
    }
    // The file is a demo: development mode, said so at its top.
    expect(read('docker-compose.yml')).toMatch(/^# A DEMO /);
    for (const service of services) expect(containerEnv(service)['NODE_ENV'], service).toBe('development');
  });

  it('makes every service listen where the other containers reach it, and publishes the gateway on loopback only', () => {
    // A development service listens on loopback unless HOST says otherwise.
    for (const service of services) expect(configOf(service).host, service).toBe('0.0.0.0');
    const published = (compose.services['gateway'] as { ports?: string[] }).ports ?? [];
    expect(published).toEqual([`127.0.0.1:${portOf('gateway')}:${portOf('gateway')}`]);
    for (const name of routed) expect((compose.services[name] as { ports?: string[] }).ports, name).toBeUndefined();
  });

  it('creates every database a service is pointed at', () => {
    const created = [...read('deploy/postgres/create-databases.sql').matchAll(/CREATE DATABASE (\w+)/g)].map((match) => match[1]);
    for (const name of routed) {
      const url = new URL(compose.services[name]!.environment![`DATABASE_URL_${name.toUpperCase()}`]!);
      expect(created).toContain(url.pathname.slice(1));
    }
  });
});

describe('Kubernetes manifests', () => {
  type Manifest = { kind: string; metadata: { name: string }; spec: Record<string, unknown> };
  const manifestFiles = readdirSync(resolve(root, 'deploy/k8s')).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
  const manifests = manifestFiles.flatMap((file) => parseAllDocuments(read(`deploy/k8s/${file}`)).map((document) => document.toJS() as Manifest));
  const find = (kind: string, name: string) => manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  const secretKeys = Object.keys((parse(read('deploy/k8s/secret.example.yaml')) as { stringData: Record<string, string> }).stringData);

  interface Container {
    args: string[];
    ports: { name: string; containerPort: number }[];
    env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
    readinessProbe: { httpGet: { path: string; port: string } };
    livenessProbe: { httpGet: { path: string; port: string } };
    resources: { requests: Record<string, string>; limits: Record<string, string> };
  }
  const containerOf = (service: string) => (find('Deployment', service)?.spec as { template: { spec: { containers: Container[] } } } | undefined)?.template.spec.containers[0];

  it.each(services)('deploys %s with probes on the real health paths, limits and its variables', (service) => {
    const container = containerOf(service);
    expect(container, `no Deployment for ${service}`).toBeDefined();
    expect(find('Service', service)).toBeDefined();
    expect(container!.args).toEqual([compiled(service)]);
    expect(container!.ports).toEqual([{ name: 'http', containerPort: portOf(service) }]);
    expect(container!.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container!.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(Object.keys(container!.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container!.resources.limits).sort()).toEqual(['cpu', 'memory']);
    const names = container!.env.map((variable) => variable.name);
    expect(
      names.filter((name) => !variables[service]!.has(name)),
      `variables ${service} never reads`,
    ).toEqual([]);
    expect(
      requiredVariables(service).filter((name) => !names.includes(name)),
      `variables ${service} needs`,
    ).toEqual([]);
    expect(names, 'tracing is one value away').toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
    for (const variable of container!.env) {
      if (variable.valueFrom) expect(secretKeys).toContain(variable.valueFrom.secretKeyRef.key);
      // Secrets and database URLs come from the Secret, never from plain values.
      if (/SECRET|DATABASE_URL|AMQP_URL/.test(variable.name)) expect(variable.valueFrom, variable.name).toBeDefined();
    }
  });

  it('autoscales the gateway and the busiest subgraphs', () => {
    const scaled = manifests.filter((manifest) => manifest.kind === 'HorizontalPodAutoscaler').map((manifest) => manifest.metadata.name);
    expect(scaled).toContain('gateway');
    expect(scaled.filter((name) => name !== 'gateway').length).toBeGreaterThanOrEqual(2);
  });

  it('lets only the gateway reach the subgraphs', () => {
    const policy = manifests.find((manifest) => manifest.kind === 'NetworkPolicy')?.spec as {
      podSelector: { matchLabels: Record<string, string> };
      ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[] }[];
    };
    expect(policy.podSelector.matchLabels).toEqual({ 'commerce-supergraph/tier': 'subgraph' });
    expect(policy.ingress.flatMap((rule) => rule.from.map((peer) => peer.podSelector.matchLabels))).toEqual([{ 'app.kubernetes.io/name': 'gateway' }]);
    for (const service of services) {
      const tier = (find('Deployment', service)?.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels['commerce-supergraph/tier'];
      expect(tier).toBe(service === 'gateway' ? 'edge' : 'subgraph');
    }
  });

  it('lists every manifest in the kustomization', () => {
    const { resources } = parse(read('deploy/k8s/kustomization.yaml')) as { resources: string[] };
    expect(resources.sort()).toEqual([...manifestFiles.filter((file) => file !== 'secret.example.yaml'), 'secret.yaml'].sort());
  });
});

describe('the storefront', () => {
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<string, { command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }> }>;
  };
  it('runs from the same image with exactly the variables its config reads, in front of the gateway', () => {
    const storefront = compose.services['storefront']!;
    // Compiled like every service (npm run build lists its source among the entry points).
    expect(storefront.command).toEqual(['dist/web/server/main.js']);
    expect(existsSync(resolve(root, 'web/server/main.ts'))).toBe(true);
    expect(entryPoints()).toContain('web/server/main.ts');
    const reads = variablesReadBy(loadStorefrontConfig);
    expect(Object.keys(storefront.environment ?? {}).every((name) => reads.has(name))).toBe(true);
    expect(new URL(storefront.environment!['GATEWAY_URL']!).host).toBe(`gateway:${portOf('gateway')}`);
    expect(storefront.depends_on).toEqual({ gateway: { condition: 'service_healthy' } });
  });

  it("is the gateway's one trusted proxy: a fixed address in the compose network, and nothing else", () => {
    const withNetworks = parse(read('docker-compose.yml')) as {
      services: Record<string, { environment?: Record<string, string>; networks?: Record<string, { ipv4_address?: string }> }>;
      networks?: Record<string, { ipam?: { config?: { subnet?: string }[] } }>;
    };
    const address = withNetworks.services['storefront']?.networks?.['default']?.ipv4_address;
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const subnet = withNetworks.networks?.['default']?.ipam?.config?.[0]?.subnet ?? '';
    expect(address!.startsWith(subnet.split('.').slice(0, 3).join('.') + '.')).toBe(true);
    const gateway = loadGatewayConfig(withNetworks.services['gateway']!.environment!);
    expect(gateway.trustedProxies.has(address!)).toBe(true);
    // Exactly the storefront: its neighbours in the subnet (the host's bridge, other containers) are not believed.
    const [a, b, c] = address!.split('.');
    for (const neighbour of [1, 2, 29, 31, 254]) expect(gateway.trustedProxies.has(`${a}.${b}.${c}.${neighbour}`), `.${neighbour}`).toBe(false);
  });

  it('is built into the image, which keeps the bundle after pruning dev dependencies', () => {
    const dockerfile = read('Dockerfile');
    const build = dockerfile.indexOf('vite build --config web/vite.config.ts');
    expect(build).toBeGreaterThan(0);
    expect(build).toBeLessThan(dockerfile.lastIndexOf('FROM '));
    expect(read('.dockerignore')).toMatch(/^web\/dist$/m);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('builds in stages, runs as a non-root user, and starts the entry point it is given', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    // Compiled JavaScript: the build runs in the image, the entry point is plain node.
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "--enable-source-maps"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["dist\/gateway\/main\.js"\]$/m);
    expect(read('.dockerignore')).toMatch(/^node_modules$/m);
  });
});
