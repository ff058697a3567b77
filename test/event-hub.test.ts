import { describe, expect, it } from 'vitest';
import { EventHub, type AgentStream } from '../src/handoff/event-hub.js';

function stream(): AgentStream & { closed: boolean; sent: string[] } {
  return {
    closed: false,
    sent: [],
    send(event) {
      this.sent.push(event);
    },
    close() {
      this.closed = true;
    },
  };
}

describe('agent event hub at shutdown', () => {
  it('ends every open stream, and a stream attached afterwards (a console reconnecting while the server stops) at once', () => {
    const hub = new EventHub();
    const open = stream();
    hub.attach('ana', open);
    expect(hub.hasStreams('ana')).toBe(true);
    hub.clear();
    expect(open.closed).toBe(true);

    const late = stream();
    const detach = hub.attach('ana', late);
    expect(late.closed).toBe(true);
    expect(hub.hasStreams('ana')).toBe(false);
    hub.send('ana', { event: 'typing', handoffId: 'h1' }, {});
    expect(late.sent).toEqual([]);
    detach();
  });
});
