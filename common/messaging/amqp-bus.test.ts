// RabbitMQ only: losing the connection. The shared broker cannot be restarted, so the tests take it
// away from one bus only: through a TCP proxy (sockets dropped, then connections refused for a while)
// and by having the broker itself close that one connection (rabbitmqctl close_connection).
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createLogger } from '../logger.ts';
import { BrokerUnavailableError, createAmqpBus } from './amqp-bus.ts';
import { createEnvelope } from './envelope.ts';
import type { MessageBus } from './message-bus.ts';
import { forceCloseConnection, openBrokerScratch, rabbitmqctlAvailable, rabbitmqReachable, RABBITMQ_URL, uniqueName, type BrokerScratch } from './testing/rabbitmq.ts';
import { startTcpProxy, type TcpProxy } from './testing/tcp-proxy.ts';

const log = createLogger('amqp-bus-test', 'silent');
// RabbitMQ (and its rabbitmqctl) belong to this machine: their absence fails the run, never skips it.
if (!(await rabbitmqReachable())) throw new Error('RabbitMQ at 127.0.0.1:5672 is not reachable; these tests need it.');
if (!(await rabbitmqctlAvailable())) throw new Error('rabbitmqctl is not available; the forced-close test needs it.');
const event = (routingKey: string) => createEnvelope(routingKey, 'TestEvent', { at: Date.now() });

describe('AMQP bus: connection loss', () => {
  let scratch: BrokerScratch;
  let proxy: TcpProxy;
  const timings: string[] = [];

  beforeAll(async () => {
    scratch = await openBrokerScratch('reconnect');
    const broker = new URL(RABBITMQ_URL);
    proxy = await startTcpProxy({ host: broker.hostname, port: Number(broker.port || 5672) });
  });
  afterAll(async () => {
    await proxy?.close();
    await scratch?.cleanUp();
    console.log(`AMQP reconnect timings\n  ${timings.join('\n  ')}`);
  });

  async function openBus(url: string, connectionName: string, operationTimeoutMs: number): Promise<MessageBus> {
    const bus = scratch.tracked(await createAmqpBus({ url, exchange: scratch.exchange, queuePrefix: scratch.queuePrefix, log, connectionName, operationTimeoutMs }));
    onTestFinished(() => bus.close());
    return bus;
  }

  it('resumes consuming and publishing after dropped sockets and an outage', async () => {
    const started = performance.now();
    const broker = new URL(RABBITMQ_URL);
    broker.port = String(proxy.port);
    const bus = await openBus(broker.toString(), uniqueName('proxied'), 1_000);
    const arrivals: string[] = [];
    await bus.consume('reconnect', ['reconnect.*'], async (message) => void arrivals.push(message.id));
    // At least once: a message whose ack was still on its way when the socket dropped comes again
    // (consumers are idempotent through the inbox). Each message, in order of first arrival:
    const received = () => [...new Set(arrivals)];

    const before = event('reconnect.before');
    await bus.publish(before);
    await vi.waitFor(() => expect(received()).toEqual([before.id]));

    // The network drops: publish() waits for the reconnect and goes through; the consumer is back.
    proxy.dropConnections();
    const afterDrop = event('reconnect.after-drop');
    await bus.publish(afterDrop);
    await vi.waitFor(() => expect(received()).toEqual([before.id, afterDrop.id]));

    // The broker is gone for a while: publish() gives up after its bound, health says so.
    await proxy.goDown();
    const outageStarted = performance.now();
    await expect(bus.publish(event('reconnect.during-outage'))).rejects.toBeInstanceOf(BrokerUnavailableError);
    expect(performance.now() - outageStarted).toBeGreaterThanOrEqual(950);
    await expect(bus.healthCheck()).rejects.toThrow(/not connected/);
    // Meanwhile another service publishes: the queue keeps it for us.
    const fromElsewhere = event('reconnect.from-elsewhere');
    await scratch.publishRaw(fromElsewhere.routingKey, Buffer.from(JSON.stringify(fromElsewhere)));

    // The broker is back: the bus reconnects by itself, re-attaches the consumer and publishes again.
    await proxy.comeBack();
    await vi.waitFor(() => bus.healthCheck(), { timeout: 10_000, interval: 50 });
    const afterOutage = event('reconnect.after-outage');
    await bus.publish(afterOutage);
    await vi.waitFor(() => expect(received()).toEqual([before.id, afterDrop.id, fromElsewhere.id, afterOutage.id]));
    timings.push(`dropped sockets and outage: ${Math.round(performance.now() - started)} ms`);
  });

  it('resumes after the broker force-closes its connection (only this one)', { timeout: 60_000 }, async () => {
    const started = performance.now();
    const name = uniqueName('forced');
    const bus = await openBus(RABBITMQ_URL, name, 10_000);
    const received: string[] = [];
    await bus.consume('forced', ['forced.*'], async (message) => void received.push(message.id));

    await forceCloseConnection(name); // CONNECTION_FORCED, as at a broker shutdown
    const afterClose = event('forced.after-close');
    await bus.publish(afterClose);
    await vi.waitFor(() => expect(received).toEqual([afterClose.id]));
    timings.push(`forced close via rabbitmqctl: ${Math.round(performance.now() - started)} ms`);
  });

  it('fails fast at start when the broker is unreachable', async () => {
    await proxy.goDown();
    try {
      const broker = new URL(RABBITMQ_URL);
      broker.port = String(proxy.port);
      const started = performance.now();
      await expect(createAmqpBus({ url: broker.toString(), exchange: scratch.exchange, queuePrefix: scratch.queuePrefix, log })).rejects.toBeInstanceOf(BrokerUnavailableError);
      timings.push(`unreachable at start: rejected after ${Math.round(performance.now() - started)} ms`);
    } finally {
      await proxy.comeBack();
    }
  });
});
