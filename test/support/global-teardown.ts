export default async function globalTeardown(): Promise<void> {
  const stops = (globalThis as { __vigieStop?: Array<() => Promise<void>> }).__vigieStop ?? [];
  for (const stop of stops.reverse()) await stop();
}
