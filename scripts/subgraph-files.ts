// `npm run subgraphs:generate`: writes every file that lists the subgraphs from the one registry
// (common/service/subgraph-registry.ts). Whole files where nothing else is in them; in the
// hand-edited docker-compose.yml and deploy/k8s/gateway.yaml, only the regions between the
// `# <generated name="...">` and `# </generated>` marker lines. `--check` writes nothing and exits 1
// naming each stale file; test/subgraph-registry.test.ts does the same check.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUBGRAPHS, type SubgraphEntry } from '../common/service/subgraph-registry.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');
const upper = (name: string) => name.toUpperCase();

function supergraphYaml(subgraphs: readonly SubgraphEntry[]): string {
  const { dependencies } = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
  return [
    "# Rover's supergraph config format. `npm run schema:compose` composes it with @apollo/composition into supergraph.graphql,",
    '# adding to each schema the directive definitions it links (common/subgraph/directives/), which a bare rover would not.',
    '# Written by `npm run subgraphs:generate` from common/service/subgraph-registry.ts.',
    // The composition library's own version: what rover would compose with, pinned the same.
    `federation_version: =${dependencies['@apollo/composition']}`,
    'subgraphs:',
    ...subgraphs.flatMap(({ name, port }) => [`  ${name}:`, `    routing_url: http://localhost:${port}/graphql`, '    schema:', `      file: ./subgraphs/${name}/schema.graphql`]),
    '',
  ].join('\n');
}

function subgraphIndex(subgraphs: readonly SubgraphEntry[]): string {
  return [
    '// Written by `npm run subgraphs:generate` from common/service/subgraph-registry.ts.',
    "import type { SubgraphConfig } from '../common/service/subgraph-config.ts';",
    "import type { PrismaHandle, SubgraphModule } from '../common/service/subgraph-module.ts';",
    ...subgraphs.map(({ name }) => `import { ${name} } from './${name}/service.ts';`),
    '',
    "/** Every subgraph, in the registry's order: what the runner starts. */",
    `export const subgraphModules: readonly SubgraphModule<SubgraphConfig, PrismaHandle>[] = [${subgraphs.map(({ name }) => name).join(', ')}];`,
    '',
  ].join('\n');
}

const mainTs = (name: string) =>
  [
    '// The service alone (Docker, Kubernetes, `npm run build`). Written by `npm run subgraphs:generate`.',
    "import { runServiceMain } from '../../common/service/run-service-main.ts';",
    `import { ${name} } from './service.ts';`,
    '',
    `await runServiceMain(${name});`,
    '',
  ].join('\n');

const createDatabases = (subgraphs: readonly SubgraphEntry[]) =>
  [
    "-- One database per service: no service reads another's data.",
    '-- Written by `npm run subgraphs:generate` from common/service/subgraph-registry.ts.',
    ...subgraphs.map(({ name }) => `CREATE DATABASE ${name};`),
    '',
  ].join('\n');

const secretRef = (name: string, key: string, indent: string) => [
  `${indent}- name: ${name}`,
  `${indent}  valueFrom:`,
  `${indent}    secretKeyRef:`,
  `${indent}      name: commerce-supergraph`,
  `${indent}      key: ${key}`,
];

