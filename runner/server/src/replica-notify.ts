import pg from 'pg';

/** The channel replicas tell each other of workshop changes on. */
const CHANNEL = 'paranoid_workshops';

/** A channel between replicas over the PostgreSQL they share. */
export interface ChangeChannel {
  /** Tells every other replica that this workshop changed. */
  publish(workshopId: string): void;
  close(): Promise<void>;
}

/**
 * Workshop changes between replicas, through PostgreSQL's LISTEN/NOTIFY: a Check graded on
 * one replica reaches an instructor's live roster streamed by another at once, not at the
 * next tick. One connection per replica listens; a lost connection is reopened, and until
 * then rosters still refresh on their tick.
 */
export async function openChangeChannel(
  databaseUrl: string,
  self: string,
  onChange: (workshopId: string) => void,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<ChangeChannel> {
  let closed = false;
  let listener: pg.Client | undefined;
  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    client.on('notification', (n) => {
      const [from, workshopId] = (n.payload ?? '').split(' ');
      if (from !== self && workshopId) onChange(workshopId);
    });
    client.on('error', (error) => {
      log(`failed to listen for workshop changes: ${error.message}; reconnecting`);
      client.end().catch(() => undefined);
      if (!closed) setTimeout(() => void connect().catch(() => undefined), 2_000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    listener = client;
  };
  await connect();
  const sender = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  sender.on('error', () => undefined);
  return {
    publish(workshopId) {
      sender
        .query('SELECT pg_notify($1, $2)', [CHANNEL, `${self} ${workshopId}`])
        .catch((error: Error) => log(`failed to tell the other replicas of a workshop change: ${error.message}`));
    },
    async close() {
      closed = true;
      await listener?.end().catch(() => undefined);
      await sender.end().catch(() => undefined);
    },
  };
}
