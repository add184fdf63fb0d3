import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@tether/testing';

/** ESLint as `npm run lint` runs it, on code that is never written to disk. */
// Spelled in two parts so the build's alias rewriting does not touch these probe sources.
const lib = (name: string) => `'@tether/` + `${name}'`;
type Linter = { lintText(code: string, o: { filePath: string }): Promise<Array<{ messages: Array<{ ruleId: string | null; message: string; severity: number }> }>> };

describe('Nx module boundaries are enforced as errors', () => {
  let eslint: Linter;
  before(() => {
    // The rule reads the cached Nx project graph; `nx show projects` writes it (as `npm run lint` does).
    execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'nx'), ['show', 'projects'], { cwd: REPO_ROOT, stdio: 'ignore' });
    // Resolved from the repository, as the lint script resolves it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ESLint } = require(join(REPO_ROOT, 'node_modules', 'eslint')) as { ESLint: new (o: object) => Linter };
    eslint = new ESLint({ cwd: REPO_ROOT });
  });

  const boundaryErrors = async (file: string, code: string) => {
    const [r] = await eslint.lintText(code, { filePath: join(REPO_ROOT, file) });
    return r.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries' && m.severity === 2);
  };

  it('a lib importing an app is an error', async () => {
    const errs = await boundaryErrors('libs/presence/src/probe-1.ts', `import { EdgeModule } from ${lib('app-edge')};\nexport const x = EdgeModule;\n`);
    assert.ok(errs.length > 0, 'libs never import apps');
  });

  it('an app importing another app is an error', async () => {
    const errs = await boundaryErrors('apps/gateway/src/probe-2.ts', `import { EdgeModule } from ${lib('app-edge')};\nexport const x = EdgeModule;\n`);
    assert.ok(errs.length > 0, 'apps meet only in libs/protocol');
  });

  it('reaching into a lib past its index.ts is an error', async () => {
    const errs = await boundaryErrors(
      'apps/gateway/src/probe-3.ts',
      "import { RedisPresenceStore } from '../../../libs/presence/src/presence.redis';\nexport const x = RedisPresenceStore;\n",
    );
    assert.ok(errs.length > 0, 'libs are imported through their index.ts');
  });

  it('the protocol lib may not import other libs', async () => {
    const errs = await boundaryErrors('libs/protocol/src/probe-4.ts', `import { Logger } from ${lib('telemetry')};\nexport const x = Logger;\n`);
    assert.ok(errs.length > 0);
  });

  it('the tether host may compose apps, and an app may use libs', async () => {
    assert.deepEqual(await boundaryErrors('apps/tether/src/probe-5.ts', `import { EdgeModule } from ${lib('app-edge')};\nexport const x = EdgeModule;\n`), []);
    assert.deepEqual(await boundaryErrors('apps/edge/src/probe-6.ts', `import { normalizeMac } from ${lib('protocol')};\nexport const x = normalizeMac;\n`), []);
  });
});
