/**
 * Stately compatibility: @statelyai/inspect's own WebSocket client and receiver attach to the
 * inspector's `/stately` endpoint. A toy actor inspected by `createWebSocketInspector` and
 * kubelife's cluster both reach a `createWebSocketReceiver`, and our messages carry every key of
 * Stately's own, per message type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { createWebSocketInspector, createWebSocketReceiver } from '@statelyai/inspect';
import { up, type RunningServer } from '../../src/server/up.ts';

interface Msg { type: string; sessionId: string; systemId?: string; _version?: string; [k: string]: unknown }

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe('the /stately endpoint speaks @statelyai/inspect', () => {
  let server: RunningServer | undefined;
  const received: Msg[] = [];
  let toy: ReturnType<typeof createWebSocketInspector> | undefined;

  beforeAll(async () => {
    server = await up({ port: 0, speed: 20, seed: 4, inspectorPort: 0 });
    const url = `ws://127.0.0.1:${server.inspector!.port}/stately`;
    createWebSocketReceiver({ server: url }).subscribe((e) => received.push(e as unknown as Msg));
    // Give the receiver time to connect, so it sees the relayed toy messages.
    await until(() => received.some((m) => m.type === '@xstate.actor'), 10_000);
    toy = createWebSocketInspector({ url });
    const machine = createMachine({ id: 'toggle', initial: 'off', states: { off: { on: { flip: 'on' } }, on: { on: { flip: 'off' } } } });
    const actor = createActor(machine, { inspect: toy.inspect });
    actor.start();
    actor.send({ type: 'flip' });
  });

  afterAll(async () => {
    toy?.stop();
    await server?.stop();
  });

  it('first tells a late joiner about every running actor, with its machine definition', () => {
    const scheduler = received.find((m) => m.type === '@xstate.actor' && m.systemId === 'kube-scheduler');
    expect(scheduler).toBeDefined();
    expect(JSON.parse(scheduler!.definition as string).id).toBe('kube-scheduler');
    expect((scheduler!.snapshot as { value?: unknown }).value).toBeDefined();
  });

  it('streams the cluster actors events and snapshots live', async () => {
    expect(await until(() => received.some((m) => m.type === '@xstate.snapshot' && m.systemId !== undefined)
      && received.some((m) => m.type === '@xstate.event' && m.systemId !== undefined), 20_000)).toBe(true);
  });

  it('relays what a createWebSocketInspector sends, and our messages have every key of Stately own', async () => {
    const theirs = (type: string) => received.find((m) => m.type === type && m.systemId === undefined);
    const ours = (type: string) => received.find((m) => m.type === type && m.systemId !== undefined);
    expect(await until(() => ['@xstate.actor', '@xstate.event', '@xstate.snapshot'].every((t) => theirs(t) && ours(t)), 20_000)).toBe(true);
    for (const type of ['@xstate.actor', '@xstate.event', '@xstate.snapshot']) {
      const a = theirs(type)!;
      const b = ours(type)!;
      for (const key of Object.keys(a)) expect(Object.keys(b), `${type} lacks ${key}`).toContain(key);
      expect(b._version).toBe(a._version);
      expect(typeof b.sessionId).toBe('string');
      expect(typeof b.createdAt).toBe(typeof a.createdAt);
    }
    const toySnapshot = received.find((m) => m.type === '@xstate.snapshot' && m.systemId === undefined && (m.snapshot as { value?: string }).value === 'on');
    expect(toySnapshot).toBeDefined();
  });
});
