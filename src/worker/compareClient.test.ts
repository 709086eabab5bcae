import { describe, expect, it } from 'vitest';
import { CompareClient } from './compareClient';
import { COMPARE_PROTOCOL_VERSION } from './compareProtocol';

/** A Worker stand-in that records what it was sent. */
function fakeWorkers() {
  const made: { sent: unknown[] }[] = [];
  const factory = () => {
    const record = { sent: [] as unknown[] };
    made.push(record);
    return {
      postMessage: (message: unknown) => record.sent.push(message),
      addEventListener: () => {},
      terminate: () => {},
    } as unknown as Worker;
  };
  return { made, factory };
}

describe('CompareClient', () => {
  it('warm() makes the worker without a message, and the next request goes to that worker', () => {
    const { made, factory } = fakeWorkers();
    const client = new CompareClient(factory);
    client.warm();
    client.warm();
    expect(made).toHaveLength(1);
    expect(made[0].sent).toEqual([]);
    const place = { source: null, image: 0, layer: null };
    client.prepare(place, { ...place, image: 1 });
    expect(made).toHaveLength(1);
    expect(made[0].sent).toEqual([
      { v: COMPARE_PROTOCOL_VERSION, type: 'prepare', a: place, b: { ...place, image: 1 } },
    ]);
  });
});
