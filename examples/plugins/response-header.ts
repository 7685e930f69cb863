// An example gateway plugin (examples/gateway.config.yaml lists it): every /graphql response
// carries a header naming this gateway, e.g. for a load balancer's logs. A plugin is a module whose
// default export makes one GatewayFeature (gateway/feature.ts) from the options the file gives it,
// or undefined when those options leave it off. Only type imports from the gateway: the module
// loads as it is, under tsx or plain node (which strips the types).
import { z } from 'zod';
import type { GatewayPluginFactory } from '../../gateway/config-file/plugins.ts';

const Options = z.strictObject({
  /** The header's name (lower case, a token). */
  name: z.string().regex(/^[a-z0-9-]+$/, 'must be a lower-case header name'),
  value: z.string().min(1),
  /** `false` leaves the plugin off without removing it from the file. */
  enabled: z.boolean().default(true),
});

const responseHeader: GatewayPluginFactory = (options, { log }) => {
  // A zod refusal stops the start, naming the option: `plugins[0] (…): options.name: …`.
  const { name, value, enabled } = Options.parse(options);
  if (!enabled) return undefined;
  log.debug({ header: name }, 'response header plugin on');
  return {
    // One instance per header: the file may list the module more than once.
    name: `response-header:${name}`,
    http: (next) => (req, res) => {
      res.setHeader(name, value);
      return next(req, res);
    },
  };
};

export default responseHeader;
