import { createServer } from 'node:net';

/**
 * A start-up that cannot go on for a reason the operator can fix (a port taken, a database that
 * cannot start): its message is one French line saying what to do, printed without a stack.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/**
 * Resolves once `port` on `host` could be listened on (and was released at once); rejects with a
 * StartupError if another process holds it. Port 0 (any free port) is always free. Checked before
 * anything is done (migrations, keys), so a taken port changes nothing.
 */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new StartupError(`port ${port} déjà utilisé : définissez PORT`)
          : error.code === 'EACCES'
            ? new StartupError(`port ${port} interdit à ce processus : définissez PORT (au-dessus de 1023)`)
            : error,
      ),
    );
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
