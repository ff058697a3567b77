import pg from 'pg';

/**
 * LISTENs on `channel` over its own connection (a pooled one would be handed to other work) and
 * calls `onPayload` for every NOTIFY; reconnects after `reconnectMs` when the connection drops and
 * then calls `onReconnect` (notices sent meanwhile are lost). Resolves with the function that stops.
 */
export async function listenToChannel(
  url: string,
  channel: string,
  onPayload: (payload: string) => void,
  onReconnect: () => void = () => undefined,
  reconnectMs = 1_000,
): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) onPayload(message.payload);
    });
    next.on('error', () => reconnect());
    next.on('end', () => reconnect());
    await next.connect();
    await next.query(`LISTEN ${channel}`);
    client = next;
  };
  const reconnect = () => {
    if (stopped || retry !== undefined) return;
    const dead = client;
    client = undefined;
    dead?.removeAllListeners('end');
    void dead?.end().catch(() => undefined);
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(onReconnect, () => reconnect());
    }, reconnectMs);
    retry.unref();
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const current = client;
    client = undefined;
    current?.removeAllListeners('end');
    await current?.end().catch(() => undefined);
  };
}