function k8sSubgraph({ name, port, autoscale, env = {} }: SubgraphEntry): string {
  const labels = ['    app.kubernetes.io/name: ' + name, '    app.kubernetes.io/part-of: commerce-supergraph'];
  const lines = [
    `# ${name}: Deployment, Service${autoscale ? ', HorizontalPodAutoscaler' : ''}. Written by \`npm run subgraphs:generate\`; test/deployment.test.ts checks it against the code.`,
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    '  labels:',
    ...labels,
    'spec:',
    '  replicas: 2',
    '  selector:',
    '    matchLabels:',
    `      app.kubernetes.io/name: ${name}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app.kubernetes.io/name: ${name}`,
    '        app.kubernetes.io/part-of: commerce-supergraph',
    '        commerce-supergraph/tier: subgraph',
    '    spec:',
    '      securityContext:',
    '        runAsNonRoot: true',
    '        runAsUser: 1000',
    '      terminationGracePeriodSeconds: 30',
    '      containers:',
    `        - name: ${name}`,
    '          image: commerce-supergraph:latest',
    '          args:',
    `            - dist/subgraphs/${name}/main.js`,
    '          ports:',
    '            - name: http',
    `              containerPort: ${port}`,
    '          env:',
    '            - name: NODE_ENV',
    '              value: production',
    '            - name: PORT',
    `              value: "${port}"`,
    '            - name: LOG_LEVEL',
    '              value: info',
    '            - name: OTEL_EXPORTER_OTLP_ENDPOINT',
    '              value: "" # an OTLP/HTTP collector, e.g. http://otel-collector:4318, turns tracing on',
    '            - name: SEED_DEMO_DATA',
    '              value: "false"',
    ...Object.entries(env).flatMap(([variable, value]) => [`            - name: ${variable}`, `              value: ${value}`]),
    ...secretRef(`DATABASE_URL_${upper(name)}`, `DATABASE_URL_${upper(name)}`, '            '),
    ...secretRef('SUBGRAPH_SECRET', `SUBGRAPH_SECRET_${upper(name)}`, '            '),
    ...secretRef('AMQP_URL', 'AMQP_URL', '            '),
    '          readinessProbe:',
    '            httpGet:',
    '              path: /health/ready',
    '              port: http',
    '            periodSeconds: 5',
    '            failureThreshold: 3',
    '          livenessProbe:',
    '            httpGet:',
    '              path: /health/live',
    '              port: http',
    '            periodSeconds: 10',
    '            failureThreshold: 3',
    '          startupProbe:',
    '            httpGet:',
    '              path: /health/live',
    '              port: http',
    '            periodSeconds: 2',
    '            failureThreshold: 60',
    '          resources:',
    '            requests:',
    '              cpu: 100m',
    '              memory: 192Mi',
    '            limits:',
    '              cpu: "1"',
    '              memory: 512Mi',
    '          securityContext:',
    '            allowPrivilegeEscalation: false',
    '            readOnlyRootFilesystem: false',
    '---',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    `  name: ${name}`,
    '  labels:',
    ...labels,
    'spec:',
    '  selector:',
    `    app.kubernetes.io/name: ${name}`,
    '  ports:',
    '    - name: http',
    `      port: ${port}`,
    '      targetPort: http',
  ];
  if (autoscale) {
    lines.push(
      '---',
      'apiVersion: autoscaling/v2',
      'kind: HorizontalPodAutoscaler',
      'metadata:',
      `  name: ${name}`,
      '  labels:',
      ...labels,
      'spec:',
      '  scaleTargetRef:',
      '    apiVersion: apps/v1',
      '    kind: Deployment',
      `    name: ${name}`,
      '  minReplicas: 2',
      '  maxReplicas: 6',
      '  metrics:',
      '    - type: Resource',
      '      resource:',
      '        name: cpu',
      '        target:',
      '          type: Utilization',
      '          averageUtilization: 70',
    );
  }
  return `${lines.join('\n')}\n`;
}

const kustomization = (subgraphs: readonly SubgraphEntry[]) =>
  [
    '# kubectl apply -k deploy/k8s   (after creating secret.yaml from secret.example.yaml)',
    '# Written by `npm run subgraphs:generate` from common/service/subgraph-registry.ts.',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'namespace: commerce-supergraph',
    'resources:',
    ...['secret.yaml', 'network-policy.yaml', 'gateway.yaml', ...subgraphs.map(({ name }) => `${name}.yaml`)].map((file) => `  - ${file}`),
    '',
  ].join('\n');

const secretExample = (subgraphs: readonly SubgraphEntry[]) =>
  [
    '# Copy to secret.yaml, fill in, and never commit it. One secret per subgraph, shared with the',
    '# gateway (16+ characters each); database URLs name one database per service.',
    '# Written by `npm run subgraphs:generate` from common/service/subgraph-registry.ts.',
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: commerce-supergraph',
    '  labels:',
    '    app.kubernetes.io/part-of: commerce-supergraph',
    'type: Opaque',
    'stringData:',
    '  AMQP_URL: amqp://user:password@rabbitmq:5672',
    '  REDIS_URL: redis://:password@redis:6379',
    ...subgraphs.map(({ name }) => `  DATABASE_URL_${upper(name)}: postgresql://user:password@postgres:5432/${name}`),
    ...subgraphs.map(({ name }) => `  SUBGRAPH_SECRET_${upper(name)}: replace-with-a-long-random-secret`),
    '',
  ].join('\n');

const composeSecret = (name: string) => `\${SUBGRAPH_SECRET_${upper(name)}:-compose-${name}-secret-change-me}`;

