import { describe, expect, it } from 'vitest';
import { ExplorerClient } from '../worker/client';
import { setClient } from './client';
import { closeCompare, compareStore, openCompare } from './compare';

/** An explorer client that records what the comparison asks of the explorer's worker. */
class RecordingClient extends ExplorerClient {
  readonly holds: boolean[] = [];
  override holdBackground(held: boolean): void {
    this.holds.push(held);
  }
}

describe("the comparison and the explorer's background", () => {
  it('holds it while the pane is open and a run has not ended, asks again at Run, lets go at the end', () => {
    const client = new RecordingClient();
    setClient(client);
    openCompare();
    expect(client.holds).toEqual([true]);
    compareStore.setState({ phase: 'opening' });
    expect(client.holds).toEqual([true, true]); // the lapse restarts at Run
    compareStore.setState({ phase: 'running' });
    compareStore.setState({ version: 5 });
    expect(client.holds).toEqual([true, true]);
    compareStore.setState({ phase: 'done' });
    expect(client.holds).toEqual([true, true, false]);
    // a second run holds again; closing the pane mid-run lets go
    compareStore.setState({ phase: 'opening' });
    expect(client.holds).toEqual([true, true, false, true]);
    closeCompare();
    expect(client.holds).toEqual([true, true, false, true, false]);
  });

  it('lets go when a run fails or is stopped', () => {
    const client = new RecordingClient();
    setClient(client);
    compareStore.setState({ phase: 'idle' });
    openCompare();
    compareStore.setState({ phase: 'opening' });
    compareStore.setState({ phase: 'failed' });
    compareStore.setState({ phase: 'opening' });
    compareStore.setState({ phase: 'cancelled' });
    expect(client.holds).toEqual([true, true, false, true, false]);
    closeCompare();
    expect(client.holds).toEqual([true, true, false, true, false]);
  });
});
