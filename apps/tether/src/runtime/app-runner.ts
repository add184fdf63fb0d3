import { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from '@tether/telemetry';
import { HostModule } from './host.module';

/**
 * Boots the given app modules in one Nest application context: listeners start in
 * onApplicationBootstrap; SIGTERM/SIGINT run the shutdown hooks (close listeners, release presence).
 */
export async function startApps(modules: DynamicModule[], logger: Logger): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(HostModule.of(modules), { logger: false, abortOnError: false });
  // useProcessExit: Nest otherwise re-sends the signal to itself, which the kernel ignores for PID 1 (containers).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  try {
    await app.init();
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  logger.child('main').notice('started');
  return app;
}

/** Resolves never: the process lives until a signal runs the shutdown hooks. */
export function untilSignal(): Promise<number> {
  return new Promise(() => undefined);
}