const regions = {
  'compose-subgraphs': (subgraphs: readonly SubgraphEntry[]) =>
    subgraphs.flatMap(({ name, port, env = {} }) => [
      `  ${name}:`,
      '    <<: *service',
      `    command: ["dist/subgraphs/${name}/main.js"]`,
      '    environment:',
      '      NODE_ENV: development',
      '      HOST: 0.0.0.0',
      `      PORT: "${port}"`,
      '      LOG_LEVEL: info',
      '      OTEL_EXPORTER_OTLP_ENDPOINT: ${OTEL_EXPORTER_OTLP_ENDPOINT:-}',
      '      SEED_DEMO_DATA: "true"',
      `      DATABASE_URL_${upper(name)}: postgresql://postgres:postgres@postgres:5432/${name}`,
      `      SUBGRAPH_SECRET: ${composeSecret(name)}`,
      '      AMQP_URL: amqp://guest:guest@rabbitmq:5672',
      ...Object.entries(env).map(([variable, value]) => `      ${variable}: ${value}`),
      '    depends_on: *subgraph-depends-on',
      '    healthcheck: *healthcheck',
      '',
    ]),
  'compose-gateway-subgraphs': (subgraphs: readonly SubgraphEntry[]) =>
    subgraphs.flatMap(({ name, port }) => [`      SUBGRAPH_URL_${upper(name)}: http://${name}:${port}/graphql`, `      SUBGRAPH_SECRET_${upper(name)}: ${composeSecret(name)}`]),
  'compose-gateway-depends-on': (subgraphs: readonly SubgraphEntry[]) => subgraphs.flatMap(({ name }) => [`      ${name}:`, '        condition: service_healthy']),
  'k8s-gateway-subgraphs': (subgraphs: readonly SubgraphEntry[]) =>
    subgraphs.flatMap(({ name, port }) => [
      `            - name: SUBGRAPH_URL_${upper(name)}`,
      `              value: http://${name}:${port}/graphql`,
      ...secretRef(`SUBGRAPH_SECRET_${upper(name)}`, `SUBGRAPH_SECRET_${upper(name)}`, '            '),
    ]),
} satisfies Record<string, (subgraphs: readonly SubgraphEntry[]) => string[]>;

/** Replaces each marked region of `text` with what the registry says it holds. */
export function fillRegions(file: string, text: string, subgraphs: readonly SubgraphEntry[] = SUBGRAPHS): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    out.push(line);
    const begin = /^\s*# <generated name="([\w-]+)">/.exec(line);
    if (!begin) continue;
    const region = begin[1] as keyof typeof regions;
    if (!(region in regions)) throw new Error(`${file}: unknown generated region "${region}"`);
    const end = lines.findIndex((candidate, at) => at > index && /^\s*# <\/generated>/.test(candidate));
    if (end < 0) throw new Error(`${file}: region "${region}" has no "# </generated>" line`);
    out.push(...regions[region](subgraphs), lines[end]!);
    index = end;
  }
  return out.join('\n');
}

/** Every file the registry writes, with the content it should have now (a registry given: what it would write). */
export function subgraphFiles(subgraphs: readonly SubgraphEntry[] = SUBGRAPHS): { readonly file: string; readonly content: string }[] {
  return [
    { file: 'supergraph.yaml', content: supergraphYaml(subgraphs) },
    { file: 'subgraphs/index.ts', content: subgraphIndex(subgraphs) },
    ...subgraphs.map(({ name }) => ({ file: `subgraphs/${name}/main.ts`, content: mainTs(name) })),
    { file: 'deploy/postgres/create-databases.sql', content: createDatabases(subgraphs) },
    ...subgraphs.map((subgraph) => ({ file: `deploy/k8s/${subgraph.name}.yaml`, content: k8sSubgraph(subgraph) })),
    { file: 'deploy/k8s/kustomization.yaml', content: kustomization(subgraphs) },
    { file: 'deploy/k8s/secret.example.yaml', content: secretExample(subgraphs) },
    ...['docker-compose.yml', 'deploy/k8s/gateway.yaml'].map((file) => ({ file, content: fillRegions(file, read(file), subgraphs) })),
  ];
}

const readOrEmpty = (file: string) => {
  try {
    return read(file);
  } catch {
    return '';
  }
};

/** The files whose content differs from what the registry says. */
export const staleSubgraphFiles = () =>
  subgraphFiles()
    .filter(({ file, content }) => readOrEmpty(file) !== content)
    .map(({ file }) => file);

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const stale = staleSubgraphFiles();
  if (process.argv.includes('--check')) {
    if (stale.length > 0) {
      process.stderr.write(`Not what common/service/subgraph-registry.ts says (run npm run subgraphs:generate): ${stale.join(', ')}\n`);
      process.exit(1);
    }
  } else {
    for (const { file, content } of subgraphFiles()) {
      if (!stale.includes(file)) continue;
      mkdirSync(dirname(resolve(root, file)), { recursive: true });
      writeFileSync(resolve(root, file), content);
    }
    process.stdout.write(stale.length > 0 ? `wrote ${stale.join(', ')}\n` : 'every subgraph file is up to date\n');
  }
}
